package evaluation

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/tau-da/tau/internal/param"

	"github.com/tau-da/tau/internal/period"
)

// Candidate is a relationship in the comparison pool, with the day its
// couple's first plan opened (in either direction; zero if never).
type Candidate struct {
	RelationshipID, VictimID, PerpetratorID string
	PlanOpened                              time.Time
}

// notYetPlanned reports whether a candidate can stand for a plan opened on
// opened: its couple had no plan by then. This is risk-set matching (Li,
// Propert & Rosenbaum 2001, JASA 96(455)): excluding relationships that
// got a plan later would keep only those whose incidents fell away, since
// plans go to the ones that stay high, and flatter the comparison. A
// comparison that gets a plan of its own during the follow-up counts only
// until that plan (censored at treatment, reported as planned_later); one
// planned before the follow-up begins is not used.
func (c Candidate) notYetPlanned(opened time.Time) bool {
	return c.PlanOpened.IsZero() || period.Day(c.PlanOpened).After(period.Day(opened))
}

// Scored is a relationship's score and band at a plan's score date.
type Scored struct {
	Score float64
	Band  string
}

// Data is what an evaluation counts: occurrences keyed as the design's
// Key says, engagement episodes by victim, and for the comparison the pool
// of relationships without a plan and the scores of each plan's shortlist
// (keyed by score date, then relationship id; the plans' own relationships
// included).
type Data struct {
	Occurrences Occurrences
	Engagements Engagements
	Pool        []Candidate
	// PoolSize, when set, is the pool's size where it was matched without
	// being read (a dip sample's DirectMatch over the warehouse; Pool is
	// then nil and Shortlist given).
	PoolSize int
	// Shortlist is Design.Shortlist of the pool (computed when nil).
	Shortlist map[string][]Candidate
	Scores    map[time.Time]map[string]Scored
	// Actions lists each plan's actions, by plan id; Outcomes each
	// perpetrator's offences with a recorded outcome, by perpetrator id
	// (either may be nil).
	Actions  map[string][]Action
	Outcomes map[string][]Outcome
}

// HoursRow is hours saved at one number of hours per incident.
type HoursRow struct {
	HoursPerIncident float64 `json:"hours_per_incident"`
	HoursSaved       float64 `json:"hours_saved"`
}

// Reporting is the engaged-victim reporting sensitivity.
type Reporting struct {
	EngagedPlans int            `json:"engaged_plans"`
	Rows         []ReportingRow `json:"rows"`
	// TippingUplift is the engaged victims' reporting uplift at which the
	// reduction disappears (null when none can).
	TippingUplift *float64 `json:"tipping_uplift"`
}

// TrendFit is the fitted trend projection.
type TrendFit struct {
	Slope      float64 `json:"slope_per_month"`
	SlopeSE    float64 `json:"slope_se"`
	Iterations int     `json:"iterations"`
	Months     int     `json:"baseline_months"`
}

// SeriesRow is one month of a plan's series, as exported for re-fitting.
type SeriesRow struct {
	PMPID    string
	Window   string // baseline or followup
	From, To time.Time
	T        float64 // months from the plan's opening to the piece's midpoint
	Exposure float64 // months
	Count    int
	Level    float64 // the plan's fitted level (log scale)
	Slope    float64 // the common slope
	Fitted   float64
}

// MatchRow is one comparison matched to a plan.
type MatchRow struct {
	PMPID          string  `json:"pmp_id"`
	RelationshipID string  `json:"relationship_id"`
	ScoreDate      string  `json:"score_date"`
	Band           string  `json:"band"`
	Score          float64 `json:"score"`
	Baseline       int     `json:"baseline_count"`
	Recent         int     `json:"recent_90d_count"`
	Followup       int     `json:"followup_count"`
	Engaged        bool    `json:"engaged"`
	// PlannedLater says the comparison's couple got a plan of its own
	// during the follow-up window (it stays a comparison: intention to
	// treat).
	PlannedLater bool `json:"planned_later"`
}

