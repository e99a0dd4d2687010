package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestReadOnlyWarehouse: a warehouse whose owner removed write permission
// is read but never changed. Commands that write (load, score, evaluate,
// calibrate, serve) refuse with the reason and the fix; commands that
// read (check, explain, query) work, and afterwards every file, folder and
// permission is as it was. The check is on the mode bits, so it holds
// when the tests run as root (who could write anyway).
func TestReadOnlyWarehouse(t *testing.T) {
	t.Parallel()
	dir, ex, wh := synthForce(t, 300, 4)
	if out, err := run(t, "score", "--warehouse", wh); err != nil {
		t.Fatalf("score: %v\n%s", err, out)
	}
	if err := os.Chmod(wh, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(wh, 0o700) })
	users := filepath.Join(dir, "users.json")
	if out, err := runStdin(t, "pw-for-the-test\n", "users", "add", "ro", "--role", "admin", "--users", users, "--password-stdin"); err != nil {
		t.Fatalf("users: %v\n%s", err, out)
	}
	before := tree(t, wh)
	for _, args := range [][]string{
		{"load", ex, "--warehouse", wh},
		{"score", "--warehouse", wh},
		{"evaluate", "--warehouse", wh, "--hours-per-incident", "kent-physical"},
		{"calibrate", "--warehouse", wh, "--out", filepath.Join(dir, "proposed.yaml")},
		{"serve", "--warehouse", wh, "--users", users, "--addr", "127.0.0.1:0"},
	} {
		out, err := run(t, args...)
		if err == nil || !strings.Contains(err.Error(), "read-only") || !strings.Contains(hint(err, wh), "chmod u+w") {
			t.Errorf("tau %s on a read-only warehouse: %v (hint %q)\n%s", args[0], err, hint(err, wh), out)
		}
	}
	for _, args := range [][]string{
		{"check", "--warehouse", wh},
		{"query", "SELECT count(*) FROM relationships", "--warehouse", wh},
	} {
		if out, err := run(t, args...); err != nil {
			t.Errorf("tau %s on a read-only warehouse: %v\n%s", args[0], err, out)
		}
	}
	if after := tree(t, wh); after != before {
		t.Errorf("the read-only warehouse changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// tree lists every path under root with its size, mode and modification
// time.
func tree(tb testing.TB, root string) string {
	tb.Helper()
	var lines []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		lines = append(lines, fmt.Sprintf("%s %d %s %d", p, info.Size(), info.Mode(), info.ModTime().UnixNano()))
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
