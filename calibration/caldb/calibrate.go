package caldb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tau-da/tau/queries"

	"github.com/tau-da/tau/analytics"
	"github.com/tau-da/tau/internal/period"
	"github.com/tau-da/tau/scoring/scoredb"

	"github.com/tau-da/tau/calibration"
	"github.com/tau-da/tau/scoring"
)

// CalibrationOptions choose the samples and the outcome.
type CalibrationOptions struct {
	// From and To bound the as-of dates (zero: from a year after the first
	// occurrence; to the last date whose horizon ends by the extract's end).
	From, To time.Time
	Every    period.Length
	Horizon  period.Length
	// Outcome is serious_harm or revictimisation.
	Outcome string
	// MinDays is the CCHI days at or above which an offence is serious
	// harm; Codes are offence classes that always are (the
	// configuration's strangulation codes are added).
	MinDays float64
	Codes   []string
	Params  calibration.Params
	// MaxSamples bounds the samples kept (0: DefaultMaxSamples): when the
	// relationships times the as-of dates exceed it, negatives are kept
	// with probability MaxSamples / (relationships x dates) and weighted by
	// its inverse (case-control sampling); every positive is kept.
	MaxSamples int
	// NegativeRate, when set (0 to 1), is the share of negatives kept,
	// whatever MaxSamples says.
	NegativeRate float64
	// Progress, when set, is told of each as-of date scored and of the fit.
	Progress analytics.Progress
}

// defaults: quarterly as-of dates, a 12-month horizon, serious harm at
// CCHI 365 days or more (a year's custody: the research notes' threshold
// for the gravest DA outcomes short of homicide).
func (o *CalibrationOptions) defaults() {
	if o.Every.N == 0 {
		o.Every = period.Months(3)
	}
	if o.Horizon.N == 0 {
		o.Horizon = period.Months(12)
	}
	if o.Outcome == "" {
		o.Outcome = calibration.OutcomeSeriousHarm
	}
	if o.MinDays == 0 {
		o.MinDays = 365
	}
}

// DefaultMaxSamples is the samples a calibration keeps before it samples
// negatives: a force of 80,000 relationships at 12 quarterly dates is
// calibrated on every sample; a national pool of 2 million keeps about one
// negative in 24. A million rows of some 80 features is about 650 MB of
// design matrix and a Newton step of a few seconds on one core.
const DefaultMaxSamples = 1_000_000

// CalibrationRun is a calibration and where it was written.
type CalibrationRun struct {
	ID      string
	Report  *calibration.Report
	Samples []calibration.Sample
	Context calibration.Context
	Weights []calibration.Weight
	Folder  string
}

// OutcomeLabel describes the outcome in words.
func (o CalibrationOptions) OutcomeLabel() string {
	return calibration.OutcomeLabel(o.Outcome, o.MinDays, o.Codes)
}

