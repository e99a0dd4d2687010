package evaluation

import (
	"fmt"
	"math"
	"strconv"
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
	// Kind is "trend" (a Poisson regression on the baseline months, see
	// FitTrend), "level" (the baseline rate over the follow-up window) or
	// "growth" (the level times 1+Growth: the practice's "trends continued"
	// assumption).
	Kind   string
	Growth float64
}

// String writes the projection the way --projection takes it.
func (p Projection) String() string {
	if p.Kind == "growth" {
		return "growth:" + strconv.FormatFloat(p.Growth, 'f', -1, 64)
	}
	return p.Kind
}

// MarshalText writes the projection as text in JSON.
func (p Projection) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// Label describes the projection for reports; growth is always labelled an
// assumption.
func (p Projection) Label() string {
	switch p.Kind {
	case "growth":
		return fmt.Sprintf("growth %+.0f%% (an assumption, not an estimate)", 100*p.Growth)
	case "trend":
		return "trend (Poisson regression on baseline months, common slope)"
	}
	return "level (baseline rate carried forward)"
}

// Expected projects a baseline count over baselineDays onto followupDays
// for the level and growth projections.
func (p Projection) Expected(baseline int, baselineDays, followupDays float64) float64 {
	level := float64(baseline) * followupDays / baselineDays
	if p.Kind == "growth" {
		return level * (1 + p.Growth)
	}
	return level
}

// Plan is one plan's counts in a dip sample.
type Plan struct {
	ID             string  `json:"pmp_id"`
	RelationshipID string  `json:"relationship_id"`
	Opened         string  `json:"opened_at"`
	Finalised      string  `json:"finalised_at"`
	BaselineWindow Span    `json:"baseline_window"`
	FollowupWindow Span    `json:"followup_window"`
	Baseline       int     `json:"baseline_count"`
	BaselineDays   float64 `json:"baseline_days"`
	FollowupDays   float64 `json:"followup_days"`
	Expected       float64 `json:"expected"`
	Observed       int     `json:"observed"`
	Reduction      float64 `json:"-"`
	ReductionPct   Number  `json:"reduction_pct"`
	Category       string  `json:"category"`
	// Engaged says the victim was engaged with an agency during follow-up,
	// EngagedShare for what fraction of its days; AdjustedObserved takes the
	// reporting uplift out of that part of the count (Adjust).
	Engaged      bool    `json:"engaged"`
	EngagedShare float64 `json:"engaged_share"`
	// During counts the incidents while the plan ran (from opening to
	// finalisation, which the before/after leaves out), over DuringDays.
	During     int     `json:"during_plan"`
	DuringDays float64 `json:"during_plan_days"`
	// Actions counts the plan's actions by type (outputs, not results).
	Actions          []ActionCount `json:"actions"`
	Agencies         []string      `json:"engaged_agencies"`
	AdjustedObserved float64       `json:"adjusted_observed"`
}

// Summary totals a dip sample the way the unit reports it.
type Summary struct {
	Plans int `json:"pmps"`
	// During and DuringDays total the incidents while the plans ran.
	During           int            `json:"during_plans"`
	DuringDays       float64        `json:"during_plans_days"`
	Projection       string         `json:"projection"`
	BaselineTotal    int            `json:"baseline_total"`
	ExpectedTotal    float64        `json:"expected_total"`
	ObservedTotal    int            `json:"observed_total"`
	Prevented        float64        `json:"prevented"`
	Reduction        float64        `json:"-"`
	ReductionPct     Number         `json:"reduction_pct"`
	Categories       map[string]int `json:"categories"`
	HoursPerIncident float64        `json:"hours_per_incident"`
	HoursSaved       float64        `json:"hours_saved"`
	RateRatio        *RateRatio     `json:"rate_ratio"`
	// RobustRateRatio is the same ratio with an interval that allows for
	// overdispersion across plans (the primary interval of the unit's
	// ratio; the exact one assumes Poisson counts).
	RobustRateRatio    *RobustRateRatio `json:"robust_rate_ratio"`
	PreventedInterval  Interval         `json:"prevented_interval"`
	HoursSavedInterval Interval         `json:"hours_saved_interval"`
	// The engaged-victim adjustment at the run's uplift.
	EngagedUplift        float64 `json:"engaged_reporting_uplift"`
	AdjustedObserved     float64 `json:"adjusted_observed_total"`
	AdjustedPrevented    float64 `json:"adjusted_prevented"`
	AdjustedReductionPct Number  `json:"adjusted_reduction_pct"`
}

// Summarise sets each plan's reduction and category from its expected and
// observed counts and totals the sample: prevented = expected - observed,
// hours saved = prevented x hours per incident (which has no default: the
// caller states it and its source).
func Summarise(plans []Plan, hoursPerIncident float64) ([]Plan, Summary) {
	out := make([]Plan, len(plans))
	s := Summary{Plans: len(plans), Categories: map[string]int{}, HoursPerIncident: hoursPerIncident}
	for _, c := range Categories {
		s.Categories[c] = 0
	}
	for i, p := range plans {
		p.Reduction, p.Category = Reduction(p.Expected, float64(p.Observed))
		p.ReductionPct = Number(100 * p.Reduction)
		s.BaselineTotal += p.Baseline
		s.ExpectedTotal += p.Expected
		s.ObservedTotal += p.Observed
		s.Categories[p.Category]++
		out[i] = p
	}
	s.Prevented = s.ExpectedTotal - float64(s.ObservedTotal)
	s.Reduction, _ = Reduction(s.ExpectedTotal, float64(s.ObservedTotal))
	s.ReductionPct = Number(100 * s.Reduction)
	s.HoursSaved = s.Prevented * hoursPerIncident
	return out, s
}

// Number is a float that is written to JSON as null when it is not a
// number (a reduction with nothing expected, a ratio with nothing before).
type Number float64

// MarshalJSON writes the number, or null for NaN and infinities.
func (n Number) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return []byte(strconv.FormatFloat(f, 'g', -1, 64)), nil
}
