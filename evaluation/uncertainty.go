package evaluation

import (
	"errors"
	"math"
	"math/rand/v2"
	"sort"
)

// Interval is a point estimate with a percentile interval.
type Interval struct {
	Estimate float64 `json:"estimate"`
	Lower    float64 `json:"lower"`
	Upper    float64 `json:"upper"`
	Level    float64 `json:"level"`
}

// BootstrapPrevented resamples plans with replacement (a cluster bootstrap:
// each plan is one cluster of incidents, so the dependence of a couple's
// incidents is kept; Efron & Tibshirani 1993, ch. 13 percentile intervals)
// and returns the percentile interval of prevented incidents, expected minus
// observed summed over the resampled plans. The same seed gives the same
// interval.
//
// refit, when set, recomputes the expected counts of a resample (the plans
// at the indexes drawn, each draw its own plan) so that a projection fitted
// over all plans (the trend's common slope) is fitted again in every
// replicate and its uncertainty carried; a replicate it cannot fit is
// skipped. Without it each plan keeps its own expected count (level and
// growth project each plan from its own baseline alone).
func BootstrapPrevented(plans []Plan, replicates int, level float64, seed uint64, refit func(draws []int) ([]float64, error)) (Interval, error) {
	if len(plans) == 0 {
		return Interval{}, errors.New("evaluation: no plans to bootstrap")
	}
	if replicates < 100 {
		return Interval{}, errors.New("evaluation: use at least 100 bootstrap replicates (1,000 or more for a 95% interval)")
	}
	point := 0.0
	for _, p := range plans {
		point += p.Expected - float64(p.Observed)
	}
	r := rand.New(rand.NewPCG(seed, 0x7a75))
	stats := make([]float64, 0, replicates)
	draws := make([]int, len(plans))
	for range replicates {
		for i := range draws {
			draws[i] = r.IntN(len(plans))
		}
		expected := make([]float64, len(draws))
		if refit != nil {
			var err error
			if expected, err = refit(draws); err != nil {
				continue
			}
		} else {
			for i, k := range draws {
				expected[i] = plans[k].Expected
			}
		}
		sum := 0.0
		for i, k := range draws {
			sum += expected[i] - float64(plans[k].Observed)
		}
		stats = append(stats, sum)
	}
	if len(stats) < replicates/2 {
		return Interval{}, errors.New("evaluation: the projection could not be refitted in most bootstrap resamples")
	}
	sort.Float64s(stats)
	return Interval{Estimate: point, Lower: Quantile(stats, (1-level)/2), Upper: Quantile(stats, 1-(1-level)/2), Level: level}, nil
}

// Quantile is the type-7 sample quantile (linear interpolation, R's
// default; Hyndman & Fan 1996) of sorted values.
func Quantile(sorted []float64, q float64) float64 {
	h := (float64(len(sorted)) - 1) * q
	lo := math.Floor(h)
	if int(lo)+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[int(lo)] + (h-lo)*(sorted[int(lo)+1]-sorted[int(lo)])
}

// ReportingRow is one line of the engaged-victim reporting sensitivity.
type ReportingRow struct {
	Uplift           float64 `json:"uplift"`
	AdjustedObserved float64 `json:"adjusted_observed"`
	Prevented        float64 `json:"prevented"`
	Reduction        float64 `json:"-"`
	ReductionPct     Number  `json:"reduction_pct"`
}

// Adjust returns a follow-up count with the reporting uplift taken out of
// the part of the follow-up in which the victim was engaged (share, 0 to
// 1): engaged victims report uplift times as often, so the count is divided
// by the follow-up's mean reporting factor, 1 - share + share*uplift (pro
// rata by days; an uplift below 1 means engaged victims reported less).
func Adjust(count, share, uplift float64) float64 { return count / (1 - share + share*uplift) }

// ReportingSensitivity adjusts the observed follow-up counts by each
// uplift, pro rata by the engaged share of each plan's follow-up
// (shares[i] is plans[i]'s), and recomputes the totals.
func ReportingSensitivity(plans []Plan, shares []float64, uplifts []float64) []ReportingRow {
	expected := 0.0
	for _, p := range plans {
		expected += p.Expected
	}
	out := make([]ReportingRow, len(uplifts))
	for i, u := range uplifts {
		obs := adjustedTotal(plans, shares, u)
		red, _ := Reduction(expected, obs)
		out[i] = ReportingRow{Uplift: u, AdjustedObserved: obs, Prevented: expected - obs, Reduction: red, ReductionPct: Number(100 * red)}
	}
	return out
}

