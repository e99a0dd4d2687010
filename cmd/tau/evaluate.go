package main

import (
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/tau-da/tau/evaluation"
	"github.com/tau-da/tau/evaluation/evaldb"
)

type evaluateOptions struct {
	warehouse          string
	config             string
	pmps               string
	finalisedFrom      string
	finalisedTo        string
	dipSample          int
	baseline           string
	followup           string
	projection         string
	hours              string
	hoursSource        string
	uplift             float64
	comparison         bool
	perPlan            int
	withoutReplacement bool
	both               bool
	seed               uint64
	replicates         int
	format             string
	out                string
	exportSeries       string
	exportEventStudy   string
	top                int
	noWrite            bool
}

func newEvaluateCmd() *cobra.Command {
	o := &evaluateOptions{}
	c := &cobra.Command{
		Use:   "evaluate --warehouse DIR --hours-per-incident H",
		Short: "Evaluate problem-management plans: projected vs observed incidents, hours saved, and a comparison group",
		Long: `evaluate measures what problem-management plans achieved, and how sure
anyone can be. It leads with the primary estimate: the change in reported
incidents among the relationships that had a plan, against relationships
matched to each plan at its opening (same band, nearest on score and counts,
not yet planned then; one planned later stays a comparison: intention to
treat), by difference in differences, turned into incidents prevented and
police hours, each with a cluster-bootstrap interval. With
--engaged-reporting-uplift it estimates the change in all incidents instead,
assuming engaged victims report that many times as often (pro rata to the
engaged part of each follow-up). Every output states what is estimated and its
Maryland Scientific Methods Scale level.

Beside it, labelled, comes the unit's own method: for each plan the incidents
in a baseline window before it opened and a follow-up window after it was
finalised, against a projection of what would have happened without it, with
the reduction, its category, prevented incidents and hours. Projections:
level (default; the baseline rate carried forward), growth:G (the level times
1+G; the practice's "trends continued" figure, an assumption) or trend (a
Poisson regression on the baseline months with a level per plan and a common
slope; it carries a pre-plan spike forward, and a warning says so). Hours per
incident has no default: give a number with --hours-source, or a preset:
` + evaluation.PresetList() + `.

The run is written to the warehouse (results/evaluations/...) for notebooks
and reports, unless --no-write.`,
		Example: `  # a reproducible dip sample of 19 finalised plans
  tau evaluate --warehouse ./wh --dip-sample 19 --seed 7 --hours-per-incident kent-physical

  # the unit's own arithmetic: 3-month windows and "+40% if trends continued"
  tau evaluate --warehouse ./wh --baseline 3m --followup 3m --projection growth:0.40 \
      --hours-per-incident 11.5 --hours-source "claim-derived"

  # plans finalised in 2024, as JSON, with the monthly series for re-fitting
  tau evaluate --warehouse ./wh --finalised-from 2024-01-01 --finalised-to 2024-12-31 \
      --hours-per-incident kent-physical --format json --out eval.json --export-series series.csv`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			_, err := runEvaluate(c, o)
			return err
		},
	}
	f := c.Flags()
	warehouseFlag(c, &o.warehouse)
	f.StringVar(&o.config, "config", "", "scoring configuration (for the comparison's scores and evaluation settings; default: the shipped one)")
	f.StringVar(&o.pmps, "pmps", "finalised", "which plans: all, finalised, or ids separated by commas")
	f.StringVar(&o.finalisedFrom, "finalised-from", "", "keep plans finalised on or after this date")
	f.StringVar(&o.finalisedTo, "finalised-to", "", "keep plans finalised on or before this date")
	f.IntVar(&o.dipSample, "dip-sample", 0, "draw a simple random sample of N eligible plans (reproducible with --seed)")
	f.StringVar(&o.baseline, "baseline", "12m", "window before the plan opened (such as 90d, 3m, 12m)")
	f.StringVar(&o.followup, "followup", "3m", "window after the plan was finalised")
	f.StringVar(&o.projection, "projection", "level", "the unit's method: level, growth:G (such as growth:0.40) or trend")
	f.StringVar(&o.hours, "hours-per-incident", "", "police hours per incident: a number (with --hours-source) or a preset")
	f.StringVar(&o.hoursSource, "hours-source", "", "where the hours per incident come from (printed beside every hours figure)")
	f.Float64Var(&o.uplift, "engaged-reporting-uplift", 1, "how much more often engaged victims report (divides their follow-up counts; 1 = no adjustment)")
	f.BoolVar(&o.comparison, "comparison", true, "match each plan to relationships without a plan (difference in differences)")
	f.IntVar(&o.perPlan, "comparisons-per-plan", 5, "comparisons matched to each plan")
	f.BoolVar(&o.withoutReplacement, "without-replacement", false, "match each comparison to one plan at most (default: with replacement, reuse reported)")
	f.BoolVar(&o.both, "both-directions", false, "count the couple's occurrences in both directions, not only victim/perpetrator as in the plan")
	f.Uint64Var(&o.seed, "seed", 1, "seed for the dip sample and every bootstrap")
	f.IntVar(&o.replicates, "bootstrap", 2000, "bootstrap replicates")
	f.StringVar(&o.format, "format", "table", "table or json")
	f.StringVar(&o.out, "out", "", "write to this file instead of standard output")
	f.StringVar(&o.exportSeries, "export-series", "", "write the monthly series and fitted trend to this CSV file")
	f.StringVar(&o.exportEventStudy, "export-event-study", "", "write the event study (plans and comparisons, month by month around the plans) to this CSV file")
	f.IntVar(&o.top, "top", 30, "plans to list in table format (0 = all)")
	f.BoolVar(&o.noWrite, "no-write", false, "do not write the run to the warehouse")
	return c
}

