//go:build duckdb_arrow

package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/duckdb/duckdb-go/v2"
)

// arrowBatchRows is the number of rows in each Arrow record batch handed
// to DuckDB: large enough that a batch's overhead (a view and an INSERT)
// is small (measured: 1 million rows take 1.0 s in batches of 64k, 0.5 s in
// batches of 512k), small enough that the batches in flight stay small.
const arrowBatchRows = 256 << 10

// arrowBatchesQueued is how many full batches may wait for DuckDB while
// scoring goes on.
const arrowBatchesQueued = 4

// arrowSink hands rows to a DuckDB of its own as Arrow record batches, a
// batch at a time through its Arrow scan (no text in between).
type arrowSink struct {
	db     *sql.DB
	conn   *sql.Conn
	tables map[string]*arrowTable
	// Full batches go to one goroutine that inserts them, so DuckDB takes
	// them in while Go scores the next relationships.
	queue  chan queuedBatch
	done   chan error
	failed error
}

// queuedBatch is a full record batch waiting for its INSERT.
type queuedBatch struct {
	table  string
	schema *arrow.Schema
	rec    arrow.RecordBatch
}

// NewSink opens a DuckDB with the options and returns a sink over it.
func NewSink(o Options) (Sink, error) {
	db, conn, err := openSink(o)
	if err != nil {
		return nil, err
	}
	s := &arrowSink{db: db, conn: conn, tables: map[string]*arrowTable{}}
	s.start()
	return s, nil
}

// start starts the goroutine that inserts the queued batches.
func (s *arrowSink) start() {
	queue, done := make(chan queuedBatch, arrowBatchesQueued), make(chan error, 1)
	s.queue, s.done = queue, done
	go func() {
		var first error
		for b := range queue {
			if first == nil {
				if err := s.insert(b.table, b.schema, b.rec); err != nil {
					first = fmt.Errorf("%s: %w", b.table, err)
				}
			}
			b.rec.Release()
		}
		done <- first
	}()
}

// drain waits for the queued batches to be inserted.
func (s *arrowSink) drain() {
	if s.queue == nil {
		return
	}
	close(s.queue)
	if err := <-s.done; err != nil && s.failed == nil {
		s.failed = err
	}
	s.queue = nil
}

func (s *arrowSink) Table(t Table) (RowSink, error) {
	if _, err := s.conn.ExecContext(context.Background(), fmt.Sprintf("CREATE TABLE %s (%s)", Ident(t.Name), t.DDL())); err != nil {
		return nil, err
	}
	schema := arrowSchema(t.Cols)
	r := &arrowTable{sink: s, name: t.Name, schema: schema, b: array.NewRecordBuilder(memory.DefaultAllocator, schema)}
	s.tables[t.Name] = r
	return r, nil
}

// insert appends one record batch to a table.
func (s *arrowSink) insert(table string, schema *arrow.Schema, rec arrow.RecordBatch) error {
	ctx := context.Background()
	return s.conn.Raw(func(dc any) error {
		ar, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		rdr, err := array.NewRecordReader(schema, []arrow.RecordBatch{rec})
		if err != nil {
			return err
		}
		defer rdr.Release()
		release, err := ar.RegisterView(rdr, "snapshot_batch")
		if err != nil {
			return err
		}
		defer release()
		_, err = dc.(driver.ExecerContext).ExecContext(ctx, fmt.Sprintf("INSERT INTO %s SELECT * FROM snapshot_batch", Ident(table)), nil)
		return err
	})
}

// Err reports a failed INSERT once the queue is drained (Flush says it).
func (s *arrowSink) Err() error { return s.failed }

func (s *arrowSink) Conn() *sql.Conn { return s.conn }

// Flush waits for every batch to be inserted; the sink then takes rows
// again (a fresh inserter), so it may be flushed more than once.
func (s *arrowSink) Flush() error {
	for _, r := range s.tables {
		r.flush()
	}
	s.drain()
	if s.failed == nil {
		s.start()
	}
	return s.failed
}

func (s *arrowSink) Close() {
	s.drain()
	for _, r := range s.tables {
		if r.b != nil {
			r.b.Release()
			r.b = nil
		}
	}
	s.conn.Close()
	s.db.Close()
}

// arrowTable builds one table's rows into a record batch, handed to the
// sink's DuckDB when full.
type arrowTable struct {
	sink   *arrowSink
	name   string
	schema *arrow.Schema
	b      *array.RecordBuilder
	col, n int
}

func (r *arrowTable) next() array.Builder {
	f := r.b.Field(r.col)
	r.col++
	return f
}

func (r *arrowTable) Text(s string) { r.next().(*array.StringBuilder).Append(s) }
func (r *arrowTable) Null()         { r.next().AppendNull() }
func (r *arrowTable) Time(t time.Time) {
	r.next().(*array.TimestampBuilder).Append(arrow.Timestamp(t.UnixMicro()))
}
func (r *arrowTable) Int(i int)       { r.next().(*array.Int32Builder).Append(int32(i)) }
func (r *arrowTable) Float(x float64) { r.next().(*array.Float64Builder).Append(x) }
func (r *arrowTable) Bool(b bool)     { r.next().(*array.BooleanBuilder).Append(b) }
func (r *arrowTable) List(l []string) {
	lb := r.next().(*array.ListBuilder)
	lb.Append(true)
	vb := lb.ValueBuilder().(*array.StringBuilder)
	for _, s := range l {
		vb.Append(s)
	}
}
func (r *arrowTable) End() {
	r.col = 0
	if r.n++; r.n == arrowBatchRows {
		r.flush()
	}
}

// flush queues the rows so far for the sink's DuckDB.
func (r *arrowTable) flush() {
	if r.n == 0 || r.b == nil || r.sink.queue == nil {
		return
	}
	r.sink.queue <- queuedBatch{table: r.name, schema: r.schema, rec: r.b.NewRecordBatch()}
	r.n = 0
}
