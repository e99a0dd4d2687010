//go:build !duckdb_arrow

package analytics

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// appenderSink hands a snapshot's rows to a DuckDB of its own through
// duckdb-go's appender, a row at a time, and has it write the tables as
// Parquet at the end (builds without duckdb_arrow; the Arrow sink takes
// record batches).
type appenderSink struct {
	tmp       string
	db        *sql.DB
	conn      *sql.Conn
	appenders []*duckdb.Appender
	failed    error
}

func newSnapshotSink(dir, tmp string) (snapshotSink, error) {
	db, conn, err := openSnapshotDB(dir)
	if err != nil {
		return nil, err
	}
	return &appenderSink{tmp: tmp, db: db, conn: conn}, nil
}

func (s *appenderSink) table(t snapshotTable) (rowSink, error) {
	if _, err := s.conn.ExecContext(context.Background(), fmt.Sprintf("CREATE TABLE %s (%s)", ident(t.name), t.ddl())); err != nil {
		return nil, err
	}
	var a *duckdb.Appender
	err := s.conn.Raw(func(dc any) error {
		var err error
		a, err = duckdb.NewAppenderFromConn(dc.(driver.Conn), "", t.name)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.appenders = append(s.appenders, a)
	return &appenderRows{sink: s, a: a, row: make([]driver.Value, 0, len(t.cols))}, nil
}

func (s *appenderSink) err() error { return s.failed }

func (s *appenderSink) write(tables []snapshotTable, k snapshotConstants) error {
	if s.failed != nil {
		return s.failed
	}
	for _, a := range s.appenders {
		if err := a.Close(); err != nil {
			return err
		}
	}
	s.appenders = nil
	return copySnapshot(s.conn, s.tmp, k)
}

func (s *appenderSink) close() {
	for _, a := range s.appenders {
		a.Close()
	}
	s.appenders = nil
	s.conn.Close()
	s.db.Close()
}

// appenderRows collects one row's values for the appender.
type appenderRows struct {
	sink *appenderSink
	a    *duckdb.Appender
	row  []driver.Value
}

func (r *appenderRows) text(s string)    { r.row = append(r.row, s) }
func (r *appenderRows) null()            { r.row = append(r.row, nil) }
func (r *appenderRows) time(t time.Time) { r.row = append(r.row, t) }
func (r *appenderRows) int(i int)        { r.row = append(r.row, int32(i)) }
func (r *appenderRows) float(x float64)  { r.row = append(r.row, x) }
func (r *appenderRows) bool(b bool)      { r.row = append(r.row, b) }
func (r *appenderRows) list(l []string) {
	v := make([]any, len(l))
	for i, s := range l {
		v[i] = s
	}
	r.row = append(r.row, v)
}
func (r *appenderRows) end() {
	if err := r.a.AppendRow(r.row...); err != nil && r.sink.failed == nil {
		r.sink.failed = err
	}
	r.row = r.row[:0]
}
