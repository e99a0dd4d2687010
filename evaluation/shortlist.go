package evaluation

import (
	"cmp"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tau-da/tau/internal/period"
)

// matcher finds each plan's nearest candidates on the baseline and recent
// counts without scanning the pool per plan: plans are taken in order of
// opening, two windows slide over the pool's occurrences in time order
// (each occurrence enters and leaves each window about once), and every
// candidate key sits in the cell of its current (baseline, recent) counts.
// A plan's nearest candidates are then the cells at distance 0, 1, 2...
// from its own counts (the sum of absolute differences), read until the
// shortlist is full; from the ring that overflows it, the lowest
// relationship ids are kept, so ties break exactly as a full scan breaks
// them.
type matcher struct {
	// occ are the pool keys' occurrences in time order (as instants).
	occT []int64
	occK []int32
	// keyCands are the pool entries under each key; rank is each pool
	// entry's place in relationship-id order (ties in distance go to the
	// lower id).
	keyCands [][]int32
	rank     []int32
	// byRank lists the pool entries in id order and entryKey gives each
	// entry's key, for walking a large ring in id order.
	byRank, entryKey []int32
	// planDay is each pool entry's plan day (dayNumber; 0: never
	// planned); index the key indexes.
	planDay []int32
	index   map[string]int32
	// cb and cr are each key's counts in the current windows; cells[b][r]
	// holds the keys with baseline count b > 0 and recent count r (a grid:
	// counts are small, and a map's hashing was most of a national
	// match), and pos each key's place in its cell.
	cb, cr []int32
	cells  [][][]int32
	pos    []int32
	// The windows' edges in occ: baseline [bLo, bHi), recent [rLo, rHi).
	bLo, bHi, rLo, rHi int
	maxB, maxR         int32
}

// instant is a time as a number that orders as the time does (Unix
// nanoseconds, clamped outside the years 1678-2261 they can hold).
func instant(t time.Time) int64 {
	switch y := t.Year(); {
	case y < 1678:
		return math.MinInt64
	case y > 2261:
		return math.MaxInt64
	}
	return t.UnixNano()
}

// newMatcher indexes the pool's keys and their occurrences.
func newMatcher(occ Occurrences, keys []string, pool []Candidate) *matcher {
	m := &matcher{rank: poolRanks(pool), entryKey: make([]int32, len(pool))}
	m.byRank = make([]int32, len(pool))
	for i, r := range m.rank {
		m.byRank[r] = int32(i)
	}
	index := make(map[string]int32, len(keys))
	m.planDay, m.index = make([]int32, len(keys)), index
	for i, c := range pool {
		if !c.PlanOpened.IsZero() {
			m.planDay[i] = dayNumber(c.PlanOpened)
		}
	}
	for i, k := range keys {
		ki, ok := index[k]
		if !ok {
			ki = int32(len(m.keyCands))
			index[k] = ki
			m.keyCands = append(m.keyCands, nil)
		}
		m.keyCands[ki] = append(m.keyCands[ki], int32(i))
		m.entryKey[i] = ki
	}
	type ev struct {
		t int64
		k int32
	}
	// The occurrences are walked in the map's own order and each key
	// looked up once: nationally 2 million keys, whose lookups in a
	// random order were most of the index's time.
	n := 0
	for _, ts := range occ {
		n += len(ts)
	}
	evs := make([]ev, 0, n)
	for k, ts := range occ {
		if ki, ok := index[k]; ok {
			for _, t := range ts {
				evs = append(evs, ev{instant(t), ki})
			}
		}
	}
	// Occurrences at the same instant enter and leave a window together,
	// so their order among themselves does not matter.
	slices.SortFunc(evs, func(a, b ev) int { return cmp.Compare(a.t, b.t) })
	m.occT, m.occK = make([]int64, len(evs)), make([]int32, len(evs))
	for i, e := range evs {
		m.occT[i], m.occK[i] = e.t, e.k
	}
	nk := len(m.keyCands)
	m.cb, m.cr, m.pos = make([]int32, nk), make([]int32, nk), make([]int32, nk)
	return m
}

// poolRanks gives each pool entry its place in relationship-id order (the
// warehouse lists the pool in that order, so usually rank i is entry i).
func poolRanks(pool []Candidate) []int32 {
	rank := make([]int32, len(pool))
	sorted := true
	for i := range pool {
		rank[i] = int32(i)
		if i > 0 && pool[i].RelationshipID < pool[i-1].RelationshipID {
			sorted = false
		}
	}
	if sorted {
		return rank
	}
	byID := make([]int32, len(pool))
	copy(byID, rank)
	slices.SortFunc(byID, func(a, b int32) int { return strings.Compare(pool[a].RelationshipID, pool[b].RelationshipID) })
	for r, i := range byID {
		rank[i] = int32(r)
	}
	return rank
}

