package load

import "encoding/binary"

// byteScan reads a CSV file's bytes (as an io.Writer, beside the hash that
// reads them anyway) and finds two things the checks on every value can
// then skip for the whole file:
//
//   - plain: no value can hold a control character (a byte 0x00 to 0x1F or
//     0x7F, what the ids' check [[:cntrl:]] matches). Outside quotes a line
//     feed, or a carriage return just before one, ends a record and is in
//     no value; every other control byte, and a line break inside quotes,
//     could be in one. Skipping the regular expression on each id saves
//     0.8 s of a 6.8 s pass over 7 million occurrences.
//   - trimmed: no value would change if trimmed (stagedText): none starts
//     or ends with a space, none is quoted and empty, and the file is plain
//     ASCII (DuckDB's trim also removes Unicode spaces). Skipping the test
//     on each value saves 0.6 s more of the same pass.
//
// A file that is neither, or is left in a quote, or is quoted other than
// the CSV rules allow (a quote that neither starts a value nor ends one: a
// reader might take it literally and this scan lose its place), is checked
// value by value as before.
//
// The scan takes eight bytes at a time (plainWord, and special inside
// quotes) and goes byte by byte only around quotes, carriage returns and
// other control bytes: a byte loop over the 1.5 GB of a national
// extract's files other than answers would cost about as much as the
// checks it saves.
type byteScan struct {
	inQuote bool // inside a quoted value
	opened  bool // the last byte opened a quoted value
	closed  bool // the last byte closed a quoted value
	cr      bool // the last byte was a carriage return outside quotes
	space   bool // the last byte was a space
	// odd: a control byte that could be in a value, or quoting the scan
	// cannot follow; untrimmed: a value trimming would change; quoted: a
	// quote was met.
	odd, untrimmed, quoted bool
	last                   byte // the last byte of the previous Write (a line feed at first)
	started                bool // last holds a byte
	// bom counts the bytes of a byte order mark the file opens with (as
	// DuckDB does, the scan skips one; the header then starts after it, as
	// at a line's start); inBOM: it may still be reading them.
	bom   int
	inBOM bool
}

// utf8BOM is the byte order mark spreadsheet programs put before a CSV
// file's header.
const utf8BOM = "\xef\xbb\xbf"

const (
	ones  = 0x0101010101010101 // 0x01 in every byte of a word
	highs = 0x8080808080808080 // the top bit of every byte
)

// below returns w with the top bit of each byte set where that byte is
// below n (n up to 0x80) and every other bit clear: adding 0x80 - n to a
// byte's low seven bits sets its top bit when the byte is at least n, and
// no sum carries into the next byte.
func below(w, n uint64) uint64 { return ^(((w &^ highs) + (0x80-n)*ones) | w) & highs }

// equal is below for the bytes equal to b.
func equal(w uint64, b byte) uint64 { return below(w^(uint64(b)*ones), 1) }

// plainWord takes eight bytes outside quotes at once, after prev, when they
// hold no quote, no DEL and no control byte but line feeds (nearly every
// word of a file); it reports false for any other word, to be taken a byte
// at a time.
func (c *byteScan) plainWord(w uint64, prev byte) bool {
	nl := equal(w, '\n')
	if below(w, 0x20)&^nl != 0 || equal(w, '"')|equal(w, 0x7f) != 0 {
		return false
	}
	if w&highs != 0 {
		c.untrimmed = true
	}
	sp := equal(w, ' ')
	if sp != 0 || c.space {
		ends := nl | equal(w, ',')
		starts := ends << 8 // the bytes after a line feed or comma
		if prev == ',' || prev == '\n' {
			starts |= 0x80
		}
		after := sp << 8 // the bytes after a space
		if c.space {
			after |= 0x80
		}
		if sp&starts != 0 || ends&after != 0 {
			c.untrimmed = true
		}
	}
	c.space = sp>>63 != 0
	return true
}

// special reports whether a word of eight bytes holds a byte below 0x20,
// DEL, a double quote, a space or a byte above 0x7F.
func special(w uint64) bool {
	return w&highs|below(w, 0x21)|equal(w, 0x7f)|equal(w, '"') != 0
}

// Write scans p; it never fails.
func (c *byteScan) Write(p []byte) (int, error) {
	if !c.started {
		c.last, c.started, c.inBOM = '\n', true, true
	}
	start := 0 // where p's text starts, after any byte order mark
	for c.inBOM && start < len(p) {
		if p[start] != utf8BOM[c.bom] {
			// Not a byte order mark: what matched of it is text above 0x7F.
			c.inBOM = false
			if c.bom > 0 {
				c.untrimmed, c.last = true, utf8BOM[c.bom-1]
			}
			break
		}
		c.bom++
		start++
		c.inBOM = c.bom < len(utf8BOM)
	}
	for i := start; i < len(p) && !c.odd; {
		prev := c.last
		if i > start {
			prev = p[i-1]
		}
		switch {
		case c.cr || c.closed || c.opened || i+8 > len(p):
		case !c.inQuote:
			if c.plainWord(binary.LittleEndian.Uint64(p[i:]), prev) {
				i += 8
				continue
			}
		case !c.space:
			// Inside quotes only a quote, a control byte, a space or a byte
			// above 0x7F needs a closer look.
			if !special(binary.LittleEndian.Uint64(p[i:])) {
				i += 8
				continue
			}
		}
		c.step(prev, p[i])
		i++
	}
	if len(p) > start {
		c.last = p[len(p)-1]
	}
	return len(p), nil
}

// step takes one byte, b, after prev.
func (c *byteScan) step(prev, b byte) {
	space, opened := c.space, c.opened
	c.space, c.opened = b == ' ', false
	if b > 0x7f {
		c.untrimmed = true
	}
	ends := func() { c.untrimmed = c.untrimmed || space } // a value ends here
	switch {
	case c.cr:
		// A carriage return ends a record only before a line feed.
		c.cr, c.odd = false, b != '\n'
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
			c.odd = true
		}
	case c.inQuote:
		if b != '"' {
			c.odd = isControl(b)
			c.untrimmed = c.untrimmed || opened && b == ' '
			return
		}
		// A quote right after the opening one is an empty value (or a
		// doubled quote first: taken as untrimmed all the same).
		ends()
		c.untrimmed = c.untrimmed || opened
		c.inQuote, c.closed = false, true
	case b == '"':
		// A quote opens a value only at its start.
		c.inQuote, c.opened, c.odd, c.quoted = true, true, prev != ',' && prev != '\n', true
	case b == '\r':
		ends()
		c.cr = true
	case b == '\n', b == ',':
		ends()
	case b == ' ':
		c.untrimmed = c.untrimmed || prev == ',' || prev == '\n'
	default:
		c.odd = isControl(b)
	}
}

// plain reports, once every byte is written, that no value can hold a
// control character.
func (c *byteScan) plain() bool { return !c.odd && !c.cr && !c.inQuote }

// trimmed reports, once every byte is written, that no value would change
// if trimmed.
func (c *byteScan) trimmed() bool {
	partBOM := c.inBOM && c.bom > 0 // the file ends in part of a mark
	return c.plain() && !c.untrimmed && !c.space && !partBOM
}

// isControl reports whether b is an ASCII control character.
func isControl(b byte) bool { return b < 0x20 || b == 0x7f }
