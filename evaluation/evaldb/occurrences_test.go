package evaldb

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tau-da/tau/analytics/load"
	"github.com/tau-da/tau/evaluation"
	"github.com/tau-da/tau/internal/duckdb"
	"github.com/tau-da/tau/internal/testwh"
)

// TestBulkOccurrences: the bulk read indexes every occurrence under its
// relationship, or its couple in both directions, with its time, the same
// as a plain query counts them (run with and without the duckdb_arrow
// tag: .ci/run does both); without a comparison only the plans' own are
// kept.
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
	for _, tt := range []struct {
		name       string
		both, all  bool
		key, where string
	}{
		{"relationships", false, true, "relationship_id", "true"},
		{"couples", true, true, "least(victim_id, perpetrator_id) || chr(31) || greatest(victim_id, perpetrator_id)", "true"},
		{"a plan's own only", false, false, "relationship_id", "relationship_id = (SELECT min(relationship_id) FROM occurrences)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := &evaluation.Design{Params: evaluation.Params{Comparison: tt.all, BothDirections: tt.both}}
			if !tt.all {
				var rel string
				conn.QueryRowContext(context.Background(), "SELECT min(relationship_id) FROM occurrences").Scan(&rel)
				d.Plans = []evaluation.PlanWindows{{Key: rel}}
			}
			occ := evaluation.Occurrences{}
			if err := readOccurrences(context.Background(), db, d, occ); err != nil {
				t.Fatalf("%s: %v", duckdb.BulkPath, err)
			}
			got := map[string]int{}
			var latest time.Time
			for k, ts := range occ {
				for i, at := range ts {
					got[k+"/"+at.Format("2006-01-02")]++
					if at.After(latest) {
						latest = at
					}
					if i > 0 && at.Before(ts[i-1]) {
						t.Errorf("%s: %s's occurrences out of order", duckdb.BulkPath, k)
					}
				}
			}
			rows, err := conn.QueryContext(context.Background(), "SELECT "+tt.key+" || '/' || strftime(reported_at, '%Y-%m-%d'), count(*) FROM occurrences WHERE "+tt.where+" GROUP BY 1")
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
				t.Errorf("%s: %d distinct keys and days read, %d in the table", duckdb.BulkPath, len(got), n)
			}
			var max time.Time
			conn.QueryRowContext(context.Background(), "SELECT max(reported_at) FROM occurrences WHERE "+tt.where).Scan(&max)
			if !latest.Equal(max.UTC()) {
				t.Errorf("%s: latest %v, want %v (timestamps must survive the read)", duckdb.BulkPath, latest, max)
			}
		})
	}
}
