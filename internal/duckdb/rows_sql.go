//go:build !duckdb_arrow

package duckdb

import (
	"context"
	"database/sql"
	"time"
)

// bulkPath names the path bulk reads take in this build.
const bulkPath = "database/sql"

// bulkSettings are the DuckDB settings this build's bulk reads need: none.
var bulkSettings = map[string]string{}

// sqlRows reads rows through database/sql on a connection of its own.
type sqlRows struct {
	conn *sql.Conn
	rows *sql.Rows
	vals []any
	ptrs []any
	err  error
}

// Query runs a query on a new connection of db (DuckDB streams one
// result per connection) and reads its rows.
func Query(ctx context.Context, db *sql.DB, query string, args ...any) (Rows, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		conn.Close()
		return nil, err
	}
	cols, err := rows.Columns()
	if err != nil {
		rows.Close()
		conn.Close()
		return nil, err
	}
	r := &sqlRows{conn: conn, rows: rows, vals: make([]any, len(cols)), ptrs: make([]any, len(cols))}
	for i := range r.vals {
		r.ptrs[i] = &r.vals[i]
	}
	return r, nil
}

func (r *sqlRows) Next() bool {
	if r.err != nil || !r.rows.Next() {
		return false
	}
	if err := r.rows.Scan(r.ptrs...); err != nil {
		r.err = err
		return false
	}
	return true
}

func (r *sqlRows) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.rows.Err()
}

func (r *sqlRows) Close() {
	r.rows.Close()
	r.conn.Close()
}

func (r *sqlRows) Valid(i int) bool { return r.vals[i] != nil }

func (r *sqlRows) Str(i int) string {
	s, _ := r.vals[i].(string)
	return s
}

func (r *sqlRows) Keep(i int) string { return r.Str(i) }

func (r *sqlRows) Time(i int) time.Time {
	t, _ := r.vals[i].(time.Time)
	return t.UTC()
}

func (r *sqlRows) Int(i int) int64 {
	switch v := r.vals[i].(type) {
	case int64:
		return v
	case int32:
		return int64(v)
	case int16:
		return int64(v)
	case int8:
		return int64(v)
	case uint64:
		return int64(v)
	case uint32:
		return int64(v)
	case uint16:
		return int64(v)
	case uint8:
		return int64(v)
	}
	return 0
}

func (r *sqlRows) Uint(i int) uint64 {
	if v, ok := r.vals[i].(uint64); ok {
		return v
	}
	return uint64(r.Int(i))
}

func (r *sqlRows) Float(i int) float64 {
	if v, ok := r.vals[i].(float64); ok {
		return v
	}
	return float64(r.Int(i))
}

func (r *sqlRows) Bool(i int) bool {
	b, _ := r.vals[i].(bool)
	return b
}

func (r *sqlRows) Strs(i int) []string {
	l, _ := r.vals[i].([]any)
	out := make([]string, 0, len(l))
	for _, v := range l {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
