package analytics

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tau-da/tau/queries"
	"github.com/tau-da/tau/scoring"
)

// ErrNotInScope is returned when a relationship has no occurrence or
// assessment in the lookback to the as-of date.
var ErrNotInScope = errors.New("not in scope")

// ScoreRun is the result of scoring a warehouse at an as-of date.
type ScoreRun struct {
	AsOf       time.Time
	Generation string
	ConfigHash string
	Scores     []scoring.Score
	// Evidence is kept for each relationship when explaining.
	Evidence map[string]*scoring.Evidence
	// Snapshot is the folder the run was written to ("" if not written).
	Snapshot string
}

// EndOfDay returns the last second of a date: an as-of date includes
// everything recorded that day.
func EndOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 23, 59, 59, 0, time.UTC)
}

// scorer holds a scoring session's connection.
type scorer struct {
	ctx  context.Context
	db   *sql.DB
	conn *sql.Conn
	s    *scoring.Scorer
	asOf time.Time
}

// Score scores every relationship with an occurrence or assessment in the
// lookback to asOf, ranks them and, when write is set, writes the snapshot
// to DIR/results/scores/as_of=DATE/config=HASH/ (replacing an earlier run of
// the same date and configuration, so a list can be reproduced).
func Score(ctx context.Context, dir string, cfg *scoring.Config, asOf time.Time, write bool) (*ScoreRun, error) {
	var sw *snapshotWriter
	var sink func(*scoring.Score) error
	if write {
		var err error
		if sw, err = newSnapshotWriter(dir); err != nil {
			return nil, err
		}
		defer sw.abort()
		sink = sw.add
	}
	run, err := scoreRun(ctx, dir, cfg, asOf, "", sink, false)
	if err != nil {
		return nil, err
	}
	if write {
		started := time.Now()
		if err := sw.finish(run); err != nil {
			return nil, err
		}
		if trace {
			fmt.Fprintf(os.Stderr, "trace %6.0fms write snapshot\n", time.Since(started).Seconds()*1000)
		}
	}
	return run, nil
}

// Explain scores one relationship and returns its score with the full
// evidence behind it, including every offence counted in harm.
func Explain(ctx context.Context, dir string, cfg *scoring.Config, asOf time.Time, relationshipID string) (*scoring.Score, *scoring.Evidence, error) {
	run, err := evidenceRun(ctx, dir, cfg, asOf, relationshipID)
	if err != nil {
		return nil, nil, err
	}
	if len(run.Scores) == 0 {
		return nil, nil, fmt.Errorf("explain %s: %w: it has no occurrence or assessment in the %d years to %s; try an earlier --as-of",
			relationshipID, ErrNotInScope, cfg.Score.LookbackYears, asOf.Format("2006-01-02"))
	}
	return &run.Scores[0], run.Evidence[relationshipID], nil
}

