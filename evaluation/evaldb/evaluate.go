package evaldb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tau-da/tau/queries"
	"golang.org/x/sync/errgroup"

	"github.com/tau-da/tau/analytics"
	"github.com/tau-da/tau/internal/duckdb"
	"github.com/tau-da/tau/internal/period"
	"github.com/tau-da/tau/scoring/scoredb"

	"github.com/tau-da/tau/evaluation"
	"github.com/tau-da/tau/scoring"
)

// ErrNoPlans is returned when the warehouse has no pmps table (the
// extract had no pmps.csv).
var ErrNoPlans = errors.New("the warehouse has no problem-management plans (the extract had no pmps.csv)")

// EvaluationRun is an evaluation's report and where it was written.
type EvaluationRun struct {
	ID     string
	Report *evaluation.Report
	// Folder holds the run's tables ("" if not written).
	Folder string
}

// RunOptions are how an evaluation runs, apart from what it estimates.
type RunOptions struct {
	// ToolVersion is recorded with the run; Write publishes it.
	ToolVersion string
	Write       bool
	// Progress, when set, is told of each step: reading, matching plan by
	// plan, scoring comparisons date by date, estimating.
	Progress analytics.Progress
	// inMemory matches a dip sample as a large evaluation is matched
	// (every occurrence and the pool read whole), for the test that the
	// one-pass match gives the same evaluation.
	inMemory bool
}

// Evaluate reads the warehouse's plans, occurrences and engagement, selects
// and counts the plans, scores each plan's shortlist of comparisons at the
// end of the month before it opened (reusing one session for every date),
// and returns the evaluation. With write set the run is written to
// DIR/results/evaluations/date=DAY/run=ID/ as Parquet tables (runs, pmps,
// reporting, matches, series) that notebooks read as evaluations_<table>.
func Evaluate(ctx context.Context, sess *analytics.Session, cfg *scoring.Config, p evaluation.Params, opt RunOptions) (*EvaluationRun, error) {
	toolVersion, write, progress := opt.ToolVersion, opt.Write, opt.Progress
	man, db, conn, dir := sess.Manifest, sess.DB, sess.Conn, sess.Warehouse().Dir()
	have := map[string]bool{}
	for _, t := range []string{"pmps", "engagement", "pmp_actions", "offences"} {
		ok, err := sess.HasTable(ctx, t)
		if err != nil {
			return nil, fmt.Errorf("evaluate %s: %w", dir, err)
		}
		have[t] = ok
	}
	if !have["pmps"] {
		return nil, fmt.Errorf("evaluate %s: %w", dir, ErrNoPlans)
	}
	progress.Report("read plans and occurrences", 0, 1)
	plans, err := readPlans(ctx, conn)
	if err != nil {
		return nil, fmt.Errorf("evaluate %s: read pmps: %w", dir, err)
	}
	var dataFrom sql.NullTime
	if err := conn.QueryRowContext(ctx, "SELECT min(reported_at) FROM occurrences").Scan(&dataFrom); err != nil {
		return nil, fmt.Errorf("evaluate %s: %w", dir, err)
	}
	p.Defaults()
	design, err := evaluation.NewDesign(plans, man.ExtractDate, dataFrom.Time, p)
	if err != nil {
		return nil, err
	}
	design.Stopped = func() bool { return ctx.Err() != nil }
	design.Progress = func(done, total int) { progress.Report("match comparisons", done, total) }
	data, err := readData(ctx, db, design, have, design.Params.Comparison && design.FewPlans() && !design.Params.BothDirections && !opt.inMemory)
	if err != nil {
		return nil, fmt.Errorf("evaluate %s: %w", dir, err)
	}
	if design.Params.Comparison {
		if data.Shortlist == nil {
			data.Shortlist = design.Shortlist(data.Occurrences, data.Pool, evaluation.ShortlistSize)
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("evaluate %s: stopped while matching: %w", dir, err)
		}
		want := map[time.Time][]string{}
		for _, w := range design.Plans {
			d := evaluation.ScoreDate(w.Opened)
			want[d] = append(want[d], w.RelationshipID)
			for _, c := range data.Shortlist[w.ID] {
				want[d] = append(want[d], c.RelationshipID)
			}
		}
		if data.Scores, err = scoreSubsets(ctx, sess, cfg, want, progress); err != nil {
			return nil, fmt.Errorf("evaluate %s: score comparisons: %w", dir, err)
		}
	}
	progress.Report(fmt.Sprintf("estimate %d plans", len(design.Plans)), 0, 1)
	rep, err := evaluation.Evaluate(design, data)
	if err != nil {
		return nil, err
	}
	rep.GeneratedAt = time.Now().UTC().Truncate(time.Second)
	rep.Parameters.Generation, rep.Parameters.ConfigHash, rep.Parameters.ToolVersion = man.Generation, cfg.Hash, toolVersion
	params, _ := json.Marshal(rep.Parameters)
	sum := sha256.Sum256(params)
	run := &EvaluationRun{ID: rep.GeneratedAt.Format("20060102T150405Z") + "-" + hex.EncodeToString(sum[:4]), Report: rep}
	if write {
		if run.Folder, err = writeEvaluation(sess.Warehouse(), run); err != nil {
			return nil, fmt.Errorf("evaluate: write run: %w", err)
		}
	}
	return run, nil
}