// CollectSamples scores every relationship in scope at each as-of date and
// labels it with the outcome in the horizon after it. Features use only
// records dated on or before the as-of date (the scoring queries filter
// on it); the outcome uses only records after it. Past the options'
// sample budget the negatives are sampled (negativeRate, keepNegative)
// before anything is scored, and each kept one carries the weight 1/q.
func CollectSamples(ctx context.Context, sess *analytics.Session, cfg *scoring.Config, opt *CalibrationOptions) ([]calibration.Sample, []time.Time, error) {
	opt.defaults()
	man, conn, dir := sess.Manifest, sess.Conn, sess.Warehouse().Dir()
	var first sql.NullTime
	if err := conn.QueryRowContext(ctx, "SELECT min(reported_at) FROM occurrences").Scan(&first); err != nil || !first.Valid {
		return nil, nil, fmt.Errorf("calibrate %s: the warehouse has no occurrences", dir)
	}
	end := period.Day(man.ExtractDate)
	lastOK := end
	for opt.Horizon.After(lastOK).After(end) {
		lastOK = lastOK.AddDate(0, 0, -1)
	}
	if opt.From.IsZero() {
		opt.From = period.Day(first.Time).AddDate(1, 0, 0)
	}
	if opt.To.IsZero() {
		opt.To = lastOK
	}
	if h := opt.Horizon.After(period.Day(opt.To)); h.After(end) {
		return nil, nil, fmt.Errorf("calibrate: the %s outcome window after the last as-of date (%s) runs to %s, past the extract's end on %s; end the as-of dates on or before %s, or shorten the horizon",
			opt.Horizon, opt.To.Format("2006-01-02"), h.Format("2006-01-02"), end.Format("2006-01-02"), lastOK.Format("2006-01-02"))
	}
	dates := calibration.Dates(opt.From, opt.To, opt.Every)
	if len(dates) == 0 {
		return nil, nil, fmt.Errorf("calibrate: no as-of date between %s and %s every %s; widen the dates", opt.From.Format("2006-01-02"), opt.To.Format("2006-01-02"), opt.Every)
	}
	events, err := outcomeEvents(ctx, conn, cfg, opt)
	if err != nil {
		return nil, nil, fmt.Errorf("calibrate %s: read outcomes: %w", dir, err)
	}
	people, err := readPeople(ctx, conn)
	if err != nil {
		return nil, nil, fmt.Errorf("calibrate %s: read persons: %w", dir, err)
	}
	rate, err := negativeRate(ctx, conn, opt, len(dates))
	if err != nil {
		return nil, nil, fmt.Errorf("calibrate %s: count relationships: %w", dir, err)
	}
	var samples []calibration.Sample
	var last time.Time
	done := 0
	collect := func(d time.Time, s *scoring.Score) error {
		if !d.Equal(last) {
			last = d
			opt.Progress.Report("score as of "+d.Format("2006-01-02"), done, len(dates)+1)
			done++
		}
		outcome := hasOutcome(events[outcomeKey(opt.Outcome, s.RelationshipID, s.VictimID, s.PerpetratorID)], d, opt.Horizon)
		weight := 1.0
		if !outcome && rate < 1 {
			if !keepNegative(s.RelationshipID, d, rate) {
				return nil
			}
			weight = 1 / rate
		}
		v := people[s.VictimID]
		samples = append(samples, calibration.Sample{RelationshipID: s.RelationshipID, VictimID: s.VictimID, PerpetratorID: s.PerpetratorID, AsOf: d, Weight: weight,
			Clusters: s.Clusters, Items: s.Items, HarmDays: s.HarmCCHIDays, DaysSinceLast: s.DaysSinceLast, Occurrences: s.OccurrencesLookback,
			Occurrences365d: s.Occurrences365d, Occurrences90d: s.Occurrences90d,
			Serial: s.Serial, OfficerGrade: s.OfficerGrade, Score: s.Total, Outcome: outcome,
			Sex: v.sex, Ethnicity: v.ethnicity, BirthYear: v.birth})
		return nil
	}
	if rate == 1 {
		err = scoredb.ScoreDates(ctx, sess, cfg, dates, nil, collect)
	} else {
		err = scoreSampled(ctx, sess, cfg, dates, opt, events, rate, collect)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("calibrate %s: score: %w", dir, err)
	}
	return samples, dates, nil
}

// outcomeKey is the key of a relationship's outcome events: victim and
// perpetrator for serious harm (an offence by him against her, in any
// relationship record), the relationship for revictimisation.
func outcomeKey(outcome, relationship, victim, perpetrator string) string {
	if outcome == calibration.OutcomeSeriousHarm {
		return victim + "\x1f" + perpetrator
	}
	return relationship
}

// hasOutcome says whether one of the sorted times falls in the horizon
// after the as-of date d.
func hasOutcome(ev []time.Time, d time.Time, h period.Length) bool {
	from, to := period.EndOfDay(d), period.EndOfDay(h.After(d))
	i := sort.Search(len(ev), func(i int) bool { return ev[i].After(from) })
	return i < len(ev) && !ev[i].After(to)
}

