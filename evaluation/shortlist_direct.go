package evaluation

import (
	"cmp"
	"runtime"
	"slices"
	"sync"
)

// directPlans is the most plans matched by one pass over the pool
// (shortlistDirect) rather than through the index by counts: the pass
// costs each candidate's occurrences once per plan, the index a sort of
// every occurrence and a slide over them (nationally, for a dip sample of
// 19, about 1 s against the index's 10).
const directPlans = 40

// target is one plan as the direct pass matches it: its windows as
// instants, its own counts, the day it opened and its own key.
type target struct {
	bFrom, bTo, rFrom, rTo int64
	b, r, opened           int32
	own                    string
}

// shortlistDirect gives each plan its nearest candidates, as the index
// does, in one pass over the pool split across the cores: each candidate's
// occurrences are counted in every plan's windows and offered to that
// plan's bounded heap of the nearest so far (distance, then id).
func (d *Design) shortlistDirect(occ Occurrences, pool []Candidate, keys []string, size int) [][]Candidate {
	ts := make([]target, len(d.Plans))
	for i, w := range d.Plans {
		ts[i] = target{bFrom: instant(w.Baseline.From), bTo: instant(w.Baseline.To), rFrom: instant(w.Recent.From), rTo: instant(w.Recent.To),
			b: int32(occ.Count(w.Key, w.Baseline)), r: int32(occ.Count(w.Key, w.Recent)), opened: dayNumber(w.Opened), own: w.Key}
	}
	rank := poolRanks(pool)
	parts := runtime.GOMAXPROCS(0)
	near := make([][]bounded[near1], parts)
	var wg sync.WaitGroup
	for w := range parts {
		near[w] = make([]bounded[near1], len(ts))
		for p := range near[w] {
			near[w][p].less = func(a, b near1) bool { return compareNear(a, b) < 0 }
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var at []int64
			for i := w * len(pool) / parts; i < (w+1)*len(pool)/parts; i++ {
				if i%checkEvery == 0 && d.stopped() {
					return
				}
				times := occ[keys[i]]
				if len(times) == 0 {
					continue
				}
				at = at[:0]
				for _, t := range times {
					at = append(at, instant(t))
				}
				pd := int32(0)
				if !pool[i].PlanOpened.IsZero() {
					pd = dayNumber(pool[i].PlanOpened)
				}
				for p := range ts {
					t := &ts[p]
					if (pd != 0 && pd <= t.opened) || keys[i] == t.own {
						continue
					}
					var b, r int32
					for _, x := range at {
						if x >= t.bFrom && x < t.bTo {
							b++
						}
						if x >= t.rFrom && x < t.rTo {
							r++
						}
					}
					if b > 0 {
						near[w][p].offer(near1{int32(i), absInt32(b-t.b) + absInt32(r-t.r), rank[i]}, size)
					}
				}
			}
		}()
	}
	wg.Wait()
	found := make([][]Candidate, len(ts))
	for p := range ts {
		var all []near1
		for w := range parts {
			all = append(all, near[w][p].items...)
		}
		slices.SortFunc(all, compareNear)
		for _, n := range all[:min(size, len(all))] {
			found[p] = append(found[p], pool[n.i])
		}
	}
	return found
}

// checkEvery is how many candidates the direct pass reads between asking
// whether to stop.
const checkEvery = 1 << 16

// near1 is a candidate offered to a plan: its pool index, its distance
// and its rank in id order.
type near1 struct{ i, dist, rank int32 }

// compareNear orders candidates by distance, then id.
func compareNear(a, b near1) int {
	if c := cmp.Compare(a.dist, b.dist); c != 0 {
		return c
	}
	return cmp.Compare(a.rank, b.rank)
}
