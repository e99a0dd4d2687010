package scoredb

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/tau-da/tau/analytics"

	"github.com/tau-da/tau/internal/duckdb"
	"github.com/tau-da/tau/scoring"
)

// The score snapshot's tables: the scores, with the items and facts the
// cluster rules were given, and each active item's source (the assessment
// and date of the yes, the perpetrator's other relationship it came from,
// the later answer a sticky yes is held against). The words (labels,
// reasons, which legs of a cluster were met) come from the configuration
// named by config_hash when shown (scoring.Scorer.Reason,
// scoring.Cluster.Legs).
var (
	scoresTable = duckdb.Table{Name: "scores", Cols: duckdb.Columns(`relationship_id:text victim_id:text perpetrator_id:text as_of:time total_score:float rank:int
band:text stage:int cluster_score:float harm_score:float recency_frequency_score:float clusters:list cluster_stages:list items:list facts:list
occurrences_90d:int occurrences_365d:int occurrences_lookback:int pct_occurrences_last_90d:float days_since_last_occurrence:int harm_cchi_days:float
unscored_offence_codes:list serial:bool officer_grade:text config_hash:text harm_edition:text generation:text area:text`)}
	itemsTable = duckdb.Table{Name: "items", Cols: duckdb.Columns(`relationship_id:text item:text source_assessment_id:text source_date:time source_relationship_id:text
sticky:bool held_against_assessment_id:text held_against_date:time held_against_answer:text from_other_relationship:bool rank:int`)}
	// While scoring, the scores and items are held in Go (duckdb.Held)
	// as they come, without what is known only when every score is in
	// (the ranks) or is the same in every row (added when written): the
	// rows are handed to DuckDB once, in rank order, as the files are
	// written, so nothing is sorted but the index.
	heldScoresTable = duckdb.Table{Name: "scores", Cols: duckdb.Without(scoresTable.Cols, "as_of", "rank", "config_hash", "harm_edition", "generation")}
	heldItemsTable  = duckdb.Table{Name: "items", Cols: duckdb.Without(itemsTable.Cols, "sticky", "from_other_relationship", "rank")}
	// heldIDsTable is the index's share of each score, held apart so that
	// the index is written without reading the scores' rows again.
	heldIDsTable = duckdb.Table{Name: "ids", Cols: duckdb.Columns(`relationship_id:text band:text stage:int`)}
)

// snapshotWriter writes a score run's snapshot: each relationship's score
// and active items are held as they come, ranked at the end, then written
// as Parquet under DIR/results/scores/as_of=DATE/config=HASH/, replacing an
// earlier run of the same date and configuration atomically.
type snapshotWriter struct {
	w                  *analytics.Warehouse
	res                *analytics.Results
	harmEdition        string
	clusters           []scoring.Cluster
	scores, items, ids *duckdb.Held
	// keys holds what ranks each score added, in order, and firstItem the
	// held row of each score's first item (nationally 1.6 million small
	// records: the scores themselves are not kept).
	keys      []scoring.RankKey
	firstItem []int32
	// byItem and stages are add's scratch: a score's active items in item
	// order, and its cluster stages as text.
	byItem []int
	stages []string
}

// newSnapshotWriter starts a snapshot of up to about expected scores
// (the extract's relationships: room for the rank keys is made once, not
// grown as they come).
func newSnapshotWriter(w *analytics.Warehouse, cfg *scoring.Config, expected int) (*snapshotWriter, error) {
	res, err := w.NewResults("scores")
	if err != nil {
		return nil, fmt.Errorf("score: %w", err)
	}
	return &snapshotWriter{w: w, res: res, harmEdition: cfg.Harm.Edition, clusters: cfg.Clusters,
		scores: duckdb.NewHeld(heldScoresTable), items: duckdb.NewHeld(heldItemsTable), ids: duckdb.NewHeld(heldIDsTable),
		keys: make([]scoring.RankKey, 0, expected), firstItem: make([]int32, 0, expected+1)}, nil
}

// abort removes what an unfinished snapshot wrote and frees what it held.
func (w *snapshotWriter) abort() {
	w.scores.Release()
	w.items.Release()
	w.ids.Release()
	w.res.Abort()
}

