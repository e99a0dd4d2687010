package appdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/tau-da/tau/queries"
	"golang.org/x/sync/errgroup"

	"github.com/tau-da/tau/analytics"

	"github.com/tau-da/tau/internal/period"

	"github.com/tau-da/tau/app"
	"github.com/tau-da/tau/scoring"
)

// ErrNoSnapshot is returned when the warehouse holds no score snapshot of
// the app's configuration.
var ErrNoSnapshot = errors.New("no score snapshot of this configuration")

// Store is the app's read-only view of the warehouse: the score snapshots
// of one configuration, the records behind them, the plans and the latest
// evaluation. It reopens its views when a load switches the warehouse to
// a new generation, so a load can run beside it, and sees a new snapshot
// within snapshotsTTL of its publication.
type Store struct {
	w    *analytics.Warehouse
	cfg  *scoring.Config
	mu   sync.Mutex
	gen  string
	sess *analytics.Session
	// snaps are the configuration's snapshots, latest first, as read at
	// snapsRead.
	snaps     []app.Snapshot
	snapsRead time.Time
	// areas are the generation's recorded areas (the list's choices),
	// read once per generation: nationally a scan of 3.6 million persons.
	areas []string
	// hasIDs says the session has the snapshots' index by relationship
	// (scores_ids); indexed which snapshots have it (read with snaps).
	hasIDs  bool
	indexed map[time.Time]bool
	// changes holds the last comparison of two snapshots (nationally 230
	// thousand changed rows a quarter, 5 s to compute; the page shows 50
	// at a time and each page, count and download reads the same set):
	// computed once while its snapshots stay as they are.
	changesMu sync.Mutex
	changes   *app.Changes
	changesOf string
	// warm, when set by KeepWarm, computes the latest two snapshots'
	// changes in the background whenever a new latest snapshot is seen
	// (warmedTo: the pair and the load), so the page's first view finds them ready; warming
	// counts the comparisons running, which Close waits for.
	warm     context.Context
	stopWarm context.CancelFunc
	warming  sync.WaitGroup
	warmedTo string
}

// idsFile is the snapshot's index by relationship (scoredb.IDsTable).
const idsFile = "ids"

// snapshotFile is where one of the configuration's snapshots keeps a
// table (scoredb publishes them as as_of=DAY/config=HASH).
func (s *Store) snapshotFile(asOf time.Time, table string) string {
	return s.w.ResultFile("scores", []string{"as_of=" + asOf.Format("2006-01-02"), "config=" + s.cfg.Hash}, table)
}

// isIndexed says a snapshot has its index by relationship, the victim's
// area and its items' ranks (written since they were kept), so pages find
// a relationship's rows in a row group or two.
func (s *Store) isIndexed(asOf time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hasIDs && s.indexed[asOf]
}

// allIndexed says every snapshot of the configuration is indexed.
func (s *Store) allIndexed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.hasIDs {
		return false
	}
	for _, sn := range s.snaps {
		if !s.indexed[sn.AsOf] {
			return false
		}
	}
	return true
}

// snapshotsTTL is how long the list of snapshots is kept before it is read
// again: short enough that a new score shows within seconds, long enough
// that a page's several reads share one count.
const snapshotsTTL = 5 * time.Second