// scoreSampled scores, date by date, only the relationships a sampled
// calibration keeps: those with the outcome in the horizon and the
// negatives keepNegative keeps; each date's run reads only those
// relationships' perpetrators' records (scoredb's subset scoring, whose
// scores equal a full run's). The outcome and the kept share are known
// before scoring, so scoring the rest would be work thrown away: at
// national scale it is 95% of the scoring.
func scoreSampled(ctx context.Context, sess *analytics.Session, cfg *scoring.Config, dates []time.Time, opt *CalibrationOptions, events map[string][]time.Time, rate float64, fn func(time.Time, *scoring.Score) error) error {
	type rel struct {
		id, key string
		first   time.Time
	}
	var rels []rel
	rows, err := sess.Conn.QueryContext(ctx, "SELECT relationship_id, victim_id, perpetrator_id, first_seen FROM relationships ORDER BY relationship_id")
	if err != nil {
		return err
	}
	for rows.Next() {
		var id, v, p string
		var first time.Time
		if err := rows.Scan(&id, &v, &p, &first); err != nil {
			rows.Close()
			return err
		}
		rels = append(rels, rel{id, outcomeKey(opt.Outcome, id, v, p), first})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, d := range dates {
		var want []string
		for _, r := range rels {
			// Not yet seen: not in scope, so not scored either way.
			if r.first.After(period.EndOfDay(d)) {
				continue
			}
			if hasOutcome(events[r.key], d, opt.Horizon) || keepNegative(r.id, d, rate) {
				want = append(want, r.id)
			}
		}
		if err := scoredb.ScoreDates(ctx, sess, cfg, []time.Time{d}, map[time.Time][]string{d: want}, fn); err != nil {
			return err
		}
	}
	return nil
}

// negativeRate is the share of negative samples to keep: the option's,
// or MaxSamples over the relationships times the dates (a bound on the
// samples, as not every relationship is in scope at every date), at most 1.
func negativeRate(ctx context.Context, conn *sql.Conn, opt *CalibrationOptions, dates int) (float64, error) {
	if opt.NegativeRate > 0 {
		return min(opt.NegativeRate, 1), nil
	}
	limit := opt.MaxSamples
	if limit <= 0 {
		limit = DefaultMaxSamples
	}
	var rels int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM relationships").Scan(&rels); err != nil {
		return 0, err
	}
	if bound := rels * dates; bound > limit {
		return float64(limit) / float64(bound), nil
	}
	return 1, nil
}

// keepNegative says whether a negative sample is kept at the rate: a hash
// of the relationship and the date, so the same samples are kept on every
// run (and each relationship's dates independently of each other).
func keepNegative(relationship string, d time.Time, rate float64) bool {
	h := fnv.New64a()
	h.Write([]byte(relationship))
	h.Write([]byte(d.Format("\x1f2006-01-02")))
	return float64(h.Sum64()>>11)/(1<<53) < rate
}

// outcomeEvents lists the outcome events' times, sorted, by victim and
// perpetrator (serious harm) or by relationship (revictimisation).
func outcomeEvents(ctx context.Context, conn *sql.Conn, cfg *scoring.Config, opt *CalibrationOptions) (map[string][]time.Time, error) {
	out := map[string][]time.Time{}
	var rows *sql.Rows
	var err error
	if opt.Outcome == calibration.OutcomeRevictimisation {
		rows, err = conn.QueryContext(ctx, "SELECT relationship_id, reported_at FROM occurrences")
	} else {
		codes := calibration.SeriousCodes(cfg.HarmTable, opt.MinDays, opt.Codes, cfg.Facts["strangulation_offence"].Codes)
		rows, err = conn.QueryContext(ctx, queries.Must("calibration", "serious_harm"), strings.Join(codes, ","))
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var t time.Time
		if err := rows.Scan(&k, &t); err != nil {
			return nil, err
		}
		out[k] = append(out[k], t)
	}
	for _, ts := range out {
		sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	}
	return out, rows.Err()
}

type person struct {
	sex, ethnicity string
	birth          int
}

func readPeople(ctx context.Context, conn *sql.Conn) (map[string]person, error) {
	rows, err := conn.QueryContext(ctx, "SELECT person_id, coalesce(sex, ''), coalesce(ethnicity, ''), coalesce(birth_year, 0) FROM persons")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]person{}
	for rows.Next() {
		var id string
		var p person
		if err := rows.Scan(&id, &p.sex, &p.ethnicity, &p.birth); err != nil {
			return nil, err
		}
		out[id] = p
	}
	return out, rows.Err()
}