// params turns the flags into evaluation parameters.
func (o *evaluateOptions) params(cfgHours float64, cfgSource string) (evaluation.Params, error) {
	usage := func(err error) (evaluation.Params, error) { return evaluation.Params{}, &exitError{exitUsage, err} }
	var p evaluation.Params
	var err error
	if p.Selection, err = evaluation.ParseSelection(o.pmps); err != nil {
		return usage(err)
	}
	p.DipSample = o.dipSample
	if o.dipSample < 0 {
		return usage(fmt.Errorf("--dip-sample %d: give a positive number of plans", o.dipSample))
	}
	if err := parseDates(dateFlag{"--finalised-from", o.finalisedFrom, &p.FinalisedFrom}, dateFlag{"--finalised-to", o.finalisedTo, &p.FinalisedTo}); err != nil {
		return p, err
	}
	if err := parseLengths(lengthFlag{"--baseline", o.baseline, &p.Baseline}, lengthFlag{"--followup", o.followup, &p.Followup}); err != nil {
		return p, err
	}
	if p.Project, err = evaluation.ParseProjection(o.projection); err != nil {
		return usage(err)
	}
	switch {
	case o.hours != "":
		if p.HoursPerIncident, p.HoursSource, err = evaluation.ParseHours(o.hours, o.hoursSource); err != nil {
			return usage(err)
		}
	case cfgHours > 0:
		p.HoursPerIncident, p.HoursSource = cfgHours, cfgSource
	default:
		return usage(fmt.Errorf("--hours-per-incident: there is no default; give a number with --hours-source, a preset (%s), or set evaluation.hours_per_incident in the configuration", evaluation.PresetList()))
	}
	if !(o.uplift > 0) {
		return usage(fmt.Errorf("--engaged-reporting-uplift %g: must be above 0 (1 = no adjustment)", o.uplift))
	}
	if o.perPlan < 1 {
		return usage(fmt.Errorf("--comparisons-per-plan %d: give 1 or more", o.perPlan))
	}
	if o.replicates < 100 {
		return usage(fmt.Errorf("--bootstrap %d: use at least 100 replicates (1,000 or more for a 95%% interval)", o.replicates))
	}
	if o.format != "table" && o.format != "json" {
		return usage(fmt.Errorf("--format %s: use table or json", o.format))
	}
	p.EngagedUplift, p.Comparison, p.ComparisonsPerPlan, p.BothDirections = o.uplift, o.comparison, o.perPlan, o.both
	p.WithoutReplacement = o.withoutReplacement
	p.Seed, p.Replicates = o.seed, o.replicates
	return p, nil
}