// Open opens the warehouse for the app. It needs a score snapshot made
// with cfg.
func Open(ctx context.Context, w *analytics.Warehouse, cfg *scoring.Config) (*Store, error) {
	s := &Store{w: w, cfg: cfg}
	if _, err := s.conn(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// KeepWarm computes what changed between the latest two snapshots in the
// background now and whenever a newer snapshot appears, until ctx ends or
// the store closes, so the changes page's first view reads it ready
// (nationally a comparison takes 5-6 seconds of two cores).
func (s *Store) KeepWarm(ctx context.Context) {
	s.mu.Lock()
	s.warm, s.stopWarm = context.WithCancel(ctx)
	s.snaps = nil // read them again, which starts the first comparison
	s.mu.Unlock()
	s.Snapshots(s.warm)
}

// warmLatest starts the latest two snapshots' comparison in the
// background if either has changed since the last (called with s.mu
// held).
func (s *Store) warmLatest(snaps []app.Snapshot) {
	if s.warm == nil || s.warm.Err() != nil || len(snaps) < 2 {
		return
	}
	pair := s.gen + " " + s.snapshotStamp(snaps[1]) + " " + s.snapshotStamp(snaps[0])
	if pair == s.warmedTo {
		return
	}
	s.warmedTo = pair
	s.warming.Add(1)
	go func() {
		defer s.warming.Done()
		s.Changes(s.warm, time.Time{}, time.Time{}) // a failure shows when the page is asked for
	}()
}

// WaitWarm waits for the comparisons KeepWarm started.
func (s *Store) WaitWarm() { s.warming.Wait() }

// Close stops the background comparisons and releases the views.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.stopWarm != nil {
		s.stopWarm()
	}
	s.mu.Unlock()
	s.warming.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sess != nil {
		return s.sess.Close()
	}
	return nil
}

// conn returns the views of the current generation, reopening them after a
// load.
func (s *Store) conn(ctx context.Context) (*sql.DB, error) {
	gen, err := s.w.Generation()
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sess != nil && gen == s.gen {
		return s.sess.DB, nil
	}
	sess, err := s.w.Session(ctx)
	if err != nil {
		return nil, err
	}
	var n int
	err = sess.Conn.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT 1 FROM scores_scores WHERE config_hash = ? LIMIT 1)", s.cfg.Hash).Scan(&n)
	if err != nil || n == 0 {
		sess.Close()
		return nil, fmt.Errorf("open app store %s: configuration %s: %w", s.w.Dir(), s.cfg.Hash, ErrNoSnapshot)
	}
	hasIDs, err := sess.HasTable(ctx, "scores_ids")
	if err == nil {
		// The app reads the same Parquet footers on every page (each
		// snapshot's files, each table's): keeping them saves a quarter of
		// a national page's time. Results are replaced by new files, never
		// rewritten in place, so a kept footer is never stale.
		_, err = sess.Conn.ExecContext(ctx, "SET parquet_metadata_cache = true")
	}
	if err != nil {
		sess.Close()
		return nil, err
	}
	if s.sess != nil {
		s.sess.Close()
	}
	s.sess, s.gen, s.snaps, s.areas, s.hasIDs = sess, sess.Generation, nil, nil, hasIDs
	return sess.DB, nil
}

// currentGen is the generation the views show.
func (s *Store) currentGen() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gen
}

