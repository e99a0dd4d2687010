package evaluation

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
)

// WriteText writes the report as a person reads it at a glance: the
// headline (the most defensible estimate, in words) first, then the
// comparison it comes from, then the unit's own method, labelled (the
// plans, up to maxPlans rows, the totals with their uncertainty, hours
// across a range), the reporting sensitivity, the design's level and every
// warning.
func (r *Report) WriteText(w io.Writer, maxPlans int) error {
	p := r.Parameters
	s := r.Summary
	var b strings.Builder
	sel := p.Mode
	if p.Mode == "ids" {
		sel = strings.Join(p.IDs, ",")
	}
	fmt.Fprintf(&b, "evaluation of %d plans (selection: %s", s.Plans, sel)
	if p.DipSample > 0 {
		fmt.Fprintf(&b, ", dip sample of %d from %d eligible, seed %d", p.DipSample, p.Eligible, p.Seed)
	}
	fmt.Fprintf(&b, ")\n")
	if len(p.SampleIDs) > 0 {
		fmt.Fprintf(&b, "plans drawn: %s\n", strings.Join(p.SampleIDs, ", "))
	}
	fmt.Fprintf(&b, "windows: baseline %s before opening, follow-up %s after finalisation; extract ends %s\n", p.Baseline, p.Followup, p.ExtractEnd)
	h := r.Headline
	b.WriteString("\nWHAT THE PLANS ACHIEVED (the primary estimate)\n")
	fmt.Fprintf(&b, "  %s\n", h.Sentence)
	fmt.Fprintf(&b, "  estimand: %s\n  method: %s\n", h.Estimand, h.Method)
	if r.Power != nil {
		fmt.Fprintf(&b, "  power: %s\n", r.Power.Sentence)
	}
	if c := r.Comparison; c != nil && c.TippingUplift != nil {
		fmt.Fprintf(&b, "  tipping point: the change would disappear if engaged victims reported %.2f times as often as others\n", *c.TippingUplift)
	}
	if c := r.Comparison; c != nil {
		writeComparison(&b, c, s.Plans)
	}
	b.WriteString("\nTHE UNIT'S METHOD (its own before/after arithmetic: no comparison group, so not the estimate above)\n")
	fmt.Fprintf(&b, "projection: %s\n", s.Projection)
	if r.Trend != nil {
		fmt.Fprintf(&b, "  fitted common slope %+.3f per month (SE %.3f) over %d baseline months\n", r.Trend.Slope, r.Trend.SlopeSE, r.Trend.Months)
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "plan\tbaseline\texpected\tobserved\tchange\tcategory\tengaged\t")
	for i, pl := range r.PMPs {
		if maxPlans > 0 && i >= maxPlans {
			fmt.Fprintf(tw, "... %d more\t\t\t\t\t\t\t\n", len(r.PMPs)-maxPlans)
			break
		}
		eng := "-"
		if pl.Engaged {
			eng = strings.Join(pl.Agencies, ",")
		}
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%d\t%s\t%s\t%s\t\n", pl.ID, pl.Baseline, pl.Expected, pl.Observed, fmtChange(float64(pl.ReductionPct)), pl.Category, eng)
	}
	fmt.Fprintf(tw, "total\t%d\t%.1f\t%d\t%s\t\t\t\n", s.BaselineTotal, s.ExpectedTotal, s.ObservedTotal, fmtChange(float64(s.ReductionPct)))
	tw.Flush()
	var cats []string
	for _, c := range Categories {
		cats = append(cats, fmt.Sprintf("%s: %d", c, s.Categories[c]))
	}
	fmt.Fprintf(&b, "\nplans by reduction: %s\n", strings.Join(cats, ", "))
	if o := r.Outputs; len(o.Actions) > 0 || len(o.Outcomes) > 0 {
		b.WriteString("\nwhat the plans did (outputs: shown beside the results, never added to them)\n")
		for _, a := range o.Actions {
			fmt.Fprintf(&b, "  %s: %d raised, %d completed, in %d plans\n", a.Label, a.Raised, a.Completed, a.Plans)
		}
		for _, x := range o.Outcomes {
			fmt.Fprintf(&b, "  the perpetrators' offences in the follow-up with outcome %q: %d, in %d plans\n", x.Outcome, x.Offences, x.Plans)
		}
	}
	if s.DuringDays > 0 {
		fmt.Fprintf(&b, "while the plans ran (opening to finalisation, outside the before/after): %d incidents over %.0f plan-days (%.2f per 30 days)\n",
			s.During, s.DuringDays, 30*float64(s.During)/s.DuringDays)
	}
	lvl := 100 * s.PreventedInterval.Level
	fmt.Fprintf(&b, "prevented: %.1f incidents (%.0f%% cluster bootstrap over plans: %.1f to %.1f)\n", s.Prevented, lvl, s.PreventedInterval.Lower, s.PreventedInterval.Upper)
	fmt.Fprintf(&b, "hours saved: %.0f at %g h per incident (%s); %.0f%% interval %.0f to %.0f\n", s.HoursSaved, s.HoursPerIncident, p.HoursSource,
		lvl, s.HoursSavedInterval.Lower, s.HoursSavedInterval.Upper)
	var hr []string
	for _, h := range r.HoursRange {
		hr = append(hr, fmt.Sprintf("%g h %.0f", h.HoursPerIncident, h.HoursSaved))
	}
	fmt.Fprintf(&b, "  across 2-12 h per incident: %s\n", strings.Join(hr, ", "))
	if rr := s.RobustRateRatio; rr != nil {
		fmt.Fprintf(&b, "rate ratio, follow-up over baseline per day: %.3f (%.0f%% interval %.3f to %.3f, robust to the plans' dispersion of %.2f)\n", rr.Ratio, 100*rr.Level, rr.Lower, rr.Upper, rr.Dispersion)
	}
	if rr := s.RateRatio; rr != nil {
		fmt.Fprintf(&b, "  exact interval %.3f to %.3f, which assumes Poisson counts\n", rr.Lower, rr.Upper)
	}
	rep := r.Reporting
	fmt.Fprintf(&b, "\nengaged victims (an agency during follow-up): %d of %d plans; the reporting uplift taken out of the engaged part of each follow-up:\n", rep.EngagedPlans, s.Plans)
	var rows []string
	for _, row := range rep.Rows {
		rows = append(rows, fmt.Sprintf("%g: %s", row.Uplift, fmtChange(float64(row.ReductionPct))))
	}
	fmt.Fprintf(&b, "  against the projection, at uplift %s\n", strings.Join(rows, ", "))
	if rep.TippingUplift != nil {
		fmt.Fprintf(&b, "  tipping point of the unit's method: its reduction disappears only if engaged victims reported %.2f times as often as others\n", *rep.TippingUplift)
	} else {
		fmt.Fprintf(&b, "  tipping point: none (no engaged victim had a follow-up incident, or there is no reduction to erase)\n")
	}
	if s.EngagedUplift != 1 {
		fmt.Fprintf(&b, "  at the uplift given (%g): %.1f observed after adjustment, %s against the projection\n", s.EngagedUplift, s.AdjustedObserved, fmtChange(float64(s.AdjustedReductionPct)))
	}
	fmt.Fprintf(&b, "\nMaryland Scientific Methods Scale level: %d\n", r.SMSLevel)
	if len(r.Warnings) > 0 {
		b.WriteString("warnings:\n")
		for _, x := range r.Warnings {
			fmt.Fprintf(&b, "  - %s\n", x)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeComparison writes the comparison the headline comes from, with its
// sensitivities.
func writeComparison(b *strings.Builder, c *ComparisonResult, plans int) {
	fmt.Fprintf(b, "  comparison group (against regression to the mean): %d of %d plans matched, up to %d comparisons each, pool %d\n", c.Matched, plans, c.PerPlan, c.Pool)
	fmt.Fprintf(b, "    comparisons: relationships not yet planned when the plan opened; %d of the matches got a plan of their own during follow-up and stay comparisons (intention to treat)\n", c.PlannedLater)
	fmt.Fprintf(b, "    %d matches use %d different relationships; %.0f%% of matches share their comparison with another plan (at most %d plans to one)\n",
		c.Reuse.Matches, c.Reuse.Distinct, 100*c.Reuse.Reused, c.Reuse.Max)
	fmt.Fprintf(b, "    comparisons' own change: rate ratio %.3f (they changed too, without a plan)\n", c.DiD.ComparisonRatio)
	fmt.Fprintf(b, "    parallel trends: %s\n", c.EventStudy.Sentence)
	if s := c.Stacked; s != nil {
		fmt.Fprintf(b, "    stacked model: %s (%.0f%% interval %s; %d sets, cluster-robust standard error %.3f on the log scale)\n",
			ChangeWords(s.Reduction), 100*s.Level, IntervalWords(s.ReductionLower, s.ReductionUpper), s.Sets, s.SE)
	}
	if s := c.StackedReported; s != nil {
		fmt.Fprintf(b, "    on reported incidents alone (no uplift assumed): %s (%.0f%% interval %s)\n", ChangeWords(s.Reduction), 100*s.Level, IntervalWords(s.ReductionLower, s.ReductionUpper))
	}
	fmt.Fprintf(b, "    check, pooled rates with a cluster bootstrap: %s (%.0f%% interval %s)\n", ChangeWords(c.DiDReduction.Estimate/100),
		100*c.DiDReduction.Level, IntervalWords(c.DiDReduction.Lower/100, c.DiDReduction.Upper/100))
	fmt.Fprintf(b, "    sensitivity, comparisons cut at a plan of their own: %s\n", ChangeWords(float64(c.CensoredReduction)/100))
	groupLines(b, "by action (exploratory: not the action's effect; plans with an action differ in other ways, and many groups are compared)", c.ByAction)
	groupLines(b, "by stage at opening (exploratory, as above)", c.ByStage)
	fmt.Fprintf(b, "    the naive before/after over the same plans (no comparison): %s\n", ChangeWords(c.Naive/100))
	var bal []string
	for _, x := range c.Balance {
		bal = append(bal, fmt.Sprintf("%s %.2f vs %.2f (SMD %+.2f)", x.Covariate, x.TreatedMean, x.ComparisonMean, x.SMD))
	}
	fmt.Fprintf(b, "    balance, plans vs comparisons: %s\n", strings.Join(bal, "; "))
}

// fmtChange writes a reduction in percent as it reads right: "30% fewer",
// "429% more".
func fmtChange(x float64) string {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return "n/a"
	case x < 0:
		return fmt.Sprintf("%.0f%% more", -x)
	}
	return fmt.Sprintf("%.0f%% fewer", x)
}

// groupLines writes the exploratory estimates of one grouping of plans.
func groupLines(b *strings.Builder, title string, groups []ActionEffect) {
	if len(groups) == 0 {
		return
	}
	fmt.Fprintf(b, "    %s:\n", title)
	for _, a := range groups {
		if a.Fit == nil {
			fmt.Fprintf(b, "      %s, %d plans: %s\n", a.Label, a.Plans, a.Note)
			continue
		}
		fmt.Fprintf(b, "      %s, %d plans: %s (%.0f%% interval %s)\n", a.Label, a.Plans, ChangeWords(a.Fit.Reduction), 100*a.Fit.Level, IntervalWords(a.Fit.ReductionLower, a.Fit.ReductionUpper))
	}
}
