package calibration

import (
	"math"
	"strconv"
	"testing"
)

// TestDecisionCurve: net benefit at each threshold, acting on everyone,
// the capacity threshold and the top-k rule priced at it equal numpy's
// (testdata/calibrate/decision_curve/make_expected.py, numpy 1.24.2) to
// 1e-12 on 2,000 samples at four dates.
func TestDecisionCurve(t *testing.T) {
	t.Parallel()
	dir := "../testdata/calibrate/decision_curve"
	var p []float64
	var y []bool
	var date []int
	var key []string
	var want struct {
		K     int `json:"k"`
		Curve []struct {
			Threshold  float64 `json:"threshold"`
			NetBenefit float64 `json:"net_benefit"`
			TreatAll   float64 `json:"treat_all"`
		} `json:"curve"`
		Capacity   float64 `json:"capacity_threshold"`
		AtCapacity float64 `json:"net_benefit_at_capacity"`
		TopK       float64 `json:"top_k_net_benefit"`
	}
	recs := readExpected(t, dir, &want)
	for _, r := range recs[1:] {
		d, _ := strconv.Atoi(r[0])
		v, _ := strconv.ParseFloat(r[2], 64)
		date, key, p, y = append(date, d), append(key, r[1]), append(p, v), append(y, r[3] == "1")
	}
	close := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-12 {
			t.Errorf("%s = %.15g, numpy %.15g", what, got, want)
		}
	}
	for _, c := range want.Curve {
		close("net benefit at "+strconv.FormatFloat(c.Threshold, 'g', -1, 64), NetBenefit(p, y, c.Threshold), c.NetBenefit)
		close("treat all at "+strconv.FormatFloat(c.Threshold, 'g', -1, 64), treatAll(y, c.Threshold, nil), c.TreatAll)
	}
	pt := CapacityThreshold(p, date, want.K)
	close("capacity threshold", pt, want.Capacity)
	close("net benefit at the capacity threshold", NetBenefit(p, y, pt), want.AtCapacity)
	top := topPerDate(p, date, key, func(int) int { return want.K }, nil)
	close("top-k net benefit", topKNetBenefit(top, y, pt, nil), want.TopK)
	curve := decisionCurve(p, y, nil)
	if len(curve) != len(want.Curve) || float64(curve[0].NetBenefit) != NetBenefit(p, y, want.Curve[0].Threshold) {
		t.Errorf("the curve has %d points, want the %d thresholds", len(curve), len(want.Curve))
	}
}