// ComparisonResult is the comparison group and the difference in
// differences.
type ComparisonResult struct {
	Method       string   `json:"method"`
	Pool         int      `json:"pool"`
	PerPlan      int      `json:"comparisons_per_plan"`
	Matched      int      `json:"matched_plans"`
	Unmatched    []string `json:"unmatched_pmps"`
	PlannedLater int      `json:"comparisons_planned_later"`
	// CensoredReduction is the sensitivity with each comparison's
	// follow-up cut at a plan of its own (percent; NaN if undefined).
	CensoredReduction Number `json:"censored_did_reduction_pct"`
	// Prevented is the incidents the plans prevented under the difference
	// in differences, with its bootstrap interval.
	Prevented Interval `json:"prevented"`
	// Stacked is the primary estimate: the stacked fixed-effects Poisson
	// model with cluster-robust errors (FitStacked), nil when it cannot be
	// fitted; StackedPrevented the incidents it implies, with its interval.
	Stacked          *StackedFit `json:"stacked,omitempty"`
	StackedPrevented Interval    `json:"stacked_prevented"`
	// StackedReported is the stacked estimate on reported incidents alone
	// (no uplift assumed), beside a headline that assumes one.
	StackedReported *StackedFit `json:"stacked_reported_incidents,omitempty"`
	// TippingUplift is the engaged victims' reporting uplift at which the
	// stacked estimate's change disappears (nil: none in 0.001 to 1000).
	TippingUplift *float64 `json:"tipping_uplift"`
	// EventStudy is the monthly series of plans and comparisons from a
	// year before opening to the end of follow-up.
	EventStudy EventStudy `json:"event_study"`
	// ByAction is the stacked estimate among the plans with each type of
	// action: exploratory (not the action's effect, and one of many
	// comparisons).
	ByAction []ActionEffect `json:"by_action"`
	// ByStage is the same among the plans opened at each timeline stage.
	ByStage      []ActionEffect `json:"by_stage_at_opening"`
	Reuse        Reuse          `json:"reuse"`
	Naive        float64        `json:"naive_reduction_pct"`
	DiD          DiD            `json:"difference_in_differences"`
	DiDReduction Interval       `json:"did_reduction_pct"`
	Balance      []Balance      `json:"balance"`
	Comparable   bool           `json:"comparable"`
	Matches      []MatchRow     `json:"matches"`
}

// Report is an evaluation run's results: the JSON contract of tau evaluate
// and the rows of its warehouse tables.
type Report struct {
	// Headline is the most defensible estimate, which every output leads
	// with; the rest is the unit's method and the sensitivities.
	Headline Headline `json:"headline"`
	// Power is the smallest reduction this many plans could detect.
	Power *Power `json:"power"`
	// Outputs is what the plans did (actions, follow-up outcomes), shown
	// beside the results and never added to them.
	Outputs    Outputs           `json:"outputs"`
	Parameters Parameters        `json:"parameters"`
	PMPs       []Plan            `json:"pmps"`
	Summary    Summary           `json:"summary"`
	HoursRange []HoursRow        `json:"hours_range"`
	Reporting  Reporting         `json:"reporting_sensitivity"`
	Trend      *TrendFit         `json:"trend,omitempty"`
	Comparison *ComparisonResult `json:"comparison"`
	SMSLevel   int               `json:"sms_level"`
	Warnings   []string          `json:"warnings"`
	Excluded   []Exclusion       `json:"excluded"`
	Series     []SeriesRow       `json:"-"`
	// refit refits the projection on a resample of plans (trend only).
	refit       func(draws []int) ([]float64, error)
	GeneratedAt time.Time `json:"generated_at"`
}

// Parameters records everything needed to re-run.
type Parameters struct {
	Params
	ProjectionLabel string   `json:"projection_label"`
	Eligible        int      `json:"eligible_pmps"`
	SampleIDs       []string `json:"sample_ids"`
	ExtractEnd      string   `json:"extract_end"`
	Generation      string   `json:"warehouse_generation"`
	ConfigHash      string   `json:"config_hash"`
	ToolVersion     string   `json:"tool_version"`
}

// hoursRange is the span of hours per incident every output shows
// (scoring-evaluation.md 6.3: always report hours saved across 2-12 h).
var hoursRange = []float64{2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}

// reportingUplifts is the engaged-victim sensitivity grid, 0.5 to 2.0.
var reportingUplifts = []float64{0.5, 0.75, 1, 1.25, 1.5, 1.75, 2}

// trendWarnRatio is how far above the level projection the trend may go
// before a warning says the rise before the plans is being extrapolated.
const trendWarnRatio = 1.5

// balancedSMD is the largest standardised mean difference taken as
// comparable (Stuart 2010, Statistical Science 25(1): 0.25).
const balancedSMD = 0.25

