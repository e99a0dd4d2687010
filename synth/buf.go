package synth

import (
	"strconv"
	"time"
)

// buffers holds a batch's output: one byte slice per file.
type buffers [nFiles][]byte

// row starts a row of file f.
func (b *buffers) row(f int) *row { return &row{b: b[f]} }

// put ends a row of file f and keeps it.
func (b *buffers) put(f int, r *row) { r.end(); b[f] = r.b }

// row appends CSV fields to a buffer. Synthetic values never contain commas,
// quotes or line breaks, so no quoting is needed.
type row struct{ b []byte }

func (r *row) s(v string) *row { r.b = append(r.b, v...); r.b = append(r.b, ','); return r }
func (r *row) i(v int) *row {
	r.b = strconv.AppendInt(r.b, int64(v), 10)
	r.b = append(r.b, ',')
	return r
}
func (r *row) f(v float64) *row {
	r.b = strconv.AppendFloat(r.b, v, 'g', 6, 64)
	r.b = append(r.b, ',')
	return r
}
func (r *row) empty() *row { r.b = append(r.b, ','); return r }

// id appends prefix, a zero-padded number and optionally "-" and a suffix.
func (r *row) id(prefix byte, n int, sub int) *row {
	r.b = appendID(r.b, prefix, n, sub)
	r.b = append(r.b, ',')
	return r
}

func appendID(b []byte, prefix byte, n int, sub int) []byte {
	b = append(b, prefix)
	var tmp [20]byte
	d := strconv.AppendInt(tmp[:0], int64(n), 10)
	for k := len(d); k < 7; k++ {
		b = append(b, '0')
	}
	b = append(b, d...)
	if sub >= 0 {
		b = append(b, '-')
		b = strconv.AppendInt(b, int64(sub), 10)
	}
	return b
}

func idString(prefix byte, n, sub int) string { return string(appendID(nil, prefix, n, sub)) }

// date appends YYYY-MM-DD.
func (r *row) date(t time.Time) *row {
	r.b = appendDate(r.b, t)
	r.b = append(r.b, ',')
	return r
}

func appendDate(b []byte, t time.Time) []byte {
	y, m, d := t.Date()
	b = strconv.AppendInt(b, int64(y), 10)
	b = append(b, '-', byte('0'+int(m)/10), byte('0'+int(m)%10), '-', byte('0'+d/10), byte('0'+d%10))
	return b
}

// end replaces the trailing comma with a newline.
func (r *row) end() { r.b[len(r.b)-1] = '\n' }
