package evaluation

import (
	"errors"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
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
func BootstrapPrevented(plans []Plan, replicates int, level float64, seed uint64) (Interval, error) {
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
	stats := make([]float64, replicates)
	for b := range stats {
		sum := 0.0
		for range plans {
			p := plans[r.IntN(len(plans))]
			sum += p.Expected - float64(p.Observed)
		}
		stats[b] = sum
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

// ReportingSensitivity adjusts the observed follow-up counts of plans whose
// victim was engaged with an agency during follow-up, dividing them by each
// uplift (engaged victims report more, so their counts overstate what
// happened; an uplift below 1 means they reported less), and recomputes the
// totals. engaged[i] says whether plans[i]'s victim was engaged.
func ReportingSensitivity(plans []Plan, engaged []bool, uplifts []float64) []ReportingRow {
	expected, plain, eng := engagementTotals(plans, engaged)
	out := make([]ReportingRow, len(uplifts))
	for i, u := range uplifts {
		obs := plain + eng/u
		red, _ := Reduction(expected, obs)
		out[i] = ReportingRow{Uplift: u, AdjustedObserved: obs, Prevented: expected - obs, Reduction: red, ReductionPct: Number(100 * red)}
	}
	return out
}

// engagementTotals sums the expected counts and splits the observed ones
// into plans whose victim was engaged and the others.
func engagementTotals(plans []Plan, engaged []bool) (expected, plain, eng float64) {
	for i, p := range plans {
		expected += p.Expected
		if engaged[i] {
			eng += float64(p.Observed)
		} else {
			plain += float64(p.Observed)
		}
	}
	return expected, plain, eng
}

// TippingUplift returns the reporting uplift of engaged victims at which the
// measured reduction disappears (adjusted observed = expected): with plain
// and engaged observed counts, eng/u = expected - plain, so
// u = eng / (expected - plain). A value below 1 means engaged victims would
// have had to report that much less than others for the plans to have
// achieved nothing. It is NaN when no uplift can erase the reduction: no
// engaged victim had an incident, or the non-engaged counts alone already
// reach the expected count (no reduction to erase).
func TippingUplift(plans []Plan, engaged []bool) float64 {
	expected, plain, eng := engagementTotals(plans, engaged)
	if plain >= expected {
		return math.NaN()
	}
	if eng == 0 {
		return math.NaN()
	}
	return eng / (expected - plain)
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
// the percentile interval of the difference-in-differences reduction.
// Replicates where the estimate is undefined (no baseline or no comparison
// follow-up in the resample) are skipped.
func BootstrapDiD(treated []Unit, matches map[string][]Unit, uplift float64, replicates int, level float64, seed uint64) (Interval, error) {
	var matched []Unit
	for _, t := range treated {
		if len(matches[t.ID]) > 0 {
			matched = append(matched, t)
		}
	}
	point, err := DifferenceInDifferences(matched, matches, uplift)
	if err != nil {
		return Interval{}, err
	}
	if replicates < 100 {
		return Interval{}, errors.New("evaluation: use at least 100 bootstrap replicates (1,000 or more for a 95% interval)")
	}
	r := rand.New(rand.NewPCG(seed, 0xd1d))
	var stats []float64
	sample := make([]Unit, len(matched))
	ms := make(map[string][]Unit, len(matched))
	for b := 0; b < replicates; b++ {
		clear(ms)
		for i := range sample {
			t := matched[r.IntN(len(matched))]
			// Each draw is its own cluster, even when a plan is drawn twice.
			t.ID = t.ID + "#" + strconv.Itoa(i)
			sample[i] = t
			ms[t.ID] = matches[strings.SplitN(t.ID, "#", 2)[0]]
		}
		d, err := DifferenceInDifferences(sample, ms, uplift)
		if err != nil {
			continue
		}
		stats = append(stats, d.Reduction)
	}
	if len(stats) < replicates/2 {
		return Interval{}, errors.New("evaluation: the difference in differences is undefined in most bootstrap resamples; too few plans or comparison incidents")
	}
	sort.Float64s(stats)
	return Interval{Estimate: point.Reduction, Lower: Quantile(stats, (1-level)/2), Upper: Quantile(stats, 1-(1-level)/2), Level: level}, nil
}
