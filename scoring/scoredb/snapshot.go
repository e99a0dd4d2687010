package scoredb

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

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
	// While scoring, the items go in two tables that copySnapshot joins
	// into itemsTable: every item with its source, by the order its score
	// was added (seq), and the few that came from another relationship or
	// are held against a later answer. (DuckDB takes in a column of
	// NULLs at about the cost of a full one: nationally 6.5 million items.)
	itemSourcesTable = duckdb.Table{Name: "item_sources", Cols: duckdb.Columns(`seq:int item:text source_assessment_id:text source_date:time`)}
	itemNotesTable   = duckdb.Table{Name: "item_notes", Cols: duckdb.Columns(`seq:int item:text source_relationship_id:text held_against_assessment_id:text
held_against_date:time held_against_answer:text`)}
	// scoreRowsTable is what is taken in of each score while scoring: the
	// scores table without the columns every row shares (as_of,
	// config_hash, harm_edition, generation), added when it is written.
	// The victim's area is joined from the persons table when written.
	scoreRowsTable = duckdb.Table{Name: "score_rows", Cols: duckdb.Without(scoresTable.Cols, "as_of", "config_hash", "harm_edition", "generation", "area")}
	// ranksTable pairs each score, by the order it was added (seq), with
	// its rank; the scores are joined to it when written.
	ranksTable = duckdb.Table{Name: "ranks", Cols: duckdb.Columns(`seq:int rank:int`)}
)

// snapshotWriter writes a score run's snapshot as it is scored: each
// relationship's score and active items as they come, ranked at the end,
// then Parquet under DIR/results/scores/as_of=DATE/config=HASH/, replacing
// an earlier run of the same date and configuration atomically.
type snapshotWriter struct {
	w                    *analytics.Warehouse
	res                  *analytics.Results
	harmEdition          string
	clusters             []scoring.Cluster
	sink                 duckdb.Sink
	scores, items, notes duckdb.RowSink
	// keys holds what ranks each score added, in order (nationally 1.6
	// million small records: the scores themselves are not kept).
	keys []scoring.RankKey
}

func newSnapshotWriter(w *analytics.Warehouse, cfg *scoring.Config) (*snapshotWriter, error) {
	res, err := w.NewResults("scores")
	if err != nil {
		return nil, fmt.Errorf("score: %w", err)
	}
	sw := &snapshotWriter{w: w, res: res, harmEdition: cfg.Harm.Edition, clusters: cfg.Clusters}
	if sw.sink, err = newSnapshotSink(w); err != nil {
		res.Abort()
		return nil, fmt.Errorf("score: %w", err)
	}
	if sw.scores, err = sw.sink.Table(scoreRowsTable); err == nil {
		if sw.items, err = sw.sink.Table(itemSourcesTable); err == nil {
			sw.notes, err = sw.sink.Table(itemNotesTable)
		}
	}
	if err != nil {
		sw.abort()
		return nil, fmt.Errorf("score: %w", err)
	}
	return sw, nil
}

// abort removes what an unfinished snapshot wrote.
func (w *snapshotWriter) abort() {
	w.sink.Close()
	w.res.Abort()
}

// add writes one relationship's score (ranked when the snapshot is
// finished) and its active items.
func (w *snapshotWriter) add(s *scoring.Score) error {
	w.keys = append(w.keys, s.RankKey())
	sc := w.scores
	sc.Text(s.RelationshipID)
	sc.Text(s.VictimID)
	sc.Text(s.PerpetratorID)
	sc.Float(s.Total)
	sc.Int(len(w.keys)) // seq until ranked
	sc.Text(s.Band)
	sc.Int(s.Stage)
	sc.Float(s.ClusterScore)
	sc.Float(s.HarmScore)
	sc.Float(s.RecencyFrequencyScore)
	sc.List(s.Clusters)
	sc.List(stageTexts(s.ClusterStages))
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
	sc.End()
	seq := len(w.keys)
	for _, a := range s.ActiveItems {
		w.items.Int(seq)
		w.items.Text(a.Item)
		w.items.Text(a.Source.AssessmentID)
		w.items.Time(a.Source.Date)
		w.items.End()
		if !a.FromOtherRelationship && a.HeldAgainst == nil {
			continue
		}
		n := w.notes
		n.Int(seq)
		n.Text(a.Item)
		if a.FromOtherRelationship {
			n.Text(a.Source.RelationshipID)
		} else {
			n.Null()
		}
		if h := a.HeldAgainst; h != nil {
			n.Text(h.AssessmentID)
			n.Time(h.Date)
			n.Text(h.Answer)
		} else {
			n.Null()
			n.Null()
			n.Null()
		}
		n.End()
	}
	return w.sink.Err()
}

