package load

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/tau-da/tau/extract"
)

// TestKeyScan checks the file-level test that no two records share a key
// (as a load reads a file, beside the byte scan): it must say so only when
// that is so, and give no answer (false) when it cannot follow the file
// line by line.
func TestKeyScan(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in string
		col      int
		unique   bool
	}{
		{"distinct", "id,v\nA1,x\nA2,x\nA3,y\n", 0, true},
		{"repeated", "id,v\nA1,x\nA2,x\nA1,y\n", 0, false},
		{"repeated in the second column", "v,id\nx,A1\ny,A1\n", 1, false},
		{"distinct in the second column", "v,id\nx,A1\nx,A2\n", 1, true},
		{"CRLF, key last", "v,id\r\nx,A1\r\ny,A1\r\n", 1, false},
		{"no final line feed", "id\nA1\nA1", 0, false},
		{"empty keys are not duplicates", "id,v\n,x\n,y\nA1,z\n", 0, true},
		{"header not counted", "id,v\nid,x\n", 0, true},
		{"a quote", "id,v\n\"A1\",x\nA1,y\n", 0, false},
		{"a carriage return inside a line", "id,v\nA1,x\rA1,y\n", 0, false},
		{"a line without the column", "v,id\nx\n", 1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for name, r := range map[string]io.Reader{
				"whole":        strings.NewReader(c.in),
				"byte by byte": iotest.OneByteReader(strings.NewReader(c.in)),
				"in halves":    iotest.HalfReader(strings.NewReader(c.in)),
			} {
				if got := readFile(r, true, c.col).unique; got != c.unique {
					t.Errorf("%s: unique = %v, want %v for %q", name, got, c.unique, c.in)
				}
			}
		})
	}
}

// TestKeyScanLarge checks a file of many keys with one repeat far apart
// from its first copy, and the same file without it.
func TestKeyScanLarge(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("id,v\n")
	for i := range 200000 {
		b.WriteString("K")
		b.WriteString(strconv.Itoa(i))
		b.WriteString(",x\n")
	}
	distinct := b.String()
	for name, in := range map[string]string{"distinct": distinct, "one repeat": distinct + "K17,y\n"} {
		if got, want := readFile(strings.NewReader(in), true, 0).unique, name == "distinct"; got != want {
			t.Errorf("%s: unique = %v, want %v", name, got, want)
		}
	}
}

// TestHashSet checks hashSet against a map, on hashes that share their
// top byte and their low bits, and on 0 (the empty-slot mark).
func TestHashSet(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 1000, 100000} {
		for _, repeat := range []bool{false, true} {
			var s hashSet
			seen := map[uint64]bool{}
			want := true
			for i := range n {
				h := r.Uint64() >> (r.IntN(4) * 16) // many share the top byte
				if i%7 == 0 {
					h = uint64(i) // and the low bits; 0 among them
				}
				if repeat && i == n-1 {
					h = 0
				}
				if seen[h] {
					want = false
				}
				seen[h] = true
				s.add(h)
			}
			if got := s.distinct(); got != want {
				t.Errorf("%d hashes (a repeat of 0: %v): distinct = %v, want %v", n, repeat, got, want)
			}
		}
	}
}

// BenchmarkHashSet times finding a repeat among 9.6 million hashes (a
// national offences file's keys), against sorting them.
func BenchmarkHashSet(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	src := make([]uint64, 9_600_000)
	for i := range src {
		src[i] = r.Uint64()
	}
	b.Run("hashSet", func(b *testing.B) {
		for b.Loop() {
			var s hashSet
			for _, h := range src {
				s.add(h)
			}
			s.distinct()
		}
	})
	b.Run("slices.Sort", func(b *testing.B) {
		for b.Loop() {
			slices.Sort(slices.Clone(src))
		}
	})
}

// FuzzKeyScan checks that a file called unique has, read by Go's CSV
// reader, no two records after the header with the same first value.
func FuzzKeyScan(f *testing.F) {
	for _, s := range []string{"id,v\nA1,x\nA1,y\n", "id\n\"A1\"\nA1\n", "id\nA1\rA1\n", "id,v\nA1,x\r\nA2,y\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if !readFile(bytes.NewReader(in), true, 0).unique {
			return
		}
		r := csv.NewReader(bytes.NewReader(in))
		r.FieldsPerRecord = -1
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatalf("called unique, but the CSV reader cannot read %q: %v", in, err)
		}
		seen := map[string]bool{}
		for i, rec := range recs {
			if i == 0 || rec[0] == "" {
				continue
			}
			if seen[rec[0]] {
				t.Fatalf("called unique, but %q repeats in %q", rec[0], in)
			}
			seen[rec[0]] = true
		}
	})
}

// TestHashFilesStops checks that files not yet read when the load is
// stopped are sent the reason, not read.
func TestHashFilesStops(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "persons.csv")
	if err := os.WriteFile(p, []byte("person_id\nV1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srcs := []*source{{spec: extract.Files[0], path: p, format: "csv", header: []string{"person_id"}}}
	ctx, cancel := context.WithCancelCause(context.Background())
	stopped := errors.New("stopped")
	cancel(stopped)
	if h := <-hashFiles(ctx, srcs)[extract.Files[0].Name]; !errors.Is(h.err, stopped) || h.sum != "" {
		t.Errorf("hash after the stop = %+v, want the stop's cause and no hash", h)
	}
	if h := <-hashFiles(context.Background(), srcs)[extract.Files[0].Name]; h.err != nil || h.sum == "" || !h.unique {
		t.Errorf("hash = %+v, want a hash and the one key unique", h)
	}
}
