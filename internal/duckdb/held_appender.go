//go:build !duckdb_arrow

package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/duckdb/duckdb-go/v2"
)

// handOver appends the rows, in order, to a table named like the held one
// through duckdb-go's appender, runs stmt, and drops the table.
func handOver(ctx context.Context, conn *sql.Conn, rdr *ordered, stmt string) error {
	name := Ident(rdr.table.Name)
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("CREATE TABLE %s (%s)", name, rdr.table.DDL())); err != nil {
		return err
	}
	defer conn.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+name)
	err := conn.Raw(func(dc any) error {
		a, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", rdr.table.Name)
		if err != nil {
			return err
		}
		for rdr.Next() {
			if err := appendBatch(a, rdr.RecordBatch()); err != nil {
				a.Close()
				return err
			}
		}
		return a.Close()
	})
	if err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, stmt)
	return err
}

// appendBatch appends a record batch's rows.
func appendBatch(a *duckdb.Appender, rec arrow.RecordBatch) error {
	row := make([]driver.Value, rec.NumCols())
	for j := range int(rec.NumRows()) {
		for c, col := range rec.Columns() {
			row[c] = arrowValue(col, j)
		}
		if err := a.AppendRow(row...); err != nil {
			return err
		}
	}
	return nil
}

// stringValues is an Arrow array of text, plain or views.
type stringValues interface{ Value(int) string }

// arrowValue is row j of an Arrow column as the appender takes it.
func arrowValue(col arrow.Array, j int) driver.Value {
	if col.IsNull(j) {
		return nil
	}
	switch a := col.(type) {
	case *array.String:
		return a.Value(j)
	case *array.StringView:
		return a.Value(j)
	case *array.Int32:
		return a.Value(j)
	case *array.Float64:
		return a.Value(j)
	case *array.Boolean:
		return a.Value(j)
	case *array.Timestamp:
		return time.UnixMicro(int64(a.Value(j))).UTC()
	case *array.List:
		vals := a.ListValues().(stringValues)
		from, to := a.ValueOffsets(j)
		out := make([]any, 0, to-from)
		for k := from; k < to; k++ {
			out = append(out, vals.Value(int(k)))
		}
		return out
	}
	panic(fmt.Sprintf("duckdb: no appender value for %T", col))
}
