package evaluation

import (
	"cmp"
	"runtime"
	"slices"
	"time"
)

// directPlans is the most plans matched by one pass over the pool
// (DirectMatch) rather than through the index by counts: the pass costs
// each candidate's occurrences once per plan, the index a sort of every
// occurrence and a slide over them (nationally, for a dip sample of 19,
// about 1 s against the index's 10).
const directPlans = 40

// FewPlans says whether the design's plans are few enough (a dip sample)
// to be matched by one pass over the pool (DirectMatch).
func (d *Design) FewPlans() bool { return len(d.Plans) <= directPlans }

// DirectMatch matches a few plans in one pass over the pool: each
// candidate is offered with its occurrences, counted in every plan's
// windows, and kept where it is among that plan's nearest so far (by
// distance, then relationship id), exactly the shortlists Shortlist gives.
type DirectMatch struct {
	d    *Design
	ts   []target
	near []bounded[offer]
	size int
	at   []int64
}

// target is one plan as the direct pass matches it: its windows as
// instants, its own counts, the day it opened and its own key.
type target struct {
	bFrom, bTo, rFrom, rTo int64
	b, r, opened           int32
	own                    string
}

// offer is a candidate kept for a plan, with its distance.
type offer struct {
	dist int32
	c    Candidate
}

// compareOffers orders candidates by distance, then id.
func compareOffers(a, b offer) int {
	if c := cmp.Compare(a.dist, b.dist); c != 0 {
		return c
	}
	return cmp.Compare(a.c.RelationshipID, b.c.RelationshipID)
}

// NewDirectMatch starts a direct pass for the design's plans, whose own
// counts come from occ (which must hold at least their occurrences),
// keeping up to size candidates for each.
func (d *Design) NewDirectMatch(occ Occurrences, size int) *DirectMatch {
	m := &DirectMatch{d: d, ts: make([]target, len(d.Plans)), near: make([]bounded[offer], len(d.Plans)), size: size}
	for i, w := range d.Plans {
		m.ts[i] = target{bFrom: instant(w.Baseline.From), bTo: instant(w.Baseline.To), rFrom: instant(w.Recent.From), rTo: instant(w.Recent.To),
			b: int32(occ.Count(w.Key, w.Baseline)), r: int32(occ.Count(w.Key, w.Recent)), opened: dayNumber(w.Opened), own: w.Key}
		m.near[i].less = func(a, b offer) bool { return compareOffers(a, b) < 0 }
	}
	return m
}

// Offer puts one candidate before every plan: key is its occurrence key,
// id its relationship id and times its occurrences (in any order); id,
// key and times may be reused once Offer returns. cand gives the whole
// candidate (its strings its own, and the day its couple's first plan
// opened), asked only of one near enough to keep.
func (m *DirectMatch) Offer(key, id string, times []time.Time, cand func() Candidate) {
	m.at = m.at[:0]
	for _, t := range times {
		m.at = append(m.at, instant(t))
	}
	var c *Candidate
	for p := range m.ts {
		t := &m.ts[p]
		if key == t.own {
			continue
		}
		var b, r int32
		for _, x := range m.at {
			if x >= t.bFrom && x < t.bTo {
				b++
			}
			if x >= t.rFrom && x < t.rTo {
				r++
			}
		}
		if b == 0 {
			continue
		}
		o := offer{dist: absInt32(b-t.b) + absInt32(r-t.r), c: Candidate{RelationshipID: id}}
		h := &m.near[p]
		if len(h.items) >= m.size && (m.size == 0 || compareOffers(o, h.items[0]) >= 0) {
			continue
		}
		if c == nil {
			cc := cand()
			c = &cc
		}
		// Risk-set matching: not planned by the day the plan opened.
		if !c.PlanOpened.IsZero() && dayNumber(c.PlanOpened) <= t.opened {
			continue
		}
		o.c = *c
		h.offer(o, m.size)
	}
}

// found is each plan's shortlist from one or more passes over parts of
// the pool, nearest first, in the order of the design's plans.
func found(ms ...*DirectMatch) [][]Candidate {
	out := make([][]Candidate, len(ms[0].ts))
	for p := range out {
		var all []offer
		for _, m := range ms {
			all = append(all, m.near[p].items...)
		}
		slices.SortFunc(all, compareOffers)
		for _, o := range all[:min(ms[0].size, len(all))] {
			out[p] = append(out[p], o.c)
		}
	}
	return out
}

// Shortlists is each plan's shortlist, by plan id (plans with none left
// out), as Shortlist gives it.
func (m *DirectMatch) Shortlists() map[string][]Candidate { return m.d.byPlan(found(m)) }

// shortlistDirect is the direct pass over a pool in memory, split across
// the cores, each part with its own pass, merged at the end.
func (d *Design) shortlistDirect(occ Occurrences, pool []Candidate, keys []string, size int) [][]Candidate {
	ms := make([]*DirectMatch, runtime.GOMAXPROCS(0))
	for w := range ms {
		ms[w] = d.NewDirectMatch(occ, size)
	}
	inParts(len(pool), len(ms), func(part, lo, hi int) {
		for i := lo; i < hi; i++ {
			if i%checkEvery == 0 && d.stopped() {
				return
			}
			if times := occ[keys[i]]; len(times) > 0 {
				ms[part].Offer(keys[i], pool[i].RelationshipID, times, func() Candidate { return pool[i] })
			}
		}
	})
	return found(ms...)
}

// checkEvery is how many candidates the direct pass reads between asking
// whether to stop.
const checkEvery = 1 << 16