// adjustedTotal sums the plans' observed counts adjusted at uplift u.
func adjustedTotal(plans []Plan, shares []float64, u float64) float64 {
	obs := 0.0
	for i, p := range plans {
		obs += Adjust(float64(p.Observed), shares[i], u)
	}
	return obs
}

// tippingRange bounds the uplifts searched for a tipping point: from a
// thousandth to a thousand times as often.
const tippingLow, tippingHigh = 1e-3, 1e3

// TippingUplift returns the reporting uplift of engaged victims at which the
// measured reduction disappears (adjusted observed = expected), found by
// bisection: the adjusted total falls as the uplift rises. A value below 1
// means engaged victims would have had to report that much less than others
// for the plans to have achieved nothing. It is NaN when no uplift can
// erase the reduction: no engaged victim had an incident, or the counts
// outside engagement alone already reach the expected count.
func TippingUplift(plans []Plan, shares []float64) float64 {
	expected := 0.0
	for _, p := range plans {
		expected += p.Expected
	}
	return tipping(func(u float64) float64 { return adjustedTotal(plans, shares, u) - expected })
}

// tipping finds u in the tipping range where f(u) = 0 for an f that falls
// as u rises; NaN when it does not cross zero there.
func tipping(f func(u float64) float64) float64 {
	lo, hi := tippingLow, tippingHigh
	if !(f(lo) >= 0) || !(f(hi) <= 0) || f(lo) == f(hi) {
		return math.NaN()
	}
	// Bisect on the log scale: 80 halvings take the range to 1e-20 of it.
	for range 80 {
		mid := math.Sqrt(lo * hi)
		if f(mid) > 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return math.Sqrt(lo * hi)
}

// SMSLevel rates the design on the Maryland Scientific Methods Scale
// (Sherman et al. 1998; Farrington et al. 2002): a before/after comparison
// alone is level 2; with a comparable comparison group, level 3. It returns
// the level and, below 3, the plain-English warning every output carries.
func SMSLevel(comparable bool) (int, string) {
	if comparable {
		return 3, ""
	}
	return 2, "This is a before/after comparison without a comparable comparison group (Maryland Scientific Methods Scale level 2). " +
		"Plans are opened after a rise in incidents, and such rises tend to fall back on their own (regression to the mean), " +
		"so the reduction shown is likely to overstate what the plans achieved."
}

// BootstrapDiD resamples the matched plans with replacement, each with its
// own comparisons (a cluster bootstrap, as BootstrapPrevented), and returns
// the percentile intervals of the difference-in-differences reduction and
// of the incidents it prevented. Replicates where the estimate is
// undefined (no baseline or no comparison follow-up in the resample) are
// skipped.
func BootstrapDiD(treated []Unit, matches map[string][]Unit, uplift float64, replicates int, level float64, seed uint64) (reduction, prevented Interval, err error) {
	var matched []Unit
	for _, t := range treated {
		if len(matches[t.ID]) > 0 {
			matched = append(matched, t)
		}
	}
	point, err := DifferenceInDifferences(matched, matches, uplift)
	if err != nil {
		return Interval{}, Interval{}, err
	}
	if replicates < 100 {
		return Interval{}, Interval{}, errors.New("evaluation: use at least 100 bootstrap replicates (1,000 or more for a 95% interval)")
	}
	// A resample's estimate is a function of eight totals, each a sum of
	// the drawn plans' contributions: computed once per plan, a replicate
	// is a sum of n of them (a national run draws 90,000 plans 2,000
	// times).
	parts := make([]didSums, len(matched))
	for i, t := range matched {
		parts[i] = planSums(t, matches[t.ID], uplift)
	}
	r := rand.New(rand.NewPCG(seed, 0xd1d))
	var stats, prev []float64
	for b := 0; b < replicates; b++ {
		var sum didSums
		for range matched {
			sum.add(parts[r.IntN(len(matched))])
		}
		d, err := sum.did()
		if err != nil {
			continue
		}
		stats = append(stats, d.Reduction)
		prev = append(prev, d.Prevented())
	}
	if len(stats) < replicates/2 {
		return Interval{}, Interval{}, errors.New("evaluation: the difference in differences is undefined in most bootstrap resamples; too few plans or comparison incidents")
	}
	sort.Float64s(stats)
	sort.Float64s(prev)
	lo, hi := (1-level)/2, 1-(1-level)/2
	return Interval{Estimate: point.Reduction, Lower: Quantile(stats, lo), Upper: Quantile(stats, hi), Level: level},
		Interval{Estimate: point.Prevented(), Lower: Quantile(prev, lo), Upper: Quantile(prev, hi), Level: level}, nil
}
