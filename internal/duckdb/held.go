package duckdb

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// heldChunkBytes is the size of each buffer a Held table's rows are
// encoded into: large enough that a chunk's overhead is nothing, small
// enough that a chunk's growth never copies much.
const heldChunkBytes = 16 << 20

// orderedBatchRows is the number of rows in each Arrow record batch an
// ordered hand-over gives DuckDB: a batch is decoded while DuckDB's threads
// encode the ones before, and a snapshot's files come out in row groups of
// DuckDB's size (122,880 rows) whatever the batches.
const orderedBatchRows = 64 << 10

// orderedAhead is how many batches are decoded ahead of DuckDB.
const orderedAhead = 2

// Held keeps a table's rows in Go until they are handed to DuckDB in an
// order known only once every row is in (ExecHeld): a score snapshot is
// written in rank order, and the ranks come last. Each row is encoded,
// value after value, into one run of bytes, so handing the rows over in
// another order reads each row from one place (held as columns, each
// value would be a cache miss of its own: measured nationally, 8 s to
// reorder 1.6 million scores). Nationally that is 1.6 million scores and
// 6.4 million items, a few hundred megabytes, which DuckDB then reads
// once, in order, instead of taking them into a table and sorting them.
type Held struct {
	table  Table
	chunks [][]byte
	// refs is each row's chunk (high 32 bits) and offset in it.
	refs []uint64
	row  []byte
}

// Value kinds in a held row: every value starts with one.
const (
	heldNull byte = iota
	heldValue
)

// NewHeld returns an empty held table with t's columns.
func NewHeld(t Table) *Held { return &Held{table: t} }