// Evaluate counts, projects and totals the design's plans, with the
// uncertainty, the reporting sensitivity and, when asked, the comparison.
func Evaluate(d *Design, data Data) (*Report, error) {
	p := d.Params
	if !(p.HoursPerIncident > 0) {
		return nil, fmt.Errorf("evaluate: %w", param.Errorf("hours_per_incident", "", "has no default; give it with its source, such as 3.35 (Kent, physical response to a DA incident), or a preset: %s", PresetList()))
	}
	if !(p.EngagedUplift > 0) {
		return nil, fmt.Errorf("evaluate: %w", param.Errorf("engaged_uplift", "", "must be above 0 (1 = engaged victims report as often as others)"))
	}
	rep := &Report{Excluded: d.Excluded, Warnings: []string{}}
	if rep.Excluded == nil {
		rep.Excluded = []Exclusion{}
	}
	rep.Parameters = Parameters{Params: p, ProjectionLabel: p.Project.Label(), Eligible: d.Eligible, SampleIDs: d.Drawn, ExtractEnd: fmtDay(d.ExtractEnd)}
	if rep.Parameters.SampleIDs == nil {
		rep.Parameters.SampleIDs = []string{}
	}
	plans := make([]Plan, len(d.Plans))
	shares := make([]float64, len(d.Plans))
	followupOutcomes := make([][]Outcome, len(d.Plans))
	for i, w := range d.Plans {
		pl := Plan{ID: w.ID, RelationshipID: w.RelationshipID, Opened: fmtDay(w.Opened), Finalised: fmtDay(w.Finalised),
			BaselineWindow: w.Baseline, FollowupWindow: w.Followup,
			Baseline: data.Occurrences.Count(w.Key, w.Baseline), Observed: data.Occurrences.Count(w.Key, w.Followup),
			BaselineDays: w.Baseline.Days(), FollowupDays: w.Followup.Days()}
		pl.Actions = countActions(data.Actions[w.ID])
		var outs []Outcome
		for _, o := range data.Outcomes[w.PerpetratorID] {
			if w.Followup.Contains(o.At) {
				outs = append(outs, o)
			}
		}
		followupOutcomes[i] = outs
		during := Span{From: w.Baseline.To, To: w.Followup.From}
		pl.During, pl.DuringDays = data.Occurrences.Count(w.Key, during), during.Days()
		pl.Agencies = data.Engagements.During(w.VictimID, w.Followup)
		pl.Engaged = len(pl.Agencies) > 0
		pl.EngagedShare = data.Engagements.Share(w.VictimID, w.Followup)
		shares[i] = pl.EngagedShare
		if pl.Agencies == nil {
			pl.Agencies = []string{}
		}
		pl.AdjustedObserved = Adjust(float64(pl.Observed), pl.EngagedShare, p.EngagedUplift)
		plans[i] = pl
	}
	if err := rep.project(d, data, plans); err != nil {
		return nil, err
	}
	rep.PMPs, rep.Summary = Summarise(plans, p.HoursPerIncident)
	rep.Outputs = totalOutputs(rep.PMPs, followupOutcomes)
	rep.Summary.Projection = p.Project.Label()
	for _, pl := range rep.PMPs {
		rep.Summary.During += pl.During
		rep.Summary.DuringDays += pl.DuringDays
	}
	rep.Summary.EngagedUplift = p.EngagedUplift
	for _, pl := range rep.PMPs {
		rep.Summary.AdjustedObserved += pl.AdjustedObserved
	}
	rep.Summary.AdjustedPrevented = rep.Summary.ExpectedTotal - rep.Summary.AdjustedObserved
	rep.Summary.AdjustedReductionPct = pct(Reduction(rep.Summary.ExpectedTotal, rep.Summary.AdjustedObserved))
	for _, h := range hoursRange {
		rep.HoursRange = append(rep.HoursRange, HoursRow{HoursPerIncident: h, HoursSaved: rep.Summary.Prevented * h})
	}
	if err := rep.uncertainty(d); err != nil {
		return nil, err
	}
	prevented := rep.bootstrapPrevented(d)
	rep.Reporting = Reporting{Rows: ReportingSensitivity(rep.PMPs, shares, reportingUplifts)}
	for _, pl := range rep.PMPs {
		if pl.Engaged {
			rep.Reporting.EngagedPlans++
		}
	}
	if t := TippingUplift(rep.PMPs, shares); !math.IsNaN(t) {
		rep.Reporting.TippingUplift = &t
	}
	comparable := false
	if p.Comparison {
		c, err := compare(d, data, rep.PMPs)
		if err != nil {
			rep.Warnings = append(rep.Warnings, "comparison group: "+err.Error())
		} else {
			rep.Comparison = c
			comparable = c.Comparable
			if !c.Comparable {
				rep.Warnings = append(rep.Warnings, fmt.Sprintf("the comparison group is not comparable enough for level 3 (every plan matched and every standardised difference within %.2f); read its estimate with care", balancedSMD))
			}
		}
	}
	if err := prevented(); err != nil {
		return nil, err
	}
	rep.Headline = headline(p, len(rep.PMPs), rep.Comparison)
	switch {
	case rep.Comparison != nil && rep.Comparison.Stacked != nil:
		pw := MinimumDetectable(len(rep.PMPs), rep.Comparison.Stacked.SE, "the stacked model's cluster-robust standard error")
		rep.Power = &pw
	case rep.Summary.RobustRateRatio != nil:
		pw := MinimumDetectable(len(rep.PMPs), rep.Summary.RobustRateRatio.SE, "the robust rate ratio's standard error (no comparison group)")
		rep.Power = &pw
	}
	var warning string
	rep.SMSLevel, warning = SMSLevel(comparable)
	if warning != "" {
		rep.Warnings = append(rep.Warnings, warning)
	}
	rep.warn(d)
	return rep, nil
}

