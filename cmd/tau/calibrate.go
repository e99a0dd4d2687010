package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tau-da/tau/calibration"
	"github.com/tau-da/tau/calibration/caldb"
	"github.com/tau-da/tau/scoring"
)

type calibrateOptions struct {
	warehouse, config  string
	from, to, every    string
	horizon, outcome   string
	minDays            float64
	codes              string
	l2                 float64
	items              bool
	folds, capacity    int
	flagShare          float64
	replicates         int
	seed               uint64
	maxSamples         int
	negativeRate       float64
	format, out        string
	propose, modelCard string
	keepCaseload       bool
	exportFeatures     string
	noWrite            bool
}

func newCalibrateCmd() *cobra.Command {
	o := &calibrateOptions{}
	c := &cobra.Command{
		Use:   "calibrate --warehouse DIR",
		Short: "Fit cluster weights to later outcomes, compare the score with officers' grading, check every group, propose a weights file",
		Long: `calibrate scores every relationship at a series of as-of dates (quarterly by
default), using only what was recorded by each date, and labels each with the
outcome in the horizon after it: serious harm (an offence by the perpetrator
against the victim with CCHI 365 days or more, or a configured class such as
non-fatal strangulation) or, with --outcome revictimisation, a further DA
occurrence.

It fits an L2-penalised logistic regression on cluster flags, item flags, log
harm, recency, frequency and the serial flag, and validates it on held-out
samples (folds by relationship, and a time-ordered split) beside the officers'
grade, the count of yes items and the current weights: ROC AUC with a bootstrap
interval, Brier score, calibration intercept and slope, a reliability table and
precision and recall in the top k (the unit's monthly capacity). Every metric is
repeated by the victim's sex, age band and ethnicity (analysis only; never a
score input), with material differences flagged.

Past --max-samples (relationships times dates; a national pool), every sample
with the outcome is kept and a share of the others, chosen by a hash of the
relationship and the date and weighted by the inverse of the share
(case-control sampling): the fit and every figure are weighted, so they are the
whole population's estimates, and the output says the share kept.

It proposes a weights file in the configuration's own format (each weight with
its evidence beside it; tau score --config accepts it as it is) and writes a
model card in Markdown, both into the run's folder in the warehouse and, if
asked, to --propose and --model-card.`,
		Example: `  tau calibrate --warehouse ./wh
  tau calibrate --warehouse ./wh --from 2022-03-31 --to 2024-12-31 --horizon 12m --capacity 8 \
      --propose ./force-weights.toml --model-card ./model-card.md
  tau calibrate --warehouse ./wh --outcome revictimisation --horizon 6m --format json --out cal.json
  tau calibrate --warehouse ./wh --export-features features.csv`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			_, err := runCalibrate(c, o)
			return err
		},
	}
	f := c.Flags()
	warehouseFlag(c, &o.warehouse)
	f.StringVar(&o.config, "config", "", "scoring configuration to calibrate (default: the shipped one)")
	f.StringVar(&o.from, "from", "", "first as-of date (default: a year after the first occurrence)")
	f.StringVar(&o.to, "to", "", "last as-of date (default: the last whose horizon ends by the extract's end)")
	f.StringVar(&o.every, "every", "3m", "spacing of the as-of dates (month ends)")
	f.StringVar(&o.horizon, "horizon", "12m", "outcome window after each as-of date")
	f.StringVar(&o.outcome, "outcome", calibration.OutcomeSeriousHarm, "serious_harm or revictimisation")
	f.Float64Var(&o.minDays, "min-cchi-days", 365, "CCHI days at or above which an offence is serious harm")
	f.StringVar(&o.codes, "outcome-codes", "", "offence classes that are always serious harm, comma-separated (the configuration's strangulation codes are added)")
	f.Float64Var(&o.l2, "l2", 1, "L2 penalty on the standardised coefficients (intercept unpenalised)")
	f.BoolVar(&o.items, "items", true, "include item flags in the fitted model")
	f.IntVar(&o.folds, "folds", 5, "folds by relationship")
	f.IntVar(&o.capacity, "capacity", 10, "plans the unit can work a month: the k of top-k precision and recall")
	f.Float64Var(&o.flagShare, "flag-share", 0.10, "share flagged at each date for false-negative rates")
	f.IntVar(&o.replicates, "bootstrap", 500, "bootstrap replicates for AUC intervals")
	f.Uint64Var(&o.seed, "seed", 1, "seed for the bootstrap")
	f.IntVar(&o.maxSamples, "max-samples", caldb.DefaultMaxSamples, "samples kept before negatives are sampled (every positive is kept; a kept negative is weighted by its inverse probability)")
	f.Float64Var(&o.negativeRate, "negative-rate", 0, "share of negative samples kept, between 0 and 1 (default: from --max-samples)")
	f.StringVar(&o.format, "format", "table", "table or json")
	f.StringVar(&o.out, "out", "", "write to this file instead of standard output")
	f.StringVar(&o.propose, "propose", "", "also write the proposed weights file here")
	f.BoolVar(&o.keepCaseload, "keep-caseload", false, "re-derive the proposed file's band thresholds so the red and amber bands keep today's sizes")
	f.StringVar(&o.modelCard, "model-card", "", "also write the model card (Markdown) here")
	f.StringVar(&o.exportFeatures, "export-features", "", "write the design matrix (one row per sample) to this CSV file")
	f.BoolVar(&o.noWrite, "no-write", false, "do not write the run to the warehouse")
	return c
}

