package evaldb

import (
	"context"
	"database/sql"
	"time"

	"github.com/tau-da/tau/evaluation"
	"github.com/tau-da/tau/internal/duckdb"
)

// occurrenceQuery lists every occurrence by its relationship;
// coupleQuery by its victim and perpetrator. Both keep the warehouse's
// order (by relationship).
const (
	occurrenceQuery = "SELECT relationship_id, reported_at FROM occurrences"
	coupleQuery     = "SELECT victim_id, perpetrator_id, reported_at FROM occurrences"
)

// scanOccurrences calls fn for every occurrence with its key: the
// relationship id, or with both set the couple's (evaluation.CoupleKey).
// The key is valid only during the call.
func scanOccurrences(ctx context.Context, db *sql.DB, both bool, fn func(key string, at time.Time)) error {
	q := occurrenceQuery
	if both {
		q = coupleQuery
	}
	rows, err := duckdb.Query(ctx, db, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if both {
			fn(evaluation.CoupleKey(rows.Str(0), rows.Str(1)), rows.Time(2))
		} else {
			fn(rows.Str(0), rows.Time(1))
		}
	}
	return rows.Err()
}
