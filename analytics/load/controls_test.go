package load

import (
	"bytes"
	"encoding/csv"
	"io"
	"strings"
	"testing"
)

// TestByteScan checks the file-level tests for control characters and
// untrimmed values on the cases the CSV rules make: record ends, quoted
// values, doubled quotes and the quoting a reader might read differently.
func TestByteScan(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in       string
		plain, trimmed bool
	}{
		{"plain lines", "id,v\nA1,yes\nA2,no\n", true, true},
		{"no final line feed", "id,v\nA1,yes", true, true},
		{"CRLF", "id,v\r\nA1,yes\r\n", true, true},
		{"quoted values", "id,v\n\"A1\",\"a, b\"\n", true, true},
		{"doubled quote", "id,v\n\"A\"\"1\",x\n", true, true},
		{"space inside a value", "id,v\nA1,North Yorkshire\n", true, true},
		{"empty values", "id,v,w\nA1,,\n", true, true},
		{"long plain line", "id,v\nA123456789012345678901234567890,yes\n", true, true},
		{"tab", "id,v\nA\t1,yes\n", false, false},
		{"unit separator", "id,v\nV1\x1fP1,yes\n", false, false},
		{"NUL", "id,v\nA1\x00,yes\n", false, false},
		{"DEL", "id,v\nA1\x7f,yes\n", false, false},
		{"tab in a long word", "id,v\nA12345678\t9012345,yes\n", false, false},
		{"line feed in quotes", "id,v\n\"A\n1\",yes\n", false, false},
		{"CRLF in quotes", "id,v\n\"A\r\n1\",yes\n", false, false},
		{"bare carriage return", "id,v\nA1\r2,yes\n", false, false},
		{"carriage return at the end", "id,v\nA1,yes\r", false, false},
		{"open quote", "id,v\n\"A1,yes\n", false, false},
		{"quote inside a value", "id,v\nA\"1,\"x\ny\"\n", false, false},
		{"text after a closing quote", "id,v\n\"A\"1,yes\n", false, false},
		{"leading space", "id,v\nA1, yes\n", true, false},
		{"trailing space before a comma", "id,v\nA12345678 ,yes\n", true, false},
		{"trailing space at a line end", "id,v\nA1,yes \nA2,no\n", true, false},
		{"trailing space before CRLF", "id,v\r\nA1,yes \r\n", true, false},
		{"trailing space at the end", "id,v\nA1,yes ", true, false},
		{"space first on a line", "id,v\n A1,yes\n", true, false},
		{"space inside quotes first", "id,v\n\" A1\",yes\n", true, false},
		{"space inside quotes last", "id,v\n\"A1 \",yes\n", true, false},
		{"quoted empty", "id,v\nA1,\"\"\n", true, false},
		{"non-ASCII", "id,v\nA1,caf\u00e9\n", true, false},
		{"no-break space", "id,v\nA1,yes\u00a0\n", true, false},
		{"byte order mark", "\ufeffid,v\nA1,yes\n", true, true},
		{"byte order mark, quoted header", "\ufeff\"id\",v\nA1,yes\n", true, true},
		{"half a byte order mark", "\xef\xbbid,v\nA1,yes\n", true, false},
		{"a mark's first byte, then a quote", "\xef\"id\",v\nA1,yes\n", false, false},
		{"byte order mark later on", "id,v\nA1,\ufeffyes\n", true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Whole, and byte by byte (the word-at-a-time path never taken).
			for _, n := range []int{len(c.in), 1} {
				s := scanBytes([]byte(c.in), n)
				if s.plain() != c.plain || s.trimmed() != c.trimmed {
					t.Errorf("writes of %d: plain, trimmed = %v, %v, want %v, %v for %q", n, s.plain(), s.trimmed(), c.plain, c.trimmed, c.in)
				}
			}
		})
	}
}

// scanBytes runs byteScan over b in writes of n bytes.
func scanBytes(b []byte, n int) *byteScan {
	var c byteScan
	for len(b) > 0 {
		k := min(n, len(b))
		c.Write(b[:k])
		b = b[k:]
	}
	return &c
}

// FuzzByteScan checks the scan against Go's CSV reader (strict quoting): a
// file the scan calls plain must read, with no control character in any
// value, and one that reads with none must be called plain (but for a final
// carriage return); a file called trimmed must also have no value with a
// space first or last or a byte above 0x7F, and one that has none (and no
// doubled quote, which could be an empty quoted value) must be called
// trimmed; neither answer may depend on how the bytes are split into
// writes.
func FuzzByteScan(f *testing.F) {
	for _, s := range []string{"a,b\n\"c\"\"d\",e\r\n", "a\tb\n", "\"a\nb\",c\n", "a\"b\n", "x,\"\",\"y\"\n", "a ,b\n", "\" a\",b\n"} {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, in []byte, split uint8) {
		whole := scanBytes(in, len(in)+1)
		chunked := scanBytes(in, int(split%17)+1)
		if whole.plain() != chunked.plain() || whole.trimmed() != chunked.trimmed() {
			t.Fatalf("plain, trimmed = %v, %v whole, %v, %v in writes of %d bytes, for %q",
				whole.plain(), whole.trimmed(), chunked.plain(), chunked.trimmed(), split%17+1, in)
		}
		plain, trimmed := csvPlain(in)
		// The one place the scan is stricter by design: a carriage return
		// at the very end (the CSV reader drops it; the scan does not
		// guess).
		endsCR := bytes.HasSuffix(in, []byte("\r"))
		switch got := whole.plain(); {
		case got && !plain:
			t.Fatalf("called plain, but the CSV reader finds a control character or cannot read %q", in)
		case plain && !got && !endsCR:
			t.Fatalf("the CSV reader finds no control character in %q, but the scan says there may be one", in)
		}
		switch got := whole.trimmed(); {
		case got && !trimmed:
			t.Fatalf("called trimmed, but the CSV reader finds a value to trim in %q", in)
		case trimmed && !got && !endsCR && !bytes.Contains(in, []byte(`""`)):
			t.Fatalf("the CSV reader finds no value to trim in %q, but the scan says there may be one", in)
		}
	})
}

// csvPlain reads b with encoding/csv and reports whether it reads with no
// control character in any value (plain) and, besides, no value with a
// space first or last or a byte above 0x7F (trimmed).
func csvPlain(b []byte) (plain, trimmed bool) {
	// DuckDB, like the scan, skips a byte order mark; Go's reader does not.
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte(utf8BOM))))
	r.FieldsPerRecord = -1
	trimmed = true
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return true, trimmed
		}
		if err != nil {
			return false, false
		}
		for _, v := range rec {
			if strings.HasPrefix(v, " ") || strings.HasSuffix(v, " ") {
				trimmed = false
			}
			for i := 0; i < len(v); i++ {
				if isControl(v[i]) {
					return false, false
				}
				if v[i] > 0x7f {
					trimmed = false
				}
			}
		}
	}
}