// finish ranks the scores (scoring.RankOrder over the keys kept as they
// were added) and writes the tables as Parquet.
func (w *snapshotWriter) finish(run *ScoreRun) error {
	t0 := time.Now()
	// The scores are ranked while the sink takes in the rows still queued
	// (nationally each about a second).
	ranked := make(chan []int, 1)
	go func() { ranked <- scoring.RankOrder(w.keys) }()
	flushed := w.sink.Flush()
	run.order = <-ranked
	if flushed != nil {
		return fmt.Errorf("score: write snapshot: %w", flushed)
	}
	duckdb.Tracef(t0, "snapshot: ranked, rows taken in")
	ranks, err := w.sink.Table(ranksTable)
	if err != nil {
		return fmt.Errorf("score: write snapshot: %w", err)
	}
	for rank, i := range run.order {
		ranks.Int(i + 1)
		ranks.Int(rank + 1)
		ranks.End()
	}
	if err := w.sink.Flush(); err != nil {
		return fmt.Errorf("score: write snapshot: %w", err)
	}
	duckdb.Tracef(t0, "snapshot: ranks taken in")
	if err := copySnapshot(w.sink.Conn(), w.res.Dir(), snapshotConstants{
		asOf: run.AsOf, configHash: run.ConfigHash, harmEdition: w.harmEdition, generation: run.Generation,
		persons: w.w.TablePath(run.Generation, "persons")}); err != nil {
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

// IDsTable is each snapshot's index by relationship (ids.parquet, the
// scores_ids view): relationship_id, rank, band and stage, in id order.
// A snapshot written before it was kept has none.
const IDsTable = "ids"

// clustersTable is each snapshot's configuration clusters: id, name, the
// weight and the homicide-timeline stage they carry.
var clustersTable = analytics.ResultTable{Name: "clusters", Columns: `cluster VARCHAR, name VARCHAR, weight DOUBLE, stage INTEGER`}

// snapshotMemoryLimit bounds the DuckDB that holds a snapshot's rows while
// scoring goes on (nationally about 1 GB); beyond it they spill into the
// warehouse's spill folder.
const snapshotMemoryLimit = "2GB"

// newSnapshotSink opens the DuckDB that takes a snapshot's rows.
func newSnapshotSink(w *analytics.Warehouse) (duckdb.Sink, error) {
	spill, err := w.SpillDir("snapshot")
	if err != nil {
		return nil, err
	}
	return duckdb.NewSink(duckdb.Options{MemoryLimit: snapshotMemoryLimit, TempDir: spill})
}

// snapshotConstants are the values every score of a snapshot shares.
type snapshotConstants struct {
	asOf                                time.Time
	configHash, harmEdition, generation string
	// persons is the scored generation's persons table, whose areas the
	// scores carry.
	persons string
}

// copySnapshot writes the snapshot's tables from the sink's DuckDB as
// Parquet in folder tmp: the scores with their ranks (held until then in
// the rank column as the order they were added), shared values and the
// victim's area, and the items with their sources, notes and their
// score's rank, both in rank order so that a page of the list, or a
// relationship's items found by its rank, reads a few of the file's row
// groups (nationally 2 million scores and 13 million items); and the index
// by relationship (IDsTable), in id order.
func copySnapshot(conn *sql.Conn, tmp string, k snapshotConstants) error {
	shared := map[string]string{"as_of": "CAST(" + duckdb.Quote(k.asOf.Format("2006-01-02 15:04:05")) + " AS TIMESTAMP)",
		"config_hash": duckdb.Quote(k.configHash), "harm_edition": duckdb.Quote(k.harmEdition), "generation": duckdb.Quote(k.generation), "rank": `r."rank"`, "area": "p.area"}
	sel := make([]string, len(scoresTable.Cols))
	for i, c := range scoresTable.Cols {
		if v, ok := shared[c.Name]; ok {
			sel[i] = v + " AS " + duckdb.Ident(c.Name)
		} else {
			sel[i] = "s." + duckdb.Ident(c.Name)
		}
	}
	for name, q := range map[string]string{
		scoresTable.Name: `SELECT ` + strings.Join(sel, ", ") + ` FROM score_rows s JOIN ranks r ON r.seq = s."rank"
  LEFT JOIN read_parquet(` + duckdb.Quote(k.persons) + `) p ON p.person_id = s.victim_id ORDER BY r."rank"`,
		itemsTable.Name: `SELECT s.relationship_id, i.item, i.source_assessment_id, i.source_date, n.source_relationship_id,
  n.held_against_assessment_id IS NOT NULL AS sticky, n.held_against_assessment_id, n.held_against_date, n.held_against_answer,
  n.source_relationship_id IS NOT NULL AS from_other_relationship, r."rank"
FROM item_sources i JOIN score_rows s ON s."rank" = i.seq JOIN ranks r ON r.seq = i.seq LEFT JOIN item_notes n ON n.seq = i.seq AND n.item = i.item
ORDER BY r."rank", i.item`,
		// The index finds a relationship's rank, band and stage by its id
		// in a row group or two (the scores are in rank order).
		IDsTable: `SELECT s.relationship_id, r."rank", s.band, s.stage FROM score_rows s JOIN ranks r ON r.seq = s."rank" ORDER BY s.relationship_id`,
	} {
		done := duckdb.Trace("write snapshot " + name)
		_, err := conn.ExecContext(context.Background(), fmt.Sprintf("COPY (%s) TO %s (%s)", q, duckdb.Quote(filepath.Join(tmp, name+".parquet")), snapshotParquet))
		done()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// snapshotParquet is how a snapshot's files are written: zstd at its
// fastest level, which nationally wrote the scores in 2.1 s instead of
// 2.8 s and the items in 2.8 s instead of 3.1 s (DuckDB's default level 3),
// into files no larger (measured on the national synthetic extract), and
// reads back as fast.
const snapshotParquet = "FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1"

// stageDigits are the stages 0-8 as text, shared by every row.
var stageDigits = [...]string{"0", "1", "2", "3", "4", "5", "6", "7", "8"}

// stageTexts writes cluster stages as the snapshot's text list.
func stageTexts(stages []int) []string {
	out := make([]string, len(stages))
	for i, st := range stages {
		if st >= 0 && st < len(stageDigits) {
			out[i] = stageDigits[st]
		} else {
			out[i] = strconv.Itoa(st)
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
