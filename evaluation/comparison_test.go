package evaluation

import (
	"math"
	"runtime"
	"sync/atomic"
	"testing"
)

func TestMatch(t *testing.T) {
	t.Parallel()
	treated := []Unit{{ID: "t1", Band: "red", Score: 50, Baseline: 6}, {ID: "t2", Band: "amber", Score: 35, Baseline: 3}, {ID: "t3", Band: "green", Score: 5, Baseline: 1}}
	pool := []Unit{
		{ID: "c1", Band: "red", Score: 49, Baseline: 6},
		{ID: "c2", Band: "red", Score: 20, Baseline: 1},
		{ID: "c3", Band: "red", Score: 51, Baseline: 5},
		{ID: "c4", Band: "amber", Score: 35, Baseline: 3},
	}
	pools := map[string][]Unit{"t1": pool, "t2": pool, "t3": pool}
	m, unmatched, err := Match(treated, pools, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := m["t1"]; len(got) != 2 || got[0].ID != "c1" || got[1].ID != "c3" {
		t.Errorf("t1 matched %v, want c1 then c3 (c2 is far)", got)
	}
	if got := m["t2"]; len(got) != 1 || got[0].ID != "c4" {
		t.Errorf("t2 matched %v, want c4 only (same band)", got)
	}
	if len(unmatched) != 1 || unmatched[0] != "t3" {
		t.Errorf("unmatched %v, want t3 (no green comparisons)", unmatched)
	}
}

// TestDifferenceInDifferences: plans fall from 10 to 2 per 90 days (ratio
// 0.2); their comparisons fall from 10 to 5 (0.5): regression to the mean
// explains part of the fall, and the ratio of ratios is 0.4 (a 60%
// reduction attributable to the plans, not the naive 80%).
func TestDifferenceInDifferences(t *testing.T) {
	t.Parallel()
	treated := []Unit{{ID: "t", Baseline: 10, Followup: 2, BaselineDays: 90, FollowupDays: 90}}
	matches := map[string][]Unit{"t": {
		{ID: "a", Baseline: 12, Followup: 6, BaselineDays: 90, FollowupDays: 90},
		{ID: "b", Baseline: 8, Followup: 4, BaselineDays: 90, FollowupDays: 90},
	}}
	d, err := DifferenceInDifferences(treated, matches, 1)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(d.TreatedRatio-0.2) > 1e-12 || math.Abs(d.ComparisonRatio-0.5) > 1e-12 || math.Abs(d.Ratio-0.4) > 1e-12 || math.Abs(d.Reduction-0.6) > 1e-12 {
		t.Errorf("DiD = %+v", d)
	}
	if _, err := DifferenceInDifferences(treated, map[string][]Unit{}, 1); err == nil {
		t.Error("no matches accepted")
	}
	// Engaged victims' follow-up counts are divided by the uplift in both
	// groups: the plan's 2 becomes 1 at uplift 2, the comparisons' unchanged
	// (not engaged), so the treated ratio halves to 0.1 and the ratio of
	// ratios to 0.2.
	engaged := []Unit{treated[0]}
	engaged[0].Engaged, engaged[0].EngagedShare = true, 1
	d, err = DifferenceInDifferences(engaged, matches, 2)
	if err != nil || math.Abs(d.Ratio-0.2) > 1e-12 {
		t.Errorf("engaged DiD = %+v, %v; want ratio 0.2", d, err)
	}
}

// TestBalanceTable: identical groups have SMD 0; a shift of one pooled SD
// has SMD 1.
func TestBalanceTable(t *testing.T) {
	t.Parallel()
	treated := []Unit{{ID: "t1", Baseline: 4, Score: 10}, {ID: "t2", Baseline: 6, Score: 20}}
	matches := map[string][]Unit{"t1": {{Baseline: 4, Score: 9}}, "t2": {{Baseline: 6, Score: 19}}}
	b := BalanceTable(treated, matches)
	if b[0].Covariate != "baseline_count" || b[0].SMD != 0 {
		t.Errorf("baseline balance %+v", b[0])
	}
	// Scores: treated {10, 20}, comparisons {9, 19}: means differ by 1,
	// population variances 25 each, pooled SD 5: SMD 0.2.
	if b[2].Covariate != "score" || math.Abs(b[2].SMD-0.2) > 1e-12 {
		t.Errorf("score balance %+v, want SMD 0.2", b[2])
	}
}

// TestMatchWithout: without replacement, a comparison that is nearest to
// two plans goes to the first, and the second takes its next nearest.
func TestMatchWithout(t *testing.T) {
	t.Parallel()
	treated := []Unit{{ID: "p1", Band: "red", Baseline: 10}, {ID: "p2", Band: "red", Baseline: 10}}
	pool := []Unit{{ID: "c1", Band: "red", Baseline: 10}, {ID: "c2", Band: "red", Baseline: 7}, {ID: "c3", Band: "red", Baseline: 3}}
	pools := map[string][]Unit{"p1": pool, "p2": pool}
	with, _, err := Match(treated, pools, 1)
	if err != nil || with["p1"][0].ID != "c1" || with["p2"][0].ID != "c1" {
		t.Fatalf("with replacement: %+v %v", with, err)
	}
	without, unmatched, err := MatchWithout(treated, pools, 1)
	if err != nil || len(unmatched) != 0 || without["p1"][0].ID != "c1" || without["p2"][0].ID != "c2" {
		t.Errorf("without replacement: %+v %v %v", without, unmatched, err)
	}
	if r := reuse(with); r.Max != 2 || r.Reused != 1 || r.Distinct != 1 {
		t.Errorf("reuse with replacement %+v", r)
	}
	if r := reuse(without); r.Max != 1 || r.Reused != 0 || r.Distinct != 2 {
		t.Errorf("reuse without replacement %+v", r)
	}
}

// TestShortlistStops: matching asks Stopped between plans and stops when
// told (a signal ends a national run promptly): each core's run of plans
// asks once more at most after the answer turns.
func TestShortlistStops(t *testing.T) {
	t.Parallel()
	var asked atomic.Int64
	d := &Design{Plans: make([]PlanWindows, 50), Stopped: func() bool { return asked.Add(1) > 2 }}
	d.Shortlist(Occurrences{}, nil, 10)
	if n := asked.Load(); n < 3 || n > int64(2+runtime.GOMAXPROCS(0)) {
		t.Errorf("asked %d times, want it to stop after the second plan on each of %d cores", n, runtime.GOMAXPROCS(0))
	}
}
