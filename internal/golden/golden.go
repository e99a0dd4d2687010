// Package golden compares test output with golden files under testdata and
// rewrites them when the tests run with -update (go test ./PKG -update,
// after checking the change). A mismatch is shown as a unified diff. It is
// for tests only and imports nothing of tau's.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/pmezard/go-difflib/difflib"
)

var update = flag.Bool("update", false, "rewrite golden files with the output of the tests")

// Check compares got with the golden file at path, or writes it there with
// -update.
func Check(tb testing.TB, path, got string) {
	tb.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v; run the test with -update to create it", err)
	}
	if string(want) != got {
		tb.Errorf("%s differs from the output (run the test with -update after checking the change):\n%s", path, Diff(path, string(want), got))
	}
}

// Diff returns a unified diff from want to got, with three lines of context.
func Diff(name, want, got string) string {
	d, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(want), B: difflib.SplitLines(got),
		FromFile: name, ToFile: "got", Context: 3,
	})
	if err != nil {
		return err.Error()
	}
	return d
}
