package evaluation

import (
	"fmt"
	"math"
)

// Category labels of a plan's reduction, as the practice reports them.
const (
	Category100      = "100%"
	Category90to100  = "90-<100%"
	Category40to90   = "40-<90%"
	Category0to40    = "0-<40%"
	CategoryIncrease = "increase"
)

// Categories lists the labels in report order.
var Categories = []string{Category100, Category90to100, Category40to90, Category0to40, CategoryIncrease}

// Reduction returns 1 - observed/expected (0.25 = 25% fewer than expected)
// and its category. An observed count of zero is "100%" whatever was
// expected; more than expected is "increase". With nothing expected the
// reduction is undefined (NaN) and only observed = 0 has a category.
func Reduction(expected, observed float64) (float64, string) {
	if observed == 0 {
		if expected == 0 {
			return math.NaN(), Category100
		}
		return 1, Category100
	}
	if expected <= 0 {
		return math.NaN(), CategoryIncrease
	}
	red := 1 - observed/expected
	switch {
	case red < 0:
		return red, CategoryIncrease
	case red >= 0.9:
		return red, Category90to100
	case red >= 0.4:
		return red, Category40to90
	}
	return red, Category0to40
}

// Projection is how the count expected without a plan is projected from the
// baseline.
type Projection struct {
	// Kind is "level" (the baseline rate over the follow-up window) or
	// "growth" (the level times 1+Growth: the practice's "trends continued"
	// assumption).
	Kind   string
	Growth float64
}

// Label describes the projection for reports; growth is always labelled an
// assumption.
func (p Projection) Label() string {
	if p.Kind == "growth" {
		return fmt.Sprintf("growth %+.0f%% (an assumption, not an estimate)", 100*p.Growth)
	}
	return "level (baseline rate carried forward)"
}

// Expected projects a baseline count over baselineDays onto followupDays.
func (p Projection) Expected(baseline int, baselineDays, followupDays float64) float64 {
	level := float64(baseline) * followupDays / baselineDays
	if p.Kind == "growth" {
		return level * (1 + p.Growth)
	}
	return level
}

// Plan is one plan's counts in a dip sample.
type Plan struct {
	ID                         string
	Baseline                   int
	BaselineDays, FollowupDays float64
	Observed                   int
	Expected                   float64
	Reduction                  float64
	Category                   string
}

// Summary totals a dip sample the way the unit reports it.
type Summary struct {
	Plans            int
	BaselineTotal    int
	ExpectedTotal    float64
	ObservedTotal    int
	Prevented        float64
	Reduction        float64
	Categories       map[string]int
	HoursPerIncident float64
	HoursSaved       float64
}

// Summarise projects each plan's expected count and totals the sample:
// prevented = expected - observed, hours saved = prevented x hours per
// incident (which has no default: the caller states it and its source).
func Summarise(plans []Plan, proj Projection, hoursPerIncident float64) ([]Plan, Summary) {
	out := make([]Plan, len(plans))
	s := Summary{Plans: len(plans), Categories: map[string]int{}, HoursPerIncident: hoursPerIncident}
	for _, c := range Categories {
		s.Categories[c] = 0
	}
	for i, p := range plans {
		p.Expected = proj.Expected(p.Baseline, p.BaselineDays, p.FollowupDays)
		p.Reduction, p.Category = Reduction(p.Expected, float64(p.Observed))
		s.BaselineTotal += p.Baseline
		s.ExpectedTotal += p.Expected
		s.ObservedTotal += p.Observed
		s.Categories[p.Category]++
		out[i] = p
	}
	s.Prevented = s.ExpectedTotal - float64(s.ObservedTotal)
	s.Reduction, _ = Reduction(s.ExpectedTotal, float64(s.ObservedTotal))
	s.HoursSaved = s.Prevented * hoursPerIncident
	return out, s
}