// project sets each plan's expected count under the projection.
func (rep *Report) project(d *Design, data Data, plans []Plan) error {
	p := d.Params
	if p.Project.Kind != "trend" {
		for i := range plans {
			plans[i].Expected = p.Project.Expected(plans[i].Baseline, plans[i].BaselineDays, plans[i].FollowupDays)
		}
		return nil
	}
	series := make([]Series, len(d.Plans))
	follow := make([][]Month, len(d.Plans))
	type piece struct {
		window string
		span   Span
		m      Month
	}
	pieces := make([][]piece, len(d.Plans))
	for i, w := range d.Plans {
		series[i].PlanID = w.ID
		origin := period.Day(w.Opened)
		for _, s := range w.Baseline.Pieces() {
			t, e := monthOf(s, origin)
			m := Month{T: t, Count: data.Occurrences.Count(w.Key, s), Exposure: e}
			series[i].Months = append(series[i].Months, m)
			pieces[i] = append(pieces[i], piece{"baseline", s, m})
		}
		for _, s := range w.Followup.Pieces() {
			t, e := monthOf(s, origin)
			m := Month{T: t, Count: data.Occurrences.Count(w.Key, s), Exposure: e}
			follow[i] = append(follow[i], m)
			pieces[i] = append(pieces[i], piece{"followup", s, m})
		}
	}
	tr, err := FitTrend(series)
	if err != nil {
		return fmt.Errorf("evaluate: trend projection: %w", err)
	}
	// The bootstrap refits the common slope on every resample of plans.
	rep.refit = func(draws []int) ([]float64, error) {
		rs := make([]Series, len(draws))
		for i, k := range draws {
			rs[i] = Series{PlanID: strconv.Itoa(i), Months: series[k].Months}
		}
		t, err := FitTrend(rs)
		if err != nil {
			return nil, err
		}
		out := make([]float64, len(draws))
		for i, k := range draws {
			out[i] = t.Expected(strconv.Itoa(i), follow[k])
		}
		return out, nil
	}
	rep.Trend = &TrendFit{Slope: tr.Slope, SlopeSE: tr.SlopeSE, Iterations: tr.Iterations, Months: len(series[0].Months)}
	for i, w := range d.Plans {
		plans[i].Expected = tr.Expected(w.ID, follow[i])
		level := tr.Levels[w.ID]
		for _, pc := range pieces[i] {
			fitted := 0.0
			if !math.IsInf(level, -1) {
				fitted = pc.m.Exposure * math.Exp(level+tr.Slope*pc.m.T)
			}
			rep.Series = append(rep.Series, SeriesRow{PMPID: w.ID, Window: pc.window, From: pc.span.From, To: pc.span.To,
				T: pc.m.T, Exposure: pc.m.Exposure, Count: pc.m.Count, Level: level, Slope: tr.Slope, Fitted: fitted})
		}
	}
	return nil
}

// uncertainty adds the exact rate ratio and the robust one (the bootstrap
// of what was prevented is bootstrapPrevented).
func (rep *Report) uncertainty(d *Design) error {
	s := &rep.Summary
	var be, fe float64
	for _, pl := range rep.PMPs {
		be += pl.BaselineDays
		fe += pl.FollowupDays
	}
	rr, err := ExactRateRatio(s.BaselineTotal, be, s.ObservedTotal, fe, d.Params.Level)
	if err == nil {
		s.RateRatio = &rr
	} else if !errors.Is(err, ErrNoEvents) {
		return fmt.Errorf("evaluate: %w", err)
	} else {
		rep.Warnings = append(rep.Warnings, "no incidents before or after any plan: the rate ratio is undefined")
	}
	bs, fs := make([]int, len(rep.PMPs)), make([]int, len(rep.PMPs))
	ebs, efs := make([]float64, len(rep.PMPs)), make([]float64, len(rep.PMPs))
	for i, pl := range rep.PMPs {
		bs[i], fs[i], ebs[i], efs[i] = pl.Baseline, pl.Observed, pl.BaselineDays, pl.FollowupDays
	}
	if rr, err := RobustRatio(bs, fs, ebs, efs, d.Params.Level); err == nil {
		s.RobustRateRatio = &rr
	}
	return nil
}

