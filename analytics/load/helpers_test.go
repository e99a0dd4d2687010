package load

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/tau-da/tau/analytics"
	"github.com/tau-da/tau/internal/duckdb"
	"github.com/tau-da/tau/internal/fixture"
)

// goldenExtract is the small hand-made extract every load test starts from.
const goldenExtract = "../../testdata/load/golden/extract"

// testCase is a fixture folder's case.json.
type testCase struct {
	Delete         []string          `json:"delete"`
	MaxRejectRate  float64           `json:"max_reject_rate"`
	WantError      string            `json:"want_error"`
	WantRejects    []string          `json:"want_rejects"`
	WantDuplicates []string          `json:"want_duplicates"`
	KeepsPrevious  bool              `json:"keeps_previous"`
	WantRows       map[string]int64  `json:"want_rows"`
	WantAnswer     map[string]string `json:"want_answer"`
	ToParquet      bool              `json:"to_parquet"`
	// Parquet replaces FILE.csv with FILE.parquet written by a SELECT over
	// the CSV read as text (the view src): typed Parquet columns.
	Parquet map[string]string `json:"parquet"`
}

// caseExtract builds a case's extract: the golden extract with the case's
// files laid over it and its deletions applied.
func caseExtract(tb testing.TB, caseDir string) (string, testCase) {
	tb.Helper()
	var c testCase
	b, err := os.ReadFile(filepath.Join(caseDir, "case.json"))
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		tb.Fatalf("%s: %v", caseDir, err)
	}
	dir := filepath.Join(tb.TempDir(), "extract")
	fixture.CopyDir(tb, goldenExtract, dir)
	fixture.CopyDir(tb, caseDir, dir)
	for _, d := range c.Delete {
		os.Remove(filepath.Join(dir, d))
	}
	for name, sel := range c.Parquet {
		typedParquet(tb, filepath.Join(dir, name), sel)
	}
	return dir, c
}

// mustLoad loads an extract and fails the test on error.
func mustLoad(tb testing.TB, extractDir, wh string, opt LoadOptions) *analytics.Manifest {
	tb.Helper()
	opt.ExtractDir, opt.Warehouse = extractDir, wh
	m, err := Load(context.Background(), opt)
	if err != nil {
		tb.Fatalf("load %s: %v", extractDir, err)
	}
	return m
}

// dumpTables renders every data table of the warehouse as sorted text, for
// golden comparison (the manifest tables, which hold times, are left out).
func dumpTables(tb testing.TB, wh string) string {
	tb.Helper()
	db := openDB(tb, wh)
	var b strings.Builder
	for _, t := range []string{"persons", "occurrences", "offences", "assessments", "answers", "pmps", "pmp_actions", "engagement", "relationships", "rejects"} {
		cols, rows := query(tb, db, fmt.Sprintf("SELECT * FROM %s ORDER BY ALL", duckdb.Ident(t)))
		fmt.Fprintf(&b, "== %s (%d rows)\n%s\n", t, len(rows), strings.Join(cols, ","))
		for _, r := range rows {
			b.WriteString(strings.Join(r, ",") + "\n")
		}
	}
	return b.String()
}

func query(tb testing.TB, db *sql.DB, q string, args ...any) ([]string, [][]string) {
	tb.Helper()
	cols, rows, err := analytics.QueryText(context.Background(), db, q, args...)
	if err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
	return cols, rows
}

// rejectKeys returns the warehouse's rejects as "file:line:column:value:reason".
func rejectKeys(tb testing.TB, wh, kind string) []string {
	tb.Helper()
	db := openDB(tb, wh)
	_, rows := query(tb, db, `SELECT file, coalesce(CAST(line AS VARCHAR), ''), coalesce("column", ''), coalesce(value, ''), reason FROM rejects WHERE kind = ?`, kind)
	var out []string
	for _, r := range rows {
		out = append(out, strings.Join(r, ":"))
	}
	sort.Strings(out)
	return out
}

// openDB opens a session over the warehouse for the test's queries, closed
// when the test ends.
func openDB(tb testing.TB, wh string) *sql.DB {
	tb.Helper()
	w, err := analytics.Open(wh)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := w.Session(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s.DB
}

// typedParquet replaces base.csv with base.parquet, the rows of sel run
// over the CSV read as text (the view src).
func typedParquet(tb testing.TB, base, sel string) {
	tb.Helper()
	db, err := sqlOpen()
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{
		"CREATE VIEW src AS SELECT * FROM read_csv(" + duckdb.Quote(base+".csv") + ", all_varchar = true)",
		"COPY (" + sel + ") TO " + duckdb.Quote(base+".parquet") + " (FORMAT parquet)",
	} {
		if _, err := conn.ExecContext(context.Background(), q); err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
	}
	os.Remove(base + ".csv")
}
