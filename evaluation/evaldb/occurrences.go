package evaldb

import (
	"context"
	"database/sql"
	"time"

	"github.com/tau-da/tau/internal/duckdb"
)

// occurrenceQuery lists every occurrence with its relationship and people.
const occurrenceQuery = "SELECT relationship_id, victim_id, perpetrator_id, reported_at FROM occurrences"

// scanOccurrences calls fn for every row of occurrenceQuery.
func scanOccurrences(ctx context.Context, db *sql.DB, fn func(rel, victim, perp string, at time.Time)) error {
	rows, err := duckdb.Query(ctx, db, occurrenceQuery)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		fn(rows.Keep(0), rows.Keep(1), rows.Keep(2), rows.Time(3))
	}
	return rows.Err()
}
