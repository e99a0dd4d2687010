package evaluation

import (
	"fmt"
	"math"
	"strings"
)

// The estimands an evaluation states (research notes, scoring-evaluation.md
// sections 0 and 7): police records can measure only reported incidents;
// the effect on all incidents needs an assumption about how much more
// engaged victims report. Both compare opening a plan when it opened with
// usual practice, in which the relationship might have got a plan later
// (as some comparisons do): intention to treat, the effect a decision to
// open a plan has. The effect of a plan against none ever is larger
// wherever usual practice would have planned later; the censored
// sensitivity leans toward it.
const (
	// EstimandReported is the primary estimand.
	EstimandReported = "the effect of opening the plans on reported incidents among the relationships that had one, against usual practice in which some would have had a plan later " +
		"(the average effect on the treated, intention to treat: what police records can measure)"
	// EstimandAll is the estimand when a reporting uplift is assumed.
	EstimandAll = "the effect of opening the plans on all incidents among the relationships that had one, against usual practice in which some would have had a plan later, " +
		"assuming engaged victims report %g times as often as others (an assumption, not a measurement)"
)

// PrimaryMethod names the primary analysis.
const PrimaryMethod = "stacked difference in differences against matched comparisons (risk-set matching on what was known at each plan's opening, intention to treat; " +
	"Li, Propert and Rosenbaum 2001), fitted as a fixed-effects Poisson model with one change per plan's set (Cengiz et al. 2019) and standard errors robust " +
	"to overdispersion, clustered by set"

// BootstrapMethod names the fallback when the model cannot be fitted.
const BootstrapMethod = "difference in differences of pooled rates against matched comparisons (risk-set matching on what was known at each plan's opening, " +
	"intention to treat; Li, Propert and Rosenbaum 2001), with a cluster bootstrap over plans and their comparisons"

// Headline is the most defensible estimate of what the plans achieved, the
// one every output leads with: the comparison-group estimate of the
// reduction, turned into prevented incidents and police hours, each with
// its interval. The unit's own before/after arithmetic is shown beside it,
// labelled, never in its place. Reduction, Lower and Upper are proportions
// (0.30 means 30% fewer incidents than without the plans; a negative value
// is an increase).
type Headline struct {
	// Available is false when there is no comparison group: then no
	// estimate of what the plans achieved can be defended, and Sentence
	// says so.
	Available              bool    `json:"available"`
	Estimand               string  `json:"estimand"`
	Method                 string  `json:"method"`
	Plans                  int     `json:"plans"`
	Reduction              Number  `json:"reduction"`
	Lower                  Number  `json:"lower"`
	Upper                  Number  `json:"upper"`
	Level                  float64 `json:"level"`
	Prevented              Number  `json:"prevented"`
	PreventedLower         Number  `json:"prevented_lower"`
	PreventedUpper         Number  `json:"prevented_upper"`
	Hours                  Number  `json:"hours"`
	HoursLower             Number  `json:"hours_lower"`
	HoursUpper             Number  `json:"hours_upper"`
	HoursPerIncident       float64 `json:"hours_per_incident"`
	HoursSource            string  `json:"hours_source"`
	EngagedReportingUplift float64 `json:"engaged_reporting_uplift"`
	// Change and Interval say the reduction and its interval in words
	// ("an increase of 11%"); Sentence says the whole headline in words a
	// chief officer reads right.
	Change   string `json:"change"`
	Interval string `json:"interval"`
	Sentence string `json:"sentence"`
}

