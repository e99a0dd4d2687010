//go:build !duckdb_arrow

package analytics

import (
	"context"
	"database/sql"
	"time"
)

// bulkPath names the path bulk reads take in this build.
const bulkPath = "database/sql"

// scanOccurrences calls fn for every row of occurrenceQuery.
func scanOccurrences(ctx context.Context, conn *sql.Conn, fn func(rel, victim, perp string, at time.Time)) error {
	rows, err := conn.QueryContext(ctx, occurrenceQuery)
	if err != nil {
		return err
	}
	defer rows.Close()
	var rel, v, p string
	var at time.Time
	for rows.Next() {
		if err := rows.Scan(&rel, &v, &p, &at); err != nil {
			return err
		}
		fn(rel, v, p, at)
	}
	return rows.Err()
}
