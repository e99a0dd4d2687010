package evaldb

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tau-da/tau/analytics/load"
	"github.com/tau-da/tau/internal/period"
	"github.com/tau-da/tau/internal/testwh"
	"github.com/tau-da/tau/synth"

	"github.com/tau-da/tau/evaluation"
)

// publishedParams are the unit's own choices: 3-month windows, "+40% if
// trends continued", 11.5 hours per incident (implied by the claim).
func TestMain(m *testing.M) { testwh.Main(m) }

func publishedParams() evaluation.Params {
	return evaluation.Params{
		Selection: evaluation.Selection{Mode: "finalised", FinalisedFrom: mustDate("2024-01-01"), FinalisedTo: mustDate("2024-12-31")},
		Baseline:  period.Months(3), Followup: period.Months(3),
		Project:          evaluation.Projection{Kind: "growth", Growth: 0.40},
		HoursPerIncident: 11.5, HoursSource: "claim-derived", Comparison: true, Seed: 1, Replicates: 500,
	}
}

// TestEvaluatePublishedFixture reproduces the published arithmetic from the
// 19-plan fixture (testdata/evaluate/dip_sample_2024/README.md): 141
// before, 197 expected, 23 observed, six plans at 100%, four at 40-<90%,
// over 2,000 hours; and the run is written to the warehouse tables.
func TestEvaluatePublishedFixture(t *testing.T) {
	t.Parallel()
	wh := t.TempDir()
	testwh.Load(t, filepath.Join("..", "..", "testdata", "evaluate", "dip_sample_2024", "extract"), wh, load.LoadOptions{})
	run, err := Evaluate(context.Background(), testwh.Session(t, wh), testwh.Config(t), publishedParams(), RunOptions{ToolVersion: "test", Write: true})
	if err != nil {
		t.Fatal(err)
	}
	s := run.Report.Summary
	if s.Plans != 19 || s.BaselineTotal != 141 || s.ObservedTotal != 23 || math.Abs(s.ExpectedTotal-197.4) > 1e-9 {
		t.Errorf("plans %d, baseline %d, expected %v, observed %d; want 19, 141, 197.4, 23", s.Plans, s.BaselineTotal, s.ExpectedTotal, s.ObservedTotal)
	}
	if s.Categories[evaluation.Category100] != 6 || s.Categories[evaluation.Category40to90] != 4 || s.Categories[evaluation.CategoryIncrease] != 0 || s.Categories[evaluation.Category0to40] != 0 {
		t.Errorf("categories %v: want six at 100%%, four at 40-<90%%, all fell", s.Categories)
	}
	if s.HoursSaved <= 2000 || math.Abs(s.HoursSaved-(197.4-23)*11.5) > 1e-9 {
		t.Errorf("hours saved %v, want (197.4 - 23) x 11.5 = 2005.6", s.HoursSaved)
	}
	// The research notes' exact conditional values for 141 vs 23 over
	// equal windows (scoring-evaluation.md section 0): 0.163 (0.100-0.255).
	if rr := s.RateRatio; rr == nil || math.Abs(rr.Ratio-0.163) > 0.001 || math.Abs(rr.Lower-0.100) > 0.0015 || math.Abs(rr.Upper-0.255) > 0.0015 {
		t.Errorf("rate ratio %+v", s.RateRatio)
	}
	if c := run.Report.Comparison; c == nil || c.Matched != 19 || !(c.DiDReduction.Estimate < c.Naive) {
		t.Errorf("comparison %+v: every plan should be matched and the estimate should fall below the naive one (the pool regresses too)", c)
	}
	// Written back: one run row and 19 plan rows, readable as views.
	db, conn, err := testwh.Views(t, wh)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	defer conn.Close()
	var runs, pmps, observed int
	var expected float64
	if err := conn.QueryRowContext(context.Background(), "SELECT count(*), sum(observed_total), sum(expected_total) FROM evaluations_runs").Scan(&runs, &observed, &expected); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRowContext(context.Background(), "SELECT count(*) FROM evaluations_pmps WHERE run_id = ?", run.ID).Scan(&pmps); err != nil {
		t.Fatal(err)
	}
	if runs != 1 || pmps != 19 || observed != 23 || math.Abs(expected-197.4) > 1e-9 {
		t.Errorf("warehouse tables: %d runs, %d plans, observed %d, expected %v", runs, pmps, observed, expected)
	}
	var report string
	conn.QueryRowContext(context.Background(), "SELECT report FROM evaluations_runs").Scan(&report)
	var back map[string]any
	if err := json.Unmarshal([]byte(report), &back); err != nil || back["summary"] == nil {
		t.Errorf("runs.report is not the JSON report: %v", err)
	}
}

