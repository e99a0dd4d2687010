package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tau-da/tau/analytics"
	"github.com/tau-da/tau/analytics/load"
	"github.com/tau-da/tau/app"
	"github.com/tau-da/tau/calibration"
	"github.com/tau-da/tau/evaluation"
	"github.com/tau-da/tau/synth"
)

// selfCommand is how to run tau again the way it was started: the go run
// line from the source folder when started by go run (whose binary lives
// in a temporary build folder), else the binary's name.
func selfCommand() string {
	if strings.Contains(os.Args[0], "go-build") {
		return "go run ./cmd/tau"
	}
	return "tau"
}

// demoPassword makes a random password for the demo user.
func demoPassword() string {
	b := make([]byte, 9)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// demoDipSample is the size of the unit's published dip sample.
const demoDipSample = 19

type demoOptions struct {
	out           string
	relationships int
	seed          uint64
	// quiet discards the tour's output (tau notebook check builds its
	// force with it).
	quiet bool
}

func newDemoCmd() *cobra.Command {
	o := &demoOptions{}
	c := &cobra.Command{
		Use:   "demo [--out DIR]",
		Short: "Run the whole job end to end on a synthetic force, in one folder",
		Long: `demo writes a synthetic force's extract, loads it into a warehouse, runs the
data checks, scores and ranks every relationship (as of the extract's end,
2025-12-31), explains the top one, evaluates a dip sample of 19 plans (with a comparison
group) and calibrates the score against later serious harm, all inside one
folder, then prints where to look. It needs nothing but this binary and touches nothing outside
--out.`,
		Example: `  tau demo
  tau demo --out ./tau-demo --relationships 5000 --seed 3`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return runDemo(c, o) },
	}
	c.Flags().StringVar(&o.out, "out", "tau-demo", "folder for everything the demo writes")
	c.Flags().IntVar(&o.relationships, "relationships", synth.DefaultRelationships, "size of the synthetic force")
	c.Flags().Uint64Var(&o.seed, "seed", 1, "random seed")
	return c
}

