package scoredb

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/tau-da/tau/internal/duckdb"

	"github.com/tau-da/tau/scoring"
)

// Each calls fn with each score of the run in rank order: from memory for a
// run that was not written, else read back from its snapshot (a national run
// is 1.6 million scores; they are not all held at once).
func (r *ScoreRun) Each(ctx context.Context, fn func(*scoring.Score) error) error {
	return r.each(ctx, 0, fn)
}

// each is Each for the first limit scores (0: all); the snapshot is asked
// for no more, so the ten at the top cost no sort of the whole list.
func (r *ScoreRun) each(ctx context.Context, limit int, fn func(*scoring.Score) error) error {
	if r.Snapshot == "" {
		scores := r.Scores
		if limit > 0 && limit < len(scores) {
			scores = scores[:limit]
		}
		for i := range scores {
			if err := fn(&scores[i]); err != nil {
				return err
			}
		}
		return nil
	}
	file := duckdb.Quote(filepath.Join(r.Snapshot, scoresTable.Name+".parquet"))
	db, err := duckdb.Open(duckdb.Options{MemoryLimit: "1GB"})
	if err != nil {
		return err
	}
	defer db.Close()
	// A snapshot written before cluster stages, or the victim's area, were
	// kept lacks the column.
	stages, area := "cluster_stages", "area"
	var hasStages, hasArea bool
	if err := db.QueryRowContext(ctx, "SELECT count(*) FILTER (WHERE name = 'cluster_stages') > 0, count(*) FILTER (WHERE name = 'area') > 0 FROM parquet_schema("+file+")").Scan(&hasStages, &hasArea); err != nil {
		return fmt.Errorf("read scores %s: %w", r.Snapshot, err)
	}
	if !hasStages {
		stages = "NULL::VARCHAR[]"
	}
	if !hasArea {
		area = "NULL::VARCHAR"
	}
	q := fmt.Sprintf(`SELECT relationship_id, victim_id, perpetrator_id, total_score, "rank", band, stage, cluster_score,
  harm_score, recency_frequency_score, clusters, items, facts, occurrences_90d, occurrences_365d, occurrences_lookback, pct_occurrences_last_90d,
  days_since_last_occurrence, harm_cchi_days, unscored_offence_codes, serial, officer_grade, config_hash, harm_edition, %s, %s
FROM read_parquet(%s) ORDER BY "rank"`, stages, area, file)
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := duckdb.Query(ctx, db, q)
	if err != nil {
		return fmt.Errorf("read scores %s: %w", r.Snapshot, err)
	}
	defer rows.Close()
	var s scoring.Score
	for rows.Next() {
		s = scoring.Score{RelationshipID: rows.Keep(0), VictimID: rows.Keep(1), PerpetratorID: rows.Keep(2), AsOf: r.AsOf, Total: rows.Float(3),
			Rank: int(rows.Int(4)), Band: rows.Keep(5), Stage: int(rows.Int(6)), ClusterScore: rows.Float(7), HarmScore: rows.Float(8),
			RecencyFrequencyScore: rows.Float(9), Clusters: rows.Strs(10), Items: rows.Strs(11), Facts: rows.Strs(12), Occurrences90d: int(rows.Int(13)),
			Occurrences365d: int(rows.Int(14)), OccurrencesLookback: int(rows.Int(15)), PctOccurrencesLast90d: rows.Float(16),
			DaysSinceLast: int(rows.Int(17)), HarmCCHIDays: rows.Float(18), Unscored: rows.Strs(19), Serial: rows.Bool(20),
			OfficerGrade: rows.Keep(21), ConfigHash: rows.Keep(22), HarmEdition: rows.Keep(23), ClusterStages: stageInts(rows.Strs(24)), Area: rows.Keep(25)}
		if err := fn(&s); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read scores %s: %w", r.Snapshot, err)
	}
	return nil
}

// Top returns the first n scores of the run in rank order.
func (r *ScoreRun) Top(ctx context.Context, n int) ([]scoring.Score, error) {
	out := []scoring.Score{}
	if n <= 0 {
		return out, nil
	}
	err := r.each(ctx, n, func(s *scoring.Score) error {
		out = append(out, *s)
		return nil
	})
	return out, err
}

// formattedRows holds output rows in chunks of about rowChunk bytes (no
// pointers for the collector to follow, and no copying as they grow:
// nationally 1.6 million rows, 300 MB).
type formattedRows struct {
	chunks [][]byte
	// at locates row i: its chunk and where it ends there (it starts
	// where the previous row of the chunk ended, or at 0).
	at []rowAt
}

type rowAt struct{ chunk, end int32 }

// rowChunk is the size of a chunk of formatted rows.
const rowChunk = 4 << 20

func (f *formattedRows) add(format RowFormat, s *scoring.Score) {
	n := len(f.chunks)
	if n == 0 || len(f.chunks[n-1]) > rowChunk-4096 {
		f.chunks = append(f.chunks, make([]byte, 0, rowChunk))
		n++
	}
	c := format(f.chunks[n-1], s)
	f.chunks[n-1] = c
	f.at = append(f.at, rowAt{int32(n - 1), int32(len(c))})
}

// row returns row i.
func (f *formattedRows) row(i int) []byte {
	a := f.at[i]
	start := int32(0)
	if i > 0 && f.at[i-1].chunk == a.chunk {
		start = f.at[i-1].end
	}
	return f.chunks[a.chunk][start:a.end]
}

// ErrNoRows is returned by EachRow for a run that kept no formatted rows.
var ErrNoRows = errors.New("score: the run kept no formatted rows")

// EachRow calls fn with each score's formatted row (ScoreOptions.Row) in
// rank order, ranks from 1; ErrNoRows if the run kept none.
func (r *ScoreRun) EachRow(fn func(rank int, row []byte) error) error {
	if r.rows == nil || len(r.order) != len(r.rows.at) {
		return ErrNoRows
	}
	for rank, i := range r.order {
		if err := fn(rank+1, r.rows.row(i)); err != nil {
			return err
		}
	}
	return nil
}