// Calibrate collects the samples, runs the calibration, proposes weights
// and (with write) writes the run to DIR/results/calibrations/date=DAY/
// run=ID/ as Parquet tables (runs, metrics, coefficients, fairness,
// weights, roc, reliability) that notebooks read as calibrations_<table>.
func Calibrate(ctx context.Context, sess *analytics.Session, cfg *scoring.Config, opt CalibrationOptions, toolVersion string, write bool) (*CalibrationRun, error) {
	samples, dates, err := CollectSamples(ctx, sess, cfg, &opt)
	if err != nil {
		return nil, err
	}
	p := runParams(cfg, opt)
	opt.Progress.Report(fmt.Sprintf("fit %d samples", len(samples)), len(dates), len(dates)+1)
	rep, err := calibration.Run(samples, p)
	if err != nil {
		return nil, err
	}
	man := sess.Manifest
	params, _ := json.Marshal(rep.Params)
	sum := sha256.Sum256(append(params, []byte(man.Generation+cfg.Hash)...))
	now := time.Now().UTC().Truncate(time.Second)
	run := &CalibrationRun{ID: now.Format("20060102T150405Z") + "-" + hex.EncodeToString(sum[:4]), Report: rep, Samples: samples}
	current := map[string]float64{}
	for _, c := range cfg.Clusters {
		current[c.ID] = c.Weight
	}
	run.Weights = calibration.ProposeWeights(rep, p.ClusterIDs, current, opt.OutcomeLabel()+" within "+opt.Horizon.String(), run.ID)
	run.Context = calibration.Context{RunID: run.ID, Generation: man.Generation, ConfigHash: cfg.Hash, ToolVersion: toolVersion,
		Outcome: opt.OutcomeLabel(), From: dates[0].Format("2006-01-02"), To: dates[len(dates)-1].Format("2006-01-02"), Weights: run.Weights}
	if ok, _ := sess.HasTable(ctx, "offences"); ok {
		if err := sess.Conn.QueryRowContext(ctx, "SELECT count(*), count(recorded_at) FROM offences").Scan(&run.Context.Offences, &run.Context.Recorded); err != nil {
			return nil, fmt.Errorf("calibrate: count offences: %w", err)
		}
	}
	if write {
		if run.Folder, err = writeCalibration(sess.Warehouse(), run, now); err != nil {
			return nil, fmt.Errorf("calibrate: write run: %w", err)
		}
	}
	return run, nil
}

// runParams are the options' parameters with the configuration's clusters,
// items and recency decay, and the horizon.
func runParams(cfg *scoring.Config, opt CalibrationOptions) calibration.Params {
	p := opt.Params
	p.Horizon = opt.Horizon
	p.RecencyTauDays = cfg.Score.RecencyFrequency.RecencyTauDays
	for _, c := range cfg.Clusters {
		p.ClusterIDs = append(p.ClusterIDs, c.ID)
	}
	p.ItemIDs = cfg.CanonicalItemIDs()
	return p
}

// calibrationTables are the tables of a calibration run.
var calibrationTables = []analytics.ResultTable{
	{Name: "runs", Columns: `run_id VARCHAR, generated_at TIMESTAMP, generation VARCHAR, config_hash VARCHAR, tool_version VARCHAR, outcome VARCHAR, horizon VARCHAR,
  first_as_of DATE, last_as_of DATE, samples INTEGER, positives INTEGER, relationships INTEGER, l2 DOUBLE, warnings VARCHAR[], report VARCHAR`},
	{Name: "metrics", Columns: `run_id VARCHAR, scheme VARCHAR, baseline VARCHAR, n INTEGER, positives INTEGER, auc DOUBLE, auc_lower DOUBLE, auc_upper DOUBLE, brier DOUBLE,
  calibration_intercept DOUBLE, calibration_slope DOUBLE, top_k INTEGER, top_k_precision DOUBLE, top_k_recall DOUBLE,
  capacity_threshold DOUBLE, net_benefit DOUBLE, top_k_net_benefit DOUBLE, treat_all_net_benefit DOUBLE`},
	{Name: "decision_curve", Columns: `run_id VARCHAR, scheme VARCHAR, baseline VARCHAR, threshold DOUBLE, net_benefit DOUBLE, treat_all DOUBLE`},
	{Name: "coefficients", Columns: `run_id VARCHAR, model VARCHAR, feature VARCHAR, log_odds DOUBLE, se DOUBLE, odds_ratio DOUBLE, odds_ratio_lower DOUBLE, odds_ratio_upper DOUBLE,
  active INTEGER, active_positives INTEGER`},
	{Name: "fairness", Columns: `run_id VARCHAR, baseline VARCHAR, characteristic VARCHAR, "group" VARCHAR, n INTEGER, positives INTEGER, auc DOUBLE, brier DOUBLE,
  recall_top_k DOUBLE, false_negative_rate DOUBLE, flag VARCHAR, too_few BOOLEAN`},
	{Name: "weights", Columns: `run_id VARCHAR, cluster VARCHAR, current DOUBLE, proposed DOUBLE, log_odds DOUBLE, se DOUBLE, evidence VARCHAR`},
	{Name: "roc", Columns: `run_id VARCHAR, scheme VARCHAR, baseline VARCHAR, fpr DOUBLE, tpr DOUBLE`},
	{Name: "reliability", Columns: `run_id VARCHAR, scheme VARCHAR, baseline VARCHAR, decile INTEGER, n INTEGER, mean_predicted DOUBLE, observed_rate DOUBLE`},
}

