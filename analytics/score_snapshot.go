package analytics

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tau-da/tau/scoring"
)

// colType is a snapshot column's type.
type colType int

const (
	colText colType = iota
	colTime
	colInt
	colFloat
	colBool
	colList // a list of text
)

// snapshotCol is one column of a snapshot table.
type snapshotCol struct {
	name string
	typ  colType
}

// snapshotTable is one table of a score snapshot.
type snapshotTable struct {
	name string
	cols []snapshotCol
}

// ddl returns the table's DuckDB column definitions.
func (t snapshotTable) ddl() string {
	types := map[colType]string{colText: "VARCHAR", colTime: "TIMESTAMP", colInt: "INTEGER", colFloat: "DOUBLE", colBool: "BOOLEAN", colList: "VARCHAR[]"}
	parts := make([]string, len(t.cols))
	for i, c := range t.cols {
		parts[i] = ident(c.name) + " " + types[c.typ]
	}
	return strings.Join(parts, ", ")
}

// without returns the columns but the named ones.
func without(cs []snapshotCol, names ...string) []snapshotCol {
	var out []snapshotCol
	for _, c := range cs {
		if !slices.Contains(names, c.name) {
			out = append(out, c)
		}
	}
	return out
}

func cols(spec string) []snapshotCol {
	types := map[string]colType{"text": colText, "time": colTime, "int": colInt, "float": colFloat, "bool": colBool, "list": colList}
	var out []snapshotCol
	for _, f := range strings.Fields(spec) {
		name, typ, _ := strings.Cut(f, ":")
		out = append(out, snapshotCol{name, types[typ]})
	}
	return out
}

// The score snapshot's tables: the scores, with the items and facts the
// cluster rules were given, and each active item's source (the assessment
// and date of the yes, the perpetrator's other relationship it came from,
// the later answer a sticky yes is held against). The words (labels,
// reasons, which legs of a cluster were met) come from the configuration
// named by config_hash when shown (scoring.Scorer.Reason,
// scoring.Cluster.Legs).
var (
	scoresTable = snapshotTable{"scores", cols(`relationship_id:text victim_id:text perpetrator_id:text as_of:time total_score:float rank:int
band:text stage:int cluster_score:float harm_score:float recency_frequency_score:float clusters:list items:list facts:list
occurrences_90d:int occurrences_365d:int occurrences_lookback:int pct_occurrences_last_90d:float days_since_last_occurrence:int harm_cchi_days:float
unscored_offence_codes:list serial:bool officer_grade:text config_hash:text harm_edition:text generation:text`)}
	itemsTable = snapshotTable{"items", cols(`relationship_id:text item:text source_assessment_id:text source_date:time source_relationship_id:text
sticky:bool held_against_assessment_id:text held_against_date:time held_against_answer:text from_other_relationship:bool`)}
	// While scoring, the items go in two tables that copySnapshot joins
	// into itemsTable: every item with its source, by the order its score
	// was added (seq), and the few that came from another relationship or
	// are held against a later answer. (DuckDB takes in a column of
	// NULLs at about the cost of a full one: nationally 6.5 million items.)
	itemSourcesTable = snapshotTable{"item_sources", cols(`seq:int item:text source_assessment_id:text source_date:time`)}
	itemNotesTable   = snapshotTable{"item_notes", cols(`seq:int item:text source_relationship_id:text held_against_assessment_id:text
held_against_date:time held_against_answer:text`)}
	// scoreRowsTable is what is taken in of each score while scoring: the
	// scores table without the columns every row shares (as_of,
	// config_hash, harm_edition, generation), added when it is written.
	scoreRowsTable = snapshotTable{"score_rows", without(scoresTable.cols, "as_of", "config_hash", "harm_edition", "generation")}
	// ranksTable pairs each score, by the order it was added (seq), with
	// its rank; the scores are joined to it when written.
	ranksTable = snapshotTable{"ranks", cols(`seq:int rank:int`)}
)

