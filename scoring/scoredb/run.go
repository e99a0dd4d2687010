package scoredb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tau-da/tau/analytics"

	"github.com/tau-da/tau/internal/duckdb"
	"github.com/tau-da/tau/internal/period"

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
	// Count is the number of relationships scored; Bands counts them by
	// band.
	Count int
	Bands map[string]int
	// Scores holds the ranked scores of a run that was not written; a
	// written run keeps them in its snapshot (read them with Each).
	Scores []scoring.Score
	// Evidence is kept for each relationship when explaining.
	Evidence map[string]*scoring.Evidence
	// Snapshot is the folder the run was written to ("" if not written).
	Snapshot string
	// rows are the formatted output rows, in the order scored, and order
	// the rank order of the scores added (ScoreOptions.Row).
	rows  *formattedRows
	order []int
}

// scorer holds a scoring session's connection.
type scorer struct {
	ctx  context.Context
	db   *sql.DB
	conn *sql.Conn
	s    *scoring.Scorer
	asOf time.Time
	// indexed hands item histories over as Evidence.Indexed (bulk runs)
	// instead of a map per relationship.
	indexed bool
	// whole says the scope holds every relationship with an occurrence or
	// assessment in the lookback, none taken out ($whole in the queries).
	whole bool
}

// Score scores every relationship with an occurrence or assessment in the
// lookback to asOf, ranks them and, when write is set, writes the snapshot
// to DIR/results/scores/as_of=DATE/config=HASH/ (replacing an earlier run of
// the same date and configuration, so a list can be reproduced).
func Score(ctx context.Context, sess *analytics.Session, cfg *scoring.Config, asOf time.Time, write bool) (*ScoreRun, error) {
	return ScoreWith(ctx, sess, cfg, asOf, ScoreOptions{Write: write})
}

// RowFormat appends one score's output row to b, all but its rank (which
// is known only when every relationship has been scored).
type RowFormat func(b []byte, s *scoring.Score) []byte

// ScoreOptions say what a score run writes and keeps.
type ScoreOptions struct {
	// Write writes the snapshot.
	Write bool
	// Row, with Write, formats each score's output row as it is scored;
	// the rows are kept (a few hundred bytes each, no more) for EachRow,
	// which hands them out in rank order without reading the snapshot back.
	Row RowFormat
	// Progress, when set with Write, is told how many relationships have
	// been scored (of the extract's, an upper bound: the ones out of scope
	// are never scored), and then of the snapshot being written.
	Progress analytics.Progress
}

// progressEvery is how many scores pass between progress reports: often
// enough for a bar, rare enough to cost nothing in a 2-million-row run.
const progressEvery = 1 << 14

// ScoreWith is Score with options.
func ScoreWith(ctx context.Context, sess *analytics.Session, cfg *scoring.Config, asOf time.Time, opt ScoreOptions) (*ScoreRun, error) {
	var sw *snapshotWriter
	var sink func(*scoring.Score) error
	var rows formattedRows
	if opt.Write {
		var err error
		if sw, err = newSnapshotWriter(sess.Warehouse(), cfg, int(sess.Manifest.Relationships)); err != nil {
			return nil, err
		}
		defer sw.abort()
		sink = sw.add
		if opt.Row != nil {
			sink = func(s *scoring.Score) error {
				rows.add(opt.Row, s)
				return sw.add(s)
			}
		}
	}
	if opt.Progress != nil && sink != nil {
		sink = counted(sink, opt.Progress, int(sess.Manifest.Relationships))
	}
	run, err := scoreRun(ctx, sess, cfg, asOf, "", sink, false)
	if err != nil {
		return nil, fmt.Errorf("score: %w", err)
	}
	if opt.Write {
		opt.Progress.Report("write the snapshot", int(sess.Manifest.Relationships), int(sess.Manifest.Relationships))
		started := time.Now()
		if opt.Row != nil {
			run.rows = &rows
		}
		if err := sw.finish(run); err != nil {
			return nil, err
		}
		duckdb.Tracef(started, "write snapshot")
	}
	return run, nil
}