// bootstrapPrevented starts the bootstrap of the incidents prevented
// (nationally 2,000 draws of 84 thousand plans) beside what follows, which
// does not change the plans; the function it returns waits for it and
// sets the intervals of incidents prevented and hours saved.
func (rep *Report) bootstrapPrevented(d *Design) func() error {
	type result struct {
		iv  Interval
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := BootstrapPrevented(rep.PMPs, d.Params.Replicates, d.Params.Level, d.Params.Seed, rep.refit)
		done <- result{b, err}
	}()
	return func() error {
		r := <-done
		if r.err != nil {
			return fmt.Errorf("evaluate: %w", r.err)
		}
		s, b := &rep.Summary, r.iv
		s.PreventedInterval = b
		s.HoursSavedInterval = Interval{Estimate: b.Estimate * s.HoursPerIncident, Lower: b.Lower * s.HoursPerIncident, Upper: b.Upper * s.HoursPerIncident, Level: b.Level}
		return nil
	}
}

// warn adds the warnings a reader must see.
func (rep *Report) warn(d *Design) {
	p := d.Params
	if p.Project.Kind == "growth" {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("the projection assumes incidents would have grown by %.0f%% without the plan; that is an assumption, not an estimate, so the expected count and everything saved depend on it", 100*p.Project.Growth))
	}
	if p.Baseline != p.Followup {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("the baseline (%s) and follow-up (%s) windows differ in length: counts are compared as rates per day, never as raw counts", p.Baseline, p.Followup))
	}
	if p.Project.Kind == "trend" {
		level := 0.0
		for _, pl := range rep.PMPs {
			level += float64(pl.Baseline) * pl.FollowupDays / pl.BaselineDays
		}
		if level > 0 && rep.Summary.ExpectedTotal > trendWarnRatio*level {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("the trend projection expects %.1f times the baseline rate (%.0f against %.0f): plans open after a rise, and carrying that rise forward "+
				"overstates what would have happened; read it as an upper bound beside the level projection and the comparison group", rep.Summary.ExpectedTotal/level, rep.Summary.ExpectedTotal, level))
		}
	}
	if len(d.Excluded) > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("plans left out (listed under excluded): %d; the first, %s, %s", len(d.Excluded), d.Excluded[0].PMPID, d.Excluded[0].Reason))
	}
	if len(d.Plans) < 20 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("only %d plans: intervals are wide and one plan can move the total", len(d.Plans)))
	}
	zero := 0
	for _, pl := range rep.PMPs {
		if pl.Baseline == 0 {
			zero++
		}
	}
	if zero > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d plans had no incident in the baseline window, so nothing was expected of them", zero))
	}
}

