package load

import (
	"bytes"
	"hash/maphash"
)

// keyScan reads a CSV file's bytes (as an io.Writer, beside the hash that
// reads them anyway) and keeps a 64-bit hash of one column's value (the
// file's key) on every record, to tell at the end that no two records
// share a key: then the load need not look for duplicate keys in the
// table it wrote (a hash aggregate over every key: 1.1 s for 9.6 million
// offences, 2.9 s over a national extract's four largest files). Distinct
// hashes prove distinct keys; equal ones prove nothing (two keys may share
// a hash), and the load looks in the table as before. So does a file the
// scan cannot follow line by line: one with a line without the column, or
// (found by the byteScan beside it, so each line need not be searched
// again) a quote anywhere (a quoted value may hold a comma or a line
// break) or a carriage return other than at a line's end.
//
// The key is compared as it is in the file, which is how it is stored
// when the byte scan finds no value to trim (source.trimmed; a
// pseudonymising key maps distinct ids to distinct 96-bit pseudonyms).
type keyScan struct {
	col     int // the key's place in the header
	seed    maphash.Seed
	hashes  hashSet
	partial []byte // a line begun in an earlier write
	header  bool   // the header line has gone by
	off     bool   // the file cannot be followed line by line
	// stop, when set, tells the scan after each write that its answer is
	// no longer wanted (the file turned out quoted).
	stop func() bool
}

// newKeyScan returns a keyScan of column col.
func newKeyScan(col int) *keyScan { return &keyScan{col: col, seed: maphash.MakeSeed()} }

// Write scans p; it never fails.
func (k *keyScan) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && !k.off {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			k.partial = append(k.partial, p...)
			break
		}
		line := p[:i]
		if len(k.partial) > 0 {
			k.partial = append(k.partial, line...)
			line = k.partial
		}
		k.line(line)
		k.partial = k.partial[:0]
		p = p[i+1:]
	}
	if k.stop != nil && k.stop() {
		k.off, k.partial = true, nil
		k.hashes = hashSet{}
	}
	return n, nil
}

// line takes one line, without its line feed.
func (k *keyScan) line(b []byte) {
	if !k.header {
		k.header = true
		return
	}
	b = bytes.TrimSuffix(b, []byte("\r"))
	for j := 0; j < k.col; j++ {
		i := bytes.IndexByte(b, ',')
		if i < 0 {
			k.off = true
			return
		}
		b = b[i+1:]
	}
	if i := bytes.IndexByte(b, ','); i >= 0 {
		b = b[:i]
	}
	if len(b) == 0 {
		return // no key: the record is rejected, not a duplicate
	}
	k.hashes.add(maphash.Bytes(k.seed, b))
}

// unique reports, once every byte is written, that no two records' keys
// are the same.
func (k *keyScan) unique() bool {
	if len(k.partial) > 0 && !k.off {
		k.line(k.partial) // a last line with no line feed
		k.partial = nil
	}
	if k.off {
		return false
	}
	return k.hashes.distinct()
}

// hashSet gathers 64-bit hashes in 256 parts by their top byte, each part
// small enough (37,000 hashes for 9.6 million) for a table that stays in
// the processor's cache to find a repeat in it: 0.23 s to add and check
// 9.6 million hashes, where sorting them takes 1 s (slices.Sort; a radix
// sort 0.7 s), measured by BenchmarkHashSet on the machine of the
// README's first Benchmarks table.
type hashSet struct {
	parts [256][]uint64
}

// add adds one hash.
func (s *hashSet) add(h uint64) { s.parts[h>>56] = append(s.parts[h>>56], h) }

// distinct reports that no hash was added twice, and empties the set.
func (s *hashSet) distinct() bool {
	longest := 0
	for _, p := range s.parts {
		longest = max(longest, len(p))
	}
	size := 1
	for size < 2*longest {
		size *= 2
	}
	table, mask := make([]uint64, size), uint64(size-1)
	ok := true
	for i, p := range s.parts {
		clear(table)
		zero := false
		for _, h := range p {
			if h == 0 { // 0 marks an empty slot; it is kept aside
				if zero {
					ok = false
				}
				zero = true
				continue
			}
			j := h & mask
			for table[j] != 0 && table[j] != h {
				j = (j + 1) & mask
			}
			if table[j] == h {
				ok = false
				break
			}
			table[j] = h
		}
		s.parts[i] = nil
		if !ok {
			break
		}
	}
	clear(s.parts[:])
	return ok
}
