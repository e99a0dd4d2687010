package calibration

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
)

// Context describes where a calibration's data came from, for the text
// report and the model card.
type Context struct {
	RunID, Generation, ConfigHash, ToolVersion, Outcome string
	From, To                                            string
	Weights                                             []Weight
	// Offences and Recorded count the warehouse's offences and those with
	// a recorded date (offences.recorded_at).
	Offences, Recorded int
}

// recordingSentence says how offences were dated for the features.
func (c Context) recordingSentence() string {
	switch {
	case c.Offences == 0:
		return "The warehouse holds no offences."
	case c.Recorded == 0:
		return "Offences are dated by when they were committed: the extract gives no recorded date, so an offence committed before an as-of date but recorded after it counts as known then (a leak of future information into the features, small where recording is prompt)."
	case c.Recorded < c.Offences:
		return fmt.Sprintf("Offences count at an as-of date only once recorded (recorded_at, given for %d of %d offences); the %d without a recorded date count from when they were committed.", c.Recorded, c.Offences, c.Offences-c.Recorded)
	}
	return fmt.Sprintf("Offences count at an as-of date only once recorded (recorded_at, given for all %d offences), so none recorded later leaks into the features.", c.Offences)
}

func num(n Number, format string) string {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "n/a"
	}
	return fmt.Sprintf(format, f)
}

// baselineTable writes each validation's baselines side by side.
func (r *Report) baselineTable(w io.Writer, markdown bool) {
	for _, v := range r.Validations {
		if markdown {
			fmt.Fprintf(w, "\n**%s** (train: %s; test: %s)\n\n", v.Scheme, v.Train, v.Test)
			fmt.Fprintf(w, "| score | AUC (%.0f%% CI) | Brier | calibration intercept | calibration slope | top-%d precision | top-%d recall |\n|---|---|---|---|---|---|---|\n", 100*r.Params.Level, r.Params.Capacity, r.Params.Capacity)
			for _, m := range v.Metrics {
				fmt.Fprintf(w, "| %s | %s (%s-%s) | %s | %s | %s | %s | %s |\n", m.Baseline, num(m.AUC, "%.3f"), num(m.AUCLower, "%.3f"), num(m.AUCUpper, "%.3f"),
					num(m.Brier, "%.4f"), num(m.CalIntercept, "%+.2f"), num(m.CalSlope, "%.2f"), num(m.TopK.Precision, "%.2f"), num(m.TopK.Recall, "%.2f"))
			}
			r.decisionTable(w, v, true)
			continue
		}
		fmt.Fprintf(w, "\n%s (train: %s; test: %s)\n", v.Scheme, v.Train, v.Test)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "score\tAUC\t%.0f%% CI\tBrier\tcal. intercept\tcal. slope\ttop-%d precision\ttop-%d recall\n", 100*r.Params.Level, r.Params.Capacity, r.Params.Capacity)
		for _, m := range v.Metrics {
			fmt.Fprintf(tw, "%s\t%s\t%s-%s\t%s\t%s\t%s\t%s\t%s\n", m.Baseline, num(m.AUC, "%.3f"), num(m.AUCLower, "%.3f"), num(m.AUCUpper, "%.3f"),
				num(m.Brier, "%.4f"), num(m.CalIntercept, "%+.2f"), num(m.CalSlope, "%.2f"), num(m.TopK.Precision, "%.2f"), num(m.TopK.Recall, "%.2f"))
		}
		tw.Flush()
		r.decisionTable(w, v, false)
	}
}

// perThousand writes a net benefit per 1,000 relationships to one decimal
// (never "-0.0").
func perThousand(n Number) string {
	x := 1000 * float64(n)
	if math.Abs(x) < 0.05 {
		x = 0
	}
	return num(Number(x), "%.1f")
}