// TestEvaluateExclusions: with --pmps all the open plan and the one whose
// follow-up passes the extract's end are listed with their reasons.
func TestEvaluateExclusions(t *testing.T) {
	t.Parallel()
	wh := t.TempDir()
	testwh.Load(t, filepath.Join("..", "..", "testdata", "evaluate", "dip_sample_2024", "extract"), wh, load.LoadOptions{})
	p := publishedParams()
	p.Selection = evaluation.Selection{Mode: "all"}
	p.Comparison = false
	run, err := Evaluate(context.Background(), testwh.Session(t, wh), testwh.Config(t), p, RunOptions{ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range run.Report.Excluded {
		got[e.PMPID] = e.Reason
	}
	if len(got) != 2 || got["PMP-OPEN"] == "" || got["PMP-LATE"] == "" {
		t.Errorf("excluded %v, want PMP-OPEN and PMP-LATE", got)
	}
}

// TestEvaluateSeriesExport: the exported monthly series re-creates each
// plan's expected count (the fitted values summed over follow-up months).
func TestEvaluateSeriesExport(t *testing.T) {
	t.Parallel()
	wh := t.TempDir()
	testwh.Load(t, filepath.Join("..", "..", "testdata", "evaluate", "dip_sample_2024", "extract"), wh, load.LoadOptions{})
	p := publishedParams()
	p.Baseline, p.Project, p.Comparison = period.Months(12), evaluation.Projection{Kind: "trend"}, false
	run, err := Evaluate(context.Background(), testwh.Session(t, wh), testwh.Config(t), p, RunOptions{ToolVersion: "test", Write: true})
	if err != nil {
		t.Fatal(err)
	}
	if run.Report.Trend == nil || !(run.Report.Trend.Slope > 0) {
		t.Fatalf("trend %+v: the fixture's incidents rise before each plan", run.Report.Trend)
	}
	sum := map[string]float64{}
	for _, r := range run.Report.Series {
		if r.Window == "followup" {
			sum[r.PMPID] += r.Exposure * math.Exp(r.Level+r.Slope*r.T)
		}
	}
	for _, pl := range run.Report.PMPs {
		if math.Abs(sum[pl.ID]-pl.Expected) > 1e-9 {
			t.Errorf("%s: series gives %v, report %v", pl.ID, sum[pl.ID], pl.Expected)
		}
	}
	// The series table in the warehouse has the same rows.
	db, conn, err := testwh.Views(t, wh)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	defer conn.Close()
	var n int
	conn.QueryRowContext(context.Background(), "SELECT count(*) FROM evaluations_series").Scan(&n)
	if n != len(run.Report.Series) {
		t.Errorf("series table %d rows, report %d", n, len(run.Report.Series))
	}
}

func mustDate(s string) time.Time {
	t, err := period.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return t
}

// estimandCase is one synthetic force for TestEstimandsFromTruth.
type estimandCase struct {
	seed          uint64
	relationships int
}

// TestEstimandsFromTruth: on synthetic forces whose counterfactuals are
// known (truth/plans.csv: each plan's expected incidents after it with
// the plan, with none ever, and under usual practice, where the unit's
// same rule may give the relationship a plan later; synth computes them
// from the latent rates it draws the incidents from), the headline is
// compared with the true effect of opening the plans against usual
// practice (the estimand it states: its comparisons stay comparisons when
// they get a plan of their own later, intention to treat) on reported
// incidents and, with the true reporting uplift given, on all incidents.
// It must be within 0.12 of the truth and a reduction, its interval must
// hold the truth in three runs of four or more, with a mean absolute
// error under 0.06; the naive before/after and the unit's method
// overstate while the headline does not. Measured (README): all twelve
// intervals of seeds 1-6 hold the truth, mean absolute error 0.036, the
// estimate 3.5 points low on average. The effect against no plan ever
// (30% on all incidents) is logged beside it. The default force (seed 1)
// runs by default; TAU_LONG=1 adds a smaller seed-2 force and seeds 3 to
// 6 (two minutes).
func TestEstimandsFromTruth(t *testing.T) {
	t.Parallel()
	var cases []estimandCase
	if os.Getenv("TAU_LONG") != "" {
		cases = []estimandCase{{2, 10000}, {3, 20000}, {4, 20000}, {5, 20000}, {6, 20000}}
	}
	var errs []float64
	held := 0
	naive := func(r *evaluation.Report) float64 { return r.Comparison.Naive / 100 }
	check := func(t *testing.T, ex, wh string) {
		plans, err := synth.ReadPlanTruth(ex)
		if err != nil {
			t.Fatal(err)
		}
		var model struct {
			ReportingUplift float64 `json:"reporting_uplift"`
		}
		b, _ := os.ReadFile(filepath.Join(ex, "truth", "model.json"))
		if err := json.Unmarshal(b, &model); err != nil {
			t.Fatal(err)
		}
		p := evaluation.Params{Selection: evaluation.Selection{Mode: "finalised"}, HoursPerIncident: 3.35, HoursSource: "test",
			EngagedUplift: model.ReportingUplift, Comparison: true, Seed: 1, Replicates: 200}
		var steps testwh.Steps
		run, err := Evaluate(context.Background(), testwh.Session(t, wh), testwh.Config(t), p, RunOptions{ToolVersion: "test", Progress: steps.Progress()})
		if err != nil {
			t.Fatal(err)
		}
		steps.Check(t, "read plans", "match comparisons", "score comparisons as of", "estimate")
		ids := map[string]bool{}
		for _, pl := range run.Report.PMPs {
			ids[pl.ID] = true
		}
		neverAll, neverReported, n := synth.Effects(plans, ids)
		all, reported := synth.UsualEffects(plans, ids)
		t.Logf("against no plan ever: all %.3f, reported %.3f", neverAll, neverReported)
		t.Logf("censored sensitivity %.3f; pooled DiD %.3f", float64(run.Report.Comparison.CensoredReduction)/100, run.Report.Comparison.DiD.Reduction)
		h, c := run.Report.Headline, run.Report.Comparison
		if c == nil || c.Stacked == nil || c.StackedReported == nil {
			t.Fatalf("no stacked estimates: %+v", c)
		}
		// One run gives both: the headline assumes the true uplift (all
		// incidents); the reported-incidents estimate assumes none.
		for _, e := range []struct {
			what              string
			est, lo, hi, want float64
		}{
			{"all", float64(h.Reduction), float64(h.Lower), float64(h.Upper), all},
			{"reported", c.StackedReported.Reduction, c.StackedReported.ReductionLower, c.StackedReported.ReductionUpper, reported},
		} {
			t.Logf("%d plans (%d with truth): true effect on %s incidents %.3f; estimate %.3f (%.3f to %.3f); naive %.3f; unit's method %.3f",
				len(ids), n, e.what, e.want, e.est, e.lo, e.hi, naive(run.Report), run.Report.Summary.Reduction)
			if math.Abs(e.est-e.want) > 0.12 || e.est <= 0 {
				t.Errorf("%s incidents: the estimate %.3f is not within 0.12 of the truth %.3f, or not a reduction", e.what, e.est, e.want)
			}
			if e.lo <= e.want && e.want <= e.hi {
				held++
			}
			errs = append(errs, e.est-e.want)
		}
		if naive(run.Report) <= reported || run.Report.Summary.Reduction <= reported || float64(h.Reduction) > naive(run.Report) {
			t.Errorf("the naive before/after (%.3f) and the unit's method (%.3f) should overstate the true %.3f, and the headline (%.3f) should not",
				naive(run.Report), run.Report.Summary.Reduction, reported, float64(h.Reduction))
		}
		// The headline is the stacked model's, and the incidents it
		// prevented sit inside their interval.
		if float64(h.Reduction) != c.Stacked.Reduction {
			t.Errorf("the headline is not the stacked model's estimate: %+v", c.Stacked)
		}
		if !(float64(h.PreventedLower) <= float64(h.Prevented) && float64(h.Prevented) <= float64(h.PreventedUpper)) || h.Prevented <= 0 {
			t.Errorf("prevented %.1f (%.1f to %.1f)", float64(h.Prevented), float64(h.PreventedLower), float64(h.PreventedUpper))
		}
	}
	t.Run("seed 1", func(t *testing.T) {
		ex, wh := testwh.SyntheticForce(t)
		check(t, ex, wh)
	})
	for _, c := range cases {
		t.Run(fmt.Sprintf("seed %d", c.seed), func(t *testing.T) {
			ex, wh := filepath.Join(t.TempDir(), "extract"), t.TempDir()
			if _, err := synth.Write(ex, synth.Config{Seed: c.seed, Relationships: c.relationships}); err != nil {
				t.Fatal(err)
			}
			testwh.Load(t, ex, wh, load.LoadOptions{})
			check(t, ex, wh)
		})
	}
	mean := 0.0
	for _, e := range errs {
		mean += math.Abs(e)
	}
	mean /= float64(len(errs))
	t.Logf("mean absolute error of the headline against the truth: %.3f over %d estimates; %d intervals hold the truth", mean, len(errs), held)
	if mean > 0.06 || 4*held < 3*len(errs) {
		t.Errorf("mean absolute error %.3f and %d of %d intervals holding the truth: the estimator has got worse", mean, held, len(errs))
	}
}