func (o *calibrateOptions) options() (caldb.CalibrationOptions, error) {
	usage := func(err error) (caldb.CalibrationOptions, error) {
		return caldb.CalibrationOptions{}, &exitError{exitUsage, err}
	}
	var opt caldb.CalibrationOptions
	if err := parseDates(dateFlag{"--from", o.from, &opt.From}, dateFlag{"--to", o.to, &opt.To}); err != nil {
		return opt, err
	}
	if err := parseLengths(lengthFlag{"--every", o.every, &opt.Every}, lengthFlag{"--horizon", o.horizon, &opt.Horizon}); err != nil {
		return opt, err
	}
	if o.outcome != calibration.OutcomeSeriousHarm && o.outcome != calibration.OutcomeRevictimisation {
		return usage(fmt.Errorf("--outcome %s: use serious_harm or revictimisation", o.outcome))
	}
	if o.format != "table" && o.format != "json" {
		return usage(fmt.Errorf("--format %s: use table or json", o.format))
	}
	if o.l2 < 0 || o.folds < 2 || o.capacity < 1 || o.flagShare <= 0 || o.flagShare >= 1 || o.replicates < 100 {
		return usage(fmt.Errorf("--l2 must be 0 or more, --folds 2 or more, --capacity 1 or more, --flag-share between 0 and 1, --bootstrap 100 or more"))
	}
	if o.maxSamples < 1 || o.negativeRate < 0 || o.negativeRate > 1 {
		return usage(fmt.Errorf("--max-samples must be 1 or more and --negative-rate between 0 and 1"))
	}
	opt.MaxSamples, opt.NegativeRate = o.maxSamples, o.negativeRate
	opt.Outcome, opt.MinDays = o.outcome, o.minDays
	for _, c := range strings.Split(o.codes, ",") {
		if c = strings.TrimSpace(c); c != "" {
			opt.Codes = append(opt.Codes, c)
		}
	}
	opt.Params = calibration.Params{L2: o.l2, Items: o.items, Folds: o.folds, Capacity: o.capacity, FlagShare: o.flagShare, Replicates: o.replicates, Seed: o.seed}
	return opt, nil
}