// counted wraps a score sink so progress hears of every progressEvery
// scores.
func counted(sink func(*scoring.Score) error, progress analytics.Progress, total int) func(*scoring.Score) error {
	n := 0
	return func(s *scoring.Score) error {
		if n++; n%progressEvery == 0 {
			progress.Report("score", min(n, total), total)
		}
		return sink(s)
	}
}

// Explain scores one relationship and returns its score with the full
// evidence behind it, including every offence counted in harm.
func Explain(ctx context.Context, sess *analytics.Session, cfg *scoring.Config, asOf time.Time, relationshipID string) (*scoring.Score, *scoring.Evidence, error) {
	run, err := evidenceRun(ctx, sess, cfg, asOf, relationshipID)
	if err != nil {
		return nil, nil, fmt.Errorf("explain %s: %w", relationshipID, err)
	}
	if len(run.Scores) == 0 {
		return nil, nil, fmt.Errorf("explain %s: %w: it has no occurrence or assessment in the %d years to %s",
			relationshipID, ErrNotInScope, cfg.Score.LookbackYears, asOf.Format("2006-01-02"))
	}
	return &run.Scores[0], run.Evidence[relationshipID], nil
}

// History returns a relationship's raw answers (mapped to canonical items)
// and assessment dates, for the stage-over-time view of explain.
func History(ctx context.Context, sess *analytics.Session, cfg *scoring.Config, relationshipID string) ([]scoring.RawAnswer, error) {
	rows, err := sess.Conn.QueryContext(ctx, queries.Must("scoring", "history"), relationshipID)
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

func evidenceRun(ctx context.Context, sess *analytics.Session, cfg *scoring.Config, asOf time.Time, only string) (*ScoreRun, error) {
	return scoreRun(ctx, sess, cfg, asOf, only, nil, true)
}

// scoreRun streams the evidence perpetrator by perpetrator, scores each
// relationship and, when sink is set, hands the full score to it and keeps
// only the slim score (no items, clusters or stage evidence), so memory
// stays bounded by one perpetrator's relationships.
func scoreRun(ctx context.Context, sess *analytics.Session, cfg *scoring.Config, asOf time.Time, only string, sink func(*scoring.Score) error, keep bool) (*ScoreRun, error) {
	asOf = period.EndOfDay(asOf)
	t0 := time.Now()
	step := func(what string) {
		duckdb.Tracef(t0, "%s", what)
	}
	db, conn := sess.DB, sess.Conn
	var err error
	sc := &scorer{ctx: ctx, db: db, conn: conn, s: scoring.NewScorer(cfg), asOf: asOf}
	if err := sc.prepare(cfg); err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	start := sc.s.LookbackStart(asOf)
	step("prepare configuration tables")
	if err := sc.run("scope", "CREATE OR REPLACE TABLE scope AS ", asOf, start); err != nil {
		return nil, err
	}
	step("scope")
	sc.whole = only == ""
	if only != "" {
		if _, err := conn.ExecContext(ctx, "DELETE FROM scope WHERE relationship_id <> ?", only); err != nil {
			return nil, err
		}
	}
	run := &ScoreRun{AsOf: asOf, Generation: sess.Manifest.Generation, ConfigHash: cfg.Hash, Bands: map[string]int{}}
	// A run that writes a snapshot hands each score to it and keeps none:
	// the snapshot ranks them (nationally 1.6 million). Its items keep the
	// facts behind each item; the reasons are worded when shown.
	sc.s.Terse = sink != nil && !keep
	sc.indexed = !keep
	if keep {
		run.Evidence = map[string]*scoring.Evidence{}
	}
	// take counts a score and hands it to the sink, or keeps it.
	take := func(score *scoring.Score) error {
		run.Count++
		run.Bands[score.Band]++
		if sink != nil {
			return sink(score)
		}
		run.Scores = append(run.Scores, *score)
		return nil
	}
	if sink != nil && !keep {
		// Bulk: the evidence is gathered on this goroutine, scored on
		// others and handed to the sink in order (nationally 1.6 million
		// relationships).
		err = pipeline(sc, start, take)
	} else {
		err = sc.each(start, func(ev *scoring.Evidence) error {
			score := sc.s.Score(ev, asOf)
			if run.Evidence != nil {
				run.Evidence[ev.RelationshipID] = ev
			}
			return take(&score)
		})
	}
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
		run.Scores = []scoring.Score{sc.s.Score(ev, asOf)}
		run.Scores[0].Rank = 1
	}
	return run, nil
}