// History returns a relationship's raw answers (mapped to canonical items)
// and assessment dates, for the stage-over-time view of explain.
func History(ctx context.Context, dir string, cfg *scoring.Config, relationshipID string) ([]scoring.RawAnswer, error) {
	db, conn, err := OpenViews(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	defer conn.Close()
	return history(ctx, conn, cfg, relationshipID)
}

func history(ctx context.Context, conn *sql.Conn, cfg *scoring.Config, relationshipID string) ([]scoring.RawAnswer, error) {
	rows, err := conn.QueryContext(ctx, `SELECT s.assessment_id, s.completed_at, s.instrument, n.item, n.answer
FROM answers n JOIN assessments s USING (assessment_id) WHERE s.relationship_id = ? ORDER BY s.completed_at, s.assessment_id`, relationshipID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []scoring.RawAnswer
	for rows.Next() {
		var a scoring.RawAnswer
		var instrument, item string
		if err := rows.Scan(&a.AssessmentID, &a.Date, &instrument, &item, &a.Answer); err != nil {
			return nil, err
		}
		a.Item, a.RelationshipID = cfg.CanonicalItem(instrument, item), relationshipID
		out = append(out, a)
	}
	return out, rows.Err()
}

func evidenceRun(ctx context.Context, dir string, cfg *scoring.Config, asOf time.Time, only string) (*ScoreRun, error) {
	return scoreRun(ctx, dir, cfg, asOf, only, nil, true)
}

// scoreRun streams the evidence perpetrator by perpetrator, scores each
// relationship and, when sink is set, hands the full score to it and keeps
// only the slim score (no items, clusters or stage evidence), so memory
// stays bounded by one perpetrator's relationships.
func scoreRun(ctx context.Context, dir string, cfg *scoring.Config, asOf time.Time, only string, sink func(*scoring.Score) error, keep bool) (*ScoreRun, error) {
	asOf = EndOfDay(asOf)
	t0 := time.Now()
	step := func(what string) {
		if trace {
			fmt.Fprintf(os.Stderr, "trace %6.0fms %s\n", time.Since(t0).Seconds()*1000, what)
		}
	}
	db, conn, err := OpenViews(ctx, dir)
	if err != nil {
		return nil, err
	}
	step("open views")
	defer db.Close()
	defer conn.Close()
	man, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	sc := &scorer{ctx: ctx, db: db, conn: conn, s: scoring.NewScorer(cfg), asOf: asOf}
	if err := sc.prepare(cfg); err != nil {
		return nil, fmt.Errorf("score: %w", err)
	}
	start := sc.s.LookbackStart(asOf)
	step("prepare configuration tables")
	if err := sc.run("scope", "CREATE TABLE scope AS ", asOf, start); err != nil {
		return nil, err
	}
	step("scope")
	if only != "" {
		if _, err := conn.ExecContext(ctx, "DELETE FROM scope WHERE relationship_id <> ?", only); err != nil {
			return nil, err
		}
	}
	run := &ScoreRun{AsOf: asOf, Generation: man.Generation, ConfigHash: cfg.Hash}
	if keep {
		run.Evidence = map[string]*scoring.Evidence{}
	}
	err = sc.stream(start, func(ev *scoring.Evidence) error {
		score := sc.s.Score(ev, asOf)
		if run.Evidence != nil {
			run.Evidence[ev.RelationshipID] = ev
		}
		if sink != nil {
			if err := sink(&score); err != nil {
				return err
			}
			score.ActiveItems, score.ActiveClusters, score.StageEvidence = nil, nil, nil
		}
		run.Scores = append(run.Scores, score)
		return nil
	})
	if err != nil {
		return nil, err
	}
	step("stream and score")
	scoring.Rank(run.Scores)
	step("rank")
	if only != "" {
		ev := run.Evidence[only]
		if ev == nil {
			return run, nil
		}
		if err := sc.offences(ev, start); err != nil {
			return nil, err
		}
		if err := sc.occurrenceDates(ev, start); err != nil {
			return nil, err
		}
		// The relationship's own item histories again, from its raw answers,
		// with the later answers a sticky item is held against.
		raw, err := history(sc.ctx, sc.conn, sc.s.Config(), only)
		if err != nil {
			return nil, err
		}
		ev.Items = scoring.Summarise(raw, asOf)
		run.Scores = []scoring.Score{sc.s.Score(ev, asOf)}
		run.Scores[0].Rank = 1
	}
	return run, nil
}

// prepare loads the configuration's tables: the item crosswalk, the item
// classes, the harm table and the fact codes.
func (sc *scorer) prepare(cfg *scoring.Config) error {
	stmts := []string{
		"CREATE TABLE crosswalk (instrument VARCHAR, item VARCHAR, canonical VARCHAR)",
		"CREATE TABLE item_classes (item VARCHAR, class VARCHAR, subject VARCHAR)",
		"CREATE TABLE item_map (instrument VARCHAR, item VARCHAR, canonical VARCHAR, class VARCHAR)",
		"CREATE TABLE harm (code VARCHAR, days DOUBLE)",
		"CREATE TABLE fact_codes (fact VARCHAR, code VARCHAR)",
	}
	for _, s := range stmts {
		if _, err := sc.conn.ExecContext(sc.ctx, s); err != nil {
			return err
		}
	}
	// Each table in one INSERT (a statement per row costs about half a
	// millisecond each, a tenth of a force's scoring time).
	rows := map[string][][]any{}
	for _, x := range cfg.Crosswalk() {
		rows["crosswalk"] = append(rows["crosswalk"], []any{x[0], x[1], x[2]})
		if it, ok := cfg.Canonical(x[2]); ok && x[1] == x[2] {
			rows["item_classes"] = append(rows["item_classes"], []any{it.ID, it.Class, it.Subject})
		}
	}
	codes := make([]string, 0, len(cfg.HarmTable))
	for c := range cfg.HarmTable {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		rows["harm"] = append(rows["harm"], []any{c, cfg.HarmTable[c]})
	}
	for code, facts := range cfg.FactCodes() {
		for _, f := range facts {
			rows["fact_codes"] = append(rows["fact_codes"], []any{f, code})
		}
	}
	for _, table := range []string{"crosswalk", "item_classes", "harm", "fact_codes"} {
		rs := rows[table]
		if len(rs) == 0 {
			continue
		}
		var args []any
		tuples := make([]string, len(rs))
		for i, r := range rs {
			tuples[i] = "(" + strings.TrimSuffix(strings.Repeat("?, ", len(r)), ", ") + ")"
			args = append(args, r...)
		}
		if _, err := sc.conn.ExecContext(sc.ctx, "INSERT INTO "+table+" VALUES "+strings.Join(tuples, ", "), args...); err != nil {
			return err
		}
	}
	// Each distinct canonical item once, and the crosswalk with each item's
	// class (one small join instead of two on every answer).
	for _, q := range []string{
		"CREATE OR REPLACE TABLE item_classes AS SELECT DISTINCT * FROM item_classes",
		"INSERT INTO item_map SELECT x.instrument, x.item, x.canonical, k.class FROM crosswalk x JOIN item_classes k ON k.item = x.canonical",
	} {
		if _, err := sc.conn.ExecContext(sc.ctx, q); err != nil {
			return err
		}
	}
	return nil
}

func ts(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") }

// run executes a scoring query (optionally prefixed, e.g. CREATE TABLE AS).
func (sc *scorer) run(name, prefix string, asOf, start time.Time) error {
	q, err := queries.Scoring(name)
	if err != nil {
		return err
	}
	args := []any{ts(asOf)}
	if strings.Contains(q.SQL, "$2") {
		args = append(args, ts(start))
	}
	if _, err := sc.conn.ExecContext(sc.ctx, prefix+q.SQL, args...); err != nil {
		return fmt.Errorf("score: query %s: %w", q.Path, err)
	}
	return nil
}

// cursor walks one scoring query's rows, sorted by perpetrator, on its own
// connection (DuckDB streams one result per connection).
type cursor struct {
	name string
	conn *sql.Conn
	rows *sql.Rows
	dest []any
	perp string
	ok   bool
	n    int
	t0   time.Time
}

// open starts a scoring query on a new connection; dest receives each row,
// its first column the perpetrator id.
func (sc *scorer) open(name string, start time.Time, dest ...any) (*cursor, error) {
	q, err := queries.Scoring(name)
	if err != nil {
		return nil, err
	}
	args := []any{ts(sc.asOf)}
	if strings.Contains(q.SQL, "$2") {
		args = append(args, ts(start))
	}
	conn, err := sc.db.Conn(sc.ctx)
	if err != nil {
		return nil, err
	}
	c := &cursor{name: q.Path, conn: conn, dest: append([]any{new(string)}, dest...), t0: time.Now()}
	c.rows, err = conn.QueryContext(sc.ctx, q.SQL, args...)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("score: query %s: %w", q.Path, err)
	}
	return c, c.next()
}

func (c *cursor) next() error {
	c.ok = c.rows.Next()
	if !c.ok {
		if err := c.rows.Err(); err != nil {
			return fmt.Errorf("score: query %s: %w", c.name, err)
		}
		if trace {
			fmt.Fprintf(os.Stderr, "trace %6.0fms %s (%d rows)\n", time.Since(c.t0).Seconds()*1000, c.name, c.n)
		}
		return nil
	}
	c.n++
	if err := c.rows.Scan(c.dest...); err != nil {
		return fmt.Errorf("score: query %s: %w", c.name, err)
	}
	c.perp = *c.dest[0].(*string)
	return nil
}

// each calls fn for every row of perpetrator p, skipping rows of
// perpetrators before it.
func (c *cursor) each(p string, fn func() error) error {
	for c.ok && c.perp < p {
		if err := c.next(); err != nil {
			return err
		}
	}
	for c.ok && c.perp == p {
		if err := fn(); err != nil {
			return err
		}
		if err := c.next(); err != nil {
			return err
		}
	}
	return nil
}

func (c *cursor) close() {
	c.rows.Close()
	c.conn.Close()
}

// stream merges the five evidence queries, all sorted by perpetrator, and
// calls emit with each relationship's evidence, one perpetrator at a time.
func (sc *scorer) stream(start time.Time, emit func(*scoring.Evidence) error) error {
	// relationship_base
	var rel, victim string
	var latestID, grade sql.NullString
	var latestAt, lastOcc sql.NullTime
	var oc scoring.OccurrenceCounts
	var others int
	base, err := sc.open("relationship_base", start, &rel, &victim, &oc.Lookback, &oc.Last90d, &oc.Last365d, &lastOcc,
		&oc.Last180d, &oc.Prior180d, &latestID, &latestAt, &grade, &others)
	if err != nil {
		return err
	}
	defer base.close()
	// item_histories
	var iRel, item string
	var fyID, lyID, latID, latAns sql.NullString
	var fyAt, lyAt, latAtI sql.NullTime
	items, err := sc.open("item_histories", start, &iRel, &item, &fyID, &fyAt, &lyID, &lyAt, &latID, &latAtI, &latAns)
	if err != nil {
		return err
	}
	defer items.close()
	// perpetrator_yes
	var yRel, yItem, yID string
	var yAt time.Time
	pyes, err := sc.open("perpetrator_yes", start, &yRel, &yItem, &yID, &yAt)
	if err != nil {
		return err
	}
	defer pyes.close()
	// perpetrator_harm
	var days float64
	var nOff int
	var unscored []any
	harm, err := sc.open("perpetrator_harm", start, &days, &nOff, &unscored)
	if err != nil {
		return err
	}
	defer harm.close()
	// perpetrator_facts
	var fact string
	var fo scoring.Offence
	facts, err := sc.open("perpetrator_facts", start, &fact, &fo.OffenceID, &fo.Code, &fo.Date)
	if err != nil {
		return err
	}
	defer facts.close()

	ref := func(rel string, id sql.NullString, at sql.NullTime, answer string) *scoring.Ref {
		if !id.Valid {
			return nil
		}
		return &scoring.Ref{AssessmentID: id.String, Date: at.Time, RelationshipID: rel, Answer: answer}
	}
	for base.ok {
		p := base.perp
		var group []*scoring.Evidence
		byRel := map[string]*scoring.Evidence{}
		for base.ok && base.perp == p {
			counts := oc
			counts.LastAt = lastOcc.Time
			ev := &scoring.Evidence{RelationshipID: rel, VictimID: victim, PerpetratorID: p, Counts: &counts, OtherVictims: others,
				OfficerGrade: grade.String, Items: map[string]*scoring.ItemHistory{}, PerpYes: map[string][]scoring.Ref{}, Facts: map[string]scoring.Offence{}}
			if latestID.Valid {
				ev.Latest = &scoring.Ref{AssessmentID: latestID.String, Date: latestAt.Time, RelationshipID: rel}
			}
			group = append(group, ev)
			byRel[rel] = ev
			if err := base.next(); err != nil {
				return err
			}
		}
		err := items.each(p, func() error {
			ev := byRel[iRel]
			if ev == nil {
				return nil
			}
			h := ev.Items[item]
			if h == nil {
				h = &scoring.ItemHistory{Item: item}
				ev.Items[item] = h
			}
			if fyID.Valid {
				h.FirstYes, h.LastYes = ref(iRel, fyID, fyAt, "yes"), ref(iRel, lyID, lyAt, "yes")
			}
			if latID.Valid {
				h.Latest = ref(iRel, latID, latAtI, latAns.String)
			}
			return nil
		})
		if err != nil {
			return err
		}
		err = pyes.each(p, func() error {
			for _, ev := range group {
				if ev.RelationshipID != yRel {
					ev.PerpYes[yItem] = append(ev.PerpYes[yItem], scoring.Ref{AssessmentID: yID, Date: yAt, RelationshipID: yRel, Answer: "yes"})
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, ev := range group {
			for _, refs := range ev.PerpYes {
				sort.Slice(refs, func(i, j int) bool {
					if !refs[i].Date.Equal(refs[j].Date) {
						return refs[i].Date.Before(refs[j].Date)
					}
					return refs[i].RelationshipID < refs[j].RelationshipID
				})
			}
		}
		err = harm.each(p, func() error {
			var codes []string
			for _, u := range unscored {
				if s, ok := u.(string); ok {
					codes = append(codes, s)
				}
			}
			for _, ev := range group {
				ev.HarmDays, ev.HarmOffences, ev.Unscored = days, nOff, codes
			}
			return nil
		})
		if err != nil {
			return err
		}
		err = facts.each(p, func() error {
			for _, ev := range group {
				ev.Facts[fact] = fo
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, ev := range group {
			if err := emit(ev); err != nil {
				return err
			}
		}
	}
	return nil
}

// occurrenceDates fills a relationship's occurrence dates (explain's stage
// history recounts them at each assessment date).
func (sc *scorer) occurrenceDates(ev *scoring.Evidence, start time.Time) error {
	if ev == nil {
		return nil
	}
	rows, err := sc.conn.QueryContext(sc.ctx, `SELECT reported_at FROM occurrences WHERE relationship_id = ?
AND reported_at <= CAST(? AS TIMESTAMP) AND reported_at >= CAST(? AS TIMESTAMP) ORDER BY reported_at`, ev.RelationshipID, ts(sc.asOf), ts(start))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var t time.Time
		if err := rows.Scan(&t); err != nil {
			return err
		}
		ev.Occurrences = append(ev.Occurrences, t)
	}
	ev.Counts = nil
	return rows.Err()
}

// offences lists every offence of the perpetrator counted in harm.
func (sc *scorer) offences(ev *scoring.Evidence, start time.Time) error {
	if ev == nil {
		return nil
	}
	rows, err := sc.conn.QueryContext(sc.ctx, `SELECT f.offence_id, f.offence_code, f.committed_at, coalesce(f.victim_id, ''), h.days
FROM offences f LEFT JOIN harm h ON h.code = f.offence_code
WHERE f.offender_id = ? AND f.committed_at <= CAST(? AS TIMESTAMP) AND f.committed_at >= CAST(? AS TIMESTAMP)
ORDER BY f.committed_at, f.offence_id`, ev.PerpetratorID, ts(sc.asOf), ts(start))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var o scoring.Offence
		var days sql.NullFloat64
		if err := rows.Scan(&o.OffenceID, &o.Code, &o.Date, &o.VictimID, &days); err != nil {
			return err
		}
		o.Days, o.Scored = days.Float64, days.Valid
		ev.Offences = append(ev.Offences, o)
	}
	return rows.Err()
}

// snapshotWriter writes a score run's snapshot as it is scored: the
// active items and clusters of each relationship as they come, the ranked
// scores at the end, then Parquet under
// DIR/results/scores/as_of=DATE/config=HASH/, replacing an earlier run of
// the same date and configuration atomically. Rows go out as CSV files (Go's
// writer is many times faster than an appender row by row) and are read
// back into DuckDB with their declared types.
type snapshotWriter struct {
	dir, tmp        string
	items, clusters *csvFile
}

func snapshotTime(t time.Time) string { return t.Format("2006-01-02 15:04:05") }

func snapshotFloat(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

func newSnapshotWriter(dir string) (*snapshotWriter, error) {
	parent := filepath.Join(dir, resultsDir, "scores")
	if err := os.MkdirAll(parent, privateDirMode); err != nil {
		return nil, fmt.Errorf("score: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, ".tmp-")
	if err != nil {
		return nil, fmt.Errorf("score: %w", err)
	}
	w := &snapshotWriter{dir: dir, tmp: tmp}
	if w.items, err = newCSVFile(filepath.Join(tmp, "items.csv")); err != nil {
		return nil, err
	}
	if w.clusters, err = newCSVFile(filepath.Join(tmp, "clusters.csv")); err != nil {
		return nil, err
	}
	return w, nil
}

// abort removes what an unfinished snapshot wrote.
func (w *snapshotWriter) abort() {
	w.items.Close()
	w.clusters.Close()
	os.RemoveAll(w.tmp)
}

// add writes one relationship's active items and clusters.
func (w *snapshotWriter) add(s *scoring.Score) error {
	d := snapshotTime
	for _, a := range s.ActiveItems {
		var hid, hdate, hans string
		if a.HeldAgainst != nil {
			hid, hdate, hans = a.HeldAgainst.AssessmentID, d(a.HeldAgainst.Date), a.HeldAgainst.Answer
		}
		w.items.Write([]string{s.RelationshipID, a.Item, a.Label, a.Class, a.Subject, a.Source.AssessmentID, d(a.Source.Date),
			a.Source.RelationshipID, strconv.FormatBool(a.Sticky), hid, hdate, hans, strconv.FormatBool(a.FromOtherRelationship), a.Reason})
	}
	for _, c := range s.ActiveClusters {
		legs, _ := json.Marshal(c.Legs)
		w.clusters.Write([]string{s.RelationshipID, c.ID, c.Name, snapshotFloat(c.Weight), strconv.Itoa(c.Stage), string(legs)})
	}
	return w.clusters.Error()
}

// finish writes the ranked scores and turns the files into Parquet.
func (w *snapshotWriter) finish(run *ScoreRun) error {
	final := filepath.Join(w.dir, resultsDir, "scores", "as_of="+run.AsOf.Format("2006-01-02"), "config="+run.ConfigHash)
	if err := os.MkdirAll(filepath.Dir(final), privateDirMode); err != nil {
		return fmt.Errorf("score: %w", err)
	}
	sf, err := newCSVFile(filepath.Join(w.tmp, "scores.csv"))
	if err != nil {
		return err
	}
	f, d := snapshotFloat, snapshotTime
	for _, s := range run.Scores {
		sf.Write([]string{s.RelationshipID, s.VictimID, s.PerpetratorID, d(run.AsOf), f(s.Total), strconv.Itoa(s.Rank), s.Band,
			strconv.Itoa(s.Stage), f(s.ClusterScore), f(s.HarmScore), f(s.RecencyFrequencyScore), strings.Join(s.Clusters, "|"), strings.Join(s.Items, "|"),
			strconv.Itoa(s.Occurrences90d), strconv.Itoa(s.Occurrences365d), strconv.Itoa(s.OccurrencesLookback), f(s.PctOccurrencesLast90d),
			strconv.Itoa(s.DaysSinceLast), f(s.HarmCCHIDays), strings.Join(s.Unscored, "|"), strconv.FormatBool(s.Serial), s.OfficerGrade,
			s.ConfigHash, s.HarmEdition, run.Generation})
	}
	for _, c := range []*csvFile{sf, w.items, w.clusters} {
		if err := c.Close(); err != nil {
			return fmt.Errorf("score: write snapshot: %w", err)
		}
	}
	ddl := []resultTable{
		{"scores", `relationship_id VARCHAR, victim_id VARCHAR, perpetrator_id VARCHAR, as_of TIMESTAMP, total_score DOUBLE, "rank" INTEGER,
  band VARCHAR, stage INTEGER, cluster_score DOUBLE, harm_score DOUBLE, recency_frequency_score DOUBLE, clusters VARCHAR[], items VARCHAR[],
  occurrences_90d INTEGER, occurrences_365d INTEGER, occurrences_lookback INTEGER, pct_occurrences_last_90d DOUBLE, days_since_last_occurrence INTEGER,
  harm_cchi_days DOUBLE, unscored_offence_codes VARCHAR[], serial BOOLEAN, officer_grade VARCHAR, config_hash VARCHAR, harm_edition VARCHAR, generation VARCHAR`},
		{"items", `relationship_id VARCHAR, item VARCHAR, label VARCHAR, class VARCHAR, subject VARCHAR, source_assessment_id VARCHAR,
  source_date TIMESTAMP, source_relationship_id VARCHAR, sticky BOOLEAN, held_against_assessment_id VARCHAR, held_against_date TIMESTAMP,
  held_against_answer VARCHAR, from_other_relationship BOOLEAN, reason VARCHAR`},
		{"clusters", `relationship_id VARCHAR, cluster VARCHAR, name VARCHAR, weight DOUBLE, stage INTEGER, legs VARCHAR`},
	}
	if err := csvToParquet(w.dir, w.tmp, ddl); err != nil {
		return fmt.Errorf("score: write snapshot: %w", err)
	}
	if err := publish(w.tmp, final); err != nil {
		return fmt.Errorf("score: %w", err)
	}
	run.Snapshot = final
	return nil
}

// csvFile is a CSV writer over a file.
type csvFile struct {
	f *os.File
	*csv.Writer
}

func newCSVFile(path string) (*csvFile, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, privateFileMode)
	if err != nil {
		return nil, err
	}
	return &csvFile{f: f, Writer: csv.NewWriter(f)}, nil
}

// Close flushes and closes the file.
func (c *csvFile) Close() error {
	c.Flush()
	if err := c.Error(); err != nil {
		c.f.Close()
		return err
	}
	return c.f.Close()
}