// add holds one relationship's score (ranked when the snapshot is
// finished) and its active items, in item order.
func (w *snapshotWriter) add(s *scoring.Score) error {
	w.keys = append(w.keys, s.RankKey())
	w.firstItem = append(w.firstItem, int32(w.items.Len()))
	sc := w.scores
	sc.Text(s.RelationshipID)
	sc.Text(s.VictimID)
	sc.Text(s.PerpetratorID)
	sc.Float(s.Total)
	sc.Text(s.Band)
	sc.Int(s.Stage)
	sc.Float(s.ClusterScore)
	sc.Float(s.HarmScore)
	sc.Float(s.RecencyFrequencyScore)
	sc.List(s.Clusters)
	w.stages = appendStageTexts(w.stages[:0], s.ClusterStages)
	sc.List(w.stages)
	sc.List(s.Items)
	sc.List(s.Facts)
	sc.Int(s.Occurrences90d)
	sc.Int(s.Occurrences365d)
	sc.Int(s.OccurrencesLookback)
	sc.Float(s.PctOccurrencesLast90d)
	sc.Int(s.DaysSinceLast)
	sc.Float(s.HarmCCHIDays)
	sc.List(s.Unscored)
	sc.Bool(s.Serial)
	sc.Text(s.OfficerGrade)
	if s.Area == "" {
		sc.Null()
	} else {
		sc.Text(s.Area)
	}
	sc.End()
	w.ids.Text(s.RelationshipID)
	w.ids.Text(s.Band)
	w.ids.Int(s.Stage)
	w.ids.End()
	w.byItem = w.byItem[:0]
	for i := range s.ActiveItems {
		w.byItem = append(w.byItem, i)
	}
	slices.SortStableFunc(w.byItem, func(i, j int) int { return strings.Compare(s.ActiveItems[i].Item, s.ActiveItems[j].Item) })
	for _, i := range w.byItem {
		w.addItem(s.RelationshipID, &s.ActiveItems[i])
	}
	return nil
}

// addItem holds one active item with its source and, for a sticky yes,
// the later answer it is held against.
func (w *snapshotWriter) addItem(relationshipID string, a *scoring.ActiveItem) {
	it := w.items
	it.Text(relationshipID)
	it.Text(a.Item)
	it.Text(a.Source.AssessmentID)
	it.Time(a.Source.Date)
	if a.FromOtherRelationship {
		it.Text(a.Source.RelationshipID)
	} else {
		it.Null()
	}
	if h := a.HeldAgainst; h != nil {
		it.Text(h.AssessmentID)
		it.Time(h.Date)
		it.Text(h.Answer)
	} else {
		it.Null()
		it.Null()
		it.Null()
	}
	it.End()
}

// finish ranks the scores (scoring.RankOrder over the keys kept as they
// were added) and writes the tables as Parquet.
func (w *snapshotWriter) finish(run *ScoreRun) error {
	t0 := time.Now()
	run.order = scoring.RankOrder(w.keys)
	w.firstItem = append(w.firstItem, int32(w.items.Len()))
	duckdb.Tracef(t0, "snapshot: ranked")
	db, err := openSnapshotDB(w.w)
	if err != nil {
		return fmt.Errorf("score: write snapshot: %w", err)
	}
	defer db.Close()
	if err := writeSnapshot(db, w.res.Dir(), w.orders(run.order), snapshotConstants{
		asOf: run.AsOf, configHash: run.ConfigHash, harmEdition: w.harmEdition, generation: run.Generation}); err != nil {
		return fmt.Errorf("score: write snapshot: %w", err)
	}
	// The configuration's clusters by name, so reports say names before
	// codes (scores_clusters).
	var rows [][]string
	for _, c := range w.clusters {
		rows = append(rows, []string{c.ID, c.Name, analytics.FormatFloat(c.Weight), strconv.Itoa(c.Stage)})
	}
	if err := w.res.WriteTables([]analytics.ResultTable{clustersTable}, map[string][][]string{clustersTable.Name: rows}); err != nil {
		return fmt.Errorf("score: write snapshot: %w", err)
	}
	duckdb.Tracef(t0, "snapshot: tables written")
	final, err := w.res.Publish("as_of="+run.AsOf.Format("2006-01-02"), "config="+run.ConfigHash)
	if err != nil {
		return fmt.Errorf("score: %w", err)
	}
	run.Snapshot = final
	return nil
}