// readData reads what the design's estimates need, each table on its own
// connection at once (nationally 7 million occurrences and 2 million
// relationships: the reads take the time of the longest, not the sum).
// With direct set (a dip sample), the plans are matched in one pass over
// the occurrences instead of reading them and the pool whole (matchFew);
// if the occurrences are not in relationship order they are read whole
// after all.
func readData(ctx context.Context, db *sql.DB, design *evaluation.Design, have map[string]bool, direct bool) (evaluation.Data, error) {
	data := evaluation.Data{Occurrences: evaluation.Occurrences{}, Engagements: evaluation.Engagements{}}
	g, gctx := errgroup.WithContext(ctx)
	read := func(what string, ok bool, f func() error) {
		if ok {
			g.Go(func() error {
				defer duckdb.Trace("read " + what)()
				if err := f(); err != nil {
					return fmt.Errorf("read %s: %w", what, err)
				}
				return nil
			})
		}
	}
	outOfOrder := false
	read("and match in one pass", direct, func() error {
		f, err := matchFew(gctx, db, design, evaluation.ShortlistSize)
		if errors.Is(err, errNotInOrder) {
			outOfOrder = true
			return nil
		}
		if err == nil {
			data.Shortlist, data.Occurrences, data.PoolSize = f.shortlist, f.occ, f.pool
		}
		return err
	})
	read("engagement", have["engagement"], func() error { return readEngagement(gctx, db, data.Engagements) })
	var plans, perps []string
	for _, w := range design.Plans {
		plans, perps = append(plans, w.ID), append(perps, w.PerpetratorID)
	}
	read("actions", have["pmp_actions"], func() (err error) { data.Actions, err = readActions(gctx, db, plans); return err })
	read("offence outcomes", have["offences"], func() (err error) { data.Outcomes, err = readOutcomes(gctx, db, perps); return err })
	read("occurrences", !direct, func() error { return readOccurrences(gctx, db, design, data.Occurrences) })
	read("relationships", !direct && design.Params.Comparison, func() (err error) { data.Pool, err = readPool(gctx, db); return err })
	if err := g.Wait(); err != nil || !outOfOrder {
		return data, err
	}
	// The one pass found the occurrences out of order: read them whole.
	g, gctx = errgroup.WithContext(ctx)
	read("occurrences", true, func() error { return readOccurrences(gctx, db, design, data.Occurrences) })
	read("relationships", true, func() (err error) { data.Pool, err = readPool(gctx, db); return err })
	return data, g.Wait()
}

// querier is a connection or a pool of them.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func readPlans(ctx context.Context, conn querier) ([]evaluation.PlanRecord, error) {
	rows, err := conn.QueryContext(ctx, queries.Must("evaluation", "plans"))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []evaluation.PlanRecord
	for rows.Next() {
		var r evaluation.PlanRecord
		var fin sql.NullTime
		if err := rows.Scan(&r.ID, &r.RelationshipID, &r.VictimID, &r.PerpetratorID, &r.Opened, &fin, &r.Status, &r.Stage); err != nil {
			return nil, err
		}
		r.Finalised = fin.Time
		out = append(out, r)
	}
	return out, rows.Err()
}

