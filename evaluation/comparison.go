package evaluation

import (
	"errors"
	"math"
	"sort"
	"time"

	"gonum.org/v1/gonum/stat"
)

// Unit is a relationship in a before/after comparison: counts in its
// baseline and follow-up windows and what it is matched on (as at the plan's
// opening date, for a plan, or the same date, for its comparisons).
type Unit struct {
	ID        string
	Band      string
	Score     float64
	ScoreDate time.Time
	// Baseline and Followup count occurrences in the plan's windows; Recent
	// counts the 90 days before opening (inside the baseline).
	Baseline, Recent, Followup int
	BaselineDays, FollowupDays float64
	// Engaged says the victim was engaged with an agency during follow-up,
	// and EngagedShare for what fraction of its days.
	Engaged      bool
	EngagedShare float64
	// Key is the unit's occurrence key (Params.Key).
	Key string
	// PlannedLater marks a comparison whose couple got a plan of its own
	// during the follow-up window, opened on PlanOpened (it stays a
	// comparison; the censored sensitivity cuts its follow-up there).
	PlannedLater bool
	PlanOpened   time.Time
}

// MatchWithout is Match without replacement: plans, in the order given,
// take their nearest comparisons among those no earlier plan took (by
// relationship id), so every comparison stands for one plan at most.
func MatchWithout(treated []Unit, pools map[string][]Unit, k int) (map[string][]Unit, []string, error) {
	used := map[string]bool{}
	free := make(map[string][]Unit, len(pools))
	matches := map[string][]Unit{}
	var unmatched []string
	for _, t := range treated {
		free[t.ID] = nil
		for _, c := range pools[t.ID] {
			if !used[c.ID] {
				free[t.ID] = append(free[t.ID], c)
			}
		}
		m, un, err := Match([]Unit{t}, map[string][]Unit{t.ID: free[t.ID]}, k)
		if err != nil {
			return nil, nil, err
		}
		unmatched = append(unmatched, un...)
		for _, c := range m[t.ID] {
			used[c.ID] = true
		}
		if len(m[t.ID]) > 0 {
			matches[t.ID] = m[t.ID]
		}
	}
	return matches, unmatched, nil
}

// Match pairs each treated unit with up to k comparison units from its own
// pool (relationships that had no plan, counted over that plan's windows):
// the same band exactly, then the nearest by baseline count, recent count
// and score, each in standard deviations of all the pools together (a
// Euclidean distance on standardised covariates; Stuart 2010, Statistical
// Science 25(1) reviews such matching). Matching is with replacement, and
// ties go to the lower id, so the result is reproducible. Treated units with
// no candidate in their band are returned in unmatched.
func Match(treated []Unit, pools map[string][]Unit, k int) (matches map[string][]Unit, unmatched []string, err error) {
	if k < 1 {
		return nil, nil, errors.New("evaluation: match at least one comparison per plan")
	}
	// The spread of every pool together, read in place (nationally 5
	// million candidates: not copied into one slice).
	n := 0
	for _, t := range treated {
		n += len(pools[t.ID])
	}
	xs := make([]float64, 0, n)
	scale := func(f func(Unit) float64) float64 {
		xs = xs[:0]
		for _, t := range treated {
			for _, u := range pools[t.ID] {
				xs = append(xs, f(u))
			}
		}
		if len(xs) < 2 {
			return 1
		}
		if s := stat.StdDev(xs, nil); s > 0 {
			return s
		}
		return 1
	}
	sdB := scale(func(u Unit) float64 { return float64(u.Baseline) })
	sdR := scale(func(u Unit) float64 { return float64(u.Recent) })
	sdS := scale(func(u Unit) float64 { return u.Score })
	matches = map[string][]Unit{}
	for _, t := range treated {
		var cands []Unit
		for _, c := range pools[t.ID] {
			if c.Band == t.Band {
				cands = append(cands, c)
			}
		}
		if len(cands) == 0 {
			unmatched = append(unmatched, t.ID)
			continue
		}
		dist := func(c Unit) float64 {
			db := (float64(c.Baseline) - float64(t.Baseline)) / sdB
			dr := (float64(c.Recent) - float64(t.Recent)) / sdR
			ds := (c.Score - t.Score) / sdS
			return db*db + dr*dr + ds*ds
		}
		sort.SliceStable(cands, func(i, j int) bool {
			di, dj := dist(cands[i]), dist(cands[j])
			if di != dj {
				return di < dj
			}
			return cands[i].ID < cands[j].ID
		})
		if len(cands) > k {
			cands = cands[:k]
		}
		matches[t.ID] = cands
	}
	return matches, unmatched, nil
}

// DiD is the difference-in-differences estimate on the log rate scale: the
// treated group's change in rate (follow-up over baseline, pooled over
// units) divided by the comparison group's change over the same windows.
// A ratio below 1 means incidents fell more among plans than among their
// comparisons; 1 - Ratio is the reduction attributable to the plans under
// the design's assumptions (parallel trends, comparable groups).
type DiD struct {
	// TreatedFollowup is the plans' follow-up incidents (adjusted for the
	// reporting uplift), from which the prevented incidents follow.
	TreatedFollowup float64 `json:"treated_followup"`
	TreatedRatio    float64 `json:"treated_rate_ratio"`
	ComparisonRatio float64 `json:"comparison_rate_ratio"`
	Ratio           float64 `json:"ratio_of_ratios"`
	Reduction       float64 `json:"reduction"`
}

