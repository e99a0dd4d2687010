package load

import (
	"bytes"
	"encoding/csv"
	"io"
	"testing"
)

// TestControlScan checks the file-level test for control characters on the
// cases the CSV rules make: record ends, quoted values, doubled quotes and
// the quoting a reader might read differently.
func TestControlScan(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in string
		plain    bool
	}{
		{"plain lines", "id,v\nA1,yes\nA2,no\n", true},
		{"no final line feed", "id,v\nA1,yes", true},
		{"CRLF", "id,v\r\nA1,yes\r\n", true},
		{"quoted values", "id,v\n\"A1\",\"a, b\"\n", true},
		{"doubled quote", "id,v\n\"A\"\"1\",x\n", true},
		{"empty quoted", "id,v\n\"\",x\n", true},
		{"long plain line", "id,v\nA123456789012345678901234567890,yes\n", true},
		{"tab", "id,v\nA\t1,yes\n", false},
		{"unit separator", "id,v\nV1\x1fP1,yes\n", false},
		{"NUL", "id,v\nA1\x00,yes\n", false},
		{"DEL", "id,v\nA1\x7f,yes\n", false},
		{"tab in a long word", "id,v\nA12345678\t9012345,yes\n", false},
		{"line feed in quotes", "id,v\n\"A\n1\",yes\n", false},
		{"CRLF in quotes", "id,v\n\"A\r\n1\",yes\n", false},
		{"bare carriage return", "id,v\nA1\r2,yes\n", false},
		{"carriage return at the end", "id,v\nA1,yes\r", false},
		{"open quote", "id,v\n\"A1,yes\n", false},
		{"quote inside a value", "id,v\nA\"1,\"x\ny\"\n", false},
		{"text after a closing quote", "id,v\n\"A\"1,yes\n", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := scanPlain([]byte(c.in), len(c.in)); got != c.plain {
				t.Errorf("plain = %v, want %v for %q", got, c.plain, c.in)
			}
			// Byte by byte, the word-at-a-time path is never taken.
			if got := scanPlain([]byte(c.in), 1); got != c.plain {
				t.Errorf("byte by byte: plain = %v, want %v for %q", got, c.plain, c.in)
			}
		})
	}
}

// scanPlain runs controlScan over b in writes of n bytes.
func scanPlain(b []byte, n int) bool {
	var c controlScan
	for len(b) > 0 {
		k := min(n, len(b))
		c.Write(b[:k])
		b = b[k:]
	}
	return c.plain()
}

// FuzzControlScan checks the scan against Go's CSV reader (strict quoting):
// a file the scan calls plain must read, with no control character in any
// value, and one that reads with none must be called plain (but for a final
// carriage return); the answer must
// not depend on how the bytes are split into writes.
func FuzzControlScan(f *testing.F) {
	for _, s := range []string{"a,b\n\"c\"\"d\",e\r\n", "a\tb\n", "\"a\nb\",c\n", "a\"b\n", "x,\"\",\"y\"\n"} {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, in []byte, split uint8) {
		got := scanPlain(in, len(in)+1)
		if chunked := scanPlain(in, int(split%17)+1); chunked != got {
			t.Fatalf("plain = %v whole, %v in writes of %d bytes, for %q", got, chunked, split%17+1, in)
		}
		want := csvPlain(in)
		if got && !want {
			t.Fatalf("called plain, but the CSV reader finds a control character or cannot read %q", in)
		}
		// The one place the scan is stricter by design: a carriage return
		// at the very end (the CSV reader drops it; the scan does not
		// guess).
		if want && !got && !bytes.HasSuffix(in, []byte("\r")) {
			t.Fatalf("the CSV reader finds no control character in %q, but the scan says there may be one", in)
		}
	})
}

// csvPlain reads b with encoding/csv and reports whether it reads with no
// control character in any value.
func csvPlain(b []byte) bool {
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return true
		}
		if err != nil {
			return false
		}
		for _, v := range rec {
			for i := 0; i < len(v); i++ {
				if isControl(v[i]) {
					return false
				}
			}
		}
	}
}