// rowSink takes a snapshot table's rows value by value, in column order;
// end closes a row. Built with duckdb_arrow the rows go to DuckDB as Arrow
// record batches; otherwise through duckdb-go's appender.
type rowSink interface {
	text(string)
	null()
	time(time.Time)
	int(int)
	float(float64)
	bool(bool)
	list([]string)
	end()
}

// snapshotWriter writes a score run's snapshot as it is scored: each
// relationship's score and active items as they come, ranked at the end,
// then Parquet under DIR/results/scores/as_of=DATE/config=HASH/, replacing
// an earlier run of the same date and configuration atomically.
type snapshotWriter struct {
	dir, tmp, harmEdition string
	sink                  snapshotSink
	scores, items, notes  rowSink
	// keys holds what ranks each score added, in order (nationally 1.6
	// million small records: the scores themselves are not kept).
	keys []scoring.RankKey
}

func newSnapshotWriter(dir, harmEdition string) (*snapshotWriter, error) {
	parent := filepath.Join(dir, resultsDir, "scores")
	if err := os.MkdirAll(parent, privateDirMode); err != nil {
		return nil, fmt.Errorf("score: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, ".tmp-")
	if err != nil {
		return nil, fmt.Errorf("score: %w", err)
	}
	w := &snapshotWriter{dir: dir, tmp: tmp, harmEdition: harmEdition}
	if w.sink, err = newSnapshotSink(dir, tmp); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("score: %w", err)
	}
	if w.scores, err = w.sink.table(scoreRowsTable); err == nil {
		if w.items, err = w.sink.table(itemSourcesTable); err == nil {
			w.notes, err = w.sink.table(itemNotesTable)
		}
	}
	if err != nil {
		w.abort()
		return nil, fmt.Errorf("score: %w", err)
	}
	return w, nil
}

// abort removes what an unfinished snapshot wrote.
func (w *snapshotWriter) abort() {
	w.sink.close()
	os.RemoveAll(w.tmp)
}

// add writes one relationship's score (ranked when the snapshot is
// finished) and its active items.
func (w *snapshotWriter) add(s *scoring.Score) error {
	w.keys = append(w.keys, s.RankKey())
	sc := w.scores
	sc.text(s.RelationshipID)
	sc.text(s.VictimID)
	sc.text(s.PerpetratorID)
	sc.float(s.Total)
	sc.int(len(w.keys)) // seq until ranked
	sc.text(s.Band)
	sc.int(s.Stage)
	sc.float(s.ClusterScore)
	sc.float(s.HarmScore)
	sc.float(s.RecencyFrequencyScore)
	sc.list(s.Clusters)
	sc.list(s.Items)
	sc.list(s.Facts)
	sc.int(s.Occurrences90d)
	sc.int(s.Occurrences365d)
	sc.int(s.OccurrencesLookback)
	sc.float(s.PctOccurrencesLast90d)
	sc.int(s.DaysSinceLast)
	sc.float(s.HarmCCHIDays)
	sc.list(s.Unscored)
	sc.bool(s.Serial)
	sc.text(s.OfficerGrade)
	sc.end()
	seq := len(w.keys)
	for _, a := range s.ActiveItems {
		w.items.int(seq)
		w.items.text(a.Item)
		w.items.text(a.Source.AssessmentID)
		w.items.time(a.Source.Date)
		w.items.end()
		if !a.FromOtherRelationship && a.HeldAgainst == nil {
			continue
		}
		n := w.notes
		n.int(seq)
		n.text(a.Item)
		if a.FromOtherRelationship {
			n.text(a.Source.RelationshipID)
		} else {
			n.null()
		}
		if h := a.HeldAgainst; h != nil {
			n.text(h.AssessmentID)
			n.time(h.Date)
			n.text(h.Answer)
		} else {
			n.null()
			n.null()
			n.null()
		}
		n.end()
	}
	return w.sink.err()
}

// finish ranks the scores (scoring.RankOrder over the keys kept as they
// were added) and writes the tables as Parquet.
func (w *snapshotWriter) finish(run *ScoreRun) error {
	final := filepath.Join(w.dir, resultsDir, "scores", "as_of="+run.AsOf.Format("2006-01-02"), "config="+run.ConfigHash)
	ranks, err := w.sink.table(ranksTable)
	if err != nil {
		return fmt.Errorf("score: write snapshot: %w", err)
	}
	run.order = scoring.RankOrder(w.keys)
	for rank, i := range run.order {
		ranks.int(i + 1)
		ranks.int(rank + 1)
		ranks.end()
	}
	if err := w.sink.write([]snapshotTable{scoreRowsTable, itemSourcesTable, itemNotesTable, ranksTable}, snapshotConstants{
		asOf: run.AsOf, configHash: run.ConfigHash, harmEdition: w.harmEdition, generation: run.Generation}); err != nil {
		return fmt.Errorf("score: write snapshot: %w", err)
	}
	if err := publish(w.tmp, final); err != nil {
		return fmt.Errorf("score: %w", err)
	}
	run.Snapshot = final
	return nil
}

// snapshotMemoryLimit bounds the DuckDB that holds a snapshot's rows while
// scoring goes on (nationally about 1 GB); beyond it they spill into the
// warehouse's spill folder.
const snapshotMemoryLimit = "2GB"

// openSnapshotDB opens the DuckDB that takes a snapshot's rows.
func openSnapshotDB(dir string) (*sql.DB, *sql.Conn, error) {
	spill := filepath.Join(dir, spillDir, "snapshot")
	if err := os.MkdirAll(spill, privateDirMode); err != nil {
		return nil, nil, err
	}
	db, err := sql.Open("duckdb", fmt.Sprintf("?memory_limit=%s&temp_directory=%s", snapshotMemoryLimit, spill))
	if err != nil {
		return nil, nil, err
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, conn, nil
}

// snapshotConstants are the values every score of a snapshot shares.
type snapshotConstants struct {
	asOf                                time.Time
	configHash, harmEdition, generation string
}

// copySnapshot writes the snapshot's tables from the sink's DuckDB as
// Parquet in folder tmp: the scores with their ranks (held until then in
// the rank column as the order they were added) and shared values, and the
// items with their sources and notes.
func copySnapshot(conn *sql.Conn, tmp string, k snapshotConstants) error {
	shared := map[string]string{"as_of": "CAST(" + quote(k.asOf.Format("2006-01-02 15:04:05")) + " AS TIMESTAMP)",
		"config_hash": quote(k.configHash), "harm_edition": quote(k.harmEdition), "generation": quote(k.generation), "rank": `r."rank"`}
	sel := make([]string, len(scoresTable.cols))
	for i, c := range scoresTable.cols {
		if v, ok := shared[c.name]; ok {
			sel[i] = v + " AS " + ident(c.name)
		} else {
			sel[i] = "s." + ident(c.name)
		}
	}
	for name, q := range map[string]string{
		scoresTable.name: `SELECT ` + strings.Join(sel, ", ") + ` FROM score_rows s JOIN ranks r ON r.seq = s."rank"`,
		itemsTable.name: `SELECT s.relationship_id, i.item, i.source_assessment_id, i.source_date, n.source_relationship_id,
  n.held_against_assessment_id IS NOT NULL AS sticky, n.held_against_assessment_id, n.held_against_date, n.held_against_answer,
  n.source_relationship_id IS NOT NULL AS from_other_relationship
FROM item_sources i JOIN score_rows s ON s."rank" = i.seq LEFT JOIN item_notes n USING (seq, item)`,
	} {
		if _, err := conn.ExecContext(context.Background(), fmt.Sprintf("COPY (%s) TO %s (FORMAT parquet, COMPRESSION zstd)", q, quote(filepath.Join(tmp, name+".parquet")))); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// snapshotSink holds a snapshot's tables until they are written as Parquet
// (TABLE.parquet in the snapshot's folder, by copySnapshot).
type snapshotSink interface {
	table(t snapshotTable) (rowSink, error)
	// err reports a failure while rows were taken.
	err() error
	write(tables []snapshotTable, k snapshotConstants) error
	close()
}

func snapshotFloat(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
