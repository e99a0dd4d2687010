//go:build duckdb_arrow

package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"

	"github.com/duckdb/duckdb-go/v2"
)

// handOver runs stmt with the rows as an Arrow view, decoded a batch at a
// time as DuckDB reads them: nothing is copied into a table first.
func handOver(ctx context.Context, conn *sql.Conn, rdr *ordered, stmt string) error {
	return conn.Raw(func(dc any) error {
		ar, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		release, err := ar.RegisterView(rdr, rdr.table.Name)
		if err != nil {
			return err
		}
		defer release()
		_, err = dc.(driver.ExecerContext).ExecContext(ctx, stmt, nil)
		return err
	})
}
