//go:build duckdb_arrow

package duckdb

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

// bulkSettings are the DuckDB settings every database is opened with for
// this build's bulk reads: text comes over as Arrow string views, which
// DuckDB hands out without copying each value into one buffer (measured
// nationally: a score run 0.5-1 s quicker, 1-2 s less CPU).
var bulkSettings = map[string]string{"produce_arrow_string_view": "true"}

// stringColumn is any Arrow string array (plain, large or view).
type stringColumn interface {
	Value(int) string
	IsNull(int) bool
}

// arrowRows reads a query's Arrow record batches. The driver connection may
// only be used inside sql.Conn.Raw, so a goroutine holds it there and hands
// each batch over, retained, reading ahead while the reader works (each
// batch is converted from a DuckDB chunk into buffers of its own, which
// stay until the reader releases it).
type arrowRows struct {
	batches chan arrow.RecordBatch
	errc    chan error
	cancel  context.CancelFunc
	cur     arrow.RecordBatch
	cols    []arrow.Array
	units   []arrow.TimeUnit
	row, n  int
	err     error
	done    bool
}

// arrowReadAhead is how many record batches (DuckDB chunks of 2,048 rows)
// the goroutine may convert before the reader asks for them: enough that
// DuckDB and the reader work at once (nationally a pass over 7 million
// occurrences took 3.3 s one after the other), little memory.
const arrowReadAhead = 8

// Query runs a query on a new connection of db and reads its rows as
// Arrow record batches.
func Query(ctx context.Context, db *sql.DB, query string, args ...any) (Rows, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &arrowRows{batches: make(chan arrow.RecordBatch, arrowReadAhead), errc: make(chan error, 1), cancel: cancel}
	go func() {
		err := conn.Raw(func(dc any) error {
			ar, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
			if err != nil {
				return err
			}
			rdr, err := ar.QueryContext(ctx, query, args...)
			if err != nil {
				return err
			}
			defer rdr.Release()
			for rdr.Next() {
				rec := rdr.RecordBatch()
				rec.Retain()
				select {
				case r.batches <- rec:
				case <-ctx.Done():
					rec.Release()
					return ctx.Err()
				}
			}
			return rdr.Err()
		})
		conn.Close()
		r.errc <- err
		close(r.batches)
	}()
	return r, nil
}

func (r *arrowRows) Next() bool {
	if r.done {
		return false
	}
	if r.row+1 < r.n {
		r.row++
		return true
	}
	for {
		r.release()
		rec, ok := <-r.batches
		if !ok {
			r.done = true
			if err := <-r.errc; err != nil && r.err == nil {
				r.err = err
			}
			return false
		}
		r.cur = rec
		r.n, r.row = int(rec.NumRows()), 0
		r.cols = rec.Columns()
		r.units = make([]arrow.TimeUnit, len(r.cols))
		for i, c := range r.cols {
			if t, ok := c.DataType().(*arrow.TimestampType); ok {
				r.units[i] = t.Unit
			}
		}
		if r.n > 0 {
			return true
		}
	}
}

func (r *arrowRows) Err() error { return r.err }

func (r *arrowRows) Close() {
	r.cancel()
	r.release()
	if !r.done {
		for rec := range r.batches {
			// the goroutine stops at the cancelled context
			rec.Release()
		}
		<-r.errc
		r.done = true
	}
}

// release lets go of the batch the reader was on.
func (r *arrowRows) release() {
	if r.cur != nil {
		r.cur.Release()
		r.cur, r.cols = nil, nil
	}
}

func (r *arrowRows) Valid(i int) bool { return !r.cols[i].IsNull(r.row) }

func (r *arrowRows) Str(i int) string {
	c, ok := r.cols[i].(stringColumn)
	if !ok {
		r.fail(i, "a string")
		return ""
	}
	if c.IsNull(r.row) {
		return ""
	}
	return c.Value(r.row)
}

func (r *arrowRows) Keep(i int) string { return strings.Clone(r.Str(i)) }

func (r *arrowRows) Time(i int) time.Time {
	c, ok := r.cols[i].(*array.Timestamp)
	if !ok {
		r.fail(i, "a timestamp")
		return time.Time{}
	}
	if c.IsNull(r.row) {
		return time.Time{}
	}
	return c.Value(r.row).ToTime(r.units[i]).UTC()
}

func (r *arrowRows) Int(i int) int64 {
	if r.cols[i].IsNull(r.row) {
		return 0
	}
	switch c := r.cols[i].(type) {
	case *array.Int64:
		return c.Value(r.row)
	case *array.Int32:
		return int64(c.Value(r.row))
	case *array.Int16:
		return int64(c.Value(r.row))
	case *array.Int8:
		return int64(c.Value(r.row))
	case *array.Uint64:
		return int64(c.Value(r.row))
	case *array.Uint32:
		return int64(c.Value(r.row))
	case *array.Uint16:
		return int64(c.Value(r.row))
	case *array.Uint8:
		return int64(c.Value(r.row))
	}
	r.fail(i, "an integer")
	return 0
}

func (r *arrowRows) Uint(i int) uint64 {
	if c, ok := r.cols[i].(*array.Uint64); ok {
		if c.IsNull(r.row) {
			return 0
		}
		return c.Value(r.row)
	}
	return uint64(r.Int(i))
}

func (r *arrowRows) Float(i int) float64 {
	if c, ok := r.cols[i].(*array.Float64); ok {
		if c.IsNull(r.row) {
			return 0
		}
		return c.Value(r.row)
	}
	return float64(r.Int(i))
}

func (r *arrowRows) Bool(i int) bool {
	c, ok := r.cols[i].(*array.Boolean)
	if !ok {
		r.fail(i, "a boolean")
		return false
	}
	return !c.IsNull(r.row) && c.Value(r.row)
}

func (r *arrowRows) Strs(i int) []string {
	l, ok := r.cols[i].(array.ListLike)
	if !ok {
		r.fail(i, "a list")
		return nil
	}
	if l.IsNull(r.row) {
		return nil
	}
	vals, ok := l.ListValues().(stringColumn)
	if !ok {
		r.fail(i, "a list of strings")
		return nil
	}
	start, end := l.ValueOffsets(r.row)
	out := make([]string, 0, end-start)
	for j := start; j < end; j++ {
		if !vals.IsNull(int(j)) {
			out = append(out, strings.Clone(vals.Value(int(j))))
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// fail records a column whose Arrow type the reader does not expect.
func (r *arrowRows) fail(i int, want string) {
	if r.err == nil {
		r.err = fmt.Errorf("bulk read: column %d is %s, not %s", i, r.cols[i].DataType(), want)
	}
}
