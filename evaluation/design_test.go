package evaluation

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/tau-da/tau/internal/period"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestSpanDays(t *testing.T) {
	t.Parallel()
	// Calendar months: 3 months after 30 November 2023 is 1 March 2024
	// (Go normalises 30 February), and a window's days are exact.
	if got := (period.Months(3)).After(day("2024-01-01")); !got.Equal(day("2024-04-01")) {
		t.Errorf("3m after 2024-01-01 = %v", got)
	}
	s := Span{From: day("2024-01-01"), To: day("2024-04-01")}
	if s.Days() != 91 {
		t.Errorf("Jan-Mar 2024 = %v days, want 91 (leap year)", s.Days())
	}
}

func TestParseProjection(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want Projection
		err  bool
	}{
		{"trend", Projection{Kind: "trend"}, false}, {"level", Projection{Kind: "level"}, false},
		{"growth:0.40", Projection{Kind: "growth", Growth: 0.40}, false}, {"growth:x", Projection{}, true}, {"growth:-1", Projection{}, true}, {"linear", Projection{}, true},
	} {
		got, err := ParseProjection(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseProjection(%q) = %v, %v", tt.in, got, err)
		}
	}
}

// planSet is three plans: one evaluable, one still open, one whose
// follow-up runs past an extract ending 2024-12-31.
func planSet() []PlanRecord {
	return []PlanRecord{
		{ID: "A", RelationshipID: "rA", VictimID: "vA", PerpetratorID: "pA", Status: "finalised", Opened: day("2024-04-01"), Finalised: day("2024-05-31")},
		{ID: "B", RelationshipID: "rB", VictimID: "vB", PerpetratorID: "pB", Status: "open", Opened: day("2024-06-01")},
		{ID: "C", RelationshipID: "rC", VictimID: "vC", PerpetratorID: "pC", Status: "finalised", Opened: day("2024-08-01"), Finalised: day("2024-11-15")},
	}
}

