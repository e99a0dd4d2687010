package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tau-da/tau/app"

	"github.com/tau-da/tau/internal/testwh"
	"github.com/tau-da/tau/scoring/scoredb"
)

// TestMain hashes the tests' app passwords at bcrypt's least cost.
func TestMain(m *testing.M) {
	app.PasswordCost = bcrypt.MinCost
	os.Exit(m.Run())
}

// run executes tau with args in-process and returns its output and error.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return runStdin(t, "", args...)
}

// synthForce synthesises a force of n relationships with the seed and
// loads it: it returns the test's folder, the extract and the warehouse.
func synthForce(t *testing.T, n, seed int) (dir, extract, warehouse string) {
	t.Helper()
	dir = t.TempDir()
	extract, warehouse = filepath.Join(dir, "extract"), filepath.Join(dir, "wh")
	if out, err := run(t, "synth", "--out", extract, "--relationships", fmt.Sprint(n), "--seed", fmt.Sprint(seed)); err != nil {
		t.Fatalf("synth: %v\n%s", err, out)
	}
	if out, err := run(t, "load", extract, "--warehouse", warehouse); err != nil {
		t.Fatalf("load: %v\n%s", err, out)
	}
	return dir, extract, warehouse
}

// runStdin executes tau with args in-process, stdin read from in.
func runStdin(t *testing.T, in string, args ...string) (string, error) {
	t.Helper()
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetIn(strings.NewReader(in))
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	return exitStatus(err)
}

// TestDemoEndToEnd runs the README's first command on a small force.
func TestDemoEndToEnd(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, err := run(t, "demo", "--out", dir, "--relationships", "800", "--seed", "2")
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	for _, want := range []string{"wrote a synthetic force", "reconciles", "checks:", "0 failed", "relationships scored", "ACTIVE ITEMS", "STAGE AT EACH ASSESSMENT", "Maryland Scientific Methods Scale level", "where to look", " serve --warehouse", "sign in as demo"} {
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
		{"parameter named by its flag", []string{"synth", "--out", t.TempDir(), "--relationships=-1"}, nil, exitUsage, "--relationships -1: must be at least 1"},
		{"score before load", []string{"score", "--warehouse", filepath.Join(extract, "no-warehouse")}, nil, exitFailure, "run `tau load EXTRACT_DIR --warehouse " + filepath.Join(extract, "no-warehouse") + "` first"},
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
	t.Parallel()
	for _, cmd := range []string{"synth", "load", "check", "score", "explain", "evaluate", "calibrate", "notebook", "report", "serve", "demo", "bench"} {
		out, err := run(t, cmd, "--help")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "Examples:") || !strings.Contains(out, "tau "+cmd) {
			t.Errorf("tau %s --help has no examples:\n%s", cmd, out)
		}
	}
}

// TestScoreAndExplainCLI scores the fixture in every format and explains a
// relationship with a sticky item.
func TestScoreAndExplainCLI(t *testing.T) {
	t.Parallel()
	wh := t.TempDir()
	if out, err := run(t, "load", "../../testdata/score/sticky/extract", "--warehouse", wh); err != nil {
		t.Fatalf("load: %v\n%s", err, out)
	}
	out, err := run(t, "score", "--warehouse", wh, "--as-of", "2024-12-31")
	if err != nil || !strings.Contains(out, "3 relationships scored") || !strings.Contains(out, "snapshot written") {
		t.Fatalf("score: %v\n%s", err, out)
	}
	csvOut := filepath.Join(t.TempDir(), "s.csv")
	if _, err := run(t, "score", "--warehouse", wh, "--as-of", "2024-12-31", "--format", "csv", "--out", csvOut); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(csvOut)
	if lines := strings.Count(string(b), "\n"); lines != 4 || !strings.HasPrefix(string(b), "rank,relationship_id") {
		t.Errorf("csv has %d lines:\n%s", lines, b)
	}
	out, err = run(t, "score", "--warehouse", wh, "--as-of", "2024-12-31", "--format", "json")
	if err != nil || !strings.Contains(out, `"pct_occurrences_last_90d"`) || !strings.Contains(out, `"clusters": [`) {
		t.Errorf("json: %v\n%s", err, out)
	}
	_, err = run(t, "explain", "r-b1b5f1a0b6c2d3e4", "--warehouse", wh, "--as-of", "2024-12-31")
	if code := exitCode(err); code != exitFailure || !strings.Contains(err.Error(), "no occurrence or assessment") {
		t.Errorf("explain of an unknown relationship: %v", err)
	}
	id := ""
	out, _ = run(t, "score", "--warehouse", wh, "--as-of", "2024-12-31", "--format", "csv")
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, ",V1,P1,") {
			id = strings.Split(line, ",")[1]
		}
	}
	out, err = run(t, "explain", id, "--warehouse", wh, "--as-of", "2024-12-31")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"held by the sticky rule although assessment A3", "another relationship", "UNSCORED", "STAGE AT EACH ASSESSMENT"} {
		if !strings.Contains(out, want) {
			t.Errorf("explain lacks %q:\n%s", want, out)
		}
	}
	if _, err := run(t, "score", "--warehouse", wh, "--format", "xml"); exitCode(err) != exitUsage {
		t.Errorf("bad format: %v", err)
	}
}

// TestScoreCSVRowsMatchSnapshot: the CSV written from the rows kept as the
// relationships were scored equals the CSV read back from the snapshot, on
// a small synthetic force (ranks, quoting and every value).
func TestScoreCSVRowsMatchSnapshot(t *testing.T) {
	t.Parallel()
	dir, _, wh := synthForce(t, 500, 3)
	kept := filepath.Join(dir, "kept.csv")
	if out, err := run(t, "score", "--warehouse", wh, "--as-of", "2025-06-30", "--format", "csv", "--out", kept); err != nil {
		t.Fatalf("score: %v\n%s", err, out)
	}
	cfg, err := loadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	r, err := scoredb.Score(context.Background(), testwh.Session(t, wh), cfg, time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC), true)
	if err != nil {
		t.Fatal(err)
	}
	var back bytes.Buffer
	if err := writeScoresCSV(context.Background(), &back, r); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(kept)
	if string(got) != back.String() || strings.Count(back.String(), "\n") < 100 {
		t.Errorf("kept rows (%d bytes) differ from the snapshot read back (%d bytes, %d lines)", len(got), back.Len(), strings.Count(back.String(), "\n"))
	}
}

// TestMistypes: an unknown command is a usage error with cobra's
// suggestion; a mistyped flag names the nearest real one.
func TestMistypes(t *testing.T) {
	t.Parallel()
	if _, err := run(t, "lod"); exitCode(err) != exitUsage || !strings.Contains(err.Error(), "Did you mean this?") {
		t.Errorf("unknown command: %d %v", exitCode(err), err)
	}
	if _, err := run(t, "load", "x", "--warehuose", "y"); exitCode(err) != exitUsage || !strings.Contains(err.Error(), "did you mean --warehouse?") {
		t.Errorf("mistyped flag: %v", err)
	}
	if _, err := run(t, "load", "x", "--frobnicate"); exitCode(err) != exitUsage || strings.Contains(err.Error(), "did you mean") {
		t.Errorf("a flag like none: %v", err)
	}
}
