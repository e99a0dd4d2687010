//go:build duckdb_arrow

package analytics

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/duckdb/duckdb-go/v2"
)

// bulkPath names the path bulk reads take in this build.
const bulkPath = "arrow"

// stringColumn is any Arrow string array (plain, large or view).
type stringColumn interface {
	Value(int) string
	IsNull(int) bool
}

// scanOccurrences calls fn for every row of occurrenceQuery, reading Arrow
// record batches.
func scanOccurrences(ctx context.Context, conn *sql.Conn, fn func(rel, victim, perp string, at time.Time)) error {
	return conn.Raw(func(dc any) error {
		ar, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		rdr, err := ar.QueryContext(ctx, occurrenceQuery)
		if err != nil {
			return err
		}
		defer rdr.Release()
		for rdr.Next() {
			rec := rdr.RecordBatch()
			var cols [3]stringColumn
			for i := range cols {
				c, ok := rec.Column(i).(stringColumn)
				if !ok {
					return fmt.Errorf("bulk read: column %d is %s, not a string", i, rec.Column(i).DataType())
				}
				cols[i] = c
			}
			ts, ok := rec.Column(3).(*array.Timestamp)
			if !ok {
				return fmt.Errorf("bulk read: reported_at is %s, not a timestamp", rec.Column(3).DataType())
			}
			unit := ts.DataType().(*arrow.TimestampType).Unit
			for i := 0; i < int(rec.NumRows()); i++ {
				// Arrow's strings alias the batch's buffers, which are
				// reused for the next batch: keep copies.
				fn(strings.Clone(cols[0].Value(i)), strings.Clone(cols[1].Value(i)), strings.Clone(cols[2].Value(i)), ts.Value(i).ToTime(unit).UTC())
			}
		}
		return rdr.Err()
	})
}
