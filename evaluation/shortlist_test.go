package evaluation

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/tau-da/tau/internal/period"
)

// TestShortlistIndexEqualsScan: the indexed matcher and the direct pass
// each give every plan exactly the shortlist a scan of the whole pool gives (the same
// candidates in the same order, ties to the lower id), on random forces:
// plans on the same and on month-end days (whose six-month baselines
// start out of order), candidates planned before, during and never,
// relationships and couples as the key, shortlists longer than the pool.
func TestShortlistIndexEqualsScan(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		baseline period.Length
		both     bool
		m        int
		seed     uint64
		plans    int
	}{
		{"12-month baseline, relationships", period.Months(12), false, 60, 1, 120},
		{"6-month baseline, month ends", period.Months(6), false, 20, 2, 120},
		{"3-month baseline, couples", period.Months(3), true, 10, 3, 120},
		{"shortlist longer than the pool", period.Months(12), false, 5000, 4, 120},
		// A dip sample: windows far apart, each filled afresh.
		{"a few plans months apart", period.Months(1), false, 10, 5, 7},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, occ, pool := randomMatching(t, tt.baseline, tt.both, tt.seed, tt.plans)
			want := d.shortlistScan(occ, pool, tt.m)
			if len(want) == 0 {
				t.Fatal("the scan found no shortlist at all: the test force is empty")
			}
			keys := d.poolKeys(pool)
			for way, got := range map[string]map[string][]Candidate{
				"index":  d.byPlan(d.shortlistIndexed(occ, pool, keys, tt.m)),
				"direct": d.byPlan(d.shortlistDirect(occ, pool, keys, tt.m)),
			} {
				for _, w := range d.Plans {
					if !reflect.DeepEqual(got[w.ID], want[w.ID]) {
						t.Fatalf("plan %s (opened %s): the %s gives %d candidates, the scan %d\n%s %v\nscan  %v",
							w.ID, w.Opened.Format("2006-01-02"), way, len(got[w.ID]), len(want[w.ID]), way, ids(got[w.ID]), ids(want[w.ID]))
					}
				}
			}
		})
	}
}

func ids(cs []Candidate) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.RelationshipID
	}
	return out
}

// randomMatching is a random force: 800 relationships over three years
// with Poisson-ish occurrence counts, n plans (some opened on the same
// day, some on the 31st), a pool of every relationship with some planned.
func randomMatching(t *testing.T, baseline period.Length, both bool, seed uint64, n int) (*Design, Occurrences, []Candidate) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 99))
	start := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)
	days := int(end.Sub(start).Hours() / 24)
	occ := Occurrences{}
	var pool []Candidate
	p := Params{Baseline: baseline, Followup: period.Months(3), BothDirections: both}
	for i := 0; i < 800; i++ {
		c := Candidate{RelationshipID: fmt.Sprintf("r%04d", i), VictimID: fmt.Sprintf("v%03d", i%500), PerpetratorID: fmt.Sprintf("p%03d", (i*7)%450)}
		if r.IntN(4) == 0 {
			c.PlanOpened = start.AddDate(0, 0, r.IntN(days))
		}
		pool = append(pool, c)
		n := r.IntN(12)
		for k := 0; k < n; k++ {
			occ.Add(p.Key(c.RelationshipID, c.VictimID, c.PerpetratorID), start.AddDate(0, 0, r.IntN(days)))
		}
	}
	occ.Sort()
	var plans []PlanRecord
	for i := 0; i < n; i++ {
		c := pool[r.IntN(len(pool))]
		opened := time.Date(2023, time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
		switch i % 5 {
		case 0:
			opened = time.Date(2023, time.Month(1+2*r.IntN(6)), 31, 0, 0, 0, 0, time.UTC)
		case 1:
			opened = time.Date(2023, 9, 1, 0, 0, 0, 0, time.UTC)
		}
		plans = append(plans, PlanRecord{ID: fmt.Sprintf("PMP%03d", i), RelationshipID: c.RelationshipID, VictimID: c.VictimID, PerpetratorID: c.PerpetratorID,
			Status: "finalised", Opened: opened, Finalised: opened.AddDate(0, 2, 0)})
	}
	p.Selection = Selection{Mode: "all"}
	d, err := NewDesign(plans, end, start, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Plans) < min(50, n-1) {
		t.Fatalf("only %d plans in the design", len(d.Plans))
	}
	if seed%2 == 1 {
		// The warehouse lists the pool by id; the matcher must not rely on it.
		r.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	}
	return d, occ, pool
}

// shortlistScan is Shortlist by scanning the whole pool for every plan,
// as tau matched before the index: the reference the index must equal.
func (d *Design) shortlistScan(occ Occurrences, pool []Candidate, m int) map[string][]Candidate {
	out := map[string][]Candidate{}
	type cand struct {
		c    Candidate
		dist int
	}
	keys := make([]string, len(pool))
	for i, c := range pool {
		keys[i] = d.Params.Key(c.RelationshipID, c.VictimID, c.PerpetratorID)
	}
	for _, w := range d.Plans {
		b, r := occ.Count(w.Key, w.Baseline), occ.Count(w.Key, w.Recent)
		var cs []cand
		for i, c := range pool {
			if !c.notYetPlanned(w.Opened) || keys[i] == w.Key {
				continue
			}
			cb := occ.Count(keys[i], w.Baseline)
			if cb == 0 {
				continue
			}
			cr := occ.Count(keys[i], w.Recent)
			cs = append(cs, cand{c, absInt(cb-b) + absInt(cr-r)})
		}
		sort.Slice(cs, func(i, j int) bool {
			if cs[i].dist != cs[j].dist {
				return cs[i].dist < cs[j].dist
			}
			return cs[i].c.RelationshipID < cs[j].c.RelationshipID
		})
		if len(cs) > m {
			cs = cs[:m]
		}
		for _, c := range cs {
			out[w.ID] = append(out[w.ID], c.c)
		}
	}
	return out
}