// compare matches the plans to relationships without a plan and estimates
// the difference in differences.
func compare(d *Design, data Data, plans []Plan) (*ComparisonResult, error) {
	p := d.Params
	pool := len(data.Pool)
	if data.PoolSize > 0 {
		pool = data.PoolSize
	}
	if pool == 0 {
		return nil, errors.New("no relationship without a plan to compare with")
	}
	shortlist := data.Shortlist
	if shortlist == nil {
		shortlist = d.Shortlist(data.Occurrences, data.Pool, ShortlistSize)
	}
	// Each plan's units are its own: they are made in parallel
	// (nationally 5 million comparison units) and gathered in plan order.
	treated := make([]Unit, len(d.Plans))
	pooled := make([][]Unit, len(d.Plans))
	inParts(len(d.Plans), runtime.GOMAXPROCS(0), func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			treated[i], pooled[i] = d.planUnits(data, d.Plans[i], plans[i], shortlist[d.Plans[i].ID])
		}
	})
	pools := make(map[string][]Unit, len(d.Plans))
	for i, w := range d.Plans {
		if len(pooled[i]) > 0 {
			pools[w.ID] = pooled[i]
		}
	}
	match := Match
	if p.WithoutReplacement {
		match = MatchWithout
	}
	matches, unmatched, err := match(treated, pools, p.ComparisonsPerPlan)
	if err != nil {
		return nil, err
	}
	did, err := DifferenceInDifferences(treated, matches, p.EngagedUplift)
	if err != nil {
		return nil, err
	}
	censored := censor(d, data, matches)
	c := &ComparisonResult{
		Method: fmt.Sprintf("each plan matched "+replacement(p.WithoutReplacement)+" to up to %d relationships without a plan at its opening: same band, nearest on baseline count, "+
			"count in the %d days before opening and score, all as at the end of the month before the plan opened (shortlist of %d nearest on the counts); "+
			"risk-set matching on what was known at the opening (Li, Propert and Rosenbaum 2001): a comparison that gets a plan of its own later stays a comparison "+
			"over the whole follow-up (intention to treat); difference in differences of pooled rates over the plan's own windows", p.ComparisonsPerPlan, recentDays, ShortlistSize),
		Pool: pool, PerPlan: p.ComparisonsPerPlan, Matched: len(treated) - len(unmatched), Unmatched: unmatched, DiD: did,
		Balance: BalanceTable(treated, matches),
	}
	if c.Unmatched == nil {
		c.Unmatched = []string{}
	}
	// The naive before/after is the plans' own rate ratio over the same
	// matched plans, which the difference in differences already holds.
	c.Naive = 100 * (1 - did.TreatedRatio)
	// The bootstrap (nationally 2,000 draws of 84 thousand plans) runs
	// beside the sensitivities below, which do not need it.
	type bootstrap struct {
		iv, prevented Interval
		err           error
	}
	boot := make(chan bootstrap, 1)
	go func() {
		var b bootstrap
		b.iv, b.prevented, b.err = BootstrapDiD(treated, matches, p.EngagedUplift, p.Replicates, p.Level, p.Seed)
		boot <- b
	}()
	if cd, err := DifferenceInDifferences(treated, censored, p.EngagedUplift); err == nil {
		c.CensoredReduction = Number(100 * cd.Reduction)
	} else {
		c.CensoredReduction = Number(math.NaN())
	}
	c.Reuse = reuse(matches)
	c.EventStudy = eventStudy(d, data, treated, matches)
	if fit, err := FitStacked(stackedUnits(treated, matches, p.EngagedUplift), p.Level); err == nil {
		c.Stacked = &fit
		c.StackedPrevented = stackedPrevented(did.TreatedFollowup, fit)
		// The uplift at which the primary estimate's change disappears.
		u := tipping(func(u float64) float64 {
			f, err := FitStacked(stackedUnits(treated, matches, u), p.Level)
			if err != nil {
				return math.NaN()
			}
			return f.Effect
		})
		if !math.IsNaN(u) {
			c.TippingUplift = &u
		}
		c.ByAction = byAction(treated, matches, plans, p)
		c.ByStage = byStage(treated, matches, d.Plans, p)
		if p.EngagedUplift != 1 {
			if f, err := FitStacked(stackedUnits(treated, matches, 1), p.Level); err == nil {
				c.StackedReported = &f
			}
		}
	}
	bs := <-boot
	if bs.err != nil {
		return nil, bs.err
	}
	c.Prevented = bs.prevented
	c.DiDReduction = Interval{Estimate: 100 * did.Reduction, Lower: 100 * bs.iv.Lower, Upper: 100 * bs.iv.Upper, Level: bs.iv.Level}
	c.Comparable = len(unmatched) == 0
	for _, b := range c.Balance {
		if math.Abs(b.SMD) > balancedSMD {
			c.Comparable = false
		}
	}
	for _, t := range treated {
		for _, m := range matches[t.ID] {
			c.Matches = append(c.Matches, MatchRow{PMPID: t.ID, RelationshipID: m.ID, ScoreDate: fmtDay(m.ScoreDate), Band: m.Band, Score: m.Score,
				Baseline: m.Baseline, Recent: m.Recent, Followup: m.Followup, Engaged: m.Engaged, PlannedLater: m.PlannedLater})
			if m.PlannedLater {
				c.PlannedLater++
			}
		}
	}
	return c, nil
}

// stackedUnits lays the plans and their matches out for FitStacked: one
// set per plan; each unit's offset is the log of its follow-up exposure
// (days times the reporting factor of its engaged part) over its baseline
// days.
func stackedUnits(treated []Unit, matches map[string][]Unit, uplift float64) []ModelUnit {
	var out []ModelUnit
	add := func(set int, u Unit, plan bool) {
		factor := 1 - u.EngagedShare + u.EngagedShare*uplift
		out = append(out, ModelUnit{Set: set, Treated: plan, Baseline: float64(u.Baseline), Followup: float64(u.Followup),
			Offset: math.Log(u.FollowupDays * factor / u.BaselineDays)})
	}
	for i, t := range treated {
		ms := matches[t.ID]
		if len(ms) == 0 {
			continue
		}
		add(i, t, true)
		for _, m := range ms {
			add(i, m, false)
		}
	}
	return out
}