func runDemo(c *cobra.Command, o *demoOptions) error {
	if o.quiet {
		q := &cobra.Command{}
		q.SetOut(io.Discard)
		q.SetErr(io.Discard)
		q.SetContext(c.Context())
		c = q
	}
	w := c.OutOrStdout()
	extractDir := filepath.Join(o.out, "extract")
	wh := filepath.Join(o.out, "warehouse")
	fmt.Fprintf(w, "== 1. synth: a synthetic force (no real data)\n")
	so := &synthOptions{out: extractDir, relationships: o.relationships, seed: o.seed, to: "2025-12-31"}
	if err := runSynth(c, so); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n== 2. load: validate and load into the warehouse\n")
	lo := &loadOptions{warehouse: wh, maxRejectRate: load.DefaultMaxRejectRate, memoryLimit: analytics.DefaultMemoryLimit, showRejects: 5}
	if err := runLoad(c, lo, extractDir); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n== 3. check: data checks over the warehouse\n")
	if err := runCheck(c, &checkOptions{warehouse: wh, format: "table"}); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n== 4. score: the ranked threat list (top 10)\n")
	asOf := "2025-12-31"
	run, err := runScore(c, &scoreOptions{warehouse: wh, asOf: asOf, format: "table", top: 10})
	if err != nil {
		return err
	}
	first, err := run.Top(c.Context(), 1)
	if err != nil {
		return err
	}
	if len(first) > 0 {
		top := first[0].RelationshipID
		fmt.Fprintf(w, "\n== 5. explain: where the top relationship's threat comes from\n")
		if err := runExplain(c, &explainOptions{warehouse: wh, asOf: asOf, format: "text"}, top); err != nil {
			return err
		}
	}
	// Earlier snapshots, so the trends report can show bands and stages
	// over time.
	for _, d := range []string{"2025-03-31", "2025-06-30", "2025-09-30"} {
		if _, err := runScore(c, &scoreOptions{warehouse: wh, asOf: d, format: "csv", out: os.DevNull}); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "\n== 6. evaluate: a dip sample of %d finalised plans, the unit's arithmetic and then with a comparison group\n", demoDipSample)
	// The published method first (3-month windows, +40%, the hours the
	// claim implies), quietly; then the default, printed.
	sample := demoDipSample
	published := &evaluateOptions{warehouse: wh, pmps: "finalised", dipSample: sample, baseline: "3m", followup: "3m", projection: "growth:0.40",
		hours: "claim-derived", uplift: 1, comparison: true, perPlan: 5, seed: o.seed, replicates: 2000, format: "table", top: sample, out: os.DevNull}
	if _, err := runEvaluate(c, published); errors.Is(err, evaluation.ErrSampleTooLarge) {
		fmt.Fprintf(w, "(fewer than %d plans can be evaluated in a force this small: evaluating all of them)\n", demoDipSample)
		sample, published.dipSample = 0, 0
		if _, err := runEvaluate(c, published); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	eo := &evaluateOptions{warehouse: wh, pmps: "finalised", dipSample: sample, baseline: "12m", followup: "3m", projection: "level",
		hours: "kent-physical", uplift: 1, comparison: true, perPlan: 5, seed: o.seed, replicates: 2000, format: "table", top: demoDipSample}
	if _, err := runEvaluate(c, eo); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n== 7. calibrate: does the score predict serious harm, against the officers' grading, and for whom\n")
	co := &calibrateOptions{warehouse: wh, every: "3m", horizon: "12m", outcome: calibration.OutcomeSeriousHarm, minDays: 365, l2: 1, items: true,
		folds: 5, capacity: 10, flagShare: 0.10, replicates: 200, seed: o.seed, format: "table"}
	if _, err := runCalibrate(c, co); err != nil {
		// A small force may have too few outcomes to calibrate; say so
		// and finish the tour.
		fmt.Fprintf(w, "calibration could not run on this force: %v\n", err)
	}
	fmt.Fprintf(w, "\n== 8. report: the leadership set of HTML reports\n")
	reports, err := runReport(c, &reportOptions{warehouse: wh, out: filepath.Join(o.out, "reports")})
	if err != nil {
		return err
	}
	// A demo user for the app, with a fresh random password (synthetic
	// data only; real forces add users with tau users add).
	users := filepath.Join(o.out, "users.toml")
	password := demoPassword()
	if err := app.AddUser(users, "demo", app.RoleAssessor, password); err != nil {
		return err
	}
	gen, _ := analytics.Generation(wh)
	fmt.Fprintf(w, "\ndone. Where to look:\n")
	fmt.Fprintf(w, "  %-34s the synthetic extract (CSV, as a force would export it)\n", extractDir)
	fmt.Fprintf(w, "  %-34s the generative model behind it\n", filepath.Join(extractDir, "truth"))
	fmt.Fprintf(w, "  %-34s Parquet tables, rejects and the load manifest\n", filepath.Join(gen, "tables"))
	fmt.Fprintf(w, "  %-34s DuckDB views over them: cd %s && duckdb -readonly tau.duckdb\n", filepath.Join(gen, "tau.duckdb"), gen)
	fmt.Fprintf(w, "  %-34s score snapshots (ranked scores, active items with their sources)\n", filepath.Join(wh, "results", "scores"))
	fmt.Fprintf(w, "  %-34s evaluation runs (runs, pmps, reporting, matches, series)\n", filepath.Join(wh, "results", "evaluations"))
	fmt.Fprintf(w, "  %-34s calibration runs, each with proposed-weights.toml and model-card.md\n", filepath.Join(wh, "results", "calibrations"))
	fmt.Fprintf(w, "  %-34s the impact report (open it in a browser; the others are beside it)\n", reports[0])
	fmt.Fprintf(w, "\nThe threat assessors' app on this synthetic force:\n  %s serve --warehouse %s --users %s\n", selfCommand(), wh, users)
	fmt.Fprintf(w, "  then open http://127.0.0.1:8080 and sign in as demo with the password %s\n", password)
	return nil
}