// arrowSchema is the Arrow schema of a table's columns.
func arrowSchema(cols []Column) *arrow.Schema {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.Name, Type: arrowType(c.Type), Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// arrowType is the Arrow type a column is held as (DuckDB reads each as
// the type of ddlTypes).
func arrowType(t ColType) arrow.DataType {
	switch t {
	case Timestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	case Int:
		return arrow.PrimitiveTypes.Int32
	case Float:
		return arrow.PrimitiveTypes.Float64
	case Bool:
		return arrow.FixedWidthTypes.Boolean
	case List:
		return arrow.ListOf(arrow.BinaryTypes.String)
	}
	return arrow.BinaryTypes.String
}

// viewSchema is arrowSchema with text as Arrow string views, the layout of
// DuckDB's own strings (a short one inline, a long one by reference),
// which DuckDB takes without copying each value again.
func viewSchema(cols []Column) *arrow.Schema {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		t := arrowType(c.Type)
		switch c.Type {
		case Text:
			t = arrow.BinaryTypes.StringView
		case List:
			t = arrow.ListOf(arrow.BinaryTypes.StringView)
		}
		fields[i] = arrow.Field{Name: c.Name, Type: t, Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// Len is the number of rows taken.
func (h *Held) Len() int { return len(h.refs) }

// Text takes a text value.
func (h *Held) Text(v string) {
	h.row = append(h.row, heldValue)
	h.row = binary.AppendUvarint(h.row, uint64(len(v)))
	h.row = append(h.row, v...)
}

// Null takes a NULL.
func (h *Held) Null() { h.row = append(h.row, heldNull) }

// Time takes a timestamp, to the microsecond.
func (h *Held) Time(t time.Time) {
	h.row = append(h.row, heldValue)
	h.row = binary.LittleEndian.AppendUint64(h.row, uint64(t.UnixMicro()))
}

// Int takes a 32-bit integer.
func (h *Held) Int(i int) {
	h.row = append(h.row, heldValue)
	h.row = binary.AppendVarint(h.row, int64(i))
}

// Float takes a double.
func (h *Held) Float(x float64) {
	h.row = append(h.row, heldValue)
	h.row = binary.LittleEndian.AppendUint64(h.row, math.Float64bits(x))
}

// Bool takes a boolean.
func (h *Held) Bool(b bool) {
	v := byte(0)
	if b {
		v = 1
	}
	h.row = append(h.row, heldValue, v)
}

// List takes a list of text (nil is the empty list).
func (h *Held) List(l []string) {
	h.row = append(h.row, heldValue)
	h.row = binary.AppendUvarint(h.row, uint64(len(l)))
	for _, v := range l {
		h.row = binary.AppendUvarint(h.row, uint64(len(v)))
		h.row = append(h.row, v...)
	}
}

// End closes a row.
func (h *Held) End() {
	n := len(h.chunks)
	if n == 0 || len(h.chunks[n-1])+len(h.row) > cap(h.chunks[n-1]) {
		h.chunks = append(h.chunks, make([]byte, 0, max(heldChunkBytes, len(h.row))))
		n++
	}
	c := h.chunks[n-1]
	h.refs = append(h.refs, uint64(n-1)<<32|uint64(len(c)))
	h.chunks[n-1] = append(c, h.row...)
	h.row = h.row[:0]
}

// Release frees the rows.
func (h *Held) Release() { h.chunks, h.refs = nil, nil }

// rowBytes is held row i's bytes alone.
func (h *Held) rowBytes(i int) []byte {
	ref := h.refs[i]
	c := h.chunks[ref>>32]
	end := len(c)
	if i+1 < len(h.refs) && h.refs[i+1]>>32 == ref>>32 {
		end = int(uint32(h.refs[i+1]))
	}
	return c[uint32(ref):end]
}

// Order says how held rows are handed to DuckDB: Rows[i] is the held row
// given i-th (nil: every row as taken); Cols, when set, are the only held
// columns given; each of Extra's columns gives the rows one integer column
// more, its i-th value for the i-th row given (a snapshot's ranks).
type Order struct {
	Rows  []int32
	Cols  []string
	Extra []IntColumn
}

// IntColumn is an integer column given with held rows.
type IntColumn struct {
	Name   string
	Values []int32
}

// ExecHeld runs stmt on conn with the held rows, in the order given, as a
// table named like the held one. stmt must read that table alone (COPY
// (SELECT ... FROM it) keeps the rows' order: DuckDB preserves insertion
// order for a single table's scan, projections and COPY), and every column
// given (give only those it reads, with Order.Cols: over an Arrow stream,
// DuckDB has been seen to read a subset of its columns wrongly). Built
// with duckdb_arrow the rows go over as an Arrow view, read once;
// otherwise through a table the appender fills.
func ExecHeld(ctx context.Context, conn *sql.Conn, h *Held, o Order, stmt string) error {
	rdr, err := newOrdered(h, o)
	if err != nil {
		return err
	}
	defer rdr.Release()
	return handOver(ctx, conn, rdr, stmt)
}

// ordered reads held rows back in an order, a batch at a time, decoded
// on a goroutine of its own ahead of the reader.
type ordered struct {
	h      *Held
	o      Order
	given  []bool // whether each held column is given
	schema *arrow.Schema
	table  Table // the columns given, extra ones last
	ahead  chan arrow.RecordBatch
	stop   chan struct{}
	rec    arrow.RecordBatch
	refs   int64
	// touched keeps touch's loads from being optimised away.
	touched byte
}

// newOrdered checks an order against the held table and starts decoding.
func newOrdered(h *Held, o Order) (*ordered, error) {
	n := h.Len()
	if o.Rows != nil {
		n = len(o.Rows)
		for _, r := range o.Rows {
			if r < 0 || int(r) >= h.Len() {
				return nil, fmt.Errorf("held %s: row %d of %d", h.table.Name, r, h.Len())
			}
		}
	}
	r := &ordered{h: h, o: o, refs: 1, table: Table{Name: h.table.Name}, given: make([]bool, len(h.table.Cols))}
	for i, c := range h.table.Cols {
		if o.Cols == nil || slices.Contains(o.Cols, c.Name) {
			r.given[i] = true
			r.table.Cols = append(r.table.Cols, c)
		}
	}
	if o.Cols != nil && len(r.table.Cols) != len(o.Cols) {
		return nil, fmt.Errorf("held %s: columns %v are not all among its own", h.table.Name, o.Cols)
	}
	for _, e := range o.Extra {
		if len(e.Values) != n {
			return nil, fmt.Errorf("held %s: column %s has %d values for %d rows", h.table.Name, e.Name, len(e.Values), n)
		}
		r.table.Cols = append(r.table.Cols, Column{Name: e.Name, Type: Int})
	}
	r.schema = viewSchema(r.table.Cols)
	r.ahead, r.stop = make(chan arrow.RecordBatch, orderedAhead), make(chan struct{})
	go r.decode(n)
	return r, nil
}

// decode decodes the n rows given, a batch at a time, until they are done
// or the reader is released.
func (r *ordered) decode(n int) {
	defer close(r.ahead)
	for lo := 0; lo < n; lo += orderedBatchRows {
		rec := r.batch(lo, min(lo+orderedBatchRows, n))
		select {
		case r.ahead <- rec:
		case <-r.stop:
			rec.Release()
			return
		}
	}
}

// batch decodes the rows given at positions lo to hi.
func (r *ordered) batch(lo, hi int) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, r.schema)
	defer b.Release()
	var dst []array.Builder
	for k := range r.table.Cols[:len(r.table.Cols)-len(r.o.Extra)] {
		f := b.Field(k)
		f.Reserve(hi - lo)
		dst = append(dst, f)
	}
	for g := lo; g < hi; g += touchRows {
		end := min(g+touchRows, hi)
		r.touch(g, end)
		for i := g; i < end; i++ {
			r.decodeRow(r.h.rowBytes(r.source(i)), dst)
		}
	}
	for k, e := range r.o.Extra {
		b.Field(len(dst)+k).(*array.Int32Builder).AppendValues(e.Values[lo:hi], nil)
	}
	return b.NewRecordBatch()
}

// touchRows is how many rows are touched ahead of their decoding: enough
// loads in flight to hide memory's latency, few enough rows (a few tens of
// kilobytes) to stay in cache until decoded.
const touchRows = 64

// source is the held row given at position i.
func (r *ordered) source(i int) int {
	if r.o.Rows != nil {
		return int(r.o.Rows[i])
	}
	return i
}

// touch reads a byte of each cache line of the rows given at positions lo
// to hi. Rows given out of order are each a cache miss; read one after
// another by the decoder, every miss waits alone, while these loads do not
// depend on each other and go to memory at once (measured on a million
// rows in random order: BenchmarkHeldReorder).
func (r *ordered) touch(lo, hi int) {
	var sum byte
	for i := lo; i < hi; i++ {
		row := r.h.rowBytes(r.source(i))
		for off := 0; off < len(row); off += 64 {
			sum += row[off]
		}
	}
	r.touched += sum
}

// decodeRow appends one held row's given values to their builders.
func (r *ordered) decodeRow(row []byte, dst []array.Builder) {
	k := 0
	for c, col := range r.h.table.Cols {
		kind := row[0]
		row = row[1:]
		var d array.Builder
		if r.given[c] {
			d = dst[k]
			k++
		}
		if kind == heldNull {
			if d != nil {
				d.AppendNull()
			}
			continue
		}
		switch col.Type {
		case Text:
			n, w := binary.Uvarint(row)
			if d != nil {
				d.(*array.StringViewBuilder).BinaryViewBuilder.Append(row[w : w+int(n)])
			}
			row = row[w+int(n):]
		case Timestamp:
			if d != nil {
				d.(*array.TimestampBuilder).Append(arrow.Timestamp(binary.LittleEndian.Uint64(row)))
			}
			row = row[8:]
		case Int:
			v, w := binary.Varint(row)
			if d != nil {
				d.(*array.Int32Builder).Append(int32(v))
			}
			row = row[w:]
		case Float:
			if d != nil {
				d.(*array.Float64Builder).Append(math.Float64frombits(binary.LittleEndian.Uint64(row)))
			}
			row = row[8:]
		case Bool:
			if d != nil {
				d.(*array.BooleanBuilder).Append(row[0] == 1)
			}
			row = row[1:]
		case List:
			n, w := binary.Uvarint(row)
			row = row[w:]
			var vb *array.BinaryViewBuilder
			if d != nil {
				lb := d.(*array.ListBuilder)
				lb.Append(true)
				vb = lb.ValueBuilder().(*array.StringViewBuilder).BinaryViewBuilder
			}
			for range n {
				m, w := binary.Uvarint(row)
				if vb != nil {
					vb.Append(row[w : w+int(m)])
				}
				row = row[w+int(m):]
			}
		}
	}
}

// Retain, Release, Schema, Next, RecordBatch, Record and Err make ordered an
// array.RecordReader.
func (r *ordered) Retain() { r.refs++ }
func (r *ordered) Release() {
	if r.refs--; r.refs == 0 {
		r.drop()
		close(r.stop)
		for rec := range r.ahead {
			rec.Release()
		}
	}
}
func (r *ordered) Schema() *arrow.Schema          { return r.schema }
func (r *ordered) RecordBatch() arrow.RecordBatch { return r.rec }
func (r *ordered) Record() arrow.RecordBatch      { return r.rec }
func (r *ordered) Err() error                     { return nil }

func (r *ordered) drop() {
	if r.rec != nil {
		r.rec.Release()
		r.rec = nil
	}
}

// Next hands over the next batch.
func (r *ordered) Next() bool {
	r.drop()
	rec, ok := <-r.ahead
	r.rec = rec
	return ok
}
