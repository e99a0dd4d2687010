package evaluation

import (
	"math"
	"strconv"
	"testing"
)

// TestRobustRatioAgainstStatsmodels: the robust rate ratio's log ratio,
// cluster-robust standard error and dispersion equal statsmodels' Poisson
// GLM with cov_type="cluster" by plan
// (testdata/evaluate/robust_rate_ratio/make_expected.py, statsmodels 0.13.5
// from Debian's python3-statsmodels, numpy 1.24.2).
func TestRobustRatioAgainstStatsmodels(t *testing.T) {
	t.Parallel()
	var want struct {
		LogRatio   float64 `json:"log_ratio"`
		SE         float64 `json:"se_cluster"`
		Dispersion float64 `json:"dispersion"`
	}
	rows := readFixture(t, "robust_rate_ratio", "plans.csv", &want)
	var b, fu []int
	var eb, ef []float64
	for _, r := range rows[1:] {
		x := make([]float64, 4)
		for i := range x {
			var err error
			if x[i], err = strconv.ParseFloat(r[i+1], 64); err != nil {
				t.Fatal(err)
			}
		}
		b, fu, eb, ef = append(b, int(x[0])), append(fu, int(x[1])), append(eb, x[2]), append(ef, x[3])
	}
	got, err := RobustRatio(b, fu, eb, ef, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(math.Log(got.Ratio)-want.LogRatio) > 1e-9 || math.Abs(got.SE-want.SE) > 1e-6 || math.Abs(got.Dispersion-want.Dispersion) > 1e-6 {
		t.Errorf("log ratio %.9f SE %.9f dispersion %.6f; statsmodels %.9f, %.9f, %.6f",
			math.Log(got.Ratio), got.SE, got.Dispersion, want.LogRatio, want.SE, want.Dispersion)
	}
	// The interval is the Wald interval on the log scale around the pooled
	// ratio.
	if z := 1.959963984540054; math.Abs(got.Lower-got.Ratio*math.Exp(-z*want.SE)) > 1e-6 || math.Abs(got.Upper-got.Ratio*math.Exp(z*want.SE)) > 1e-6 {
		t.Errorf("interval %.6f-%.6f around %.6f", got.Lower, got.Upper, got.Ratio)
	}
	if _, err := RobustRatio([]int{3}, []int{1}, []float64{90}, []float64{90}, 0.95); err == nil {
		t.Error("one plan accepted")
	}
}