// readOccurrences indexes occurrences under the design's key; without a
// comparison only the plans' own are kept. The warehouse keeps
// occurrences in relationship order, so a key's occurrences mostly come
// together: each run of them is added with one lookup and one copy of the
// key (nationally 7 million occurrences under 2 million keys).
func readOccurrences(ctx context.Context, db *sql.DB, d *evaluation.Design, occ evaluation.Occurrences) error {
	keep := map[string]bool{}
	for _, w := range d.Plans {
		keep[w.Key] = true
	}
	var key string
	var times []time.Time
	started, kept := false, false
	err := scanOccurrences(ctx, db, d.Params.BothDirections, func(k string, at time.Time) {
		if !started || k != key {
			if kept {
				occ[key] = times
			}
			key, started = strings.Clone(k), true
			kept = d.Params.Comparison || keep[key]
			times = occ[key]
		}
		if kept {
			times = append(times, at)
		}
	})
	if kept {
		occ[key] = times
	}
	occ.Sort()
	return err
}

// idList joins ids for a query's list parameter (split on chr(31)).
func idList(ids []string) string { return strings.Join(ids, "\x1f") }

// readActions lists the plans' actions by plan id.
func readActions(ctx context.Context, conn querier, plans []string) (map[string][]evaluation.Action, error) {
	rows, err := conn.QueryContext(ctx, queries.Must("evaluation", "actions"), sql.Named("plans", idList(plans)))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]evaluation.Action{}
	for rows.Next() {
		var id string
		var a evaluation.Action
		var done sql.NullTime
		if err := rows.Scan(&id, &a.Type, &a.Raised, &done); err != nil {
			return nil, err
		}
		a.Completed = done.Time
		out[id] = append(out[id], a)
	}
	return out, rows.Err()
}

// readOutcomes lists the offences with an outcome of the plans'
// perpetrators, by perpetrator id.
func readOutcomes(ctx context.Context, conn querier, perpetrators []string) (map[string][]evaluation.Outcome, error) {
	rows, err := conn.QueryContext(ctx, queries.Must("evaluation", "outcomes"), sql.Named("perpetrators", idList(perpetrators)))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]evaluation.Outcome{}
	for rows.Next() {
		var id string
		var o evaluation.Outcome
		if err := rows.Scan(&id, &o.At, &o.Outcome); err != nil {
			return nil, err
		}
		out[id] = append(out[id], o)
	}
	return out, rows.Err()
}

func readEngagement(ctx context.Context, conn querier, eng evaluation.Engagements) error {
	rows, err := conn.QueryContext(ctx, "SELECT person_id, agency, started_at, ended_at FROM engagement")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var e evaluation.Engagement
		var end sql.NullTime
		if err := rows.Scan(&id, &e.Agency, &e.From, &end); err != nil {
			return err
		}
		// An engagement's end date covers that whole day.
		if end.Valid {
			e.To = period.Day(end.Time).AddDate(0, 0, 1)
		}
		eng[id] = append(eng[id], e)
	}
	return rows.Err()
}

// readPool lists every relationship with the date its couple's first plan
// opened (in either direction; zero if never): the comparison pool, from
// which each plan takes those not yet planned at its opening.
func readPool(ctx context.Context, conn querier) ([]evaluation.Candidate, error) {
	rows, err := conn.QueryContext(ctx, queries.Must("evaluation", "pool"))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []evaluation.Candidate
	for rows.Next() {
		var c evaluation.Candidate
		var opened sql.NullTime
		if err := rows.Scan(&c.RelationshipID, &c.VictimID, &c.PerpetratorID, &opened); err != nil {
			return nil, err
		}
		c.PlanOpened = opened.Time
		out = append(out, c)
	}
	return out, rows.Err()
}

// scoreSubsets scores the wanted relationships at each date in one
// session: the scope is cut to them, so each run reads only their
// perpetrators' records. The scores are the same as a full run's (a
// relationship's score depends on its own and its perpetrator's records
// only, never on the others in scope).
func scoreSubsets(ctx context.Context, sess *analytics.Session, cfg *scoring.Config, want map[time.Time][]string, progress analytics.Progress) (map[time.Time]map[string]evaluation.Scored, error) {
	dates := make([]time.Time, 0, len(want))
	for d := range want {
		dates = append(dates, d)
	}
	out := map[time.Time]map[string]evaluation.Scored{}
	err := scoredb.ScoreDates(ctx, sess, cfg, dates, want, func(d time.Time, s *scoring.Score) error {
		if out[d] == nil {
			progress.Report("score comparisons as of "+d.Format("2006-01-02"), len(out), len(dates))
			out[d] = map[string]evaluation.Scored{}
		}
		out[d][s.RelationshipID] = evaluation.Scored{Score: s.Total, Band: s.Band}
		return nil
	})
	return out, err
}

