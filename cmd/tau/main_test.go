package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run executes tau with args in-process and returns its output and error.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func exitCode(err error) int {
	var ec exitCoder
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	if err != nil {
		return 1
	}
	return 0
}

// TestDemoEndToEnd runs the README's first command on a small force.
func TestDemoEndToEnd(t *testing.T) {
	dir := t.TempDir()
	out, err := run(t, "demo", "--out", dir, "--relationships", "800", "--seed", "2")
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	for _, want := range []string{"wrote a synthetic force", "reconciles", "checks:", "0 failed", "where to look"} {
		if !strings.Contains(strings.ToLower(out), strings.ToLower(want)) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "warehouse", "current", "tau.duckdb")); err != nil {
		t.Errorf("demo left no warehouse: %v", err)
	}
}

func TestErrors(t *testing.T) {
	extract := t.TempDir()
	if out, err := run(t, "synth", "--out", extract, "--relationships", "200"); err != nil {
		t.Fatalf("synth: %v\n%s", err, out)
	}
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantCode int
		wantMsg  string
	}{
		{"no warehouse", []string{"load", extract}, map[string]string{"TAU_WAREHOUSE": ""}, exitUsage, "pass --warehouse DIR or set TAU_WAREHOUSE"},
		{"no extract folder", []string{"load", "--warehouse", t.TempDir()}, nil, exitUsage, "give one extract folder"},
		{"missing folder", []string{"load", filepath.Join(extract, "nope"), "--warehouse", t.TempDir()}, nil, exitFailure, "not a folder"},
		{"bad flag", []string{"load", extract, "--max-reject-rate", "lots"}, nil, exitUsage, "invalid argument"},
		{"bad rate", []string{"load", extract, "--warehouse", t.TempDir(), "--max-reject-rate", "2"}, nil, exitUsage, "not a share"},
		{"check before load", []string{"check", "--warehouse", t.TempDir()}, nil, exitFailure, "run `tau load"},
		{"bad synth dates", []string{"synth", "--out", t.TempDir(), "--from", "2025-01-01", "--to", "2024-01-01"}, nil, exitUsage, "must be before"},
		{"warehouse from env", []string{"load", extract}, map[string]string{"TAU_WAREHOUSE": t.TempDir()}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			out, err := run(t, tt.args...)
			if got := exitCode(err); got != tt.wantCode {
				t.Fatalf("exit code = %d, want %d (err %v)\n%s", got, tt.wantCode, err, out)
			}
			if tt.wantMsg != "" && !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not say %q", err, tt.wantMsg)
			}
		})
	}
}

func TestHelpHasExamples(t *testing.T) {
	for _, cmd := range []string{"synth", "load", "check", "demo", "bench"} {
		out, err := run(t, cmd, "--help")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "Examples:") || !strings.Contains(out, "tau "+cmd) {
			t.Errorf("tau %s --help has no examples:\n%s", cmd, out)
		}
	}
}
