package scoredb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tau-da/tau/analytics"
	"github.com/tau-da/tau/internal/duckdb"
)

// subsetTables are the tables a subset run narrows to the perpetrators of
// the relationships it scores, with the column that ties each row to a
// perpetrator (answer sets follow their assessments). A perpetrator's
// every relationship stays in (his items roll up across them, his other
// victims count), so the scores are those of a full run; only rows no
// wanted score can read are left out.
var subsetTables = []struct{ table, filter string }{
	{"relationships", "perpetrator_id IN (SELECT perpetrator_id FROM tau_subset_perpetrators)"}, // scope's people
	{"occurrences", "perpetrator_id IN (SELECT perpetrator_id FROM tau_subset_perpetrators)"},
	{"assessments", "perpetrator_id IN (SELECT perpetrator_id FROM tau_subset_perpetrators)"},
	{"offences", "offender_id IN (SELECT perpetrator_id FROM tau_subset_perpetrators)"},
	{"answer_sets", "assessment_id IN (SELECT assessment_id FROM tau_subset_assessments)"}, // after assessments
	// The victims scope can hold (it takes its people from the narrowed
	// relationships), for their area: without it, every date's
	// relationship_base joined the whole persons table (nationally 110 of
	// its 150 ms a date).
	{"persons", "person_id IN (SELECT victim_id FROM tau_subset_relationships)"}, // after relationships
}

// narrowShare is the share of the perpetrators above which a subset run
// reads the warehouse itself rather than copies of its wanted part.
const narrowShare = 0.5

// narrow points the session's views of the scored tables at copies
// holding only the wanted relationships' perpetrators, so that scoring a
// few thousand relationships at each of many dates (an evaluation's
// comparisons: nationally 44 dates) reads a fraction of the warehouse at
// each; it returns what puts the views back. When the relationships
// wanted belong to more than narrowShare of the perpetrators it leaves
// the views as they are.
func narrow(ctx context.Context, sess *analytics.Session, want map[time.Time][]string) (restore func() error, err error) {
	conn := sess.Conn
	var ids []string
	for _, v := range want {
		ids = append(ids, v...)
	}
	var saved []string
	restore = func() error {
		for _, q := range saved {
			if _, err := conn.ExecContext(context.Background(), q); err != nil {
				return err
			}
		}
		for _, t := range subsetTables {
			conn.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+duckdb.Ident("tau_subset_"+t.table))
		}
		conn.ExecContext(context.Background(), "DROP TABLE IF EXISTS tau_subset_perpetrators")
		return nil
	}
	const perps = "CREATE OR REPLACE TABLE tau_subset_perpetrators AS SELECT DISTINCT perpetrator_id FROM relationships WHERE relationship_id IN (SELECT unnest(string_split(?, ',')))"
	if _, err := conn.ExecContext(ctx, perps, strings.Join(ids, ",")); err != nil {
		return restore, fmt.Errorf("narrow to the wanted relationships: %w", err)
	}
	// Copies of most of the warehouse save little reading and cost their
	// writing (a national evaluation of every plan wants three in four
	// perpetrators: 18 s of copying to save a quarter of each date's scan).
	var wanted, all int64
	if err := conn.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM tau_subset_perpetrators), (SELECT count(DISTINCT perpetrator_id) FROM relationships)").Scan(&wanted, &all); err != nil {
		return restore, fmt.Errorf("narrow to the wanted relationships: %w", err)
	}
	if float64(wanted) > narrowShare*float64(all) {
		return restore, nil
	}
	for _, t := range subsetTables {
		var def string
		if err := conn.QueryRowContext(ctx, "SELECT sql FROM duckdb_views() WHERE view_name = ? AND NOT temporary", t.table).Scan(&def); err != nil {
			return restore, fmt.Errorf("narrow %s: %w", t.table, err)
		}
		copyName := duckdb.Ident("tau_subset_" + t.table)
		for _, q := range []string{
			fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT * FROM %s WHERE %s", copyName, duckdb.Ident(t.table), t.filter),
			fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT * FROM %s", duckdb.Ident(t.table), copyName),
		} {
			done := duckdb.Trace("narrow: " + q)
			_, err := conn.ExecContext(ctx, q)
			done()
			if err != nil {
				return restore, fmt.Errorf("narrow %s: %w", t.table, err)
			}
		}
		saved = append(saved, strings.Replace(def, "CREATE VIEW", "CREATE OR REPLACE VIEW", 1))
	}
	return restore, nil
}