// evaluationTables are the tables of an evaluation run.
var evaluationTables = []analytics.ResultTable{
	{Name: "runs", Columns: `run_id VARCHAR, generated_at TIMESTAMP, generation VARCHAR, config_hash VARCHAR, tool_version VARCHAR, projection VARCHAR,
  baseline_window VARCHAR, followup_window VARCHAR, hours_per_incident DOUBLE, hours_source VARCHAR, engaged_reporting_uplift DOUBLE, seed UBIGINT,
  pmps INTEGER, baseline_total INTEGER, expected_total DOUBLE, observed_total INTEGER, prevented DOUBLE, reduction_pct DOUBLE, hours_saved DOUBLE,
  prevented_lower DOUBLE, prevented_upper DOUBLE, rate_ratio DOUBLE, rate_ratio_lower DOUBLE, rate_ratio_upper DOUBLE, rate_ratio_p DOUBLE,
  naive_reduction_pct DOUBLE, did_reduction_pct DOUBLE, did_lower DOUBLE, did_upper DOUBLE, sms_level INTEGER, warnings VARCHAR[], report VARCHAR,
  headline_available BOOLEAN, headline_estimand VARCHAR, headline_method VARCHAR, headline_reduction DOUBLE, headline_lower DOUBLE, headline_upper DOUBLE,
  headline_prevented DOUBLE, headline_prevented_lower DOUBLE, headline_prevented_upper DOUBLE, headline_hours DOUBLE, headline_hours_lower DOUBLE,
  headline_hours_upper DOUBLE, headline_change VARCHAR, headline_interval VARCHAR, headline_sentence VARCHAR, censored_did_reduction_pct DOUBLE,
  pre_trends_parallel BOOLEAN, pre_trends_sentence VARCHAR, power_sentence VARCHAR`},
	{Name: "pmps", Columns: `run_id VARCHAR, pmp_id VARCHAR, relationship_id VARCHAR, opened_at DATE, finalised_at DATE, baseline_from DATE, baseline_to DATE,
  followup_from DATE, followup_to DATE, baseline_count INTEGER, expected DOUBLE, observed INTEGER, reduction_pct DOUBLE, category VARCHAR,
  engaged BOOLEAN, engaged_agencies VARCHAR[], adjusted_observed DOUBLE, engaged_share DOUBLE`},
	{Name: "reporting", Columns: `run_id VARCHAR, uplift DOUBLE, adjusted_observed DOUBLE, prevented DOUBLE, reduction_pct DOUBLE`},
	{Name: "matches", Columns: `run_id VARCHAR, pmp_id VARCHAR, relationship_id VARCHAR, score_date DATE, band VARCHAR, score DOUBLE, baseline_count INTEGER,
  recent_90d_count INTEGER, followup_count INTEGER, engaged BOOLEAN, planned_later BOOLEAN`},
	{Name: "event_study", Columns: `run_id VARCHAR, period VARCHAR, "order" INTEGER, plans_count DOUBLE, plans_days DOUBLE, plans_per_30_days DOUBLE,
  comparisons_count DOUBLE, comparisons_days DOUBLE, comparisons_per_30_days DOUBLE`},
	{Name: "series", Columns: `run_id VARCHAR, pmp_id VARCHAR, "window" VARCHAR, "from" DATE, "to" DATE, t_months DOUBLE, exposure_months DOUBLE, count INTEGER,
  plan_level DOUBLE, common_slope DOUBLE, fitted DOUBLE`},
}