// headline builds the headline from the comparison (nil when there is
// none).
func headline(p Params, plans int, c *ComparisonResult) Headline {
	h := Headline{Estimand: EstimandReported, Method: PrimaryMethod, Plans: plans, HoursPerIncident: p.HoursPerIncident,
		HoursSource: p.HoursSource, EngagedReportingUplift: p.EngagedUplift, Level: p.Level}
	if p.EngagedUplift != 1 {
		h.Estimand = fmt.Sprintf(EstimandAll, p.EngagedUplift)
	}
	for _, x := range []*Number{&h.Reduction, &h.Lower, &h.Upper, &h.Prevented, &h.PreventedLower, &h.PreventedUpper, &h.Hours, &h.HoursLower, &h.HoursUpper} {
		*x = Number(math.NaN())
	}
	if c == nil {
		h.Method = "none: no comparison group"
		h.Sentence = "There is no comparison group, so no estimate of what the plans achieved can be defended: the before/after figures are the unit's own arithmetic, " +
			"and plans opened when incidents peaked would show a fall without doing anything (regression to the mean)."
		return h
	}
	h.Available = true
	if s := c.Stacked; s != nil {
		h.Reduction, h.Lower, h.Upper, h.Level = Number(s.Reduction), Number(s.ReductionLower), Number(s.ReductionUpper), s.Level
		h.Prevented, h.PreventedLower, h.PreventedUpper = Number(c.StackedPrevented.Estimate), Number(c.StackedPrevented.Lower), Number(c.StackedPrevented.Upper)
	} else {
		h.Method = BootstrapMethod
		h.Reduction, h.Lower, h.Upper = Number(c.DiDReduction.Estimate/100), Number(c.DiDReduction.Lower/100), Number(c.DiDReduction.Upper/100)
		h.Level = c.DiDReduction.Level
		h.Prevented, h.PreventedLower, h.PreventedUpper = Number(c.Prevented.Estimate), Number(c.Prevented.Lower), Number(c.Prevented.Upper)
	}
	hpi := Number(p.HoursPerIncident)
	h.Hours, h.HoursLower, h.HoursUpper = h.Prevented*hpi, h.PreventedLower*hpi, h.PreventedUpper*hpi
	h.Change, h.Interval = ChangeWords(float64(h.Reduction)), IntervalWords(float64(h.Lower), float64(h.Upper))
	what := "reported incidents"
	if p.EngagedUplift != 1 {
		what = fmt.Sprintf("incidents (if engaged victims report %g times as often as others)", p.EngagedUplift)
	}
	h.Sentence = fmt.Sprintf("Against matched comparisons, the %d plans were followed by %s in %s (%.0f%% interval: %s). "+
		"That is %s (%s), or %s at %g hours per incident (%s).",
		plans, estimatedChange(float64(h.Reduction)), what, 100*h.Level, IntervalWords(float64(h.Lower), float64(h.Upper)),
		PreventedWords(float64(h.Prevented)), CountRange(float64(h.PreventedLower), float64(h.PreventedUpper)), HoursWords(float64(h.Hours)), p.HoursPerIncident, p.HoursSource)
	return h
}

// ChangeWords says a reduction (a proportion; negative is an increase) the
// way it reads right: "a reduction of 25%", "an increase of 15%".
func ChangeWords(r float64) string {
	switch {
	case math.IsNaN(r):
		return "no measurable change"
	case math.Round(100*r) == 0:
		return "no change"
	case r > 0:
		return fmt.Sprintf("a reduction of %.0f%%", 100*r)
	}
	return fmt.Sprintf("an increase of %.0f%%", -100*r)
}

// estimatedChange is ChangeWords for an estimate: "an estimated reduction
// of 25%".
func estimatedChange(r float64) string {
	w := ChangeWords(r)
	switch {
	case strings.HasPrefix(w, "a reduction"):
		return "an estimated " + strings.TrimPrefix(w, "a ")
	case strings.HasPrefix(w, "an increase"):
		return "an estimated " + strings.TrimPrefix(w, "an ")
	}
	return w
}

// IntervalWords says an interval of reductions: "a reduction of 12% to
// 36%", "an increase of 5% to 20%", or "from an increase of 10% to a
// reduction of 30%" when it spans no change.
func IntervalWords(lo, hi float64) string {
	switch {
	case math.IsNaN(lo) || math.IsNaN(hi):
		return "not available"
	case lo > 0:
		return fmt.Sprintf("a reduction of %.0f%% to %.0f%%", 100*lo, 100*hi)
	case hi < 0:
		return fmt.Sprintf("an increase of %.0f%% to %.0f%%", -100*hi, -100*lo)
	}
	return fmt.Sprintf("from %s to %s", ChangeWords(lo), ChangeWords(hi))
}

// PreventedWords says prevented incidents: "about 270 incidents prevented"
// or, for a negative number, "about 40 more incidents than without the
// plans".
func PreventedWords(n float64) string {
	switch {
	case math.IsNaN(n):
		return "no estimate of incidents prevented"
	case n >= 0:
		return fmt.Sprintf("about %.0f %s prevented", n, incidents(n))
	}
	return fmt.Sprintf("about %.0f more %s than without the plans", -n, incidents(-n))
}

// incidents is "incident" for a count that rounds to one, else "incidents".
func incidents(n float64) string {
	if math.Round(n) == 1 {
		return "incident"
	}
	return "incidents"
}

// CountRange says the interval of incidents prevented: "between 130 and
// 390", "between 5 and 20 more" when both ends are rises, and "from 14
// more to 11 fewer" when it spans none.
func CountRange(lo, hi float64) string {
	switch {
	case lo >= 0:
		return fmt.Sprintf("between %.0f and %.0f", lo, hi)
	case hi <= 0:
		return fmt.Sprintf("between %.0f and %.0f more", -hi, -lo)
	}
	return fmt.Sprintf("from %.0f more to %.0f fewer", -lo, hi)
}

// HoursWords says police hours: "about 900 police hours saved", or
// "about 130 police hours more".
func HoursWords(h float64) string {
	if h < 0 {
		return fmt.Sprintf("about %.0f police hours more", -h)
	}
	return fmt.Sprintf("about %.0f police hours saved", h)
}
