package architecture

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const (
	module = "github.com/tau-da/tau"
	driver = "github.com/duckdb/duckdb-go/v2"
	root   = "../.."
)

// imports reads every Go file of the module (every build tag included, so
// both twins of a tagged pair count; tests with withTests) and returns
// each package's imports. It parses the files itself rather than asking go
// list, so the test's cached result is dropped when any of them changes.
func imports(t *testing.T, withTests bool) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && p != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || (!withTests && strings.HasSuffix(p, "_test.go")) {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(p))
		path := module
		if rel != "." {
			path += "/" + filepath.ToSlash(rel)
		}
		for _, s := range f.Imports {
			imp, _ := strconv.Unquote(s.Path.Value)
			if !slices.Contains(out[path], imp) {
				out[path] = append(out[path], imp)
			}
		}
		if out[path] == nil {
			out[path] = []string{}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 10 {
		t.Fatalf("found %d packages; the test is not looking at the module", len(out))
	}
	return out
}

// reaches reports whether package from reaches target through the module's
// own packages (target may be outside the module: it is then reached when a
// module package on the way imports it).
func reaches(pkgs map[string][]string, from, target string) (bool, []string) {
	seen := map[string]bool{}
	var walk func(p string, path []string) []string
	walk = func(p string, path []string) []string {
		if seen[p] {
			return nil
		}
		seen[p] = true
		for _, imp := range pkgs[p] {
			if imp == target {
				return append(path, imp)
			}
			if strings.HasPrefix(imp, module+"/") {
				if found := walk(imp, append(path, imp)); found != nil {
					return found
				}
			}
		}
		return nil
	}
	found := walk(from, []string{from})
	return found != nil, found
}

// TestLayering fails when a package breaks the module's layering: only
// internal/duckdb imports the DuckDB driver, and the pure packages do not
// reach it at all (tests included), so their tests need no cgo.
func TestLayering(t *testing.T) {
	t.Parallel()
	pkgs := imports(t, true)
	for path, imps := range pkgs {
		if path != module+"/internal/duckdb" && slices.Contains(imps, driver) {
			t.Errorf("%s imports %s; only internal/duckdb may", path, driver)
		}
	}
	for _, name := range []string{"extract", "synth", "scoring", "evaluation", "calibration", "notebooks", "app", "queries"} {
		if _, ok := pkgs[module+"/"+name]; !ok {
			t.Errorf("package %s is missing", name)
			continue
		}
		if ok, path := reaches(pkgs, module+"/"+name, driver); ok {
			t.Errorf("pure package %s reaches the DuckDB driver: %s", name, strings.Join(path, " -> "))
		}
	}
}

// TestWarehouseImportsNoFeature fails when the warehouse package (or its
// loader) reaches a feature package: analytics is the warehouse and only
// that, and the features' stores build on it, never the other way round.
// (Its tests may use the feature packages' test helpers.)
func TestWarehouseImportsNoFeature(t *testing.T) {
	t.Parallel()
	pkgs := imports(t, false)
	features := []string{"scoring", "evaluation", "calibration", "notebooks", "app"}
	for _, from := range []string{"analytics", "analytics/load"} {
		for _, f := range features {
			for p := range pkgs {
				if p != module+"/"+f && !strings.HasPrefix(p, module+"/"+f+"/") {
					continue
				}
				if ok, path := reaches(pkgs, module+"/"+from, p); ok {
					t.Errorf("%s reaches feature package %s: %s", from, p, strings.Join(path, " -> "))
				}
			}
		}
	}
}