// writeEvaluation writes the run's tables under
// DIR/results/evaluations/date=DAY/run=ID/.
func writeEvaluation(w *analytics.Warehouse, run *EvaluationRun) (string, error) {
	res, err := w.NewResults("evaluations")
	if err != nil {
		return "", err
	}
	defer res.Abort()
	rep := run.Report
	f, num, day := analytics.FormatFloat, analytics.FormatNumber, func(t time.Time) string { return t.Format("2006-01-02") }
	s := rep.Summary
	full, err := json.Marshal(rep)
	if err != nil {
		return "", err
	}
	rr := []string{"", "", "", ""}
	if s.RateRatio != nil {
		rr = []string{num(s.RateRatio.Ratio), num(s.RateRatio.Lower), num(s.RateRatio.Upper), num(s.RateRatio.P)}
	}
	cmp := []string{"", "", "", ""}
	if c := rep.Comparison; c != nil {
		cmp = []string{num(c.Naive), num(c.DiDReduction.Estimate), num(c.DiDReduction.Lower), num(c.DiDReduction.Upper)}
	}
	p := rep.Parameters
	runRow := append([]string{rep.GeneratedAt.Format("2006-01-02 15:04:05"), p.Generation, p.ConfigHash, p.ToolVersion, p.Project.String(),
		p.Baseline.String(), p.Followup.String(), f(p.HoursPerIncident), p.HoursSource, f(p.EngagedUplift), strconv.FormatUint(p.Seed, 10),
		strconv.Itoa(s.Plans), strconv.Itoa(s.BaselineTotal), f(s.ExpectedTotal), strconv.Itoa(s.ObservedTotal), f(s.Prevented), num(float64(s.ReductionPct)),
		f(s.HoursSaved), f(s.PreventedInterval.Lower), f(s.PreventedInterval.Upper)}, rr...)
	runRow = append(append(runRow, cmp...), strconv.Itoa(rep.SMSLevel), strings.Join(rep.Warnings, "|"), string(full))
	h := rep.Headline
	censored, parallel, preTrends, power := "", "", "", ""
	if c := rep.Comparison; c != nil {
		censored = num(float64(c.CensoredReduction))
		parallel, preTrends = strconv.FormatBool(c.EventStudy.Parallel), c.EventStudy.Sentence
	}
	if rep.Power != nil {
		power = rep.Power.Sentence
	}
	runRow = append(runRow, strconv.FormatBool(h.Available), h.Estimand, h.Method, num(float64(h.Reduction)), num(float64(h.Lower)), num(float64(h.Upper)),
		num(float64(h.Prevented)), num(float64(h.PreventedLower)), num(float64(h.PreventedUpper)), num(float64(h.Hours)), num(float64(h.HoursLower)),
		num(float64(h.HoursUpper)), evaluation.ChangeWords(float64(h.Reduction)), evaluation.IntervalWords(float64(h.Lower), float64(h.Upper)), h.Sentence, censored,
		parallel, preTrends, power)
	var pmps, reporting, matches, series [][]string
	for _, pl := range rep.PMPs {
		pmps = append(pmps, []string{pl.ID, pl.RelationshipID, pl.Opened, pl.Finalised, day(pl.BaselineWindow.From), day(pl.BaselineWindow.To),
			day(pl.FollowupWindow.From), day(pl.FollowupWindow.To), strconv.Itoa(pl.Baseline), f(pl.Expected), strconv.Itoa(pl.Observed),
			num(float64(pl.ReductionPct)), pl.Category, strconv.FormatBool(pl.Engaged), strings.Join(pl.Agencies, "|"), f(pl.AdjustedObserved), f(pl.EngagedShare)})
	}
	for _, r := range rep.Reporting.Rows {
		reporting = append(reporting, []string{f(r.Uplift), f(r.AdjustedObserved), f(r.Prevented), num(float64(r.ReductionPct))})
	}
	if rep.Comparison != nil {
		for _, m := range rep.Comparison.Matches {
			matches = append(matches, []string{m.PMPID, m.RelationshipID, m.ScoreDate, m.Band, f(m.Score), strconv.Itoa(m.Baseline),
				strconv.Itoa(m.Recent), strconv.Itoa(m.Followup), strconv.FormatBool(m.Engaged), strconv.FormatBool(m.PlannedLater)})
		}
	}
	for _, r := range rep.Series {
		series = append(series, []string{r.PMPID, r.Window, day(r.From), day(r.To), f(r.T), f(r.Exposure), strconv.Itoa(r.Count), num(r.Level), f(r.Slope), f(r.Fitted)})
	}
	var events [][]string
	if c := rep.Comparison; c != nil {
		for _, e := range c.EventStudy.Rows {
			events = append(events, []string{e.Period, strconv.Itoa(e.Order), f(e.Plans), f(e.PlansDays), f(e.PlansRate), f(e.Comparisons), f(e.ComparisonsDays), f(e.ComparisonsRate)})
		}
	}
	tables := map[string][][]string{"runs": {runRow}, "pmps": pmps, "reporting": reporting, "matches": matches, "series": series, "event_study": events}
	for name, rows := range tables {
		for i, r := range rows {
			rows[i] = append([]string{run.ID}, r...)
		}
		tables[name] = rows
	}
	if err := res.WriteTables(evaluationTables, tables); err != nil {
		return "", err
	}
	return res.Publish("date="+day(rep.GeneratedAt), "run="+run.ID)
}
