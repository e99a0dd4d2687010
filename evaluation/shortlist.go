package evaluation

import (
	"container/heap"
	"sort"
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
	// occ are the pool keys' occurrences in time order.
	occT []time.Time
	occK []int32
	// keyCands are the pool entries under each key; rank is each pool
	// entry's place in relationship-id order (ties in distance go to the
	// lower id).
	keyCands [][]int32
	rank     []int32
	// planDay is each pool entry's plan day (dayNumber; 0: never
	// planned); index the key indexes.
	planDay []int32
	index   map[string]int32
	// cb and cr are each key's counts in the current windows; cells
	// holds the keys of each (baseline, recent) cell with a baseline
	// count, and pos each key's place in its cell.
	cb, cr []int32
	cells  map[cell][]int32
	pos    []int32
	// The windows' edges in occ: baseline [bLo, bHi), recent [rLo, rHi).
	bLo, bHi, rLo, rHi int
	maxB, maxR         int32
}

// cell is a (baseline count, recent count) pair.
type cell struct{ b, r int32 }

// newMatcher indexes the pool's keys and their occurrences.
func newMatcher(occ Occurrences, keys []string, pool []Candidate) *matcher {
	m := &matcher{cells: map[cell][]int32{}, rank: make([]int32, len(pool))}
	byID := make([]int32, len(pool))
	for i := range byID {
		byID[i] = int32(i)
	}
	sort.Slice(byID, func(a, b int) bool { return pool[byID[a]].RelationshipID < pool[byID[b]].RelationshipID })
	for r, i := range byID {
		m.rank[i] = int32(r)
	}
	index := map[string]int32{}
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
	}
	type ev struct {
		t time.Time
		k int32
	}
	var evs []ev
	for k, ki := range index {
		for _, t := range occ[k] {
			evs = append(evs, ev{t, ki})
		}
	}
	sort.Slice(evs, func(i, j int) bool { return evs[i].t.Before(evs[j].t) })
	m.occT, m.occK = make([]time.Time, len(evs)), make([]int32, len(evs))
	for i, e := range evs {
		m.occT[i], m.occK[i] = e.t, e.k
	}
	n := len(m.keyCands)
	m.cb, m.cr, m.pos = make([]int32, n), make([]int32, n), make([]int32, n)
	return m
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
	if m.cb[k] > 0 {
		c := cell{m.cb[k], m.cr[k]}
		ks := m.cells[c]
		last := ks[len(ks)-1]
		ks[m.pos[k]] = last
		m.pos[last] = m.pos[k]
		ks = ks[:len(ks)-1]
		if len(ks) == 0 {
			delete(m.cells, c)
		} else {
			m.cells[c] = ks
		}
	}
	m.cb[k] += db
	m.cr[k] += dr
	if m.cb[k] > 0 {
		c := cell{m.cb[k], m.cr[k]}
		m.pos[k] = int32(len(m.cells[c]))
		m.cells[c] = append(m.cells[c], k)
		m.maxB, m.maxR = max(m.maxB, m.cb[k]), max(m.maxR, m.cr[k])
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
		return sort.Search(len(m.occT), func(i int) bool { return !m.occT[i].Before(t) })
	}
	newLo, newHi := at(s.From), at(s.To)
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
// overflow only its lowest ids (a bounded heap on each candidate's rank in
// id order, so no string is compared and no ring is sorted whole).
func (m *matcher) nearest(pool []Candidate, b, r int32, n int, opened, own int32) []Candidate {
	var out []int32 // pool indexes, nearest first
	var ring []int32
	maxD := absInt32(m.maxB-b) + absInt32(m.maxR-r) + b + r
	for d := int32(0); d <= maxD && len(out) < n; d++ {
		ring = m.ring(ring[:0], b, r, d, opened, own)
		if need := n - len(out); len(ring) > need {
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

// ring appends the eligible candidates of the cells at distance d from
// (b, r): not planned by the day the plan opened (risk-set matching) and
// not under the plan's own key.
func (m *matcher) ring(dst []int32, b, r, d int32, opened, own int32) []int32 {
	for dx := -d; dx <= d; dx++ {
		x := b + dx
		if x < 1 || x > m.maxB {
			continue
		}
		rest := d - absInt32(dx)
		for _, y := range [2]int32{r - rest, r + rest} {
			if y >= 0 && y <= m.maxR {
				for _, k := range m.cells[cell{x, y}] {
					if k == own {
						continue
					}
					for _, i := range m.keyCands[k] {
						if pd := m.planDay[i]; pd == 0 || pd > opened {
							dst = append(dst, i)
						}
					}
				}
			}
			if rest == 0 {
				break
			}
		}
	}
	return dst
}

// lowest keeps the need candidates of lowest rank (relationship id).
func (m *matcher) lowest(cs []int32, need int) []int32 {
	h := rankHeap{rank: m.rank, items: append([]int32(nil), cs[:need]...)}
	heap.Init(&h)
	for _, i := range cs[need:] {
		if m.rank[i] < m.rank[h.items[0]] {
			h.items[0] = i
			heap.Fix(&h, 0)
		}
	}
	return h.items
}

// rankHeap is a max-heap of pool indexes by rank.
type rankHeap struct {
	rank  []int32
	items []int32
}

func (h rankHeap) Len() int           { return len(h.items) }
func (h rankHeap) Less(i, j int) bool { return h.rank[h.items[i]] > h.rank[h.items[j]] }
func (h rankHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *rankHeap) Push(x any)        { h.items = append(h.items, x.(int32)) }
func (h *rankHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

func absInt32(x int32) int32 {
	if x < 0 {
		return -x
	}
	return x
}
