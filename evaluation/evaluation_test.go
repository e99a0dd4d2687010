package evaluation

import (
	"math"
	"testing"
)

// TestExactRateRatioPublished checks the unit's dip sample (141 incidents
// before, 23 in the 3 months after) against values computed independently
// with the exact conditional method in the research notes
// (scoring-evaluation.md section 0, a plain-Python reimplementation of
// statsmodels' exact-cond): the conclusion depends on the baseline window.
func TestExactRateRatioPublished(t *testing.T) {
	t.Parallel()
	tests := []struct {
		baselineMonths float64
		ratio, lo, hi  float64
		p              float64
		pTol           float64
	}{
		{3, 0.163, 0.100, 0.255, 7e-22, 0.5e-22},
		{6, 0.326, 0.200, 0.509, 3e-8, 0.5e-8},
		{12, 0.652, 0.401, 1.019, 0.063, 0.001},
	}
	for _, tt := range tests {
		r, err := ExactRateRatio(141, tt.baselineMonths, 23, 3, 0.95)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name      string
			got, want float64
		}{{"ratio", r.Ratio, tt.ratio}, {"lower", r.Lower, tt.lo}, {"upper", r.Upper, tt.hi}} {
			if math.Abs(c.got-c.want) > 0.0015 {
				t.Errorf("%v-month baseline: %s = %.4f, want %.3f", tt.baselineMonths, c.name, c.got, c.want)
			}
		}
		if math.Abs(r.P-tt.p) > tt.pTol {
			t.Errorf("%v-month baseline: p = %.3g, want %.2g", tt.baselineMonths, r.P, tt.p)
		}
	}
}

// TestBinomTwoSided checks the minlike p-value against hand sums: for
// n = 4, p = 0.5, k = 0 the outcomes as unlikely as 0 are 0 and 4, so
// p = 2/16.
func TestBinomTwoSided(t *testing.T) {
	t.Parallel()
	if got := binomTwoSided(0, 4, 0.5); math.Abs(got-0.125) > 1e-12 {
		t.Errorf("p = %v, want 0.125", got)
	}
	if got := binomTwoSided(2, 4, 0.5); math.Abs(got-1) > 1e-12 {
		t.Errorf("p = %v, want 1", got)
	}
}

func TestExactRateRatioErrors(t *testing.T) {
	t.Parallel()
	if _, err := ExactRateRatio(0, 3, 0, 3, 0.95); err != ErrNoEvents {
		t.Errorf("no events: %v", err)
	}
	if _, err := ExactRateRatio(5, 0, 1, 3, 0.95); err == nil {
		t.Error("zero exposure accepted")
	}
	r, err := ExactRateRatio(10, 3, 0, 3, 0.95)
	if err != nil || r.Ratio != 0 || r.Lower != 0 || !(r.Upper > 0) {
		t.Errorf("zero follow-up: %+v %v", r, err)
	}
}

// TestPublishedArithmetic reproduces the practice's own numbers: 141
// before, a +40% "trends continued" projection (197), 23 observed, and
// "over 2,000 hours" at 11.5 hours per prevented incident.
func TestPublishedArithmetic(t *testing.T) {
	t.Parallel()
	proj := Projection{Kind: "growth", Growth: 0.40}
	plans := []Plan{{ID: "all", Baseline: 141, BaselineDays: 91, FollowupDays: 91, Observed: 23, Expected: proj.Expected(141, 91, 91)}}
	_, s := Summarise(plans, 11.5)
	if math.Abs(s.ExpectedTotal-197.4) > 1e-9 || s.ObservedTotal != 23 {
		t.Errorf("expected %v observed %d, want 197.4 and 23", s.ExpectedTotal, s.ObservedTotal)
	}
	if s.HoursSaved <= 2000 {
		t.Errorf("hours saved %v, want over 2,000", s.HoursSaved)
	}
	if math.Abs(s.Reduction-(1-23/197.4)) > 1e-12 {
		t.Errorf("reduction %v", s.Reduction)
	}
}

func TestReductionCategories(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expected, observed float64
		want               string
	}{
		{10, 0, Category100}, {10, 0.5, Category90to100}, {10, 1, Category90to100}, {10, 1.01, Category40to90},
		{10, 6, Category40to90}, {10, 6.01, Category0to40}, {10, 10, Category0to40}, {10, 11, CategoryIncrease}, {0, 2, CategoryIncrease},
	}
	for _, tt := range tests {
		if _, got := Reduction(tt.expected, tt.observed); got != tt.want {
			t.Errorf("Reduction(%v, %v) category = %s, want %s", tt.expected, tt.observed, got, tt.want)
		}
	}
}
