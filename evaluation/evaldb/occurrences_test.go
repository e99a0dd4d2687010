package evaldb

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tau-da/tau/analytics/load"
	"github.com/tau-da/tau/internal/duckdb"
	"github.com/tau-da/tau/internal/testwh"
)

// TestBulkOccurrences: the bulk read gives every occurrence with its
// values, the same as a plain query (run with and without the
// duckdb_arrow tag: .ci/run does both).
func TestBulkOccurrences(t *testing.T) {
	t.Parallel()
	wh := t.TempDir()
	testwh.Load(t, filepath.Join("..", "..", "testdata", "evaluate", "dip_sample_2024", "extract"), wh, load.LoadOptions{})
	db, conn, err := testwh.Views(t, wh)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	defer conn.Close()
	got := map[string]int{}
	var latest time.Time
	// The values are kept as they come (not copied into new strings here),
	// so a read that hands out memory it later reuses shows up.
	type row struct {
		v, p string
		at   time.Time
	}
	var all []row
	if err := scanOccurrences(context.Background(), db, func(rel, v, p string, at time.Time) {
		all = append(all, row{v, p, at})
		if at.After(latest) {
			latest = at
		}
	}); err != nil {
		t.Fatalf("%s: %v", duckdb.BulkPath, err)
	}
	for _, r := range all {
		got[r.v+"/"+r.p+"/"+r.at.Format("2006-01-02")]++
	}
	rows, err := conn.QueryContext(context.Background(), "SELECT victim_id || '/' || perpetrator_id || '/' || strftime(reported_at, '%Y-%m-%d'), count(*) FROM occurrences GROUP BY 1")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var k string
		var c int
		rows.Scan(&k, &c)
		if got[k] != c {
			t.Errorf("%s: %s read %d times, want %d", duckdb.BulkPath, k, got[k], c)
		}
		n++
	}
	if n != len(got) || n == 0 {
		t.Errorf("%s: %d distinct keys read, %d in the table", duckdb.BulkPath, len(got), n)
	}
	var max time.Time
	conn.QueryRowContext(context.Background(), "SELECT max(reported_at) FROM occurrences").Scan(&max)
	if !latest.Equal(max.UTC()) {
		t.Errorf("%s: latest %v, want %v (timestamps must survive the read)", duckdb.BulkPath, latest, max)
	}
}
