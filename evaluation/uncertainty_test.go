package evaluation

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestBootstrapPrevented(t *testing.T) {
	t.Parallel()
	plans := []Plan{{Expected: 10, Observed: 2}, {Expected: 6, Observed: 6}, {Expected: 8, Observed: 1}, {Expected: 3, Observed: 4}}
	a, err := BootstrapPrevented(plans, 2000, 0.95, 7, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := BootstrapPrevented(plans, 2000, 0.95, 7, nil)
	if a != b {
		t.Errorf("same seed, different intervals: %+v %+v", a, b)
	}
	// Point estimate: (8 + 0 + 7 - 1) = 14. The resampled sums are sums of
	// four draws from {8, 0, 7, -1}: they lie in [-4, 32].
	if a.Estimate != 14 || a.Lower < -4 || a.Upper > 32 || !(a.Lower < 14 && a.Upper > 14) {
		t.Errorf("interval %+v", a)
	}
	// Identical plans leave no spread.
	same := []Plan{{Expected: 5, Observed: 1}, {Expected: 5, Observed: 1}}
	c, _ := BootstrapPrevented(same, 500, 0.95, 1, nil)
	if c.Lower != 8 || c.Upper != 8 {
		t.Errorf("identical plans: %+v, want [8, 8]", c)
	}
	if _, err := BootstrapPrevented(nil, 1000, 0.95, 1, nil); err == nil {
		t.Error("no plans accepted")
	}
}

// TestQuantile checks the type-7 rule on 1..5: the 25% quantile is 2 and
// the 10% quantile 1.4 (R: quantile(1:5, c(.25, .1)) gives 2.0 and 1.4).
func TestQuantile(t *testing.T) {
	t.Parallel()
	xs := []float64{1, 2, 3, 4, 5}
	if q := Quantile(xs, 0.25); q != 2 {
		t.Errorf("q25 = %v", q)
	}
	if q := Quantile(xs, 0.1); math.Abs(q-1.4) > 1e-12 {
		t.Errorf("q10 = %v", q)
	}
}

func TestReportingSensitivity(t *testing.T) {
	t.Parallel()
	plans := []Plan{{Expected: 20, Observed: 6}, {Expected: 10, Observed: 4}}
	engaged := []float64{1, 0}
	rows := ReportingSensitivity(plans, engaged, []float64{0.5, 1, 2})
	// uplift 2: 4 + 6/2 = 7 observed, 23 prevented; uplift 0.5: 4 + 12 = 16.
	if rows[2].AdjustedObserved != 7 || rows[2].Prevented != 23 || rows[0].AdjustedObserved != 16 || rows[1].AdjustedObserved != 10 {
		t.Errorf("rows %+v", rows)
	}
	// The reduction vanishes when 4 + 6/u = 30: u = 6/26.
	u := TippingUplift(plans, engaged)
	if math.Abs(u-6.0/26) > 1e-12 {
		t.Errorf("tipping uplift = %v, want 6/26", u)
	}
	check := ReportingSensitivity(plans, engaged, []float64{u})
	if math.Abs(check[0].Prevented) > 1e-9 {
		t.Errorf("at the tipping uplift prevented = %v, want 0", check[0].Prevented)
	}
}

func TestSMSLevel(t *testing.T) {
	t.Parallel()
	if l, w := SMSLevel(false); l != 2 || !strings.Contains(w, "regression to the mean") {
		t.Errorf("without comparison: %d %q", l, w)
	}
	if l, w := SMSLevel(true); l != 3 || w != "" {
		t.Errorf("with comparison: %d %q", l, w)
	}
}

func TestTippingUpliftUndefined(t *testing.T) {
	t.Parallel()
	if u := TippingUplift([]Plan{{Expected: 5, Observed: 1}}, []float64{0}); !math.IsNaN(u) {
		t.Errorf("no engaged incidents: %v, want NaN", u)
	}
	if u := TippingUplift([]Plan{{Expected: 5, Observed: 11}, {Expected: 5, Observed: 1}}, []float64{0, 1}); !math.IsNaN(u) {
		t.Errorf("no reduction to erase: %v, want NaN", u)
	}
}

// TestReportingProRata: the uplift applies to the engaged part of a
// follow-up only. A plan with 6 incidents whose victim was engaged for half
// its follow-up, at uplift 2, has a reporting factor of 0.5 + 0.5*2 = 1.5,
// so 4 adjusted incidents (dividing all 6 by 2 would give 3); the tipping
// point is found by bisection and checked against its closed form.
func TestReportingProRata(t *testing.T) {
	t.Parallel()
	if got := Adjust(6, 0.5, 2); math.Abs(got-4) > 1e-12 {
		t.Errorf("Adjust(6, half engaged, 2) = %v, want 4", got)
	}
	if got := Adjust(6, 0, 2); got != 6 {
		t.Errorf("not engaged: %v, want 6", got)
	}
	plans := []Plan{{Expected: 20, Observed: 6}, {Expected: 10, Observed: 4}}
	shares := []float64{0.5, 0}
	rows := ReportingSensitivity(plans, shares, []float64{2})
	if math.Abs(rows[0].AdjustedObserved-8) > 1e-12 {
		t.Errorf("adjusted total %v, want 4 + 4 = 8", rows[0].AdjustedObserved)
	}
	// With 15 expected in all: the reduction is gone when
	plans = []Plan{{Expected: 5, Observed: 6}, {Expected: 10, Observed: 4}}
	// 6/(0.5 + 0.5u) + 4 = 15: 0.5 + 0.5u = 6/11, u = 12/11 - 1 = 1/11.
	u := TippingUplift(plans, shares)
	if math.Abs(u-1.0/11) > 1e-9 {
		t.Errorf("tipping uplift %v, want 1/11", u)
	}
}

// TestEngagementShare: the engaged share of a span merges overlapping
// episodes, clips them to the span and runs an open one to its end.
func TestEngagementShare(t *testing.T) {
	t.Parallel()
	s := Span{From: day("2024-01-01"), To: day("2024-01-11")}
	e := Engagements{
		"v": {{Agency: "idva", From: day("2023-12-25"), To: day("2024-01-03")}, {Agency: "marac", From: day("2024-01-02"), To: day("2024-01-05")}},
		"w": {{Agency: "idva", From: day("2024-01-06")}},
		"x": {{Agency: "idva", From: day("2024-02-01"), To: day("2024-03-01")}},
	}
	for v, want := range map[string]float64{"v": 0.4, "w": 0.5, "x": 0, "y": 0} {
		if got := e.Share(v, s); math.Abs(got-want) > 1e-12 {
			t.Errorf("share of %s = %v, want %v", v, got, want)
		}
	}
}

// TestBootstrapRefit: with a refit, every replicate's expected counts come
// from it (here each draw expects one more than its plan's own), so the
// interval carries what the refit changes; a replicate it cannot fit is
// skipped.
func TestBootstrapRefit(t *testing.T) {
	t.Parallel()
	plans := []Plan{{Expected: 10, Observed: 2}, {Expected: 6, Observed: 5}, {Expected: 8, Observed: 1}}
	fixed, _ := BootstrapPrevented(plans, 1000, 0.95, 3, nil)
	n := 0
	refit := func(draws []int) ([]float64, error) {
		n++
		if n%10 == 0 {
			return nil, errors.New("cannot fit")
		}
		out := make([]float64, len(draws))
		for i, k := range draws {
			out[i] = plans[k].Expected + 1
		}
		return out, nil
	}
	moved, err := BootstrapPrevented(plans, 1000, 0.95, 3, refit)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1000 || moved.Estimate != fixed.Estimate || moved.Lower < fixed.Lower+2 || moved.Upper < fixed.Upper+2 {
		t.Errorf("refit %d times: fixed %+v, refitted %+v (want the interval 3 higher)", n, fixed, moved)
	}
}
