package evaluation

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
)

// WriteText writes the report as the short table a person reads at a
// glance: the plans (up to maxPlans rows), the totals with their
// uncertainty, hours across a range, the reporting sensitivity, the
// comparison, the design's level and every warning.
func (r *Report) WriteText(w io.Writer, maxPlans int) error {
	p := r.Parameters
	s := r.Summary
	var b strings.Builder
	sel := p.Mode
	if p.Mode == "ids" {
		sel = strings.Join(p.IDs, ",")
	}
	fmt.Fprintf(&b, "evaluation of %d plans (--pmps %s", s.Plans, sel)
	if p.DipSample > 0 {
		fmt.Fprintf(&b, ", dip sample of %d from %d eligible, seed %d", p.DipSample, p.Eligible, p.Seed)
	}
	fmt.Fprintf(&b, ")\n")
	if len(p.SampleIDs) > 0 {
		fmt.Fprintf(&b, "plans drawn: %s\n", strings.Join(p.SampleIDs, ", "))
	}
	fmt.Fprintf(&b, "windows: baseline %s before opening, follow-up %s after finalisation; extract ends %s\n", p.Baseline, p.Followup, p.ExtractEnd)
	fmt.Fprintf(&b, "projection: %s\n", s.Projection)
	if r.Trend != nil {
		fmt.Fprintf(&b, "  fitted common slope %+.3f per month (SE %.3f) over %d baseline months\n", r.Trend.Slope, r.Trend.SlopeSE, r.Trend.Months)
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "plan\tbaseline\texpected\tobserved\treduction\tcategory\tengaged\t")
	for i, pl := range r.PMPs {
		if maxPlans > 0 && i >= maxPlans {
			fmt.Fprintf(tw, "... %d more\t\t\t\t\t\t\t\n", len(r.PMPs)-maxPlans)
			break
		}
		eng := "-"
		if pl.Engaged {
			eng = strings.Join(pl.Agencies, ",")
		}
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%d\t%s\t%s\t%s\t\n", pl.ID, pl.Baseline, pl.Expected, pl.Observed, fmtPct(float64(pl.ReductionPct)), pl.Category, eng)
	}
	fmt.Fprintf(tw, "total\t%d\t%.1f\t%d\t%s\t\t\t\n", s.BaselineTotal, s.ExpectedTotal, s.ObservedTotal, fmtPct(float64(s.ReductionPct)))
	tw.Flush()
	var cats []string
	for _, c := range Categories {
		cats = append(cats, fmt.Sprintf("%s: %d", c, s.Categories[c]))
	}
	fmt.Fprintf(&b, "\nplans by reduction: %s\n", strings.Join(cats, ", "))
	lvl := 100 * s.PreventedInterval.Level
	fmt.Fprintf(&b, "prevented: %.1f incidents (%.0f%% cluster bootstrap over plans: %.1f to %.1f)\n", s.Prevented, lvl, s.PreventedInterval.Lower, s.PreventedInterval.Upper)
	fmt.Fprintf(&b, "hours saved: %.0f at %g h per incident (%s); %.0f%% interval %.0f to %.0f\n", s.HoursSaved, s.HoursPerIncident, p.HoursSource,
		lvl, s.HoursSavedInterval.Lower, s.HoursSavedInterval.Upper)
	var hr []string
	for _, h := range r.HoursRange {
		hr = append(hr, fmt.Sprintf("%g h %.0f", h.HoursPerIncident, h.HoursSaved))
	}
	fmt.Fprintf(&b, "  across 2-12 h per incident: %s\n", strings.Join(hr, ", "))
	if rr := s.RateRatio; rr != nil {
		fmt.Fprintf(&b, "rate ratio, follow-up over baseline per day: %.3f (%.0f%% exact CI %.3f to %.3f, p = %.2g)\n", rr.Ratio, 100*rr.Level, rr.Lower, rr.Upper, rr.P)
	}
	rep := r.Reporting
	fmt.Fprintf(&b, "\nengaged victims (an agency during follow-up): %d of %d plans; their counts divided by the reporting uplift:\n", rep.EngagedPlans, s.Plans)
	var rows []string
	for _, row := range rep.Rows {
		rows = append(rows, fmt.Sprintf("%g: %s", row.Uplift, fmtPct(float64(row.ReductionPct))))
	}
	fmt.Fprintf(&b, "  reduction at uplift %s\n", strings.Join(rows, ", "))
	if rep.TippingUplift != nil {
		fmt.Fprintf(&b, "  tipping point: the reduction disappears only if engaged victims reported %.2f times as often as others\n", *rep.TippingUplift)
	} else {
		fmt.Fprintf(&b, "  tipping point: none (no engaged victim had a follow-up incident, or there is no reduction to erase)\n")
	}
	if s.EngagedUplift != 1 {
		fmt.Fprintf(&b, "  at the uplift given (%g): %.1f observed after adjustment, reduction %s\n", s.EngagedUplift, s.AdjustedObserved, fmtPct(float64(s.AdjustedReductionPct)))
	}
	if c := r.Comparison; c != nil {
		fmt.Fprintf(&b, "\ncomparison group (against regression to the mean): %d of %d plans matched, %d comparisons each, pool %d\n", c.Matched, s.Plans, c.PerPlan, c.Pool)
		fmt.Fprintf(&b, "  comparisons: relationships not yet planned when the plan opened (%d of the matches got a plan during follow-up and count only until it)\n", c.PlannedLater)
		fmt.Fprintf(&b, "  naive before/after reduction (rates per day): %.0f%%\n", c.Naive)
		fmt.Fprintf(&b, "  comparisons' own change: rate ratio %.3f (they fell too, without a plan)\n", c.DiD.ComparisonRatio)
		fmt.Fprintf(&b, "  difference in differences: %.0f%% reduction (%.0f%% bootstrap %.0f%% to %.0f%%)\n", c.DiDReduction.Estimate, 100*c.DiDReduction.Level, c.DiDReduction.Lower, c.DiDReduction.Upper)
		var bal []string
		for _, x := range c.Balance {
			bal = append(bal, fmt.Sprintf("%s %.2f vs %.2f (SMD %+.2f)", x.Covariate, x.TreatedMean, x.ComparisonMean, x.SMD))
		}
		fmt.Fprintf(&b, "  balance, plans vs comparisons: %s\n", strings.Join(bal, "; "))
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

func fmtPct(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "n/a"
	}
	return fmt.Sprintf("%.0f%%", x)
}
