package calibration

import (
	"math"
	"sort"
)

// Decision-curve analysis (Vickers and Elkin 2006, Medical Decision
// Making 26: 565-574). Acting on every sample whose predicted probability
// is at least a threshold pt has net benefit
//
//	NB(pt) = TP/n - FP/n x pt/(1 - pt)
//
// where pt/(1 - pt) is the odds at which a unit judges a missed case and a
// needless plan equally costly: a net benefit of 0.003 is as if 3 in every
// 1,000 relationships were true cases found with no needless plans. It is
// compared with acting on everyone (prevalence - (1 - prevalence) x
// pt/(1 - pt)) and on no one (0).

// DecisionPoint is one point of a decision curve.
type DecisionPoint struct {
	Threshold  Number `json:"threshold"`
	NetBenefit Number `json:"net_benefit"`
	// TreatAll is the net benefit of a plan for everyone at the threshold.
	TreatAll Number `json:"treat_all"`
}

// decisionThresholds are the curve's thresholds: the range in which a DA
// unit's choices plausibly lie (acting at 0.5% to 20% risk of the outcome
// within the horizon), beside the capacity threshold.
var decisionThresholds = []float64{0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.10, 0.15, 0.20}

// NetBenefit is the net benefit of acting on every sample with a predicted
// probability of at least pt.
func NetBenefit(p []float64, y []bool, pt float64) float64 { return netBenefitAt(p, y, pt, nil) }

// netBenefitAt is NetBenefit with case weights (nil: 1): TP, FP and n are
// the weights' sums, the full population's counts estimated.
func netBenefitAt(p []float64, y []bool, pt float64, w []float64) float64 {
	var tp, fp, n float64
	for i, v := range p {
		wi := weightOf(w, i)
		n += wi
		if v >= pt {
			if y[i] {
				tp += wi
			} else {
				fp += wi
			}
		}
	}
	return netBenefit(tp, fp, n, pt)
}

// netBenefit is Vickers and Elkin's formula from the counts.
func netBenefit(tp, fp, n, pt float64) float64 {
	if n == 0 || pt <= 0 || pt >= 1 {
		return math.NaN()
	}
	return tp/n - fp/n*pt/(1-pt)
}

// treatAll is the net benefit of acting on everyone, with case weights
// (nil: 1).
func treatAll(y []bool, pt float64, w []float64) float64 {
	pos, n := 0.0, 0.0
	for i, v := range y {
		n += weightOf(w, i)
		if v {
			pos += weightOf(w, i)
		}
	}
	return netBenefit(pos, n-pos, n, pt)
}

// CapacityThreshold is the threshold that matches a unit's capacity: at
// each as-of date, the predicted probability of the k-th highest sample
// (the last one the unit can take on); the median over the dates.
func CapacityThreshold(p []float64, date []int, k int) float64 {
	return capacityThreshold(p, date, k, nil)
}

// capacityThreshold is CapacityThreshold with case weights (nil: 1): the
// k-th highest is the sample at which the weight from the top reaches k.
func capacityThreshold(p []float64, date []int, k int, w []float64) float64 {
	byDate := map[int][]int{}
	for i, d := range date {
		byDate[d] = append(byDate[d], i)
	}
	var kth []float64
	for _, idx := range byDate {
		sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] > p[idx[b]] })
		at, reached := idx[len(idx)-1], 0.0
		for _, i := range idx {
			if reached += weightOf(w, i); reached >= float64(k) {
				at = i
				break
			}
		}
		kth = append(kth, p[at])
	}
	if len(kth) == 0 {
		return math.NaN()
	}
	sort.Float64s(kth)
	m := len(kth) / 2
	if len(kth)%2 == 1 {
		return kth[m]
	}
	return (kth[m-1] + kth[m]) / 2
}

// topKNetBenefit is the net benefit of the unit's own rule, a plan for the
// top k at each date, priced at the threshold pt.
func topKNetBenefit(selected, y []bool, pt float64, w []float64) float64 {
	var tp, fp, n float64
	for i, s := range selected {
		wi := weightOf(w, i)
		n += wi
		if s {
			if y[i] {
				tp += wi
			} else {
				fp += wi
			}
		}
	}
	return netBenefit(tp, fp, n, pt)
}

// decisionCurve is the curve at the standard thresholds (the same for
// every score, so curves compare point by point; each score's capacity
// threshold is reported beside it).
func decisionCurve(p []float64, y []bool, w []float64) []DecisionPoint {
	out := make([]DecisionPoint, 0, len(decisionThresholds))
	for _, t := range decisionThresholds {
		out = append(out, DecisionPoint{Threshold: Number(t), NetBenefit: Number(netBenefitAt(p, y, t, w)), TreatAll: Number(treatAll(y, t, w))})
	}
	return out
}