// snapshotOrders says in what order the held scores and items are written,
// with their ranks.
type snapshotOrders struct {
	scores, items, ids *duckdb.Held
	// byRank gives the scores in rank order with their ranks; itemsByRank
	// the items of each score in that order (each score's already in item
	// order) with their score's rank.
	byRank, itemsByRank duckdb.Order
}

// orders lays the held rows out in rank order: order[r] is the score
// added at rank r+1.
func (w *snapshotWriter) orders(order []int) snapshotOrders {
	o := snapshotOrders{scores: w.scores, items: w.items, ids: w.ids}
	n, m := len(order), w.items.Len()
	scoreRows, ranks := make([]int32, n), make([]int32, n)
	itemRows, itemRanks := make([]int32, 0, m), make([]int32, 0, m)
	for r, i := range order {
		scoreRows[r], ranks[r] = int32(i), int32(r+1)
		for k := w.firstItem[i]; k < w.firstItem[i+1]; k++ {
			itemRows = append(itemRows, k)
			itemRanks = append(itemRanks, int32(r+1))
		}
	}
	o.byRank = duckdb.Order{Rows: scoreRows, Extra: []duckdb.IntColumn{{Name: "rank", Values: ranks}}}
	o.itemsByRank = duckdb.Order{Rows: itemRows, Extra: []duckdb.IntColumn{{Name: "rank", Values: itemRanks}}}
	return o
}

// IDsTable is each snapshot's index by relationship (ids.parquet, the
// scores_ids view): relationship_id, rank, band and stage, in id order.
// A snapshot written before it was kept has none.
const IDsTable = "ids"

// clustersTable is each snapshot's configuration clusters: id, name, the
// weight and the homicide-timeline stage they carry.
var clustersTable = analytics.ResultTable{Name: "clusters", Columns: `cluster VARCHAR, name VARCHAR, weight DOUBLE, stage INTEGER`}

// snapshotMemoryLimit bounds the DuckDB that writes a snapshot's files
// (it reads the held rows as it writes; only the index by relationship is
// sorted); beyond it, it spills into the warehouse's spill folder.
const snapshotMemoryLimit = "2GB"

// snapshotThreads is the DuckDB worker count of the database that writes
// a snapshot's files: its three files are written at once, each by the
// statement's own thread, beside the Go that decodes their rows, so more
// workers only crowd the cores. Measured nationally over eight runs each
// way, alternated: the snapshot in 6.7-9.2 s (mean 7.9 s) against
// 7.8-9.8 s (8.5 s) with DuckDB's default of one per core, in the same
// bytes.
const snapshotThreads = 1

// openSnapshotDB opens the DuckDB that writes a snapshot's files.
func openSnapshotDB(w *analytics.Warehouse) (*sql.DB, error) {
	spill, err := w.SpillDir("snapshot")
	if err != nil {
		return nil, err
	}
	return duckdb.Open(duckdb.Options{MemoryLimit: snapshotMemoryLimit, TempDir: spill, Threads: snapshotThreads})
}

// snapshotConstants are the values every score of a snapshot shares.
type snapshotConstants struct {
	asOf                                time.Time
	configHash, harmEdition, generation string
}