// stackedPrevented turns the stacked estimate into incidents prevented:
// the plans' follow-up incidents had they changed only as their
// comparisons did, less those observed, with the interval of the ratio
// carried through.
func stackedPrevented(followup float64, fit StackedFit) Interval {
	at := func(ratio float64) float64 { return followup * (1/ratio - 1) }
	return Interval{Estimate: at(fit.Ratio), Lower: at(fit.RatioUpper), Upper: at(fit.RatioLower), Level: fit.Level}
}

// replacement says how comparisons were matched.
func replacement(without bool) string {
	if without {
		return "without replacement (each comparison to one plan at most)"
	}
	return "with replacement"
}

// censor returns the matches with each comparison that got a plan of its
// own during the follow-up cut at that plan (only its time without a plan
// counts; one planned before the follow-up began drops out): the censored
// sensitivity beside the intention-to-treat primary.
func censor(d *Design, data Data, matches map[string][]Unit) map[string][]Unit {
	windows := map[string]PlanWindows{}
	for _, w := range d.Plans {
		windows[w.ID] = w
	}
	out := make(map[string][]Unit, len(matches))
	for id, ms := range matches {
		w := windows[id]
		for _, u := range ms {
			if u.PlannedLater {
				if !u.PlanOpened.After(w.Followup.From) {
					continue
				}
				f := Span{From: w.Followup.From, To: u.PlanOpened}
				u.Followup, u.FollowupDays = data.Occurrences.Count(u.Key, f), f.Days()
			}
			out[id] = append(out[id], u)
		}
	}
	return out
}

// Reuse says how often matching with replacement used the same
// comparison for more than one plan.
type Reuse struct {
	// Matches is the number of (plan, comparison) pairs and Distinct the
	// number of different comparisons among them.
	Matches  int `json:"matches"`
	Distinct int `json:"distinct_comparisons"`
	// Reused is the share of matches whose comparison serves another plan
	// too; Max the most plans one comparison serves.
	Reused float64 `json:"reused_share"`
	Max    int     `json:"max_plans_per_comparison"`
}

// reuse counts the reuse of comparisons across plans.
func reuse(matches map[string][]Unit) Reuse {
	n := map[string]int{}
	var r Reuse
	for _, ms := range matches {
		for _, u := range ms {
			n[u.ID]++
			r.Matches++
		}
	}
	r.Distinct = len(n)
	reused := 0
	for _, k := range n {
		r.Max = max(r.Max, k)
		if k > 1 {
			reused += k
		}
	}
	if r.Matches > 0 {
		r.Reused = float64(reused) / float64(r.Matches)
	}
	return r
}

// unit counts a relationship over a plan's windows (nationally 5 million
// units: the key is looked up once for its three counts).
func (d *Design) unit(data Data, w PlanWindows, id, victim, key string, sc Scored) Unit {
	ts := data.Occurrences[key]
	return Unit{ID: id, Key: key, Band: sc.Band, Score: sc.Score, ScoreDate: ScoreDate(w.Opened),
		Baseline: countIn(ts, w.Baseline), Recent: countIn(ts, w.Recent), Followup: countIn(ts, w.Followup),
		Engaged: len(data.Engagements.During(victim, w.Followup)) > 0, EngagedShare: data.Engagements.Share(victim, w.Followup),
		BaselineDays: w.Baseline.Days(), FollowupDays: w.Followup.Days()}
}

// ShortlistSize is how many candidates per plan are scored: the nearest on
// the baseline and 90-day counts (scoring every relationship at every
// plan's date would cost a full scoring run per month).
const ShortlistSize = 60

// Shortlist returns, for each plan, the candidates nearest on the baseline
// and recent counts (sum of absolute differences; ties to the lower id),
// among those not yet planned at its opening with at least one baseline
// occurrence. Many plans are matched in order of opening through an
// index of the pool by counts (matcher), so a national pool is not
// scanned once per plan; a few (up to directPlans, a dip sample) by one
// pass over the pool that counts each candidate's windows for every plan
// at once. The test keeps the plain scan both must equal.
func (d *Design) Shortlist(occ Occurrences, pool []Candidate, size int) map[string][]Candidate {
	keys := d.poolKeys(pool)
	var found [][]Candidate
	if d.FewPlans() {
		found = d.shortlistDirect(occ, pool, keys, size)
	} else {
		found = d.shortlistIndexed(occ, pool, keys, size)
	}
	return d.byPlan(found)
}

