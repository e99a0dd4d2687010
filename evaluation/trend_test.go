package evaluation

import (
	"math"
	"testing"
)

// TestFitTrendClosedForm: with two months per plan (T = 0 and 1, whole
// months) the common-slope Poisson model has a closed form. The profile
// score equation reduces to sum(y1) = sum(y0 + y1) * e^b / (1 + e^b), so
// e^b = sum(y1) / sum(y0), and each level is ln(y0 + y1) - ln(1 + e^b).
func TestFitTrendClosedForm(t *testing.T) {
	t.Parallel()
	series := []Series{
		{PlanID: "a", Months: []Month{{0, 4, 1}, {1, 8, 1}}},
		{PlanID: "b", Months: []Month{{0, 10, 1}, {1, 13, 1}}},
	}
	tr, err := FitTrend(series)
	if err != nil {
		t.Fatal(err)
	}
	wantSlope := math.Log(21.0 / 14.0)
	if math.Abs(tr.Slope-wantSlope) > 1e-9 {
		t.Errorf("slope = %v, want ln(21/14) = %v", tr.Slope, wantSlope)
	}
	for id, n := range map[string]float64{"a": 12, "b": 23} {
		want := math.Log(n) - math.Log(1+21.0/14.0)
		if math.Abs(tr.Levels[id]-want) > 1e-9 {
			t.Errorf("level %s = %v, want %v", id, tr.Levels[id], want)
		}
	}
	// The fitted curve reproduces each plan's total over its baseline (a
	// property of Poisson maximum likelihood with a level per plan).
	if got := tr.Expected("a", series[0].Months); math.Abs(got-12) > 1e-9 {
		t.Errorf("fitted baseline total of a = %v, want 12", got)
	}
	// Projected one month on: 12 * e^(2b) / (1 + e^b).
	eb := 21.0 / 14.0
	want := 12 * eb * eb / (1 + eb)
	if got := tr.Expected("a", []Month{{2, 0, 1}}); math.Abs(got-want) > 1e-9 {
		t.Errorf("month 2 of a = %v, want %v", got, want)
	}
	// Standard error: observed information at the MLE is
	// sum over plans of n_i * p(1-p), p = e^b/(1+e^b), for two months.
	p := eb / (1 + eb)
	wantSE := 1 / math.Sqrt(35*p*(1-p))
	if math.Abs(tr.SlopeSE-wantSE) > 1e-9 {
		t.Errorf("SE = %v, want %v", tr.SlopeSE, wantSE)
	}
}

// TestFitTrendExposure: exposure enters as an offset, so scaling all of a
// plan's exposures by c leaves the slope and shifts that plan's level by
// -ln(c), with the same expected counts per unit of exposure.
func TestFitTrendExposure(t *testing.T) {
	t.Parallel()
	base := []Series{{PlanID: "a", Months: []Month{{0, 6, 1}, {1, 9, 1}, {2, 12, 1}}}, {PlanID: "b", Months: []Month{{0, 2, 1}, {1, 1, 1}, {2, 4, 1}}}}
	scaled := []Series{{PlanID: "a", Months: []Month{{0, 6, 0.5}, {1, 9, 0.5}, {2, 12, 0.5}}}, base[1]}
	f1, err := FitTrend(base)
	if err != nil {
		t.Fatal(err)
	}
	f2, err := FitTrend(scaled)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(f1.Slope-f2.Slope) > 1e-9 {
		t.Errorf("slopes %v and %v differ", f1.Slope, f2.Slope)
	}
	if d := f2.Levels["a"] - f1.Levels["a"]; math.Abs(d-math.Log(2)) > 1e-9 {
		t.Errorf("level shift %v, want ln 2", d)
	}
}

func TestFitTrendErrors(t *testing.T) {
	t.Parallel()
	for name, s := range map[string][]Series{
		"empty":      nil,
		"no events":  {{PlanID: "a", Months: []Month{{0, 0, 1}, {1, 0, 1}}}},
		"one month":  {{PlanID: "a", Months: []Month{{0, 5, 1}}}},
		"bad expos.": {{PlanID: "a", Months: []Month{{0, 5, 0}, {1, 2, 1}}}},
		"to zero":    {{PlanID: "a", Months: []Month{{0, 5, 1}, {1, 0, 1}}}},
	} {
		if _, err := FitTrend(s); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