// writeSnapshot writes the snapshot's tables as Parquet in folder tmp from
// the held rows: the scores with their ranks, shared values and the
// victim's area, and the items with their sources, notes and their
// score's rank, both in rank order (the rows are handed over in that
// order, and a COPY of one table keeps it), so that a page of the list, or
// a relationship's items found by its rank, reads a few of the file's row
// groups (nationally 1.6 million scores and 6.4 million items); and the
// index by relationship (IDsTable), sorted by id.
func writeSnapshot(db *sql.DB, tmp string, o snapshotOrders, k snapshotConstants) error {
	shared := map[string]string{"as_of": "CAST(" + duckdb.Quote(k.asOf.Format("2006-01-02 15:04:05")) + " AS TIMESTAMP)",
		"config_hash": duckdb.Quote(k.configHash), "harm_edition": duckdb.Quote(k.harmEdition), "generation": duckdb.Quote(k.generation)}
	sel := make([]string, len(scoresTable.Cols))
	for i, c := range scoresTable.Cols {
		sel[i] = duckdb.Ident(c.Name)
		if v, ok := shared[c.Name]; ok {
			sel[i] = v + " AS " + sel[i]
		}
	}
	// The files are written at once, each on a connection of its own:
	// DuckDB encodes one while Go decodes the held rows of another.
	var g errgroup.Group
	for _, f := range []struct {
		name  string
		held  *duckdb.Held
		order duckdb.Order
		query string
	}{
		{scoresTable.Name, o.scores, o.byRank, `SELECT ` + strings.Join(sel, ", ") + ` FROM scores`},
		{itemsTable.Name, o.items, o.itemsByRank, `SELECT relationship_id, item, source_assessment_id, source_date, source_relationship_id,
  held_against_assessment_id IS NOT NULL AS sticky, held_against_assessment_id, held_against_date, held_against_answer,
  source_relationship_id IS NOT NULL AS from_other_relationship, "rank" FROM items`},
		// The index finds a relationship's rank, band and stage by its id
		// in a row group or two (the scores are in rank order).
		{IDsTable, o.ids, o.byRank, `SELECT relationship_id, "rank", band, stage FROM ids ORDER BY relationship_id`},
	} {
		g.Go(func() error {
			ctx := context.Background()
			conn, err := db.Conn(ctx)
			if err != nil {
				return err
			}
			defer conn.Close()
			done := duckdb.Trace("write snapshot " + f.name)
			err = duckdb.ExecHeld(ctx, conn, f.held, f.order, fmt.Sprintf("COPY (%s) TO %s (%s)", f.query, duckdb.Quote(filepath.Join(tmp, f.name+".parquet")), snapshotParquet))
			done()
			if err != nil {
				return fmt.Errorf("%s: %w", f.name, err)
			}
			return nil
		})
	}
	return g.Wait()
}

// snapshotParquet is how a snapshot's files are written: zstd at its
// fastest level, which nationally wrote the scores in 2.1 s instead of
// 2.8 s and the items in 2.8 s instead of 3.1 s (DuckDB's default level 3),
// into files no larger (measured on the national synthetic extract), and
// reads back as fast. A column keeps a dictionary only while a row group
// has at most snapshotDictionary values: the few-valued ones (items,
// bands, clusters, answers) keep theirs, and DuckDB stops building one for
// ids, ranks and dates, whose dictionaries would hold nearly a value a row.
const snapshotParquet = "FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, DICTIONARY_SIZE_LIMIT " + snapshotDictionary

// snapshotDictionary is the most values a snapshot column's dictionary
// holds in a row group. Measured on the national snapshot written from a
// table: the items' file in 1.40-1.58 s instead of 1.87-2.15 s at DuckDB's
// default, and 51 MB instead of 60 MB; the scores' file 1.39 s instead of
// 1.52 s, 54 MB instead of 52 MB. The 63 items, 9 stages and the clusters'
// names stay well under it.
const snapshotDictionary = "100"

// stageDigits are the stages 0-8 as text, shared by every row.
var stageDigits = [...]string{"0", "1", "2", "3", "4", "5", "6", "7", "8"}

// appendStageTexts appends cluster stages to out as the snapshot's text
// list.
func appendStageTexts(out []string, stages []int) []string {
	for _, st := range stages {
		if st >= 0 && st < len(stageDigits) {
			out = append(out, stageDigits[st])
		} else {
			out = append(out, strconv.Itoa(st))
		}
	}
	return out
}

// stageInts reads cluster stages back from the snapshot's text list (nil
// for a snapshot written before they were kept).
func stageInts(texts []string) []int {
	if texts == nil {
		return nil
	}
	out := make([]int, len(texts))
	for i, t := range texts {
		out[i], _ = strconv.Atoi(t)
	}
	return out
}