// poolKeys is each pool entry's occurrence key.
func (d *Design) poolKeys(pool []Candidate) []string {
	keys := make([]string, len(pool))
	for i, c := range pool {
		keys[i] = d.Params.Key(c.RelationshipID, c.VictimID, c.PerpetratorID)
	}
	return keys
}

// byPlan files each plan's shortlist (found, in the order of d.Plans)
// under its id, leaving out plans with none.
func (d *Design) byPlan(found [][]Candidate) map[string][]Candidate {
	out := map[string][]Candidate{}
	for pi, cs := range found {
		if len(cs) > 0 {
			out[d.Plans[pi].ID] = cs
		}
	}
	return out
}

// shortlistIndexed matches the plans, in order of opening, split into one
// run of plans per core, each matched by its own windows over one shared
// index (matcher): a plan's shortlist depends only on the counts in its
// windows, not on the plans before it.
func (d *Design) shortlistIndexed(occ Occurrences, pool []Candidate, keys []string, size int) [][]Candidate {
	order := make([]int, len(d.Plans))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return d.Plans[order[a]].Opened.Before(d.Plans[order[b]].Opened) })
	idx := newMatcher(occ, keys, pool)
	ms := []*matcher{idx}
	for len(ms) < runtime.GOMAXPROCS(0) {
		ms = append(ms, idx.fork())
	}
	found := make([][]Candidate, len(d.Plans))
	done := 0
	var mu sync.Mutex
	inParts(len(order), len(ms), func(part, lo, hi int) {
		m := ms[part]
		for _, pi := range order[lo:hi] {
			if d.stopped() {
				return
			}
			if d.Progress != nil {
				mu.Lock() // (so the count reported never goes back)
				d.Progress(done, len(d.Plans))
				done++
				mu.Unlock()
			}
			w := d.Plans[pi]
			m.slide(w.Baseline, w.Recent)
			b, r := int32(occ.Count(w.Key, w.Baseline)), int32(occ.Count(w.Key, w.Recent))
			found[pi] = m.nearest(pool, b, r, size, dayNumber(w.Opened), m.keyOf(w.Key))
		}
	})
	return found
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// planUnits makes a plan's unit and its shortlisted candidates' units,
// each as at the end of the month before the plan opened.
func (d *Design) planUnits(data Data, w PlanWindows, pl Plan, shortlist []Candidate) (Unit, []Unit) {
	scores := data.Scores[ScoreDate(w.Opened)]
	own, ok := scores[w.RelationshipID]
	if !ok {
		// Not in scope at the score date: no score yet.
		own = Scored{Band: "green"}
	}
	// The plan's unit goes by the plan's id: its pool and matches are
	// keyed by plan.
	t := d.unit(data, w, w.ID, w.VictimID, w.Key, own)
	t.Followup, t.Engaged, t.EngagedShare = pl.Observed, pl.Engaged, pl.EngagedShare
	var pool []Unit
	for _, c := range shortlist {
		sc, ok := scores[c.RelationshipID]
		if !ok {
			continue
		}
		// Eligibility is decided at the plan's opening from what was
		// known then (risk-set matching; Li, Propert and Rosenbaum 2001,
		// JASA 96: 870-882): a relationship not yet planned stays a
		// comparison over the whole follow-up even if it gets a plan of
		// its own later (intention to treat); its later plan is
		// recorded, and its follow-up cut there for the censored
		// sensitivity.
		key := d.Params.Key(c.RelationshipID, c.VictimID, c.PerpetratorID)
		u := d.unit(data, w, c.RelationshipID, c.VictimID, key, sc)
		u.PlannedLater = !c.PlanOpened.IsZero() && c.PlanOpened.Before(w.Followup.To)
		if u.PlannedLater {
			u.PlanOpened = period.Day(c.PlanOpened)
		}
		pool = append(pool, u)
	}
	return t, pool
}

// inParts splits [0, n) into parts runs of about equal length and calls
// fn with each run's number and bounds, all at once; it returns when every
// run has.
func inParts(n, parts int, fn func(part, lo, hi int)) {
	var wg sync.WaitGroup
	for p := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(p, p*n/parts, (p+1)*n/parts)
		}()
	}
	wg.Wait()
}

// adjusted is a unit's follow-up count with the reporting uplift taken
// out pro rata (Adjust).
func adjusted(u Unit, uplift float64) float64 {
	return Adjust(float64(u.Followup), u.EngagedShare, uplift)
}

// pct turns a reduction into a percentage (NaN stays NaN).
func pct(r float64, _ string) Number { return Number(100 * r) }