func writeCalibration(w *analytics.Warehouse, run *CalibrationRun, now time.Time) (string, error) {
	res, err := w.NewResults("calibrations")
	if err != nil {
		return "", err
	}
	defer res.Abort()
	rep, c := run.Report, run.Context
	n := func(x calibration.Number) string { return analytics.FormatNumber(float64(x)) }
	full, err := json.Marshal(rep)
	if err != nil {
		return "", err
	}
	tables := map[string][][]string{
		"runs": {{now.Format("2006-01-02 15:04:05"), c.Generation, c.ConfigHash, c.ToolVersion, c.Outcome, rep.Params.Horizon.String(), c.From, c.To,
			strconv.Itoa(rep.Samples), strconv.Itoa(rep.Positives), strconv.Itoa(rep.Relationships), analytics.FormatFloat(rep.Params.L2), strings.Join(rep.Warnings, "|"), string(full)}},
	}
	for _, v := range rep.Validations {
		for _, m := range v.Metrics {
			tables["metrics"] = append(tables["metrics"], []string{v.Scheme, m.Baseline, strconv.Itoa(m.N), strconv.Itoa(m.Positives), n(m.AUC), n(m.AUCLower), n(m.AUCUpper),
				n(m.Brier), n(m.CalIntercept), n(m.CalSlope), strconv.Itoa(m.TopK.K), n(m.TopK.Precision), n(m.TopK.Recall),
				n(m.CapacityThreshold), n(m.NetBenefit), n(m.TopKNetBenefit), n(m.TreatAll)})
			for _, pt := range m.DecisionCurve {
				tables["decision_curve"] = append(tables["decision_curve"], []string{v.Scheme, m.Baseline, n(pt.Threshold), n(pt.NetBenefit), n(pt.TreatAll)})
			}
			for _, pt := range m.ROC {
				tables["roc"] = append(tables["roc"], []string{v.Scheme, m.Baseline, analytics.FormatFloat(pt.FPR), analytics.FormatFloat(pt.TPR)})
			}
			for _, b := range m.Reliability {
				tables["reliability"] = append(tables["reliability"], []string{v.Scheme, m.Baseline, strconv.Itoa(b.Decile), strconv.Itoa(b.N),
					analytics.FormatFloat(b.MeanPredicted), analytics.FormatFloat(b.Observed)})
			}
		}
	}
	for model, cs := range map[string][]calibration.Coefficient{"full": rep.Coefficients, "clusters": rep.ClusterModel} {
		for _, x := range cs {
			tables["coefficients"] = append(tables["coefficients"], []string{model, x.Feature, n(x.LogOdds), n(x.SE), n(x.OddsRatio), n(x.Lower), n(x.Upper),
				strconv.Itoa(x.Active), strconv.Itoa(x.ActivePositives)})
		}
	}
	for _, g := range rep.Fairness {
		tables["fairness"] = append(tables["fairness"], []string{g.Baseline, g.Characteristic, g.Group, strconv.Itoa(g.N), strconv.Itoa(g.Positives), n(g.AUC), n(g.Brier),
			n(g.RecallTopK), n(g.FNR), g.Flag, strconv.FormatBool(g.TooFew)})
	}
	for _, w := range run.Weights {
		tables["weights"] = append(tables["weights"], []string{w.Cluster, analytics.FormatFloat(w.Current), analytics.FormatFloat(w.Proposed), n(w.LogOdds), n(w.SE), w.Evidence})
	}
	for _, rows := range tables {
		for i, r := range rows {
			rows[i] = append([]string{run.ID}, r...)
		}
	}
	if err := res.WriteTables(calibrationTables, tables); err != nil {
		return "", err
	}
	return res.Publish("date="+now.Format("2006-01-02"), "run="+run.ID)
}
