package evaldb

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tau-da/tau/analytics/load"
	"github.com/tau-da/tau/internal/period"
	"github.com/tau-da/tau/internal/testwh"

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
	run, err := Evaluate(context.Background(), testwh.Session(t, wh), testwh.Config(t), publishedParams(), "test", true)
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
	run, err := Evaluate(context.Background(), testwh.Session(t, wh), testwh.Config(t), p, "test", false)
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

// TestEvaluateSynthTruth: on tau synth data the plans cut the true rate by
// truth/model.json's plan_effect and engaged victims report reporting_uplift
// times as often. Given that uplift, the comparison-group estimate lands
// near the true effect, while the naive before/after (plans are opened
// after spikes) overstates it.
func TestEvaluateSynthTruth(t *testing.T) {
	t.Parallel()
	ex, wh := testwh.SyntheticForce(t)
	var truth struct {
		PlanEffect      float64 `json:"plan_effect"`
		ReportingUplift float64 `json:"reporting_uplift"`
	}
	b, err := os.ReadFile(filepath.Join(ex, "truth", "model.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &truth); err != nil || truth.PlanEffect == 0 {
		t.Fatalf("truth: %v %+v", err, truth)
	}
	p := evaluation.Params{Selection: evaluation.Selection{Mode: "finalised"}, HoursPerIncident: 3.35, HoursSource: "test",
		EngagedUplift: truth.ReportingUplift, Comparison: true, Seed: 1, Replicates: 300, Project: evaluation.Projection{Kind: "level"}}
	run, err := Evaluate(context.Background(), testwh.Session(t, wh), testwh.Config(t), p, "test", false)
	if err != nil {
		t.Fatal(err)
	}
	c := run.Report.Comparison
	if c == nil {
		t.Fatalf("no comparison: %v", run.Report.Warnings)
	}
	did, naive, want := c.DiDReduction.Estimate/100, c.Naive/100, truth.PlanEffect
	t.Logf("%d plans: true effect %.2f, difference in differences %.3f (%.3f to %.3f), naive %.3f", run.Report.Summary.Plans, want, did, c.DiDReduction.Lower/100, c.DiDReduction.Upper/100, naive)
	if math.Abs(did-want) > 0.12 {
		t.Errorf("difference in differences %.3f, want within 0.12 of the true effect %.2f", did, want)
	}
	if naive < want+0.1 {
		t.Errorf("naive reduction %.3f should overstate the true effect %.2f (regression to the mean)", naive, want)
	}
	// The headline is the comparison's estimate from the stacked model
	// (with the true uplift given: the effect on all incidents), not the
	// unit's method, which overstates like the naive before/after.
	h := run.Report.Headline
	st := c.Stacked
	if st == nil {
		t.Fatal("the stacked model was not fitted")
	}
	t.Logf("stacked model: %.3f (%.3f to %.3f) over %d sets", st.Reduction, st.ReductionLower, st.ReductionUpper, st.Sets)
	if !h.Available || float64(h.Reduction) != st.Reduction || math.Abs(st.Reduction-want) > 0.12 || float64(h.Lower) > want+0.02 || float64(h.Upper) < want-0.02 {
		t.Errorf("headline %.3f (%.3f to %.3f) against the true %.2f", float64(h.Reduction), float64(h.Lower), float64(h.Upper), want)
	}
	if !(float64(h.PreventedLower) <= float64(h.Prevented) && float64(h.Prevented) <= float64(h.PreventedUpper)) || h.Prevented <= 0 {
		t.Errorf("prevented %.1f (%.1f to %.1f)", float64(h.Prevented), float64(h.PreventedLower), float64(h.PreventedUpper))
	}
	if unit := run.Report.Summary.Reduction; unit <= want || unit <= did {
		t.Errorf("the unit's method (level projection) gives %.3f; it should overstate the true effect %.2f and the headline", unit, want)
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
	run, err := Evaluate(context.Background(), testwh.Session(t, wh), testwh.Config(t), p, "test", true)
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