// pipelineBatch is how many relationships' evidence go to a scoring
// goroutine at once (a channel send per relationship would cost more than
// some of the scoring).
const pipelineBatch = 512

// pipelineQueued is how many batches may be gathered ahead of the sink:
// enough to keep the scorers busy, few enough that little is held.
const pipelineQueued = 16

// batch is one run of perpetrators' evidence (n relationships) and, once
// folded and scored, their scores; done is closed when they are.
type batch struct {
	perps  []*perpetrator
	n      int
	scores []scoring.Score
	done   chan struct{}
}

// pipeline streams the evidence and folds and scores it in batches on as
// many goroutines as there are cores (scoring.Scorer may be used at once),
// handing the scores to take in the order the evidence came, so a run
// is the same however its batches were scored; the first error stops
// every part.
func pipeline(sc *scorer, start time.Time, take func(*scoring.Score) error) error {
	jobs := make(chan *batch, pipelineQueued)
	ordered := make(chan *batch, pipelineQueued)
	failed := make(chan struct{})
	var workers sync.WaitGroup
	for range max(1, runtime.GOMAXPROCS(0)) {
		workers.Add(1)
		go func() {
			defer workers.Done()
			// Each goroutine folds with a folder of its own (a folder
			// serves one goroutine).
			folder := scoring.NewFolder(sc.s.Config())
			for b := range jobs {
				b.scores = make([]scoring.Score, 0, b.n)
				for _, p := range b.perps {
					p.fold(folder, sc.indexed)
					for _, ev := range p.group {
						b.scores = append(b.scores, sc.s.Score(ev, sc.asOf))
					}
				}
				b.perps = nil
				close(b.done)
			}
		}()
	}
	done := make(chan error, 1)
	go func() {
		var first error
		for b := range ordered {
			<-b.done
			for i := range b.scores {
				if first == nil {
					if first = take(&b.scores[i]); first != nil {
						close(failed)
					}
				}
			}
		}
		done <- first
	}()
	send := func(b *batch) error {
		select {
		case ordered <- b:
		case <-failed:
			return errors.New("scoring stopped")
		}
		jobs <- b
		return nil
	}
	b := &batch{done: make(chan struct{})}
	err := sc.stream(start, func(p *perpetrator) error {
		b.perps, b.n = append(b.perps, p), b.n+len(p.group)
		if b.n < pipelineBatch {
			return nil
		}
		next := b
		b = &batch{done: make(chan struct{})}
		return send(next)
	})
	if err == nil && len(b.perps) > 0 {
		err = send(b)
	}
	close(jobs)
	close(ordered)
	workers.Wait()
	if serr := <-done; serr != nil {
		return serr
	}
	return err
}

// prepare loads the configuration's tables the queries join: the harm
// table and the fact codes.
func (sc *scorer) prepare(cfg *scoring.Config) error {
	for _, q := range []string{"CREATE OR REPLACE TABLE harm (code VARCHAR, days DOUBLE)", "CREATE OR REPLACE TABLE fact_codes (fact VARCHAR, code VARCHAR)"} {
		if _, err := sc.conn.ExecContext(sc.ctx, q); err != nil {
			return err
		}
	}
	// Each table in one INSERT (a statement per row costs about half a
	// millisecond each).
	rows := map[string][][]any{}
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
	for _, table := range []string{"harm", "fact_codes"} {
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
		return fmt.Errorf("query %s: %w", q.Path, err)
	}
	return nil
}

// occurrenceDates fills a relationship's occurrence dates (explain's stage
// history recounts them at each assessment date).
func (sc *scorer) occurrenceDates(ev *scoring.Evidence, start time.Time) error {
	if ev == nil {
		return nil
	}
	rows, err := sc.conn.QueryContext(sc.ctx, queries.Must("scoring", "occurrence_dates"), ev.RelationshipID, ts(sc.asOf), ts(start))
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
	rows, err := sc.conn.QueryContext(sc.ctx, queries.Must("scoring", "offences"), ev.PerpetratorID, ts(sc.asOf), ts(start))
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