// DifferenceInDifferences pools the treated units and the comparison units
// (each comparison weighted 1/k of its plan, so every plan counts once) and
// returns the ratio of their rate ratios. Follow-up counts of units whose
// victim was engaged are divided by uplift (1 = no adjustment), in both
// groups alike.
func DifferenceInDifferences(treated []Unit, matches map[string][]Unit, uplift float64) (DiD, error) {
	var sum didSums
	for _, t := range treated {
		if cs := matches[t.ID]; len(cs) > 0 {
			sum.add(planSums(t, cs, uplift))
		}
	}
	return sum.did()
}

// didSums are the eight totals a difference in differences is made of:
// the plans' baseline and follow-up counts and days, and their
// comparisons' (each weighted 1/k of its plan).
type didSums struct{ tb, tf, te, tfe, cb, cf, ce, cfe float64 }

// planSums are one plan's contributions to the totals.
func planSums(t Unit, cs []Unit, uplift float64) didSums {
	s := didSums{tb: float64(t.Baseline), tf: adjusted(t, uplift), te: t.BaselineDays, tfe: t.FollowupDays}
	w := 1 / float64(len(cs))
	for _, c := range cs {
		s.cb += w * float64(c.Baseline)
		s.cf += w * adjusted(c, uplift)
		s.ce += w * c.BaselineDays
		s.cfe += w * c.FollowupDays
	}
	return s
}

// add adds another plan's contributions.
func (s *didSums) add(o didSums) {
	s.tb, s.tf, s.te, s.tfe = s.tb+o.tb, s.tf+o.tf, s.te+o.te, s.tfe+o.tfe
	s.cb, s.cf, s.ce, s.cfe = s.cb+o.cb, s.cf+o.cf, s.ce+o.ce, s.cfe+o.cfe
}

// did is the ratio of the rate ratios the totals give.
func (s didSums) did() (DiD, error) {
	if s.tb == 0 || s.cb == 0 || s.te == 0 || s.tfe == 0 {
		return DiD{}, errors.New("evaluation: no matched plans with baseline incidents; the comparison cannot be made")
	}
	d := DiD{TreatedFollowup: s.tf, TreatedRatio: (s.tf / s.tfe) / (s.tb / s.te), ComparisonRatio: (s.cf / s.cfe) / (s.cb / s.ce)}
	if d.ComparisonRatio == 0 {
		return d, errors.New("evaluation: the comparison group had no follow-up incidents; the ratio of ratios is undefined")
	}
	d.Ratio = d.TreatedRatio / d.ComparisonRatio
	d.Reduction = 1 - d.Ratio
	return d, nil
}

// Prevented is the incidents the plans prevented under the estimate: the
// plans' follow-up incidents had they fallen only as their comparisons did
// (TreatedFollowup / Ratio), less those observed.
func (d DiD) Prevented() float64 { return d.TreatedFollowup * (1/d.Ratio - 1) }

// Balance is the standardised mean difference of a covariate between the
// plans and their matched comparisons (Austin 2009: below 0.1 is usually
// taken as balanced).
type Balance struct {
	Covariate      string  `json:"covariate"`
	TreatedMean    float64 `json:"treated_mean"`
	ComparisonMean float64 `json:"comparison_mean"`
	SMD            float64 `json:"standardised_mean_difference"`
}

// BalanceTable compares the baseline count and the score of the plans with
// their comparisons (each comparison weighted 1/k).
func BalanceTable(treated []Unit, matches map[string][]Unit) []Balance {
	cov := []struct {
		name string
		f    func(Unit) float64
	}{
		{"baseline_count", func(u Unit) float64 { return float64(u.Baseline) }},
		{"recent_90d_count", func(u Unit) float64 { return float64(u.Recent) }},
		{"score", func(u Unit) float64 { return u.Score }},
	}
	var out []Balance
	for _, c := range cov {
		var tv, cv, cw []float64
		for _, t := range treated {
			cs := matches[t.ID]
			if len(cs) == 0 {
				continue
			}
			tv = append(tv, c.f(t))
			for _, u := range cs {
				cv = append(cv, c.f(u))
				cw = append(cw, 1/float64(len(cs)))
			}
		}
		tm, tvar := meanVar(tv, nil)
		cm, cvar := meanVar(cv, cw)
		smd := 0.0
		if pooled := math.Sqrt((tvar + cvar) / 2); pooled > 0 {
			smd = (tm - cm) / pooled
		}
		out = append(out, Balance{Covariate: c.name, TreatedMean: tm, ComparisonMean: cm, SMD: smd})
	}
	return out
}

// meanVar returns the weighted mean and (population) variance (weights
// nil = equal).
func meanVar(xs, w []float64) (float64, float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	return stat.PopMeanVariance(xs, w)
}