// cell is the keys with counts (b, r), nil if there are none.
func (m *matcher) cell(b, r int32) []int32 {
	if int(b) < len(m.cells) && int(r) < len(m.cells[b]) {
		return m.cells[b][r]
	}
	return nil
}

// keyOf is a key's index (-1 for a key outside the pool).
func (m *matcher) keyOf(k string) int32 {
	if i, ok := m.index[k]; ok {
		return i
	}
	return -1
}

// dayNumber is a date's day count since 1970 (the day it falls on, in
// UTC), for comparing plan dates as numbers.
func dayNumber(t time.Time) int32 { return int32(period.Day(t).Unix() / 86400) }

// move changes a key's counts by db and dr, moving it between cells.
func (m *matcher) move(k int32, db, dr int32) {
	if b, r := m.cb[k], m.cr[k]; b > 0 {
		ks := m.cells[b][r]
		last := ks[len(ks)-1]
		ks[m.pos[k]] = last
		m.pos[last] = m.pos[k]
		m.cells[b][r] = ks[:len(ks)-1]
	}
	m.cb[k] += db
	m.cr[k] += dr
	if b, r := m.cb[k], m.cr[k]; b > 0 {
		for int(b) >= len(m.cells) {
			m.cells = append(m.cells, nil)
		}
		for int(r) >= len(m.cells[b]) {
			m.cells[b] = append(m.cells[b], nil)
		}
		m.pos[k] = int32(len(m.cells[b][r]))
		m.cells[b][r] = append(m.cells[b][r], k)
		m.maxB, m.maxR = max(m.maxB, b), max(m.maxR, r)
	}
}

// slide moves the windows to a plan's baseline and recent spans. Plans
// come in order of opening, so the windows mostly move forward, but an
// edge may step back (six months before 31 August is 3 March, before 1
// September 1 March), and either way each step moves one occurrence in or
// out.
func (m *matcher) slide(base, recent Span) {
	m.bLo, m.bHi = m.edges(m.bLo, m.bHi, base, 1, 0)
	m.rLo, m.rHi = m.edges(m.rLo, m.rHi, recent, 0, 1)
}

// edges moves one window [lo, hi) over occ to the span, counting each
// occurrence that enters by (db, dr) and each that leaves by minus that.
func (m *matcher) edges(lo, hi int, s Span, db, dr int32) (int, int) {
	at := func(t time.Time) int {
		x := instant(t)
		return sort.Search(len(m.occT), func(i int) bool { return m.occT[i] >= x })
	}
	newLo, newHi := at(s.From), at(s.To)
	if newLo >= hi || newHi <= lo {
		// The new window does not overlap the old (plans far apart, as in
		// a dip sample): emptying one and filling the other moves fewer
		// occurrences than sliding across the gap.
		for i := lo; i < hi; i++ {
			m.move(m.occK[i], -db, -dr)
		}
		for i := newLo; i < newHi; i++ {
			m.move(m.occK[i], db, dr)
		}
		return newLo, newHi
	}
	// Widen to cover both windows first, then narrow to the new one: the
	// window never turns inside out, whichever way its edges move.
	for ; hi < newHi; hi++ {
		m.move(m.occK[hi], db, dr)
	}
	for ; lo > newLo; lo-- {
		m.move(m.occK[lo-1], db, dr)
	}
	for ; hi > newHi; hi-- {
		m.move(m.occK[hi-1], -db, -dr)
	}
	for ; lo < newLo; lo++ {
		m.move(m.occK[lo], -db, -dr)
	}
	return lo, hi
}