// decisionTable writes a validation's decision-curve figures at the unit's
// capacity (Vickers and Elkin 2006): each score's net benefit acting at
// the threshold its top k reach, that of the top-k rule itself, and that
// of a plan for everyone, per 1,000 relationships.
func (r *Report) decisionTable(w io.Writer, v Validation, markdown bool) {
	k := r.Params.Capacity
	best := math.Inf(-1)
	for _, m := range v.Metrics {
		best = max(best, float64(m.NetBenefit), float64(m.TopKNetBenefit))
	}
	note := ""
	if best <= 0 {
		note = " No score does better here than no plans at all (a net benefit of 0)."
	}
	intro := fmt.Sprintf("Net benefit per 1,000 relationships (Vickers and Elkin 2006) at the threshold that matches the unit's capacity of %d a month: as if that many true cases were found with no needless plans; a plan for everyone is the comparison.", k)
	if markdown {
		fmt.Fprintf(w, "\n%s\n\n| score | capacity threshold | acting at it | top-%d rule | plan for everyone |\n|---|---|---|---|---|\n", intro, k)
		for _, m := range v.Metrics {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", m.Baseline, num(100*m.CapacityThreshold, "%.1f%%"), perThousand(m.NetBenefit), perThousand(m.TopKNetBenefit), perThousand(m.TreatAll))
		}
		if note != "" {
			fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(note))
		}
		return
	}
	fmt.Fprintf(w, "%s\n", intro)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "score\tcapacity threshold\tacting at it\ttop-%d rule\tplan for everyone\n", k)
	for _, m := range v.Metrics {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.Baseline, num(100*m.CapacityThreshold, "%.1f%%"), perThousand(m.NetBenefit), perThousand(m.TopKNetBenefit), perThousand(m.TreatAll))
	}
	tw.Flush()
	if note != "" {
		fmt.Fprintln(w, strings.TrimSpace(note))
	}
}

// Sampled says negatives were sampled (case-control sampling).
func (r *Report) Sampled() bool { return r.NegativeRate > 0 && r.NegativeRate < 1 }

// SamplingSentence says how the samples were drawn and what the weights
// do: every positive kept, a share of negatives kept and weighted by the
// inverse of that share, so every figure is the full population's
// estimate.
func (r *Report) SamplingSentence() string {
	return fmt.Sprintf("every sample with the outcome was kept and %.2f%% of those without (1 in %.1f), each kept negative weighted %.1f, the inverse of its chance of being kept (case-control sampling; Horvitz and Thompson 1952). The %d samples stand for %d: the fit and every metric, count and rate are weighted, so they estimate the figures over all %d; the intervals include the sampling's own uncertainty.",
		100*r.NegativeRate, 1/r.NegativeRate, 1/r.NegativeRate, r.Samples, r.Population, r.Population)
}