func runCalibrate(c *cobra.Command, o *calibrateOptions) (*caldb.CalibrationRun, error) {
	if err := requireWarehouse(o.warehouse); err != nil {
		return nil, err
	}
	cfg, err := loadConfig(o.config)
	if err != nil {
		return nil, &exitError{exitUsage, err}
	}
	opt, err := o.options()
	if err != nil {
		return nil, err
	}
	useAnalysisMemoryLimit()
	sess, err := openWriteSession(c.Context(), o.warehouse)
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	bar := newBar(100, "calibrate")
	opt.Progress = barProgress(bar)
	run, err := caldb.Calibrate(c.Context(), sess, cfg, opt, toolVersion(), !o.noWrite)
	barDone(bar)
	if err != nil {
		return nil, err
	}
	proposed, card, err := calibrationFiles(cfg, run, nil)
	if err != nil {
		return nil, err
	}
	// What the proposal does to the caseload at the extract's end, said in
	// the file and the output (and, asked, the thresholds that keep it).
	var burden *caseload
	if pcfg, err := scoring.Parse(proposed, "proposed-weights.toml"); err == nil {
		end := sess.Manifest.ExtractDate
		at := time.Date(end.Year(), end.Month(), end.Day(), 0, 0, 0, 0, time.UTC)
		cl, err := caseloadOf(c.Context(), sess, cfg, pcfg, at, o.keepCaseload)
		if err != nil {
			return nil, fmt.Errorf("calibrate: caseload: %w", err)
		}
		if proposed, card, err = calibrationFiles(cfg, run, cl); err != nil {
			return nil, err
		}
		burden = cl
	}
	files := map[string][]byte{}
	if run.Folder != "" {
		files[filepath.Join(run.Folder, "proposed-weights.toml")] = proposed
		files[filepath.Join(run.Folder, "model-card.md")] = card
	}
	if o.propose != "" {
		files[o.propose] = proposed
	}
	if o.modelCard != "" {
		files[o.modelCard] = card
	}
	for path, b := range files {
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return nil, fmt.Errorf("calibrate: write %s: %w", path, err)
		}
	}
	if o.exportFeatures != "" {
		if err := writeFeatures(o.exportFeatures, run); err != nil {
			return nil, fmt.Errorf("calibrate: --export-features %s: %w", o.exportFeatures, err)
		}
	}
	footer := ""
	if run.Folder != "" {
		footer = fmt.Sprintf("run %s written to %s (with proposed-weights.toml and model-card.md)", run.ID, run.Folder)
	}
	v := struct {
		*calibration.Report
		RunID    string               `json:"run_id"`
		Outcome  string               `json:"outcome"`
		Weights  []calibration.Weight `json:"proposed_weights"`
		Caseload *caseload            `json:"caseload"`
	}{run.Report, run.ID, run.Context.Outcome, run.Weights, burden}
	text := func(w io.Writer) error {
		if err := run.Report.WriteText(w, run.Context); err != nil {
			return err
		}
		if burden != nil {
			fmt.Fprintln(w, "\nCASELOAD OF THE PROPOSED WEIGHTS")
			for _, l := range burden.header() {
				fmt.Fprintln(w, "  "+l)
			}
		}
		return nil
	}
	if err := writeReport(c, o.out, o.format, v, text, footer); err != nil {
		return nil, fmt.Errorf("calibrate: write %s: %w", o.out, err)
	}
	return run, nil
}

// calibrationFiles renders the proposed weights file (checked to load as a
// configuration) and the model card.
func calibrationFiles(cfg *scoring.Config, run *caldb.CalibrationRun, cl *caseload) ([]byte, []byte, error) {
	header := []string{
		fmt.Sprintf("Proposed by tau calibrate, run %s, from warehouse generation %s.", run.ID, run.Context.Generation),
		fmt.Sprintf("Starting configuration: %s (hash %s). Outcome: %s.", cfg.Name, cfg.Hash, run.Context.Outcome),
		"Each cluster's weight is re-fitted to this force's outcomes; its evidence is written beside it.",
		"Review the model card before using it: the weights are still values to review, not facts.",
	}
	if cl != nil {
		header = append(header, cl.header()...)
	}
	proposed, err := calibration.RewriteConfig(cfg.Raw, cfg.Name, run.Weights, header)
	if err != nil {
		return nil, nil, fmt.Errorf("calibrate: proposed weights: %w", err)
	}
	if cl != nil {
		proposed = cl.keepThresholds(proposed)
	}
	if _, err := scoring.Parse(proposed, "proposed-weights.toml"); err != nil {
		return nil, nil, fmt.Errorf("calibrate: the proposed weights file does not load (%w); this is a bug, please report it", err)
	}
	var card bytes.Buffer
	if err := run.Report.WriteModelCard(&card, run.Context); err != nil {
		return nil, nil, err
	}
	return proposed, card.Bytes(), nil
}

// writeFeatures writes the design matrix: ids, as-of date, fold, features
// and outcome, one row per sample.
func writeFeatures(path string, run *caldb.CalibrationRun) error {
	rep := run.Report
	header := append(append([]string{"relationship_id", "victim_id", "perpetrator_id", "as_of", "fold"}, rep.Features...), "outcome", "weight")
	return writeCSVFile(path, header, func(emit func([]string)) {
		for i, s := range run.Samples {
			row := []string{s.RelationshipID, s.VictimID, s.PerpetratorID, s.AsOf.Format("2006-01-02"), strconv.Itoa(rep.Fold[i] + 1)}
			for _, v := range rep.X[i] {
				row = append(row, strconv.FormatFloat(v, 'g', 10, 64))
			}
			out := "0"
			if s.Outcome {
				out = "1"
			}
			weight := s.Weight
			if weight == 0 {
				weight = 1
			}
			emit(append(row, out, strconv.FormatFloat(weight, 'g', 10, 64)))
		}
	})
}