func runEvaluate(c *cobra.Command, o *evaluateOptions) (*evaldb.EvaluationRun, error) {
	if err := requireWarehouse(o.warehouse); err != nil {
		return nil, err
	}
	cfg, err := loadConfig(o.config)
	if err != nil {
		return nil, &exitError{exitUsage, err}
	}
	p, err := o.params(cfg.Evaluation.HoursPerIncident, cfg.Evaluation.HoursSource)
	if err != nil {
		return nil, err
	}
	useAnalysisMemoryLimit()
	sess, err := openWriteSession(c.Context(), o.warehouse)
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	bar := newBar(100, "evaluate")
	run, err := evaldb.Evaluate(c.Context(), sess, cfg, p, evaldb.RunOptions{ToolVersion: toolVersion(), Write: !o.noWrite, Progress: barProgress(bar)})
	barDone(bar)
	if err != nil {
		return nil, err
	}
	if o.exportSeries != "" {
		if err := writeSeries(o.exportSeries, run.Report); err != nil {
			return nil, fmt.Errorf("evaluate: --export-series %s: %w", o.exportSeries, err)
		}
	}
	if o.exportEventStudy != "" {
		if err := writeEventStudy(o.exportEventStudy, run.Report); err != nil {
			return nil, fmt.Errorf("evaluate: --export-event-study %s: %w", o.exportEventStudy, err)
		}
	}
	footer := ""
	if run.Folder != "" {
		footer = fmt.Sprintf("run %s written to %s", run.ID, run.Folder)
	}
	text := func(w io.Writer) error { return run.Report.WriteText(w, o.top) }
	if err := writeReport(c, o.out, o.format, run.Report, text, footer); err != nil {
		return nil, fmt.Errorf("evaluate: write %s: %w", o.out, err)
	}
	return run, nil
}

// writeSeries exports each plan's monthly counts with the fitted trend, so
// others can re-fit the model.
func writeSeries(path string, r *evaluation.Report) error {
	if r.Trend == nil {
		return fmt.Errorf("the series comes from the trend projection; run with --projection trend")
	}
	g := func(x float64) string { return strconv.FormatFloat(x, 'g', 10, 64) }
	header := []string{"pmp_id", "window", "from", "to", "t_months", "exposure_months", "count", "plan_level", "common_slope", "fitted"}
	return writeCSVFile(path, header, func(emit func([]string)) {
		for _, s := range r.Series {
			emit([]string{s.PMPID, s.Window, s.From.Format("2006-01-02"), s.To.Format("2006-01-02"), g(s.T), g(s.Exposure), strconv.Itoa(s.Count), g(s.Level), g(s.Slope), g(s.Fitted)})
		}
	})
}

// writeEventStudy exports the event study (the plans' and comparisons'
// incidents per 30 days, month by month around the plans), so the
// parallel-trends evidence can be re-drawn or tested elsewhere.
func writeEventStudy(path string, r *evaluation.Report) error {
	if r.Comparison == nil || len(r.Comparison.EventStudy.Rows) == 0 {
		return fmt.Errorf("the event study needs the comparison group, and there is none in this run")
	}
	g := func(x float64) string { return strconv.FormatFloat(x, 'g', 10, 64) }
	header := []string{"period", "order", "plans_count", "plans_days", "plans_per_30_days", "comparisons_count", "comparisons_days", "comparisons_per_30_days"}
	return writeCSVFile(path, header, func(emit func([]string)) {
		for _, e := range r.Comparison.EventStudy.Rows {
			emit([]string{e.Period, strconv.Itoa(e.Order), g(e.Plans), g(e.PlansDays), g(e.PlansRate), g(e.Comparisons), g(e.ComparisonsDays), g(e.ComparisonsRate)})
		}
	})
}
