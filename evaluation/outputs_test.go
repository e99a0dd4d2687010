package evaluation

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// groupFixture makes n plans, each with three comparisons, whose rate
// falls by cut after the plan while their comparisons' stays.
func groupFixture(r *rand.Rand, n int, cut float64, from int) ([]Unit, map[string][]Unit) {
	var treated []Unit
	matches := map[string][]Unit{}
	draw := func(mean float64) int { return int(math.Round(mean + math.Sqrt(mean)*r.NormFloat64()*0.3)) }
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("M%03d", from+i)
		treated = append(treated, Unit{ID: id, Baseline: draw(8), Followup: max(0, draw(8*(1-cut))), BaselineDays: 365, FollowupDays: 365})
		for k := 0; k < 3; k++ {
			matches[id] = append(matches[id], Unit{ID: fmt.Sprintf("%s-c%d", id, k), Baseline: draw(8), Followup: draw(8), BaselineDays: 365, FollowupDays: 365})
		}
	}
	return treated, matches
}

// TestByStage: the exploratory estimate by stage at opening fits each
// stage's plans on their own (a half cut at stage 5, none at stage 3),
// orders stages by number, names them in words, and says a group under
// minActionPlans is too small instead of giving a number.
func TestByStage(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	t5, m5 := groupFixture(r, 40, 0.5, 0)
	t3, m3 := groupFixture(r, 40, 0, 40)
	t1, m1 := groupFixture(r, minActionPlans-1, 0.5, 80)
	treated := append(append(append([]Unit{}, t5...), t3...), t1...)
	matches := map[string][]Unit{}
	for _, m := range []map[string][]Unit{m5, m3, m1} {
		for k, v := range m {
			matches[k] = v
		}
	}
	var windows []PlanWindows
	for i := range treated {
		stage := 5
		if i >= 80 {
			stage = 1
		} else if i >= 40 {
			stage = 3
		}
		windows = append(windows, PlanWindows{PlanRecord: PlanRecord{ID: treated[i].ID, Stage: stage}})
	}
	got := byStage(treated, matches, windows, Params{EngagedUplift: 1, Level: 0.95})
	if len(got) != 3 || got[0].Label != "stage 1, pre-relationship history" || got[1].Label != "stage 3, relationship dominated by control" || got[2].Label != "stage 5, escalation" {
		t.Fatalf("groups %+v", got)
	}
	if got[0].Fit != nil || got[0].Note != "too few plans to say" || got[0].Plans != minActionPlans-1 {
		t.Errorf("the small group: %+v", got[0])
	}
	for _, c := range []struct {
		g    ActionEffect
		want float64
	}{{got[1], 0}, {got[2], 0.5}} {
		if c.g.Fit == nil || c.g.Plans != 40 {
			t.Fatalf("group %+v", c.g)
		}
		if math.Abs(c.g.Fit.Reduction-c.want) > 0.1 || !(c.g.Fit.ReductionLower < c.want && c.want < c.g.Fit.ReductionUpper) {
			t.Errorf("%s: reduction %.3f (%.3f to %.3f), made with %.2f", c.g.Label, c.g.Fit.Reduction, c.g.Fit.ReductionLower, c.g.Fit.ReductionUpper, c.want)
		}
	}
}