// WriteText writes the comparison of baselines, the strongest clusters,
// the proposed weights, the flagged groups and the warnings.
func (r *Report) WriteText(w io.Writer, c Context) error {
	var b strings.Builder
	fmt.Fprintf(&b, "calibration: %d samples (%d relationships at %d as-of dates, %s to %s), %d with the outcome: %s within %s\n",
		r.Samples, r.Relationships, len(r.Dates), c.From, c.To, r.Positives, c.Outcome, r.Params.Horizon)
	if r.Sampled() {
		fmt.Fprintf(&b, "sampling: %s\n", r.SamplingSentence())
	}
	fmt.Fprintf(&b, "model: L2-penalised logistic regression (l2 %g), %d features\n", r.Params.L2, len(r.Features))
	r.baselineTable(&b, false)
	fmt.Fprintf(&b, "\nclusters by fitted effect (cluster model, all samples; odds ratios for the outcome, not probabilities):\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "cluster\tlog-odds\tSE\todds ratio\tactive\twith outcome\tcurrent\tproposed\n")
	for _, wt := range c.Weights {
		co := Coefficient{LogOdds: Number(math.NaN()), SE: Number(math.NaN()), OddsRatio: Number(math.NaN())}
		for _, x := range r.ClusterModel {
			if x.Feature == "cluster:"+wt.Cluster {
				co = x
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%g\t%g\n", wt.Cluster, num(co.LogOdds, "%+.2f"), num(co.SE, "%.2f"), num(co.OddsRatio, "%.2f"), co.Active, co.ActivePositives, wt.Current, wt.Proposed)
	}
	tw.Flush()
	var flagged []string
	for _, g := range r.Fairness {
		if g.Flag != "" {
			flagged = append(flagged, fmt.Sprintf("%s, %s = %s: %s", g.Baseline, g.Characteristic, g.Group, g.Flag))
		}
	}
	fmt.Fprintf(&b, "\nfairness (victim's sex, age band, ethnicity; analysis only, never inputs): %d group rows, %d flagged\n", len(r.Fairness), len(flagged))
	for _, f := range flagged {
		fmt.Fprintf(&b, "  - %s\n", f)
	}
	if len(r.Warnings) > 0 {
		b.WriteString("warnings:\n")
		for _, x := range r.Warnings {
			fmt.Fprintf(&b, "  - %s\n", x)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteModelCard writes the model card as Markdown: data window, outcome,
// sample sizes, metrics, the fairness table and the limitations.
func (r *Report) WriteModelCard(w io.Writer, c Context) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Model card: tau threat score calibration %s\n\n", c.RunID)
	fmt.Fprintf(&b, "Decision support only: a ranked list for threat assessors to review, never a decision. Weights are starting values calibrated on this force's records; they are evidence, not promises.\n\n")
	b.WriteString("## Data\n\n")
	fmt.Fprintf(&b, "- Warehouse generation `%s`, scoring configuration `%s`, tau %s.\n", c.Generation, c.ConfigHash, c.ToolVersion)
	fmt.Fprintf(&b, "- As-of dates: %s to %s (%d dates: %s).\n", c.From, c.To, len(r.Dates), strings.Join(r.Dates, ", "))
	fmt.Fprintf(&b, "- Samples: %d (every relationship with an occurrence or assessment in the lookback at each date; %d relationships); %d with the outcome.\n", r.Samples, r.Relationships, r.Positives)
	if r.Sampled() {
		fmt.Fprintf(&b, "- Sampling: %s\n", r.SamplingSentence())
	}
	fmt.Fprintf(&b, "- Features at each date use only records dated on or before it; outcomes come from the %s after it. %s\n\n", r.Params.Horizon, c.recordingSentence())
	b.WriteString("## Outcome\n\n")
	fmt.Fprintf(&b, "%s within %s of the as-of date.\n\n", c.Outcome, r.Params.Horizon)
	b.WriteString("## Model\n\n")
	fmt.Fprintf(&b, "L2-penalised logistic regression (l2 = %g on standardised features, intercept unpenalised), features: %s.", r.Params.L2, strings.Join(r.Features, ", "))
	if len(r.Dropped) > 0 {
		fmt.Fprintf(&b, " Dropped (no variation): %s.", strings.Join(r.Dropped, ", "))
	}
	b.WriteString(" Officer grade is a baseline only, never a feature; sex, age and ethnicity are used only below.\n\n")
	b.WriteString("## Performance on held-out samples\n")
	r.baselineTable(&b, true)
	b.WriteString("\n## Proposed cluster weights\n\n| cluster | current | proposed | evidence |\n|---|---|---|---|\n")
	for _, wt := range c.Weights {
		fmt.Fprintf(&b, "| %s | %g | %g | %s |\n", wt.Cluster, wt.Current, wt.Proposed, wt.Evidence)
	}
	b.WriteString("\n## Fairness (victim's recorded characteristics; out-of-fold predictions)\n\n")
	fmt.Fprintf(&b, "Flag: recall in the top %d below %.0f%% of everyone's (four-fifths rule) or a false-negative rate (top %.0f%% flagged at each date) more than %.0f points from everyone's; groups with fewer than %d positive outcomes are marked too few to judge.\n\n",
		r.Params.Capacity, 100*fourFifths, 100*r.Params.FlagShare, 100*fnrGap, minGroupPositives)
	b.WriteString("| score | characteristic | group | n | positives | AUC | Brier | top-k recall | false-negative rate | flag |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, g := range r.Fairness {
		flag := g.Flag
		if g.TooFew {
			flag = "too few to judge"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %d | %s | %s | %s | %s | %s |\n", g.Baseline, g.Characteristic, g.Group, g.N, g.Positives,
			num(g.AUC, "%.3f"), num(g.Brier, "%.4f"), num(g.RecallTopK, "%.2f"), num(g.FNR, "%.2f"), flag)
	}
	b.WriteString("\n## Limitations\n\n")
	for _, l := range []string{
		"Police records see only what is reported: outcomes missing from them (unreported harm, harm recorded elsewhere) are counted as no outcome, and reporting differs between groups.",
		"Samples of the same relationship at several dates are not independent; intervals come from a bootstrap over relationships, and the folds keep a relationship's samples together.",
		"The fitted weights describe association in this force's past data, not cause; a cluster's weight can move when recording practice or plans change, so calibrate again after such changes.",
		"Rare clusters have wide intervals; a weight resting on few outcomes should not move far from its research starting value.",
		"Relationships that received plans had their outcomes changed by them; that makes the score look less predictive for exactly the highest-risk cases.",
	} {
		fmt.Fprintf(&b, "- %s\n", l)
	}
	if len(r.Warnings) > 0 {
		b.WriteString("\n## Warnings from this run\n\n")
		for _, x := range r.Warnings {
			fmt.Fprintf(&b, "- %s\n", x)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