// Snapshots lists the configuration's score snapshots, latest first, each
// saying whether it was scored from an earlier load than the current one.
func (s *Store) Snapshots(ctx context.Context) ([]app.Snapshot, error) {
	db, err := s.conn(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.snaps != nil && time.Since(s.snapsRead) < snapshotsTTL {
		out := s.snaps
		s.mu.Unlock()
		return out, nil
	}
	man := s.sess.Manifest
	s.mu.Unlock()
	var out []app.Snapshot
	err = each(ctx, db, queries.Must("app", "snapshots"), []any{sql.Named("cfg", s.cfg.Hash)}, func(rs *sql.Rows) error {
		sn := app.Snapshot{ConfigHash: s.cfg.Hash}
		if err := rs.Scan(&sn.AsOf, &sn.Rows, &sn.Generation); err != nil {
			return err
		}
		if man != nil {
			sn.CurrentLoad = man.LoadedAt
			sn.Stale = sn.Generation != man.Generation
		}
		sn.ScoredLoad, _ = analytics.GenerationTime(sn.Generation)
		out = append(out, sn)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("configuration %s: %w", s.cfg.Hash, ErrNoSnapshot)
	}
	indexed := map[time.Time]bool{}
	for _, sn := range out {
		_, err := os.Stat(s.snapshotFile(sn.AsOf, idsFile))
		indexed[sn.AsOf] = err == nil
	}
	s.mu.Lock()
	s.snaps, s.snapsRead, s.indexed = out, time.Now(), indexed
	s.warmLatest(out)
	s.mu.Unlock()
	return out, nil
}

// snapshot returns the snapshot of a date (zero: the latest).
func (s *Store) snapshot(ctx context.Context, asOf time.Time) (app.Snapshot, error) {
	snaps, err := s.Snapshots(ctx)
	if err != nil {
		return app.Snapshot{}, err
	}
	return app.FindSnapshot(snaps, asOf)
}

// listSQL selects a page of a snapshot's rows (queries/app/list.sql);
// filters are bound parameters.
var listSQL = queries.Must("app", "list")

// listSorts are the list's sorts (list.sql's $sort), each then by rank.
var listSorts = map[string]bool{"": true, "rank": true, "stage": true, "occurrences_90d": true, "days_since": true}

// allRows is the page size that means every row (a limit of 0).
const allRows = math.MaxInt32

func (s *Store) args(f app.Filter, asOf time.Time, rel string, hidden bool) []any {
	limit := f.Limit
	if limit <= 0 {
		limit = allRows
	}
	return []any{sql.Named("cfg", s.cfg.Hash), sql.Named("asof", asOf), sql.Named("band", f.Band), sql.Named("stage", f.Stage),
		sql.Named("cluster", f.Cluster), sql.Named("serial", f.Serial), sql.Named("noplan", f.NoPlan), sql.Named("area", f.Area), sql.Named("rel", rel),
		sql.Named("hidden", hidden), sql.Named("sort", f.Sort), sql.Named("limit", limit), sql.Named("offset", f.Offset)}
}

// rows reads a snapshot's list rows: filtered, one relationship's (rel),
// or the hidden-threat queue, and how many rows match. rank, when not 0,
// is rel's rank in the snapshot (read from its index); cr, when not nil,
// is given the first row's clusters with their stages and facts, which the
// relationship page words.
func (s *Store) rows(ctx context.Context, f app.Filter, asOf time.Time, rel string, rank int, hidden bool, cr *clusterRow) ([]app.ListRow, int, error) {
	db, err := s.conn(ctx)
	if err != nil {
		return nil, 0, err
	}
	if !listSorts[f.Sort] {
		return nil, 0, fmt.Errorf("unknown sort %q", f.Sort)
	}
	q, args := listQuery(f, rank, s.isIndexed(asOf), s.args(f, asOf, rel, hidden))
	rs, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rs.Close()
	var out []app.ListRow
	total := 0
	for rs.Next() {
		var r app.ListRow
		var clusters, stages, facts []any
		if err := rs.Scan(&r.Rank, &r.RelationshipID, &r.VictimID, &r.PerpetratorID, &r.Band, &r.Stage, &r.Total, &r.ClusterScore, &r.Harm,
			&r.RecencyFreq, &clusters, &r.Occurrences90d, &r.DaysSince, &r.PctLast90d, &r.Serial, &r.HasPlan, &r.Area, &r.OfficerGrade,
			&stages, &facts, &total); err != nil {
			return nil, 0, err
		}
		s.nameClusters(&r, clusters)
		if cr != nil && len(out) == 0 {
			*cr = newClusterRow(clusters, stages, facts)
		}
		out = append(out, r)
	}
	return out, total, rs.Err()
}

// nameClusters sets a row's cluster ids and their names.
func (s *Store) nameClusters(r *app.ListRow, ids []any) {
	for _, c := range ids {
		id := fmt.Sprint(c)
		r.Clusters = append(r.Clusters, id)
		name := id
		if cl := s.cfg.Cluster(id); cl != nil {
			name = cl.Name
		}
		r.ClusterNames = append(r.ClusterNames, name)
	}
}

// List returns a page of the ranked list.
func (s *Store) List(ctx context.Context, f app.Filter) (*app.List, error) {
	sn, err := s.snapshot(ctx, f.AsOf)
	if err != nil {
		return nil, err
	}
	rows, total, err := s.rows(ctx, f, sn.AsOf, "", 0, false, nil)
	if err != nil {
		return nil, err
	}
	return &app.List{Snapshot: sn, AsOf: sn.AsOf, ConfigHash: s.cfg.Hash, Total: total, Rows: rows}, nil
}

// listQuery is list.sql with the lines of f's filters, of one rank (0:
// none) and of an indexed snapshot or not.
func listQuery(f app.Filter, rank int, indexed bool, args []any) (string, []any) {
	return queries.Marked(listSQL, map[string]bool{"$noplan": f.NoPlan, "$rank": rank > 0, "$indexed": indexed,
		"$area_indexed": f.Area != "" && indexed, "$area_legacy": f.Area != "" && !indexed}, append(args, sql.Named("rank", rank)))
}

// Aggregates counts the filtered list by band and stage (no ids).
func (s *Store) Aggregates(ctx context.Context, f app.Filter) ([]app.Count, error) {
	sn, err := s.snapshot(ctx, f.AsOf)
	if err != nil {
		return nil, err
	}
	db, err := s.conn(ctx)
	if err != nil {
		return nil, err
	}
	var out []app.Count
	every := f
	every.Limit, every.Offset = 0, 0
	q, args := listQuery(every, 0, s.isIndexed(sn.AsOf), s.args(every, sn.AsOf, "", false))
	err = each(ctx, db, "SELECT band, stage, count(*) FROM ("+q+") GROUP BY band, stage ORDER BY CASE band WHEN 'red' THEN 0 WHEN 'amber' THEN 1 ELSE 2 END, stage",
		args, func(rs *sql.Rows) error {
			var c app.Count
			if err := rs.Scan(&c.Band, &c.Stage, &c.N); err != nil {
				return err
			}
			out = append(out, c)
			return nil
		})
	return out, err
}

// Options lists the configuration's clusters and the recorded areas.
func (s *Store) Options(ctx context.Context) ([]app.Choice, []string, error) {
	var clusters []app.Choice
	for _, c := range s.cfg.Clusters {
		clusters = append(clusters, app.Choice{Value: c.ID, Label: c.Name + " (" + c.ID + ")"})
	}
	db, err := s.conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	areas, gen := s.areas, s.gen
	s.mu.Unlock()
	if areas != nil {
		return clusters, areas, nil
	}
	areas = []string{}
	err = each(ctx, db, "SELECT DISTINCT area FROM persons WHERE area IS NOT NULL AND area <> '' ORDER BY area LIMIT 200", nil, func(rs *sql.Rows) error {
		var a string
		if err := rs.Scan(&a); err != nil {
			return err
		}
		areas = append(areas, a)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	if s.gen == gen {
		s.areas = areas
	}
	s.mu.Unlock()
	return clusters, areas, nil
}

// Relationship gathers the relationship page for a snapshot (zero: the
// latest): the score and its sources, the perpetrator's offences in the
// lookback with their names and CCHI days, the clusters with their
// evidence in words, the timeline, the plans and the victim's engagement.
func (s *Store) Relationship(ctx context.Context, id string, asOf time.Time) (*app.Relationship, error) {
	sn, err := s.snapshot(ctx, asOf)
	if err != nil {
		return nil, err
	}
	db, err := s.conn(ctx)
	if err != nil {
		return nil, err
	}
	indexed := s.isIndexed(sn.AsOf)
	rank := 0
	if indexed {
		// The snapshot's index says where the row is.
		err := db.QueryRowContext(ctx, `SELECT "rank" FROM scores_ids WHERE relationship_id = $rel AND config = $cfg AND as_of = $asof`,
			sql.Named("rel", id), sql.Named("cfg", s.cfg.Hash), sql.Named("asof", sn.AsOf)).Scan(&rank)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, app.ErrNotFound
		}
		if err != nil {
			return nil, err
		}
	}
	// The score row carries the clusters' stages and facts too, so the
	// clusters are worded without reading it again.
	var cr clusterRow
	rows, _, err := s.rows(ctx, app.Filter{}, sn.AsOf, id, rank, false, &cr)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, app.ErrNotFound
	}
	rel := &app.Relationship{Snapshot: sn, Row: rows[0], AsOf: sn.AsOf, ConfigHash: s.cfg.Hash}
	snap := []any{sql.Named("rel", id), sql.Named("cfg", s.cfg.Hash), sql.Named("asof", sn.AsOf), sql.Named("rank", rel.Row.Rank)}
	// The page's other reads are independent (the clusters' words, which
	// need the items and the harm, are put together after): run at once,
	// each on its own connection, they take the time of the longest, not
	// of the sum (nationally each is 10-130 ms on two cores, much of it
	// DuckDB's planning and file opening).
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		rel.Items, err = s.items(gctx, db, snap, indexed)
		return err
	})
	g.Go(func() (err error) {
		rel.Harm, rel.HarmDays, err = s.offences(gctx, db, rel.Row.PerpetratorID, sn.AsOf)
		return err
	})
	g.Go(func() error {
		events, args := queries.Marked(queries.Must("app", "events"), map[string]bool{"$indexed": s.allIndexed()}, []any{sql.Named("rel", id), sql.Named("cfg", s.cfg.Hash)})
		return each(gctx, db, events, args, func(rs *sql.Rows) error {
			var e app.Event
			if err := rs.Scan(&e.At, &e.Lane, &e.Detail, &e.Tone); err != nil {
				return err
			}
			rel.Events = append(rel.Events, e)
			return nil
		})
	})
	g.Go(func() (err error) {
		if rel.Plans, err = s.plans(gctx, db, id, false); err != nil {
			return err
		}
		for i := range rel.Plans {
			rel.Plans[i].Area = rel.Row.Area
		}
		return nil
	})
	g.Go(func() error {
		return each(gctx, db, `SELECT agency, started_at, ended_at FROM engagement WHERE person_id = $v ORDER BY started_at`, []any{sql.Named("v", rel.Row.VictimID)}, func(rs *sql.Rows) error {
			var e app.Engagement
			var to sql.NullTime
			if err := rs.Scan(&e.Agency, &e.From, &to); err != nil {
				return err
			}
			e.To = to.Time
			rel.Engagement = append(rel.Engagement, e)
			return nil
		})
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	rel.Clusters = s.clusters(cr, rel.Items, rel.Harm)
	return rel, nil
}

// items reads a relationship's active items in a snapshot, with their
// sources, labels and reasons in words, in the officers' numeric order.
func (s *Store) items(ctx context.Context, db *sql.DB, snap []any, indexed bool) ([]app.Item, error) {
	var out []app.Item
	q, args := queries.Marked(queries.Must("app", "items"), map[string]bool{"$rank": indexed}, snap)
	err := each(ctx, db, q, args, func(rs *sql.Rows) error {
		var it app.Item
		var held sql.NullTime
		if err := rs.Scan(&it.Item, &it.SourceAssessment, &it.SourceRelation, &it.SourceDate, &it.Sticky,
			&it.FromOther, &it.HeldAgainst, &it.HeldAnswer, &held); err != nil {
			return err
		}
		it.HeldDate = held.Time
		out = append(out, it)
		return nil
	})
	if err != nil {
		return nil, err
	}
	scorer := scoring.NewScorer(s.cfg)
	for i := range out {
		it := &out[i]
		c, _ := s.cfg.Canonical(it.Item)
		it.Label, it.Class, it.Subject = c.Label, c.Class, c.Subject
		a := scoring.ActiveItem{Item: it.Item, Class: c.Class, FromOtherRelationship: it.FromOther,
			Source: scoring.Ref{AssessmentID: it.SourceAssessment, Date: it.SourceDate, RelationshipID: it.SourceRelation}}
		if it.HeldAgainst != "" {
			a.HeldAgainst = &scoring.Ref{AssessmentID: it.HeldAgainst, Date: it.HeldDate, Answer: it.HeldAnswer}
		}
		it.Reason = scorer.Reason(a)
	}
	itemOrder(out)
	return out, nil
}

// offences reads the perpetrator's offences in the lookback to asOf, with
// their names and CCHI days, and the days in all.
func (s *Store) offences(ctx context.Context, db *sql.DB, perp string, asOf time.Time) ([]app.Offence, float64, error) {
	var out []app.Offence
	total := 0.0
	start := period.EndOfDay(asOf).AddDate(-s.cfg.Score.LookbackYears, 0, 0)
	err := each(ctx, db, queries.Must("app", "offences"), []any{sql.Named("perp", perp), sql.Named("start", start), sql.Named("end", period.EndOfDay(asOf))}, func(rs *sql.Rows) error {
		var o app.Offence
		if err := rs.Scan(&o.ID, &o.Code, &o.Date); err != nil {
			return err
		}
		o.Name = s.cfg.HarmNames[o.Code]
		o.Days = -1
		if d, ok := s.cfg.HarmTable[o.Code]; ok {
			o.Days = d
			total += d
		}
		out = append(out, o)
		return nil
	})
	return out, total, err
}

// clusterRow is what a snapshot says of a relationship's clusters: those
// active, heaviest first as kept, the stage each counted at, and the facts
// the rules were given.
type clusterRow struct {
	active  []string
	counted map[string]int
	facts   []string
}

// newClusterRow reads a score row's clusters, their stages and the facts
// its rules were given. A snapshot written before the clusters' stages
// were kept reads them as an empty list (analytics' later columns): its
// clusters show their configured stages.
func newClusterRow(clusters, stages, facts []any) clusterRow {
	cr := clusterRow{counted: map[string]int{}}
	for i, cl := range clusters {
		id := fmt.Sprint(cl)
		cr.active = append(cr.active, id)
		if i < len(stages) {
			if n, err := strconv.Atoi(fmt.Sprint(stages[i])); err == nil {
				cr.counted[id] = n
			}
		}
	}
	for _, f := range facts {
		cr.facts = append(cr.facts, fmt.Sprint(f))
	}
	return cr
}

// clusters words what met each of a relationship's active clusters, from
// its items and the facts the rules were given, heaviest first.
func (s *Store) clusters(cr clusterRow, items []app.Item, harm []app.Offence) []app.Cluster {
	holds := map[string]bool{}
	byItem := map[string]app.Item{}
	for _, it := range items {
		holds[it.Item] = true
		byItem[it.Item] = it
	}
	for _, f := range cr.facts {
		holds[f] = true
	}
	src := sources{cfg: s.cfg, items: byItem, offences: harm}
	var out []app.Cluster
	for _, c := range s.cfg.Heaviest(cr.active) {
		cl := app.Cluster{ID: c.ID, Name: c.Name, Weight: c.Weight, Stage: c.Stage, Configured: c.Stage,
			Evidence: src.evidence(c, func(a string) bool { return holds[a] }, false), Responses: c.Responses}
		if n, ok := cr.counted[c.ID]; ok {
			cl.Stage = n
		}
		cl.StageNote = s.cfg.StageNote(cl.Stage, cl.Configured)
		out = append(out, cl)
	}
	return out
}

// plans reads plans with their actions and SARA stage: scanning (no action
// yet), analysis (actions raised, none done), response (some done, some
// open), assessment (every action done, the plan not finalised).
func (s *Store) plans(ctx context.Context, db *sql.DB, rel string, openOnly bool) ([]app.Plan, error) {
	var out []app.Plan
	idx := map[string]int{}
	q, args := queries.Marked(queries.Must("app", "plans"), map[string]bool{"$rel": rel != ""}, []any{sql.Named("rel", rel), sql.Named("open", openOnly)})
	err := each(ctx, db, q, args, func(rs *sql.Rows) error {
		var p app.Plan
		var fin, raised, due, done sql.NullTime
		var aid, typ, owner sql.NullString
		var creq, cgiv sql.NullBool
		if err := rs.Scan(&p.ID, &p.RelationshipID, &p.VictimID, &p.PerpetratorID, &p.Area, &p.Status, &p.Opened, &fin, &p.StageAtOpening, &aid, &typ, &owner, &raised, &due, &done, &creq, &cgiv); err != nil {
			return err
		}
		p.Finalised = fin.Time
		i, ok := idx[p.ID]
		if !ok {
			idx[p.ID] = len(out)
			out = append(out, p)
			i = len(out) - 1
		}
		if aid.Valid {
			out[i].Actions = append(out[i].Actions, app.Action{ID: aid.String, Type: typ.String, Owner: owner.String, Raised: raised.Time, Due: due.Time, Done: done.Time,
				ConsentRequired: yesNo(creq), ConsentGiven: yesNo(cgiv)})
		}
		return nil
	})
	for i := range out {
		out[i].SARA = app.SARAStage(out[i])
	}
	return out, err
}

func yesNo(b sql.NullBool) string {
	if !b.Valid {
		return "-"
	}
	if b.Bool {
		return "yes"
	}
	return "no"
}

// Plans is the board of open plans, overdue actions and neighbourhood
// tasks.
func (s *Store) Plans(ctx context.Context, today time.Time) (*app.PlansBoard, error) {
	db, err := s.conn(ctx)
	if err != nil {
		return nil, err
	}
	open, err := s.plans(ctx, db, "", true)
	if err != nil {
		return nil, err
	}
	return app.NewPlansBoard(open, today), nil
}

// hasTable reports whether the current session has a results table.
func (s *Store) hasTable(ctx context.Context, name string) (bool, error) {
	s.mu.Lock()
	sess := s.sess
	s.mu.Unlock()
	return sess.HasTable(ctx, name)
}

// Evaluation is the latest evaluation run's summary.
func (s *Store) Evaluation(ctx context.Context) (*app.Evaluation, error) {
	db, err := s.conn(ctx)
	if err != nil {
		return nil, err
	}
	if has, err := s.hasTable(ctx, "evaluations_runs"); err != nil {
		return nil, err
	} else if !has {
		return nil, app.ErrNotFound
	}
	var e app.Evaluation
	var naive, did, lo, hi sql.NullFloat64
	var warnings []any
	var bw, fw string
	h := &e.Headline
	var hp, hpl, hph, hh, hhl, hhh sql.NullFloat64
	err = db.QueryRowContext(ctx, queries.Must("app", "evaluation")).Scan(&e.RunID, &e.Generated, &e.Projection, &bw, &fw, &e.HoursSource, &e.Plans,
		&e.Baseline, &e.Observed, &e.SMSLevel, &e.Expected, &e.Prevented, &e.ReductionPct, &e.HoursSaved, &e.HoursPerIncident, &naive, &did, &lo, &hi, &warnings,
		&h.Available, &h.Change, &h.Interval, &h.Sentence, &h.Estimand, &h.Method, &hp, &hpl, &hph, &hh, &hhl, &hhh, &e.PreTrends, &e.Power)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, app.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	h.Prevented, h.PreventedLo, h.PreventedHi, h.Hours, h.HoursLo, h.HoursHi = hp.Float64, hpl.Float64, hph.Float64, hh.Float64, hhl.Float64, hhh.Float64
	e.Windows = bw + " / " + fw
	if has, err := s.hasTable(ctx, "evaluations_event_study"); err != nil {
		return nil, err
	} else if has {
		err := each(ctx, db, queries.Must("app", "event_study"), nil, func(rs *sql.Rows) error {
			var p app.EventPoint
			var pl, cm sql.NullFloat64
			if err := rs.Scan(&p.Period, &p.Order, &pl, &cm); err != nil {
				return err
			}
			p.Plans, p.Comparisons = pl.Float64, cm.Float64
			e.Events = append(e.Events, p)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	e.HasComparison = did.Valid
	e.NaivePct, e.DiDPct, e.DiDLo, e.DiDHi = naive.Float64, did.Float64, lo.Float64, hi.Float64
	for _, w := range warnings {
		e.Warnings = append(e.Warnings, fmt.Sprint(w))
	}
	return &e, nil
}

// each runs a query and calls fn for every row.
func each(ctx context.Context, db *sql.DB, q string, args []any, fn func(*sql.Rows) error) error {
	rs, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rs.Close()
	for rs.Next() {
		if err := fn(rs); err != nil {
			return err
		}
	}
	return rs.Err()
}
