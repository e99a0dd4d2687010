package load

import "encoding/binary"

// controlScan reads a CSV file's bytes (as an io.Writer, beside the hash
// that reads them anyway) and finds whether any value in it could hold a
// control character (a byte 0x00 to 0x1F or 0x7F, what the ids' check
// [[:cntrl:]] matches). Outside quotes a line feed, or a carriage return
// just before one, ends a record and is in no value; every other control
// byte, and a line break inside quotes, could be in one. A file with none
// lets the load skip the regular expression on each id (three ids of 7
// million occurrences: 0.8 s of a 6.8 s pass); one with any, or a file
// left in a quote, or quoted other than the CSV rules allow (a quote that
// neither starts a value nor ends one: a reader might take it literally
// and this scan lose its place), is checked value by value as before.
//
// The scan takes eight bytes at a time and looks closer only at a word
// holding a control byte, DEL or a quote: a byte loop over the 1.5 GB of a
// national extract's files other than answers would cost about as much as
// the checks it saves.
type controlScan struct {
	inQuote bool // inside a quoted value
	closed  bool // the last byte closed a quoted value
	cr      bool // the last byte was a carriage return outside quotes
	found   bool // a control byte that could be in a value, or odd quoting
	last    byte // the last byte of the previous Write (a line feed at first)
	started bool // last holds a byte
}

const (
	ones  = 0x0101010101010101 // 0x01 in every byte of a word
	highs = 0x8080808080808080 // the top bit of every byte
)

// special reports whether a word of eight bytes holds a byte below 0x20,
// DEL or a double quote. (x - n*ones) & ^x & highs is nonzero exactly when
// some byte of x is below n, for n up to 0x80 (the "hasless" test of Sean
// Anderson's Bit Twiddling Hacks); a byte equal to b is one below 1 after
// an XOR with b in every byte.
func special(w uint64) bool {
	less := func(x, n uint64) bool { return (x-n*ones)&^x&highs != 0 }
	return less(w, 0x20) || less(w^(0x7f*ones), 1) || less(w^('"'*ones), 1)
}

// Write scans p; it never fails.
func (c *controlScan) Write(p []byte) (int, error) {
	if !c.started {
		c.last, c.started = '\n', true
	}
	i := 0
	for i < len(p) && !c.found {
		if !c.cr && !c.closed {
			for i+8 <= len(p) && !special(binary.LittleEndian.Uint64(p[i:])) {
				i += 8
			}
			if i == len(p) {
				break
			}
		}
		prev := c.last
		if i > 0 {
			prev = p[i-1]
		}
		c.step(prev, p[i])
		i++
	}
	if len(p) > 0 {
		c.last = p[len(p)-1]
	}
	return len(p), nil
}

// step takes one byte, b, after prev.
func (c *controlScan) step(prev, b byte) {
	switch {
	case c.cr:
		// A carriage return ends a record only before a line feed.
		c.cr, c.found = false, b != '\n'
	case c.closed:
		// After a closing quote: a doubled quote (back inside), or the end
		// of the value.
		c.closed = false
		switch b {
		case '"':
			c.inQuote = true
		case ',', '\n':
		case '\r':
			c.cr = true
		default:
			c.found = true
		}
	case c.inQuote:
		if b == '"' {
			c.inQuote, c.closed = false, true
		} else {
			c.found = isControl(b)
		}
	case b == '"':
		// A quote opens a value only at its start.
		c.inQuote, c.found = true, prev != ',' && prev != '\n'
	case b == '\r':
		c.cr = true
	case b != '\n':
		c.found = isControl(b)
	}
}

// plain reports, once every byte is written, that no value can hold a
// control character.
func (c *controlScan) plain() bool { return !c.found && !c.cr && !c.inQuote }

// isControl reports whether b is an ASCII control character.
func isControl(b byte) bool { return b < 0x20 || b == 0x7f }
