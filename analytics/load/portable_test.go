package load

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tau-da/tau/analytics"
	"github.com/tau-da/tau/internal/duckdb"
)

// portableEnv names the warehouse, relative to the working folder, that
// the re-executed test binary reads in TestPortableHelper.
const portableEnv = "TAU_TEST_PORTABLE_WAREHOUSE"

// TestPortableWarehouse copies a loaded warehouse (with a results table)
// three ways, moves the original away, and reads each copy from another
// working folder by a relative path, in a process of its own (the working
// folder is the process's): its tables, its checks, its results and its
// tau.duckdb must all be the copy's. The cases: paths recorded
// relative to the folder the load ran from, a copy that reads the
// original, a copy that follows symlinks (a zip, a Windows copy), a file
// system without symlinks, and a warehouse under a hidden folder.
func TestPortableWarehouse(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	orig := filepath.Join(base, "orig", "wh")
	mustLoad(t, goldenExtract, orig, LoadOptions{})
	writeResult(t, orig)
	copies := []struct {
		name, dir string
		cp        []string
		dropLink  bool
	}{
		{"cp -a", "a/wh", []string{"-a"}, false},
		{"cp following links", "l/wh", []string{"-rL"}, false},
		{"no symlinks", "n/wh", []string{"-rL"}, true},
		{"hidden folder", ".local/share/tau/wh", []string{"-a"}, false},
	}
	for _, c := range copies {
		dst := filepath.Join(base, c.dir)
		os.MkdirAll(filepath.Dir(dst), 0o700)
		if out, err := exec.Command("cp", append(c.cp, orig, dst)...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", c.name, err, out)
		}
		if c.dropLink {
			os.RemoveAll(filepath.Join(dst, "current"))
		}
	}
	// Anything that still reads the original now fails.
	if err := os.Rename(filepath.Join(base, "orig"), filepath.Join(base, "gone")); err != nil {
		t.Fatal(err)
	}
	elsewhere := filepath.Join(base, "elsewhere", "deeper")
	os.MkdirAll(elsewhere, 0o700)
	for _, c := range copies {
		t.Run(c.name, func(t *testing.T) {
			rel, _ := filepath.Rel(elsewhere, filepath.Join(base, c.dir))
			cmd := exec.Command(os.Args[0], "-test.run=^TestPortableHelper$", "-test.v")
			cmd.Dir = elsewhere
			cmd.Env = append(os.Environ(), portableEnv+"="+rel)
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "portable: ok") {
				t.Fatalf("reading %s from another folder: %v\n%s", rel, err, out)
			}
		})
	}
}

// TestPortableHelper runs only inside TestPortableWarehouse's child
// process: it reads the warehouse named by portableEnv.
func TestPortableHelper(t *testing.T) {
	rel := os.Getenv(portableEnv)
	if rel == "" {
		t.Skip("run by TestPortableWarehouse")
	}
	ctx := context.Background()
	w, err := analytics.Open(rel)
	if err != nil {
		t.Fatal(err)
	}
	s, err := w.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n int
	if err := s.DB.QueryRowContext(ctx, "SELECT count(*) FROM persons").Scan(&n); err != nil || n == 0 {
		t.Fatalf("persons: %d, %v", n, err)
	}
	var note string
	if err := s.DB.QueryRowContext(ctx, "SELECT note FROM portable_marks").Scan(&note); err != nil || note != "written to the original" {
		t.Fatalf("results: %q, %v", note, err)
	}
	if _, err := analytics.RunChecks(ctx, rel); err != nil {
		t.Fatalf("checks: %v", err)
	}
	// tau.duckdb for the DuckDB shell: its views resolve from the
	// generation folder given as the search path.
	db, err := duckdb.Open(duckdb.Options{Path: filepath.Join(s.Generation, "tau.duckdb"), ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, _ := db.Conn(ctx)
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET file_search_path = "+duckdb.Quote(s.Generation)); err != nil {
		t.Fatal(err)
	}
	var m int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM persons").Scan(&m); err != nil || m != n {
		t.Fatalf("tau.duckdb persons: %d (session %d), %v", m, n, err)
	}
	fmt.Println("portable: ok")
}

// writeResult publishes a one-row results table, as scoring would.
func writeResult(tb testing.TB, wh string) {
	tb.Helper()
	w, err := analytics.Open(wh)
	if err != nil {
		tb.Fatal(err)
	}
	r, err := w.NewResults("portable")
	if err != nil {
		tb.Fatal(err)
	}
	tables := []analytics.ResultTable{{Name: "marks", Columns: "note VARCHAR"}}
	if err := r.WriteTables(tables, map[string][][]string{"marks": {{"written to the original"}}}); err != nil {
		tb.Fatal(err)
	}
	if _, err := r.Publish("date=2025-01-01", "run=1"); err != nil {
		tb.Fatal(err)
	}
}
