package analytics_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tau-da/tau/analytics"
	"github.com/tau-da/tau/analytics/load"
	"github.com/tau-da/tau/internal/duckdb"
	"github.com/tau-da/tau/internal/testwh"
	"github.com/tau-da/tau/queries"
)

// mutate applies a fixture's statements to the tables of the warehouse's
// current generation: each table is read into DuckDB, changed, and written
// back to its Parquet file.
func mutate(t *testing.T, wh, script string) {
	t.Helper()
	w := testwh.Open(t, wh)
	gen, err := w.Generation()
	if err != nil {
		t.Fatal(err)
	}
	db, err := duckdb.Open(duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	files, _ := filepath.Glob(filepath.Join(gen, "tables", "*.parquet"))
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".parquet")
		if _, err := conn.ExecContext(ctx, "CREATE TABLE "+duckdb.Ident(name)+" AS SELECT * FROM read_parquet("+duckdb.Quote(f)+")"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.ExecContext(ctx, script); err != nil {
		t.Fatalf("mutate: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".parquet")
		if _, err := conn.ExecContext(ctx, "COPY "+duckdb.Ident(name)+" TO "+duckdb.Quote(f)+" (FORMAT parquet)"); err != nil {
			t.Fatal(err)
		}
	}
}

// failing returns the checks that found rows, by name.
func failing(t *testing.T, wh string) map[string]int64 {
	t.Helper()
	res, err := analytics.RunChecks(context.Background(), wh)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, r := range res {
		if r.Failed() {
			out[r.Name] = r.Failing
		}
	}
	return out
}

// TestEveryCheckFires: each data check in queries/checks has a fixture in
// testdata/checks/<name> that makes it find rows, and finds none on the
// golden warehouse.
func TestEveryCheckFires(t *testing.T) {
	t.Parallel()
	const golden = "../testdata/load/golden/extract"
	clean := t.TempDir()
	testwh.Load(t, golden, clean, load.LoadOptions{})
	before := failing(t, clean)
	checks, err := queries.Checks()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range checks {
		t.Run(c.Name(), func(t *testing.T) {
			t.Parallel()
			script, err := os.ReadFile(filepath.Join("..", "testdata", "checks", c.Name(), "mutate.sql"))
			if err != nil {
				t.Fatalf("check %s has no fixture that makes it fail: %v", c.Name(), err)
			}
			if n := before[c.Name()]; n > 0 {
				t.Fatalf("check %s already finds %d rows on the golden warehouse", c.Name(), n)
			}
			wh := t.TempDir()
			testwh.Load(t, golden, wh, load.LoadOptions{})
			mutate(t, wh, string(script))
			if got := failing(t, wh); got[c.Name()] == 0 {
				t.Errorf("check %s found nothing after %s (failing: %v)", c.Name(), strings.TrimSpace(string(script)), got)
			}
		})
	}
}

// TestGenerationBeforeLaterColumns: a generation loaded before an optional
// column joined the contract (offences.recorded_at), and a snapshot
// written before the facts and clusters' stages were kept, read them as
// NULL, so the queries that use them run on an older warehouse unchanged.
func TestGenerationBeforeLaterColumns(t *testing.T) {
	t.Parallel()
	wh := t.TempDir()
	testwh.Load(t, "../testdata/load/golden/extract", wh, load.LoadOptions{})
	mutate(t, wh, "ALTER TABLE offences DROP COLUMN recorded_at")
	s := testwh.Session(t, wh)
	var n, nulls int
	if err := s.DB.QueryRow("SELECT count(*), count(*) FILTER (WHERE recorded_at IS NULL) FROM offences").Scan(&n, &nulls); err != nil {
		t.Fatalf("an older generation's offences: %v", err)
	}
	if n == 0 || nulls != n {
		t.Errorf("%d offences, %d with recorded_at NULL", n, nulls)
	}
	// A score snapshot written before the facts and the clusters' stages
	// were kept reads them as NULL too.
	res, err := testwh.Open(t, wh).NewResults("scores")
	if err != nil {
		t.Fatal(err)
	}
	old := []analytics.ResultTable{{Name: "scores", Columns: "relationship_id VARCHAR, clusters VARCHAR[]"}}
	if err := res.WriteTables(old, map[string][][]string{"scores": {{"r-1", "C1|C2"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := res.Publish("as_of=2024-01-01", "config=old"); err != nil {
		t.Fatal(err)
	}
	s = testwh.Session(t, wh)
	var clusters, missing int
	if err := s.DB.QueryRow("SELECT len(clusters), count(*) FILTER (WHERE facts IS NULL AND cluster_stages IS NULL) FROM scores_scores GROUP BY ALL").Scan(&clusters, &missing); err != nil {
		t.Fatalf("an older snapshot's later columns: %v", err)
	}
	if clusters != 2 || missing != 1 {
		t.Errorf("older snapshot: %d clusters, %d rows with facts and stages NULL", clusters, missing)
	}
}
