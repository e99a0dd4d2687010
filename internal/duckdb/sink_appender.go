//go:build !duckdb_arrow

package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// appenderSink hands rows to a DuckDB of its own through duckdb-go's
// appender, a row at a time (builds without duckdb_arrow; the Arrow sink
// takes record batches).
type appenderSink struct {
	db        *sql.DB
	conn      *sql.Conn
	appenders []*duckdb.Appender
	failed    error
}

// NewSink opens a DuckDB with the options and returns a sink over it.
func NewSink(o Options) (Sink, error) {
	db, conn, err := openSink(o)
	if err != nil {
		return nil, err
	}
	return &appenderSink{db: db, conn: conn}, nil
}

func (s *appenderSink) Table(t Table) (RowSink, error) {
	if _, err := s.conn.ExecContext(context.Background(), fmt.Sprintf("CREATE TABLE %s (%s)", Ident(t.Name), t.DDL())); err != nil {
		return nil, err
	}
	var a *duckdb.Appender
	err := s.conn.Raw(func(dc any) error {
		var err error
		a, err = duckdb.NewAppenderFromConn(dc.(driver.Conn), "", t.Name)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.appenders = append(s.appenders, a)
	return &appenderRows{sink: s, a: a, row: make([]driver.Value, 0, len(t.Cols))}, nil
}

func (s *appenderSink) Err() error { return s.failed }

func (s *appenderSink) Conn() *sql.Conn { return s.conn }

func (s *appenderSink) Flush() error {
	if s.failed != nil {
		return s.failed
	}
	for _, a := range s.appenders {
		if err := a.Close(); err != nil {
			return err
		}
	}
	s.appenders = nil
	return nil
}

func (s *appenderSink) Close() {
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

func (r *appenderRows) Text(s string)    { r.row = append(r.row, s) }
func (r *appenderRows) Null()            { r.row = append(r.row, nil) }
func (r *appenderRows) Time(t time.Time) { r.row = append(r.row, t) }
func (r *appenderRows) Int(i int)        { r.row = append(r.row, int32(i)) }
func (r *appenderRows) Float(x float64)  { r.row = append(r.row, x) }
func (r *appenderRows) Bool(b bool)      { r.row = append(r.row, b) }
func (r *appenderRows) List(l []string) {
	v := make([]any, len(l))
	for i, s := range l {
		v[i] = s
	}
	r.row = append(r.row, v)
}
func (r *appenderRows) End() {
	if err := r.a.AppendRow(r.row...); err != nil && r.sink.failed == nil {
		r.sink.failed = err
	}
	r.row = r.row[:0]
}