// nearest returns the n nearest eligible candidates to counts (b, r), in
// order of distance then relationship id: whole rings of cells by
// distance are taken while they fit, and from the ring that would
// overflow only its lowest ids. A small ring is gathered and its lowest
// ids kept (a bounded heap on each candidate's rank in id order, so no
// string is compared and no ring is sorted whole); a large one (the cells
// of one or two occurrences hold hundreds of thousands of relationships
// nationally) is found by walking the pool in id order until enough of
// the ring's candidates are met, about need x pool / ring steps.
func (m *matcher) nearest(pool []Candidate, b, r int32, n int, opened, own int32) []Candidate {
	var out []int32 // pool indexes, nearest first
	var ring []int32
	maxD := absInt32(m.maxB-b) + absInt32(m.maxR-r) + b + r
	for d := int32(0); d <= maxD && len(out) < n; d++ {
		need := n - len(out)
		if size := m.ringSize(b, r, d); size > need && int64(need)*int64(len(pool)) < int64(size)*int64(size) {
			out = m.walk(out, b, r, d, need, opened, own)
			continue
		}
		ring = m.ring(ring[:0], b, r, d, opened, own)
		if len(ring) > need {
			ring = m.lowest(ring, need)
		}
		sort.Slice(ring, func(i, j int) bool { return m.rank[ring[i]] < m.rank[ring[j]] })
		out = append(out, ring...)
	}
	cs := make([]Candidate, len(out))
	for j, i := range out {
		cs[j] = pool[i]
	}
	return cs
}

// ringSize counts the candidates in the cells at distance d from (b, r),
// eligible or not.
func (m *matcher) ringSize(b, r, d int32) int {
	n := 0
	m.eachCell(b, r, d, func(ks []int32) {
		for _, k := range ks {
			n += len(m.keyCands[k])
		}
	})
	return n
}

// walk appends, in relationship-id order, the first need eligible
// candidates whose key is at distance d from (b, r) (the ring's lowest
// ids, as ring and lowest would find them).
func (m *matcher) walk(dst []int32, b, r, d int32, need int, opened, own int32) []int32 {
	for _, i := range m.byRank {
		k := m.entryKey[i]
		if k == own || m.cb[k] == 0 || absInt32(m.cb[k]-b)+absInt32(m.cr[k]-r) != d {
			continue
		}
		if pd := m.planDay[i]; pd == 0 || pd > opened {
			dst = append(dst, i)
			if need--; need == 0 {
				break
			}
		}
	}
	return dst
}

// eachCell calls fn with the keys of each cell at distance d from (b, r)
// that has a baseline count.
func (m *matcher) eachCell(b, r, d int32, fn func(keys []int32)) {
	for dx := -d; dx <= d; dx++ {
		x := b + dx
		if x < 1 || x > m.maxB {
			continue
		}
		rest := d - absInt32(dx)
		for _, y := range [2]int32{r - rest, r + rest} {
			if y >= 0 && y <= m.maxR {
				fn(m.cell(x, y))
			}
			if rest == 0 {
				break
			}
		}
	}
}

// ring appends the eligible candidates of the cells at distance d from
// (b, r): not planned by the day the plan opened (risk-set matching) and
// not under the plan's own key.
func (m *matcher) ring(dst []int32, b, r, d int32, opened, own int32) []int32 {
	m.eachCell(b, r, d, func(ks []int32) {
		for _, k := range ks {
			if k == own {
				continue
			}
			for _, i := range m.keyCands[k] {
				if pd := m.planDay[i]; pd == 0 || pd > opened {
					dst = append(dst, i)
				}
			}
		}
	})
	return dst
}

// lowest keeps the need candidates of lowest rank (relationship id): a
// max-heap on rank of the first need, each later one replacing the top
// when lower (written out: it runs for most plans nationally, and an
// interface or closure per comparison doubled its time).
func (m *matcher) lowest(cs []int32, need int) []int32 {
	h := append([]int32(nil), cs[:need]...)
	for i := need/2 - 1; i >= 0; i-- {
		m.siftDown(h, i)
	}
	for _, c := range cs[need:] {
		if m.rank[c] < m.rank[h[0]] {
			h[0] = c
			m.siftDown(h, 0)
		}
	}
	return h
}

// siftDown restores the max-heap on rank below h[i].
func (m *matcher) siftDown(h []int32, i int) {
	for {
		top, l, r := i, 2*i+1, 2*i+2
		if l < len(h) && m.rank[h[l]] > m.rank[h[top]] {
			top = l
		}
		if r < len(h) && m.rank[h[r]] > m.rank[h[top]] {
			top = r
		}
		if top == i {
			return
		}
		h[i], h[top] = h[top], h[i]
		i = top
	}
}

func absInt32(x int32) int32 {
	if x < 0 {
		return -x
	}
	return x
}

// fork returns a matcher over the same index with windows of its own,
// empty, for matching another run of plans at once.
func (m *matcher) fork() *matcher {
	f := *m
	n := len(m.keyCands)
	f.cb, f.cr, f.pos, f.cells = make([]int32, n), make([]int32, n), make([]int32, n), nil
	f.bLo, f.bHi, f.rLo, f.rHi, f.maxB, f.maxR = 0, 0, 0, 0, 0, 0
	return &f
}