func TestNewDesignWindowsAndExclusions(t *testing.T) {
	t.Parallel()
	d, err := NewDesign(planSet(), day("2024-12-31"), day("2023-01-01"), Params{Selection: Selection{Mode: "all"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Plans) != 1 || d.Plans[0].ID != "A" {
		t.Fatalf("plans %v, want A only", d.Plans)
	}
	a := d.Plans[0]
	// Defaults: 12-month baseline to the day before opening; 3-month
	// follow-up from the day after finalisation.
	if !a.Baseline.From.Equal(day("2023-04-01")) || !a.Baseline.To.Equal(day("2024-04-01")) {
		t.Errorf("baseline %v", a.Baseline)
	}
	if !a.Followup.From.Equal(day("2024-06-01")) || !a.Followup.To.Equal(day("2024-09-01")) {
		t.Errorf("follow-up %v", a.Followup)
	}
	if len(d.Excluded) != 2 || !strings.Contains(d.Excluded[0].Reason, "no finalised date") || !strings.Contains(d.Excluded[1].Reason, "past the extract's end") {
		t.Errorf("excluded %+v", d.Excluded)
	}
}

func TestNewDesignErrors(t *testing.T) {
	t.Parallel()
	end, from := day("2024-12-31"), day("2023-01-01")
	tests := []struct {
		name string
		p    Params
		want string
	}{
		{"plan with no finalised date", Params{Selection: Selection{Mode: "ids", IDs: []string{"B"}}}, "plan B has no finalised date"},
		{"follow-up past the extract", Params{Selection: Selection{Mode: "ids", IDs: []string{"C"}}}, "past the extract's end on 2024-12-31; shorten the follow-up window"},
		{"baseline before the data", Params{Selection: Selection{Mode: "ids", IDs: []string{"A"}}, Baseline: period.Years(2)}, "before the extract's first occurrence"},
		{"unknown id", Params{Selection: Selection{Mode: "ids", IDs: []string{"Z"}}}, "pmps Z: no such plan in the warehouse"},
		{"empty selection", Params{Selection: Selection{Mode: "finalised", FinalisedFrom: day("2025-01-01")}}, "no plan to evaluate"},
		{"sample larger than the eligible set", Params{Selection: Selection{Mode: "all", DipSample: 5}}, "a dip sample of 5 was asked for but only 1 plans are eligible"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewDesign(planSet(), end, from, tt.p)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestDipSampleReproducible(t *testing.T) {
	t.Parallel()
	var plans []PlanRecord
	for i := 0; i < 50; i++ {
		id := string(rune('a'+i/26)) + string(rune('a'+i%26))
		plans = append(plans, PlanRecord{ID: id, RelationshipID: "r" + id, Status: "finalised", Opened: day("2024-01-10"), Finalised: day("2024-02-10")})
	}
	draw := func(seed uint64) []string {
		d, err := NewDesign(plans, day("2024-12-31"), day("2022-01-01"), Params{Selection: Selection{Mode: "finalised", DipSample: 19}, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		if d.Eligible != 50 || len(d.Plans) != 19 || len(d.Drawn) != 19 {
			t.Fatalf("eligible %d, plans %d, drawn %d", d.Eligible, len(d.Plans), len(d.Drawn))
		}
		seen := map[string]bool{}
		for _, id := range d.Drawn {
			if seen[id] {
				t.Fatalf("%s drawn twice: a simple random sample is without replacement", id)
			}
			seen[id] = true
		}
		return d.Drawn
	}
	a, b, c := draw(7), draw(7), draw(8)
	if strings.Join(a, ",") != strings.Join(b, ",") {
		t.Errorf("same seed, different samples: %v vs %v", a, b)
	}
	if strings.Join(a, ",") == strings.Join(c, ",") {
		t.Errorf("different seeds drew the same sample %v", a)
	}
}

// TestShortlistRiskSet: a relationship planned before the plan opened is
// not a comparison; one planned later is (risk-set matching); one with no
// baseline incident is not.
func TestShortlistRiskSet(t *testing.T) {
	t.Parallel()
	d, err := NewDesign(planSet()[:1], day("2024-12-31"), day("2023-01-01"), Params{Selection: Selection{Mode: "all"}})
	if err != nil {
		t.Fatal(err)
	}
	occ := Occurrences{}
	for _, k := range []string{"rA", "early", "later", "never"} {
		occ.Add(k, day("2024-03-01"))
	}
	occ.Add("quiet", day("2024-07-01"))
	occ.Sort()
	pool := []Candidate{
		{RelationshipID: "early", PlanOpened: day("2024-03-15")},
		{RelationshipID: "later", PlanOpened: day("2024-06-01")},
		{RelationshipID: "never"},
		{RelationshipID: "quiet"},
		{RelationshipID: "rA", PlanOpened: day("2024-04-01")},
	}
	got := d.Shortlist(occ, pool, 10)["A"]
	var ids []string
	for _, c := range got {
		ids = append(ids, c.RelationshipID)
	}
	if strings.Join(ids, ",") != "later,never" {
		t.Errorf("shortlist %v, want later,never", ids)
	}
}

// dipData builds occurrences for plans over 90-day windows: baseline
// counts b and follow-up counts f, placed on distinct days.
func dipData(t *testing.T, counts [][2]int) ([]PlanRecord, Data) {
	t.Helper()
	var plans []PlanRecord
	occ := Occurrences{}
	for i, c := range counts {
		id := string(rune('A' + i))
		plans = append(plans, PlanRecord{ID: id, RelationshipID: "r" + id, VictimID: "v" + id, PerpetratorID: "p" + id, Status: "finalised",
			Opened: day("2024-04-01"), Finalised: day("2024-04-30")})
		for k := 0; k < c[0]; k++ {
			occ.Add("r"+id, day("2024-01-05").AddDate(0, 0, k))
		}
		for k := 0; k < c[1]; k++ {
			occ.Add("r"+id, day("2024-05-05").AddDate(0, 0, k))
		}
		// Between opening and finalisation: outside the before/after,
		// reported as during the plan.
		occ.Add("r"+id, day("2024-04-10"))
	}
	occ.Sort()
	return plans, Data{Occurrences: occ, Engagements: Engagements{"vA": {{Agency: "idva", From: day("2024-04-01")}}}}
}

// TestEvaluateLevelByHand checks the totals against hand arithmetic: three
// plans with 90-day windows, baselines 10, 4, 6 and follow-ups 0, 3, 9.
func TestEvaluateLevelByHand(t *testing.T) {
	t.Parallel()
	plans, data := dipData(t, [][2]int{{10, 0}, {4, 3}, {6, 9}})
	p := Params{Selection: Selection{Mode: "all"}, Baseline: period.Days(90), Followup: period.Days(90), Project: Projection{Kind: "level"},
		HoursPerIncident: 3, HoursSource: "test", Replicates: 200, EngagedUplift: 2}
	d, err := NewDesign(plans, day("2024-12-31"), day("2023-01-01"), p)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Evaluate(d, data)
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Summary
	// Expected = baseline (equal windows); prevented = 20 - 12 = 8;
	// hours = 24; categories 100%, 0-<40% (1 - 3/4 = 25%), increase.
	if s.BaselineTotal != 20 || s.ExpectedTotal != 20 || s.ObservedTotal != 12 || s.Prevented != 8 || s.HoursSaved != 24 {
		t.Errorf("summary %+v", s)
	}
	// One incident while each plan ran (10 April), over 30 days each
	// (1-30 April, finalised the 30th).
	if s.During != 3 || s.DuringDays != 90 || rep.PMPs[0].During != 1 {
		t.Errorf("during the plans: %d over %v days (plan A %d)", s.During, s.DuringDays, rep.PMPs[0].During)
	}
	if s.Categories[Category100] != 1 || s.Categories[Category0to40] != 1 || s.Categories[CategoryIncrease] != 1 {
		t.Errorf("categories %v", s.Categories)
	}
	if math.Abs(float64(s.ReductionPct)-40) > 1e-9 {
		t.Errorf("reduction %v%%, want 40%%", s.ReductionPct)
	}
	// Plan A's victim was engaged (IDVA from opening, open-ended), but A had
	// no follow-up incident: the adjusted total is unchanged at uplift 2.
	if !rep.PMPs[0].Engaged || rep.PMPs[1].Engaged || s.AdjustedObserved != 12 {
		t.Errorf("engaged %v %v, adjusted %v", rep.PMPs[0].Engaged, rep.PMPs[1].Engaged, s.AdjustedObserved)
	}
	if rr := s.RateRatio; rr == nil || math.Abs(rr.Ratio-0.6) > 1e-12 {
		t.Errorf("rate ratio %+v, want 12/20 = 0.6 (equal exposures)", rr)
	}
	if len(rep.HoursRange) != 11 || rep.HoursRange[0].HoursSaved != 16 || rep.HoursRange[10].HoursSaved != 96 {
		t.Errorf("hours range %+v", rep.HoursRange)
	}
	if rep.SMSLevel != 2 || !strings.Contains(strings.Join(rep.Warnings, " "), "level 2") {
		t.Errorf("no comparison: SMS %d, warnings %v", rep.SMSLevel, rep.Warnings)
	}
}

// TestTrendFlatBaseline: with the same count every baseline month the
// maximum-likelihood slope is 0 (the score equation sum T(y - mu) = 0 holds
// at mu = y), so the trend projection equals the level one.
func TestTrendFlatBaseline(t *testing.T) {
	t.Parallel()
	plans := []PlanRecord{{ID: "A", RelationshipID: "rA", Status: "finalised", Opened: day("2024-07-01"), Finalised: day("2024-07-31")}}
	occ := Occurrences{}
	for m := 1; m <= 6; m++ {
		occ.Add("rA", time.Date(2024, time.Month(m), 10, 0, 0, 0, 0, time.UTC))
		occ.Add("rA", time.Date(2024, time.Month(m), 20, 0, 0, 0, 0, time.UTC))
	}
	occ.Sort()
	d, err := NewDesign(plans, day("2024-12-31"), day("2023-01-01"), Params{Selection: Selection{Mode: "all"}, Baseline: period.Months(6), HoursPerIncident: 1, HoursSource: "test", Replicates: 200, Project: Projection{Kind: "trend"}})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Evaluate(d, Data{Occurrences: occ})
	if err != nil {
		t.Fatal(err)
	}
	// Calendar months differ in length, so the fitted slope is near, not
	// exactly, 0; the level is 12 incidents over 182 days.
	level := 12 * rep.PMPs[0].FollowupDays / rep.PMPs[0].BaselineDays
	if math.Abs(rep.Trend.Slope) > 0.01 || math.Abs(rep.PMPs[0].Expected-level) > 0.1 {
		t.Errorf("slope %v, expected %v; want about 0 and %v", rep.Trend.Slope, rep.PMPs[0].Expected, level)
	}
	if n := len(rep.Series); n != 9 {
		t.Errorf("series rows %d, want 6 baseline + 3 follow-up months", n)
	}
}

func TestHoursHaveNoDefault(t *testing.T) {
	t.Parallel()
	plans, data := dipData(t, [][2]int{{5, 1}})
	d, err := NewDesign(plans, day("2024-12-31"), day("2023-01-01"), Params{Selection: Selection{Mode: "all"}, Baseline: period.Days(90)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Evaluate(d, data); err == nil || !strings.Contains(err.Error(), "no default") {
		t.Errorf("evaluated without hours per incident: %v", err)
	}
	if _, _, err := ParseHours("3.5", ""); err == nil {
		t.Error("a number without a source accepted")
	}
	if h, src, err := ParseHours("kent-physical", ""); err != nil || h != 3.35 || src == "" {
		t.Errorf("preset: %v %q %v", h, src, err)
	}
}

// TestReportJSONContract checks the keys the JSON contract promises, and
// that an undefined reduction is null rather than a failure.
func TestReportJSONContract(t *testing.T) {
	t.Parallel()
	plans, data := dipData(t, [][2]int{{0, 0}, {5, 1}})
	d, err := NewDesign(plans, day("2024-12-31"), day("2023-01-01"), Params{Selection: Selection{Mode: "all"}, Baseline: period.Days(90),
		Project: Projection{Kind: "growth", Growth: 0.4}, HoursPerIncident: 2, HoursSource: "test", Replicates: 200})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Evaluate(d, data)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	for _, k := range []string{"parameters", "pmps", "summary", "reporting_sensitivity", "comparison", "sms_level", "warnings"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %s", k)
		}
	}
	sum := m["summary"].(map[string]any)
	for _, k := range []string{"pmps", "baseline_total", "expected_total", "observed_total", "prevented", "reduction_pct", "hours_per_incident", "hours_saved", "categories", "rate_ratio", "prevented_interval", "hours_saved_interval"} {
		if _, ok := sum[k]; !ok {
			t.Errorf("summary lacks %s", k)
		}
	}
	p0 := m["pmps"].([]any)[0].(map[string]any)
	for _, k := range []string{"pmp_id", "relationship_id", "baseline_count", "expected", "observed", "reduction_pct", "category", "engaged"} {
		if _, ok := p0[k]; !ok {
			t.Errorf("pmps[0] lacks %s", k)
		}
	}
	if p0["reduction_pct"] != nil {
		t.Errorf("a plan with nothing expected and nothing observed has reduction %v, want null", p0["reduction_pct"])
	}
	params := m["parameters"].(map[string]any)
	if params["projection"] != "growth:0.4" || params["seed"] == nil || params["baseline"] != "90d" {
		t.Errorf("parameters %v", params)
	}
	if !strings.Contains(strings.Join(rep.Warnings, " "), "assumption") {
		t.Errorf("growth not labelled an assumption: %v", rep.Warnings)
	}
}

// TestBothDirections: a couple's occurrences with the roles reversed count
// only when --both-directions is set.
func TestBothDirections(t *testing.T) {
	t.Parallel()
	plans := []PlanRecord{{ID: "A", RelationshipID: "rVP", VictimID: "V", PerpetratorID: "P", Status: "finalised", Opened: day("2024-04-01"), Finalised: day("2024-04-30")}}
	for _, both := range []bool{false, true} {
		p := Params{Selection: Selection{Mode: "all"}, Baseline: period.Days(90), Project: Projection{Kind: "level"}, HoursPerIncident: 1, HoursSource: "test", Replicates: 200, BothDirections: both}
		d, err := NewDesign(plans, day("2024-12-31"), day("2023-01-01"), p)
		if err != nil {
			t.Fatal(err)
		}
		occ := Occurrences{}
		// Two as recorded (V victim of P), one reversed (P reported as victim of V).
		for _, o := range []struct{ rel, v, p string }{{"rVP", "V", "P"}, {"rVP", "V", "P"}, {"rPV", "P", "V"}} {
			occ.Add(d.Params.Key(o.rel, o.v, o.p), day("2024-02-01"))
		}
		occ.Sort()
		rep, err := Evaluate(d, Data{Occurrences: occ})
		if err != nil {
			t.Fatal(err)
		}
		want := 2
		if both {
			want = 3
		}
		if got := rep.PMPs[0].Baseline; got != want {
			t.Errorf("both directions %v: baseline %d, want %d", both, got, want)
		}
	}
}
