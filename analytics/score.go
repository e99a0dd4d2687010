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
	conn *sql.Conn
	s    *scoring.Scorer
	asOf time.Time
}

// Score scores every relationship with an occurrence or assessment in the
// lookback to asOf, ranks them and, when write is set, writes the snapshot
// to DIR/results/scores/as_of=DATE/config=HASH/ (replacing an earlier run of
// the same date and configuration, so a list can be reproduced).
func Score(ctx context.Context, dir string, cfg *scoring.Config, asOf time.Time, write bool) (*ScoreRun, error) {
	run, err := evidenceRun(ctx, dir, cfg, asOf, "")
	if err != nil {
		return nil, err
	}
	if write {
		started := time.Now()
		defer func() {
			if trace {
				fmt.Fprintf(os.Stderr, "trace %6.0fms write snapshot\n", time.Since(started).Seconds()*1000)
			}
		}()
		if err := writeScoreSnapshot(dir, run); err != nil {
			return nil, err
		}
	}
	run.Evidence = nil
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
	asOf = EndOfDay(asOf)
	db, conn, err := OpenViews(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	defer conn.Close()
	man, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	sc := &scorer{ctx: ctx, conn: conn, s: scoring.NewScorer(cfg), asOf: asOf}
	if err := sc.prepare(cfg); err != nil {
		return nil, fmt.Errorf("score: %w", err)
	}
	start := sc.s.LookbackStart(asOf)
	if err := sc.run("scope", "CREATE TEMP TABLE scope AS ", asOf, start); err != nil {
		return nil, err
	}
	if only != "" {
		if _, err := conn.ExecContext(ctx, "DELETE FROM scope WHERE relationship_id <> ?", only); err != nil {
			return nil, err
		}
	}
	evs, order, err := sc.evidence(start)
	if err != nil {
		return nil, err
	}
	run := &ScoreRun{AsOf: asOf, Generation: man.Generation, ConfigHash: cfg.Hash, Evidence: evs}
	run.Scores = make([]scoring.Score, 0, len(order))
	for _, id := range order {
		run.Scores = append(run.Scores, sc.s.Score(evs[id], asOf))
	}
	scoring.Rank(run.Scores)
	if only != "" {
		if err := sc.offences(evs[only], start); err != nil {
			return nil, err
		}
		if err := sc.occurrenceDates(evs[only], start); err != nil {
			return nil, err
		}
		// The relationship's own item histories again, from its raw answers,
		// with the later answers a sticky item is held against.
		if ev := evs[only]; ev != nil {
			raw, err := history(sc.ctx, sc.conn, sc.s.Config(), only)
			if err != nil {
				return nil, err
			}
			ev.Items = scoring.Summarise(raw, asOf)
			run.Scores = []scoring.Score{sc.s.Score(ev, asOf)}
			run.Scores[0].Rank = 1
		}
	}
	return run, nil
}

// prepare loads the configuration's tables: the item crosswalk, the item
// classes, the harm table and the fact codes.
func (sc *scorer) prepare(cfg *scoring.Config) error {
	stmts := []string{
		"CREATE TEMP TABLE crosswalk (instrument VARCHAR, item VARCHAR, canonical VARCHAR)",
		"CREATE TEMP TABLE item_classes (item VARCHAR, class VARCHAR, subject VARCHAR)",
		"CREATE TEMP TABLE item_map (instrument VARCHAR, item VARCHAR, canonical VARCHAR, class VARCHAR)",
		"CREATE TEMP TABLE harm (code VARCHAR, days DOUBLE)",
		"CREATE TEMP TABLE fact_codes (fact VARCHAR, code VARCHAR)",
	}
	for _, s := range stmts {
		if _, err := sc.conn.ExecContext(sc.ctx, s); err != nil {
			return err
		}
	}
	ins := func(q string, args ...any) error {
		_, err := sc.conn.ExecContext(sc.ctx, q, args...)
		return err
	}
	for _, x := range cfg.Crosswalk() {
		if err := ins("INSERT INTO crosswalk VALUES (?, ?, ?)", x[0], x[1], x[2]); err != nil {
			return err
		}
		if it, ok := cfg.Canonical(x[2]); ok && x[1] == x[2] {
			if err := ins("INSERT INTO item_classes VALUES (?, ?, ?)", it.ID, it.Class, it.Subject); err != nil {
				return err
			}
		}
	}
	codes := make([]string, 0, len(cfg.HarmTable))
	for c := range cfg.HarmTable {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		if err := ins("INSERT INTO harm VALUES (?, ?)", c, cfg.HarmTable[c]); err != nil {
			return err
		}
	}
	for code, facts := range cfg.FactCodes() {
		for _, f := range facts {
			if err := ins("INSERT INTO fact_codes VALUES (?, ?)", f, code); err != nil {
				return err
			}
		}
	}
	// Each distinct canonical item once, and the crosswalk with each item's
	// class (one small join instead of two on every answer).
	for _, q := range []string{
		"CREATE OR REPLACE TEMP TABLE item_classes AS SELECT DISTINCT * FROM item_classes",
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

// query runs a scoring query and calls fn for each row.
func (sc *scorer) query(name string, start time.Time, fn func(*sql.Rows) error) error {
	q, err := queries.Scoring(name)
	if err != nil {
		return err
	}
	args := []any{ts(sc.asOf)}
	if strings.Contains(q.SQL, "$2") {
		args = append(args, ts(start))
	}
	if os.Getenv("TAU_TRACE") == "count" {
		t0 := time.Now()
		var n int64
		sc.conn.QueryRowContext(sc.ctx, "SELECT count(*) FROM ("+q.SQL+")", args...).Scan(&n)
		fmt.Fprintf(os.Stderr, "trace %6.0fms %s in SQL alone (%d rows)\n", time.Since(t0).Seconds()*1000, q.Path, n)
	}
	started := time.Now()
	rows, err := sc.conn.QueryContext(sc.ctx, q.SQL, args...)
	if err != nil {
		return fmt.Errorf("score: query %s: %w", q.Path, err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		if err := fn(rows); err != nil {
			return fmt.Errorf("score: query %s: %w", q.Path, err)
		}
		n++
	}
	if trace {
		fmt.Fprintf(os.Stderr, "trace %6.0fms %s (%d rows)\n", time.Since(started).Seconds()*1000, q.Path, n)
	}
	return rows.Err()
}

// evidence gathers every in-scope relationship's evidence.
func (sc *scorer) evidence(start time.Time) (map[string]*scoring.Evidence, []string, error) {
	evs := map[string]*scoring.Evidence{}
	byPerp := map[string][]*scoring.Evidence{}
	var order []string
	err := sc.query("relationship_base", start, func(r *sql.Rows) error {
		ev := &scoring.Evidence{Items: map[string]*scoring.ItemHistory{}, PerpYes: map[string][]scoring.Ref{}, Facts: map[string]scoring.Offence{}}
		var latestID, grade sql.NullString
		var latestAt, lastOcc sql.NullTime
		oc := &scoring.OccurrenceCounts{}
		if err := r.Scan(&ev.RelationshipID, &ev.VictimID, &ev.PerpetratorID, &oc.Lookback, &oc.Last90d, &oc.Last365d, &lastOcc,
			&oc.Last180d, &oc.Prior180d, &latestID, &latestAt, &grade, &ev.OtherVictims); err != nil {
			return err
		}
		oc.LastAt = lastOcc.Time
		ev.Counts = oc
		if latestID.Valid {
			ev.Latest = &scoring.Ref{AssessmentID: latestID.String, Date: latestAt.Time, RelationshipID: ev.RelationshipID}
		}
		ev.OfficerGrade = grade.String
		evs[ev.RelationshipID] = ev
		byPerp[ev.PerpetratorID] = append(byPerp[ev.PerpetratorID], ev)
		order = append(order, ev.RelationshipID)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(order)
	err = sc.query("item_histories", start, func(r *sql.Rows) error {
		var rel, item string
		var fyID, lyID, latID, latAns sql.NullString
		var fyAt, lyAt, latAt sql.NullTime
		if err := r.Scan(&rel, &item, &fyID, &fyAt, &lyID, &lyAt, &latID, &latAt, &latAns); err != nil {
			return err
		}
		ev := evs[rel]
		if ev == nil {
			return nil
		}
		h := &scoring.ItemHistory{Item: item}
		ref := func(id sql.NullString, at sql.NullTime, answer string) *scoring.Ref {
			if !id.Valid {
				return nil
			}
			return &scoring.Ref{AssessmentID: id.String, Date: at.Time, RelationshipID: rel, Answer: answer}
		}
		h.FirstYes, h.LastYes = ref(fyID, fyAt, "yes"), ref(lyID, lyAt, "yes")
		h.Latest = ref(latID, latAt, latAns.String)
		if old := ev.Items[item]; old != nil {
			// An item can be both a yes-history row and a latest-answer row
			// only if its class changed; keep what each row carries.
			if h.FirstYes == nil {
				h.FirstYes, h.LastYes = old.FirstYes, old.LastYes
			}
			if h.Latest == nil {
				h.Latest = old.Latest
			}
		}
		ev.Items[item] = h
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	err = sc.query("perpetrator_yes", start, func(r *sql.Rows) error {
		var perp, rel, item, id string
		var at time.Time
		if err := r.Scan(&perp, &rel, &item, &id, &at); err != nil {
			return err
		}
		for _, ev := range byPerp[perp] {
			if ev.RelationshipID != rel {
				ev.PerpYes[item] = append(ev.PerpYes[item], scoring.Ref{AssessmentID: id, Date: at, RelationshipID: rel, Answer: "yes"})
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	for _, ev := range evs {
		for _, refs := range ev.PerpYes {
			sort.Slice(refs, func(i, j int) bool {
				if !refs[i].Date.Equal(refs[j].Date) {
					return refs[i].Date.Before(refs[j].Date)
				}
				return refs[i].RelationshipID < refs[j].RelationshipID
			})
		}
	}
	err = sc.query("perpetrator_harm", start, func(r *sql.Rows) error {
		var perp string
		var days float64
		var n int
		var unscored []any
		if err := r.Scan(&perp, &days, &n, &unscored); err != nil {
			return err
		}
		var codes []string
		for _, u := range unscored {
			if s, ok := u.(string); ok {
				codes = append(codes, s)
			}
		}
		for _, ev := range byPerp[perp] {
			ev.HarmDays, ev.HarmOffences, ev.Unscored = days, n, codes
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	err = sc.query("perpetrator_facts", start, func(r *sql.Rows) error {
		var perp, fact string
		var o scoring.Offence
		if err := r.Scan(&perp, &fact, &o.OffenceID, &o.Code, &o.Date); err != nil {
			return err
		}
		for _, ev := range byPerp[perp] {
			ev.Facts[fact] = o
		}
		return nil
	})
	return evs, order, err
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

// writeScoreSnapshot writes scores, active items and active clusters as
// Parquet under DIR/results/scores/as_of=DATE/config=HASH/, replacing an
// earlier run of the same date and configuration atomically. Rows computed
// in Go go into DuckDB through its appender, then out as Parquet.
func writeScoreSnapshot(dir string, run *ScoreRun) error {
	final := filepath.Join(dir, resultsDir, "scores", "as_of="+run.AsOf.Format("2006-01-02"), "config="+run.ConfigHash)
	parent := filepath.Dir(final)
	if err := os.MkdirAll(parent, privateDirMode); err != nil {
		return fmt.Errorf("score: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, ".tmp-")
	if err != nil {
		return fmt.Errorf("score: %w", err)
	}
	defer os.RemoveAll(tmp)
	ctx := context.Background()
	db, err := sql.Open("duckdb", "?temp_directory="+filepath.Join(dir, spillDir))
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	ddl := []string{
		`CREATE TABLE scores (relationship_id VARCHAR, victim_id VARCHAR, perpetrator_id VARCHAR, as_of TIMESTAMP, total_score DOUBLE, "rank" INTEGER,
  band VARCHAR, stage INTEGER, cluster_score DOUBLE, harm_score DOUBLE, recency_frequency_score DOUBLE, clusters VARCHAR[], items VARCHAR[],
  occurrences_90d INTEGER, occurrences_365d INTEGER, occurrences_lookback INTEGER, pct_occurrences_last_90d DOUBLE, days_since_last_occurrence INTEGER,
  harm_cchi_days DOUBLE, unscored_offence_codes VARCHAR[], serial BOOLEAN, officer_grade VARCHAR, config_hash VARCHAR, harm_edition VARCHAR, generation VARCHAR)`,
		`CREATE TABLE items (relationship_id VARCHAR, item VARCHAR, label VARCHAR, class VARCHAR, subject VARCHAR, source_assessment_id VARCHAR,
  source_date TIMESTAMP, source_relationship_id VARCHAR, sticky BOOLEAN, held_against_assessment_id VARCHAR, held_against_date TIMESTAMP,
  held_against_answer VARCHAR, from_other_relationship BOOLEAN, reason VARCHAR)`,
		`CREATE TABLE clusters (relationship_id VARCHAR, cluster VARCHAR, name VARCHAR, weight DOUBLE, stage INTEGER, legs VARCHAR)`,
	}
	for _, q := range ddl {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("score: write snapshot: %w", err)
		}
	}
	// Rows go out as CSV files (Go's writer is many times faster than an
	// appender row by row) and are read back with their declared types.
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	d := func(t time.Time) string { return t.Format("2006-01-02 15:04:05") }
	files := map[string]*csvFile{}
	for _, t := range []string{"scores", "items", "clusters"} {
		cf, err := newCSVFile(filepath.Join(tmp, t+".csv"))
		if err != nil {
			return fmt.Errorf("score: write snapshot: %w", err)
		}
		files[t] = cf
	}
	for _, s := range run.Scores {
		files["scores"].Write([]string{s.RelationshipID, s.VictimID, s.PerpetratorID, d(run.AsOf), f(s.Total), strconv.Itoa(s.Rank), s.Band,
			strconv.Itoa(s.Stage), f(s.ClusterScore), f(s.HarmScore), f(s.RecencyFrequencyScore), strings.Join(s.Clusters, "|"), strings.Join(s.Items, "|"),
			strconv.Itoa(s.Occurrences90d), strconv.Itoa(s.Occurrences365d), strconv.Itoa(s.OccurrencesLookback), f(s.PctOccurrencesLast90d),
			strconv.Itoa(s.DaysSinceLast), f(s.HarmCCHIDays), strings.Join(s.Unscored, "|"), strconv.FormatBool(s.Serial), s.OfficerGrade,
			s.ConfigHash, s.HarmEdition, run.Generation})
		for _, a := range s.ActiveItems {
			var hid, hdate, hans string
			if a.HeldAgainst != nil {
				hid, hdate, hans = a.HeldAgainst.AssessmentID, d(a.HeldAgainst.Date), a.HeldAgainst.Answer
			}
			files["items"].Write([]string{s.RelationshipID, a.Item, a.Label, a.Class, a.Subject, a.Source.AssessmentID, d(a.Source.Date),
				a.Source.RelationshipID, strconv.FormatBool(a.Sticky), hid, hdate, hans, strconv.FormatBool(a.FromOtherRelationship), a.Reason})
		}
		for _, c := range s.ActiveClusters {
			legs, _ := json.Marshal(c.Legs)
			files["clusters"].Write([]string{s.RelationshipID, c.ID, c.Name, f(c.Weight), strconv.Itoa(c.Stage), string(legs)})
		}
	}
	for _, cf := range files {
		if err := cf.Close(); err != nil {
			return fmt.Errorf("score: write snapshot: %w", err)
		}
	}
	for _, t := range []string{"scores", "items", "clusters"} {
		// The table's own column types drive the CSV reader; lists are
		// written joined with | and split here.
		var cols []string
		rows, err := conn.QueryContext(ctx, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position", t)
		if err != nil {
			return fmt.Errorf("score: write snapshot: %w", err)
		}
		var sel []string
		for rows.Next() {
			var name, typ string
			rows.Scan(&name, &typ)
			csvType := typ
			if strings.HasSuffix(typ, "[]") {
				csvType = "VARCHAR"
				sel = append(sel, fmt.Sprintf("CASE WHEN %[1]s IS NULL OR %[1]s = '' THEN []::VARCHAR[] ELSE string_split(%[1]s, '|') END", ident(name)))
			} else {
				sel = append(sel, ident(name))
			}
			cols = append(cols, fmt.Sprintf("%s: %s", quote(name), quote(csvType)))
		}
		rows.Close()
		q := fmt.Sprintf("INSERT INTO %s SELECT %s FROM read_csv(%s, header = false, auto_detect = false, columns = {%s})",
			t, strings.Join(sel, ", "), quote(filepath.Join(tmp, t+".csv")), strings.Join(cols, ", "))
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("score: write snapshot: %w", err)
		}
		os.Remove(filepath.Join(tmp, t+".csv"))
	}
	for _, t := range []string{"scores", "items", "clusters"} {
		q := fmt.Sprintf("COPY %s TO %s (FORMAT parquet, COMPRESSION zstd)", t, quote(filepath.Join(tmp, t+".parquet")))
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("score: write snapshot: %w", err)
		}
	}
	restrict(tmp)
	old := final + ".old"
	os.RemoveAll(old)
	if _, err := os.Stat(final); err == nil {
		if err := os.Rename(final, old); err != nil {
			return fmt.Errorf("score: %w", err)
		}
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("score: %w", err)
	}
	os.RemoveAll(old)
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
