package queries

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	full := "-- name: n\n-- purpose: p\n-- inputs: i\n-- outputs: o\n-- source: s\n-- severity: warn\nSELECT 1\n"
	tests := []struct {
		name    string
		text    string
		wantErr string
		wantSQL string
	}{
		{"complete", full, "", "SELECT 1"},
		{"no source", strings.Replace(full, "-- source: s\n", "", 1), `no "source" line`, ""},
		{"no body", "-- name: n\n-- purpose: p\n-- inputs: i\n-- outputs: o\n-- source: s\n", "no SQL", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("x.sql", tt.text)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.SQL != tt.wantSQL || f.Header["severity"] != "warn" || f.Name() != "n" {
				t.Errorf("Parse = %+v", f)
			}
		})
	}
}

// TestChecksHaveHeaders proves every shipped check parses, with a severity.
func TestChecksHaveHeaders(t *testing.T) {
	t.Parallel()
	cs, err := Checks()
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) < 8 {
		t.Fatalf("got %d checks, want at least 8", len(cs))
	}
	for _, c := range cs {
		if !strings.HasPrefix(strings.ToUpper(c.SQL), "SELECT") {
			t.Errorf("%s: a check must be a SELECT of failing rows, starts %q", c.Path, c.SQL[:10])
		}
	}
}

// TestScoringAndWarehouseHaveHeaders proves every query of every area
// parses, with its header, and that no folder of SQL files is left out of
// the embedded areas.
func TestScoringAndWarehouseHaveHeaders(t *testing.T) {
	t.Parallel()
	for _, d := range Areas {
		fs, err := dir(d)
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		if len(fs) == 0 {
			t.Fatalf("%s: no queries", d)
		}
		for _, f := range fs {
			if !strings.HasPrefix(strings.ToUpper(f.SQL), "SELECT") && !strings.HasPrefix(strings.ToUpper(f.SQL), "WITH") {
				t.Errorf("%s: a query must be a SELECT, starts %q", f.Path, f.SQL[:10])
			}
		}
	}
	if _, err := Warehouse("answer_sets"); err != nil {
		t.Error(err)
	}
}

// TestEveryFolderEmbedded: each folder of .sql files beside the package is
// an area (or checks), so none is left unembedded and unparsed.
func TestEveryFolderEmbedded(t *testing.T) {
	t.Parallel()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if sqls, _ := filepath.Glob(filepath.Join(e.Name(), "*.sql")); len(sqls) > 0 && e.Name() != "checks" && !slices.Contains(Areas, e.Name()) {
			t.Errorf("folder %s holds SQL but is not in Areas", e.Name())
		}
	}
	if got := Must("app", "list"); !strings.Contains(got, "scores_scores") {
		t.Errorf("Must(app, list) = %q", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("Must of a missing query did not panic")
		}
	}()
	Must("app", "no_such_query")
}
