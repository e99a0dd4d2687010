package scoredb

import (
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tau-da/tau/analytics/load"
	"github.com/tau-da/tau/internal/duckdb"
	"github.com/tau-da/tau/internal/fixture"
	"github.com/tau-da/tau/internal/golden"
	"github.com/tau-da/tau/internal/period"
	"github.com/tau-da/tau/internal/testwh"

	"github.com/tau-da/tau/scoring"
	"github.com/tau-da/tau/synth"
)

const scoreFixture = "../../testdata/score/sticky/extract"

var fixtureAsOf = time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)

func findScore(tb testing.TB, scores []scoring.Score, victim, perp string) scoring.Score {
	tb.Helper()
	for _, s := range scores {
		if s.VictimID == victim && s.PerpetratorID == perp {
			return s
		}
	}
	tb.Fatalf("no score for %s-%s", victim, perp)
	return scoring.Score{}
}

func item(s scoring.Score, id string) *scoring.ActiveItem {
	for i := range s.ActiveItems {
		if s.ActiveItems[i].Item == id {
			return &s.ActiveItems[i]
		}
	}
	return nil
}

// TestScoreFixture checks every sticky rule, the roll-up, the crosswalk and
// the harm listing on the hand-made fixture (see its README), then compares
// the whole score table with testdata/score/sticky/want.csv.
func TestScoreFixture(t *testing.T) {
	t.Parallel()
	wh := t.TempDir()
	testwh.Load(t, scoreFixture, wh, load.LoadOptions{})
	cfg := testwh.Config(t)
	run, err := evidenceRun(context.Background(), testwh.Session(t, wh), cfg, fixtureAsOf, "")
	if err != nil {
		t.Fatal(err)
	}
	v1 := findScore(t, run.Scores, "V1", "P1")
	if q := item(v1, "Q18"); q == nil || q.Source.AssessmentID != "A1" {
		t.Errorf("Q18 of V1-P1 = %+v, want active from A1 despite A2's no and A3's not known", q)
	}
	// Explain finds the later answers the sticky item is held against.
	ex, _, err := Explain(context.Background(), testwh.Session(t, wh), cfg, fixtureAsOf, v1.RelationshipID)
	if err != nil {
		t.Fatal(err)
	}
	if q := item(*ex, "Q18"); q == nil || !q.Sticky || q.HeldAgainst == nil || q.HeldAgainst.AssessmentID != "A3" {
		t.Errorf("explained Q18 of V1-P1 = %+v, want sticky, held against A3", q)
	}
	if ex.Total != v1.Total {
		t.Errorf("explain total %v differs from the ranked list's %v", ex.Total, v1.Total)
	}
	if q := item(v1, "Q6"); q != nil {
		t.Errorf("Q6 of V1-P1 active (%+v); its only yes (A1, 2022) is outside the 12-month window", q)
	}
	for _, id := range []string{"Q15", "Q4"} {
		if q := item(v1, id); q == nil || q.Source.AssessmentID != "A3" {
			t.Errorf("%s of V1-P1 = %+v, want yes from the latest assessment A3", id, q)
		}
	}
	if q := item(v1, "Q17"); q != nil {
		t.Errorf("Q17 active from a not-known answer: %+v", q)
	}
	if q := item(v1, "Q21"); q == nil || !q.FromOtherRelationship || q.Source.AssessmentID != "B1" {
		t.Errorf("Q21 of V1-P1 = %+v, want rolled up from B1 (P1 with V2)", q)
	}
	if q := item(v1, "Q16"); q != nil {
		t.Errorf("Q16 (a dyad item) rolled up from another relationship: %+v", q)
	}
	stage1 := false
	for _, e := range v1.StageEvidence {
		stage1 = stage1 || (e.Stage == 1 && strings.Contains(e.By, "Q16"))
	}
	if !stage1 {
		t.Errorf("Q16 with V2 is not stage 1 evidence for V1-P1: %+v", v1.StageEvidence)
	}
	if len(v1.Unscored) != 1 || v1.Unscored[0] != "X01/01" {
		t.Errorf("unscored codes = %v, want [X01/01]", v1.Unscored)
	}
	// F1 008/06 (10 days, 2022-03-01) + F2 008/67 (84) + F3 105/01 (1) + F4 unscored.
	if v1.HarmCCHIDays != 95 {
		t.Errorf("harm = %v CCHI days, want 95", v1.HarmCCHIDays)
	}
	hasC6 := false
	for _, c := range v1.Clusters {
		hasC6 = hasC6 || c == "C6"
	}
	if !hasC6 {
		t.Errorf("V1-P1 clusters %v lack C6 (Q4 + Q15 and a CCB offence)", v1.Clusters)
	}
	v3 := findScore(t, run.Scores, "V3", "P2")
	if q := item(v3, "Q18"); q == nil || q.Source.AssessmentID != "C1" {
		t.Errorf("SafeLives Q15 in C1 should be police Q18 for V3-P2: %+v", q)
	}
	if q := item(v3, "Q6"); q == nil || q.Source.AssessmentID != "C1" {
		t.Errorf("Q6 of V3-P2 = %+v, want active within 12 months of C1's yes", q)
	}
	if q := item(v3, "Q8"); q != nil {
		t.Errorf("Q8 (current) active although the latest assessment said no: %+v", q)
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write([]string{"rank", "victim", "perpetrator", "total", "band", "stage", "clusters", "items", "harm_days", "occ_lookback", "days_since_last"})
	for _, s := range run.Scores {
		w.Write([]string{fmt.Sprint(s.Rank), s.VictimID, s.PerpetratorID, fmt.Sprint(s.Total), s.Band, fmt.Sprint(s.Stage),
			strings.Join(s.Clusters, " "), strings.Join(s.Items, " "), fmt.Sprint(s.HarmCCHIDays), fmt.Sprint(s.OccurrencesLookback), fmt.Sprint(s.DaysSinceLast)})
	}
	w.Flush()
	golden.Check(t, "../../testdata/score/sticky/want.csv", b.String())
}

// TestItemHistoriesMatchGo: the item histories folded from the answer
// sets (every relationship at once) equal the Go summary of each
// relationship's raw answers (scoring.Summarise), item by item and answer by
// answer, on every relationship of a small synthetic force.
func TestItemHistoriesMatchGo(t *testing.T) {
	t.Parallel()
	ex := filepath.Join(t.TempDir(), "extract")
	if _, err := synth.Write(ex, synth.Config{Relationships: 300, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	wh := t.TempDir()
	testwh.Load(t, ex, wh, load.LoadOptions{})
	cfg := testwh.Config(t)
	asOf := time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
	run, err := evidenceRun(context.Background(), testwh.Session(t, wh), cfg, asOf, "")
	if err != nil {
		t.Fatal(err)
	}
	checked, conflicts := 0, 0
	for id, ev := range run.Evidence {
		raw, err := History(context.Background(), testwh.Session(t, wh), cfg, id)
		if err != nil {
			t.Fatal(err)
		}
		want := scoring.Summarise(raw, period.EndOfDay(asOf))
		if len(want) != len(ev.Items) {
			t.Fatalf("%s: %d item histories folded, %d summarised", id, len(ev.Items), len(want))
		}
		for item, g := range want {
			h := ev.Items[item]
			if h == nil || !sameRef(h.FirstYes, g.FirstYes) || !sameRef(h.LastYes, g.LastYes) || !sameRef(h.Latest, g.Latest) || !sameRef(h.Conflict, g.Conflict) || !sameRef(h.NoBefore, g.NoBefore) {
				t.Fatalf("%s %s: folded %+v, summarised %+v", id, item, h, g)
			}
			if g.Conflict != nil {
				conflicts++
			}
			checked++
		}
	}
	if checked < 500 || conflicts < 10 {
		t.Fatalf("compared only %d item histories (%d with a conflict)", checked, conflicts)
	}
}

func sameRef(a, b *scoring.Ref) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.AssessmentID == b.AssessmentID && a.Date.Equal(b.Date) && a.Answer == b.Answer
}

// TestProtectedCharacteristicsNotInputs: permuting sex and ethnicity among
// persons, and changing every birth year, leaves every score unchanged.
func TestProtectedCharacteristicsNotInputs(t *testing.T) {
	t.Parallel()
	ex := filepath.Join(t.TempDir(), "extract")
	if _, err := synth.Write(ex, synth.Config{Relationships: 400, Seed: 9}); err != nil {
		t.Fatal(err)
	}
	asOf := time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
	score := func(dir string) map[string]float64 {
		wh := t.TempDir()
		testwh.Load(t, dir, wh, load.LoadOptions{})
		run, err := Score(context.Background(), testwh.Session(t, wh), testwh.Config(t), asOf, false)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]float64{}
		for _, s := range run.Scores {
			out[s.RelationshipID] = s.Total
		}
		return out
	}
	before := score(ex)
	// Rewrite persons.csv: sex and ethnicity rotated by one person, birth
	// year set to 1940 (before every event, so no row is rejected).
	f, _ := os.Open(filepath.Join(ex, "persons.csv"))
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	n := len(recs) - 1
	perm := make([][]string, len(recs))
	perm[0] = recs[0]
	for i := 1; i <= n; i++ {
		j := 1 + i%n
		perm[i] = []string{recs[i][0], "1940", recs[j][2], recs[j][3], recs[i][4]}
	}
	out, _ := os.Create(filepath.Join(ex, "persons.csv"))
	csv.NewWriter(out).WriteAll(perm)
	out.Close()
	after := score(ex)
	if len(before) != len(after) || len(before) < 100 {
		t.Fatalf("scored %d then %d relationships", len(before), len(after))
	}
	for id, v := range before {
		if after[id] != v {
			t.Fatalf("%s scored %v, then %v after permuting protected characteristics", id, v, after[id])
		}
	}
}

// TestScoreSnapshots: each as-of date and configuration gets a snapshot;
// scoring the same date again replaces it; the results view reads them all.
func TestScoreSnapshots(t *testing.T) {
	t.Parallel()
	wh := t.TempDir()
	testwh.Load(t, scoreFixture, wh, load.LoadOptions{})
	cfg := testwh.Config(t)
	ctx := context.Background()
	for _, d := range []time.Time{fixtureAsOf, fixtureAsOf.AddDate(0, -6, 0), fixtureAsOf} {
		if _, err := Score(ctx, testwh.Session(t, wh), cfg, d, true); err != nil {
			t.Fatal(err)
		}
	}
	snaps, _ := filepath.Glob(filepath.Join(wh, "results", "scores", "as_of=*", "config=*"))
	if len(snaps) != 2 {
		t.Fatalf("snapshots = %v, want two (one per as-of date)", snaps)
	}
	db, conn, err := testwh.Views(t, wh)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	defer conn.Close()
	var dates, rows int
	if err := conn.QueryRowContext(ctx, "SELECT count(DISTINCT as_of), count(*) FROM scores_scores").Scan(&dates, &rows); err != nil {
		t.Fatal(err)
	}
	if dates != 2 || rows < 4 {
		t.Errorf("scores view: %d dates, %d rows", dates, rows)
	}
	var cfgHash string
	conn.QueryRowContext(ctx, "SELECT any_value(config_hash) FROM scores_scores").Scan(&cfgHash)
	if cfgHash != cfg.Hash {
		t.Errorf("snapshot config hash %q, want %q", cfgHash, cfg.Hash)
	}
	var src int
	conn.QueryRowContext(ctx, "SELECT count(*) FROM scores_items WHERE item = 'Q18' AND source_assessment_id = 'A1'").Scan(&src)
	if src == 0 {
		t.Error("the items snapshot does not record Q18's source A1")
	}
	var held int
	conn.QueryRowContext(ctx, "SELECT count(*) FROM scores_items WHERE item = 'Q18' AND sticky AND held_against_answer IN ('no', 'not_known')").Scan(&held)
	if held == 0 {
		t.Error("the items snapshot does not record the later answer Q18's yes is held against")
	}
	_, _, err = Explain(ctx, testwh.Session(t, wh), cfg, fixtureAsOf, "r-nope")
	if err == nil || !strings.Contains(err.Error(), "no occurrence or assessment") {
		t.Errorf("explain of an unknown relationship: %v", err)
	}
	sort.Strings(snaps)
}

// TestSnapshotRanks: a written run, read back from its snapshot, gives the
// same scores in the same order as a run ranked in memory (scoring.Rank),
// on a small synthetic force with ties broken by relationship id.
func TestSnapshotRanks(t *testing.T) {
	t.Parallel()
	ex := filepath.Join(t.TempDir(), "extract")
	// Enough relationships that a written run's are scored in several
	// batches, on more than one goroutine, and must still come out in order.
	if _, err := synth.Write(ex, synth.Config{Relationships: 1600, Seed: 11}); err != nil {
		t.Fatal(err)
	}
	wh := t.TempDir()
	testwh.Load(t, ex, wh, load.LoadOptions{})
	cfg := testwh.Config(t)
	ctx := context.Background()
	asOf := time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
	mem, err := Score(ctx, testwh.Session(t, wh), cfg, asOf, false)
	if err != nil {
		t.Fatal(err)
	}
	var steps testwh.Steps
	written, err := ScoreWith(ctx, testwh.Session(t, wh), cfg, asOf, ScoreOptions{Write: true, Progress: steps.Progress()})
	if err != nil {
		t.Fatal(err)
	}
	steps.Check(t, "write the snapshot")
	if written.Scores != nil || written.Count != len(mem.Scores) || written.Count < 2*pipelineBatch {
		t.Fatalf("written run holds %d scores in memory and counts %d; the run in memory has %d", len(written.Scores), written.Count, len(mem.Scores))
	}
	i := 0
	err = written.Each(ctx, func(s *scoring.Score) error {
		want := mem.Scores[i]
		want.ActiveItems, want.ActiveClusters, want.StageEvidence = nil, nil, nil
		if !reflect.DeepEqual(*s, want) {
			return fmt.Errorf("rank %d: read back %+v, want %+v", i+1, *s, want)
		}
		i++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if i != len(mem.Scores) {
		t.Fatalf("read back %d scores, want %d", i, len(mem.Scores))
	}
	for b, n := range mem.Bands {
		if written.Bands[b] != n {
			t.Errorf("band %s: %d written, %d in memory", b, written.Bands[b], n)
		}
	}
	checkSnapshotFiles(t, written.Snapshot, mem.Scores)
	// Bulk runs hand item histories over by index, explaining runs as a
	// map: the scores agree.
	ex2, err := evidenceRun(ctx, testwh.Session(t, wh), cfg, asOf, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ex2.Scores) != len(mem.Scores) {
		t.Fatalf("%d scores explaining, %d in bulk", len(ex2.Scores), len(mem.Scores))
	}
	for i, s := range ex2.Scores {
		b := mem.Scores[i]
		if s.RelationshipID != b.RelationshipID || s.Total != b.Total || s.Stage != b.Stage || !slices.Equal(s.Items, b.Items) || !slices.Equal(s.Clusters, b.Clusters) {
			t.Fatalf("rank %d: explaining %s %v %v %v, bulk %s %v %v %v", i+1, s.RelationshipID, s.Total, s.Items, s.Clusters, b.RelationshipID, b.Total, b.Items, b.Clusters)
		}
	}
}

// checkSnapshotFiles holds a written snapshot's files to the scores in
// memory: the items in rank then item order, each with its score's
// relationship and rank, as many as the scores' items, with as many held
// against a later answer and from another relationship; the index in id
// order with each score's rank, band and stage.
func checkSnapshotFiles(t *testing.T, dir string, scores []scoring.Score) {
	t.Helper()
	var items, sticky, other int
	for _, s := range scores {
		items += len(s.Items)
		for _, a := range s.ActiveItems {
			sticky += btoi(a.HeldAgainst != nil)
			other += btoi(a.FromOtherRelationship)
		}
	}
	db, err := duckdb.Open(duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	file := func(name string) string {
		return "read_parquet(" + duckdb.Quote(filepath.Join(dir, name+".parquet")) + ", file_row_number = true)"
	}
	// encoded counts the items' row groups whose column col is (or is
	// not) dictionary-encoded (snapshotDictionary).
	encoded := func(col string, dictionary bool) string {
		not := ""
		if !dictionary {
			not = "NOT "
		}
		return "SELECT count(*) FROM parquet_metadata(" + duckdb.Quote(filepath.Join(dir, "items.parquet")) + ") WHERE path_in_schema = " + duckdb.Quote(col) +
			" AND " + not + "contains(encodings, 'DICTIONARY')"
	}
	for _, c := range []struct {
		what  string
		query string
		want  int
	}{
		{"items", "SELECT count(*) FROM " + file("items"), items},
		{"items held against a later answer", "SELECT count(*) FROM " + file("items") + " WHERE sticky AND held_against_assessment_id IS NOT NULL", sticky},
		{"items from another relationship", "SELECT count(*) FROM " + file("items") + " WHERE from_other_relationship AND source_relationship_id IS NOT NULL", other},
		{"items out of rank and item order", `SELECT count(*) FROM (SELECT "rank", item, lag("rank") OVER w AS r0, lag(item) OVER w AS i0 FROM ` + file("items") +
			` WINDOW w AS (ORDER BY file_row_number)) WHERE "rank" < r0 OR ("rank" = r0 AND item <= i0)`, 0},
		{"items unlike their score", "SELECT count(*) FROM " + file("items") + " i LEFT JOIN " + file("scores") + ` s USING (relationship_id) WHERE s."rank" IS DISTINCT FROM i."rank"`, 0},
		{"scores out of rank order", `SELECT count(*) FROM ` + file("scores") + ` WHERE "rank" <> file_row_number + 1`, 0},
		{"index entries", "SELECT count(*) FROM " + file(IDsTable), len(scores)},
		// Over a hundred relationships in one row group: their ids are
		// written plain, the few items in a dictionary.
		{"items' row groups with a dictionary of relationship ids", encoded("relationship_id", true), 0},
		{"items' row groups with no dictionary of items", encoded("item", false), 0},
		{"index out of id order", `SELECT count(*) FROM (SELECT relationship_id, lag(relationship_id) OVER (ORDER BY file_row_number) AS r0 FROM ` + file(IDsTable) + `) WHERE relationship_id <= r0`, 0},
		{"index entries unlike their score", "SELECT count(*) FROM " + file(IDsTable) + " x LEFT JOIN " + file("scores") +
			` s USING (relationship_id) WHERE s."rank" IS DISTINCT FROM x."rank" OR s.band IS DISTINCT FROM x.band OR s.stage IS DISTINCT FROM x.stage`, 0},
	} {
		var n int
		if err := db.QueryRow(c.query).Scan(&n); err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		if n != c.want {
			t.Errorf("snapshot files: %s: %d, want %d", c.what, n, c.want)
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestLegacySnapshotOpens: a warehouse whose score snapshots were written
// before the item sources moved into the scores table (no item_sources
// column, a separate items table) still opens, and a new snapshot beside
// them gets its items view.
func TestLegacySnapshotOpens(t *testing.T) {
	t.Parallel()
	wh := t.TempDir()
	testwh.Load(t, scoreFixture, wh, load.LoadOptions{})
	ctx := context.Background()
	old := filepath.Join(wh, "results", "scores", "as_of=2020-01-01", "config=old")
	if err := os.MkdirAll(old, 0o700); err != nil {
		t.Fatal(err)
	}
	db, err := duckdb.Open(duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"COPY (SELECT 'r-1' AS relationship_id, TIMESTAMP '2020-01-01 23:59:59' AS as_of, 1 AS \"rank\", ['Q1'] AS items) TO '" + filepath.Join(old, "scores.parquet") + "' (FORMAT parquet)",
		"COPY (SELECT 'r-1' AS relationship_id, 'Q1' AS item, 'A1' AS source_assessment_id) TO '" + filepath.Join(old, "items.parquet") + "' (FORMAT parquet)",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	vdb, conn, err := testwh.Views(t, wh)
	if err != nil {
		t.Fatalf("a warehouse with a legacy snapshot: %v", err)
	}
	conn.Close()
	vdb.Close()
	if _, err := Score(ctx, testwh.Session(t, wh), testwh.Config(t), fixtureAsOf, true); err != nil {
		t.Fatal(err)
	}
	vdb, conn, err = testwh.Views(t, wh)
	if err != nil {
		t.Fatal(err)
	}
	defer vdb.Close()
	defer conn.Close()
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM scores_items WHERE item = 'Q18'").Scan(&n); err != nil || n == 0 {
		t.Errorf("scores_items beside a legacy snapshot: %d rows for Q18, %v", n, err)
	}
}

// TestOtherItemsFolded: an answer to an item outside the Q1..Q63 numbering
// (a force's own instrument, mapped by the crosswalk) is read from the
// answers themselves and folded like the rest: a yes to FV18, which the
// configuration maps to Q18, makes Q18 active with that assessment as its
// source.
func TestOtherItemsFolded(t *testing.T) {
	t.Parallel()
	ex := t.TempDir()
	src := filepath.Join(scoreFixture)
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	extra := map[string]string{
		"persons.csv":     "V9,1985,female,W1,N01\nP9,1984,male,W1,N01\n",
		"occurrences.csv": "O99,2024-06-01,V9,P9,incident,\n",
		"assessments.csv": "AX1,force_variant,2024-06-01,V9,P9,O99,standard\n",
		"answers.csv":     "AX1,FV18,yes\nAX1,Q6,no\n",
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if add, ok := extra[e.Name()]; ok {
			if !strings.HasSuffix(string(b), "\n") {
				b = append(b, '\n')
			}
			b = append(b, add...)
		}
		if err := os.WriteFile(filepath.Join(ex, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	toml, err := os.ReadFile(filepath.Join("..", "default.toml"))
	if err != nil {
		t.Fatal(err)
	}
	toml = append(toml, "\n[[instruments]]\nid = \"force_variant\"\nname = \"a force's own form\"\n\n  [[instruments.items]]\n  id = \"FV18\"\n  same_as = \"Q18\"\n"...)
	cfg, err := scoring.Parse(toml, "force.toml")
	if err != nil {
		t.Fatal(err)
	}
	wh := t.TempDir()
	testwh.Load(t, ex, wh, load.LoadOptions{})
	run, err := evidenceRun(context.Background(), testwh.Session(t, wh), cfg, fixtureAsOf, "")
	if err != nil {
		t.Fatal(err)
	}
	s := findScore(t, run.Scores, "V9", "P9")
	if q := item(s, "Q18"); q == nil || q.Source.AssessmentID != "AX1" {
		t.Errorf("Q18 of V9-P9 = %+v, want active from AX1's FV18", q)
	}
	if q := item(s, "Q6"); q != nil {
		t.Errorf("Q6 of V9-P9 is active (%+v): the force form's Q6 has no crosswalk entry", q)
	}
}

// TestStageDistribution: on a synthetic force scored at its extract's end,
// no stage holds most scored relationships, green-band relationships are
// rarely at escalation or above (under 10% of them), and stages 2 and 6,
// which a force's records cannot show, are never assigned.
func TestStageDistribution(t *testing.T) {
	t.Parallel()
	ex := filepath.Join(t.TempDir(), "extract")
	if _, err := synth.Write(ex, synth.Config{Relationships: 5000, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	wh := t.TempDir()
	m := testwh.Load(t, ex, wh, load.LoadOptions{})
	run, err := Score(context.Background(), testwh.Session(t, wh), testwh.Config(t), m.ExtractDate, false)
	if err != nil {
		t.Fatal(err)
	}
	byStage := map[int]int{}
	green, greenEscalating := 0, 0
	for _, s := range run.Scores {
		byStage[s.Stage]++
		if s.Band == "green" {
			green++
			if s.Stage >= 5 {
				greenEscalating++
			}
		}
	}
	n := len(run.Scores)
	t.Logf("%d scored: stages %v; %d of %d green at stage 5 or above", n, byStage, greenEscalating, green)
	if n < 1000 {
		t.Fatalf("only %d relationships scored", n)
	}
	for stage, k := range byStage {
		if 2*k > n {
			t.Errorf("stage %d holds %d of %d scored relationships", stage, k, n)
		}
	}
	if 10*greenEscalating >= green {
		t.Errorf("%d of %d green relationships are at escalation or above", greenEscalating, green)
	}
	if byStage[2]+byStage[6] > 0 {
		t.Errorf("stages 2 and 6 assigned (%d, %d), though the records cannot show them", byStage[2], byStage[6])
	}
}

// TestOffencesRecordedAfterAsOf: an offence committed before the as-of
// date but recorded after it was not known then: scored as of that date,
// neither its harm nor the fact it evidences counts, in bulk scoring or in
// explain; scored after it was recorded, both do. Offences without a
// recorded date count by their committed date, as before.
func TestOffencesRecordedAfterAsOf(t *testing.T) {
	t.Parallel()
	ex := filepath.Join(t.TempDir(), "extract")
	fixture.CopyDir(t, scoreFixture, ex)
	// F2, controlling behaviour committed 2024-11-20, recorded 2025-01-15.
	offences := `offence_id,offender_id,offence_code,committed_at,victim_id,occurrence_id,outcome,recorded_at
F1,P1,008/06,2022-03-01,V1,O1,charge,2022-03-02
F2,P1,008/67,2024-11-20,V1,O4,charge,2025-01-15
F3,P1,105/01,2023-02-01,V2,O6,caution,
F4,P1,X01/01,2023-08-01,,,charge,2023-08-01
F5,P2,034/01,2020-01-10,,,charge,2020-01-11
`
	for name, text := range map[string]string{"offences.csv": offences, "extract.json": `{"extracted_at": "2025-03-31"}`} {
		if err := os.WriteFile(filepath.Join(ex, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	wh := t.TempDir()
	testwh.Load(t, ex, wh, load.LoadOptions{})
	cfg := testwh.Config(t)
	ccb := cfg.HarmTable["008/67"]
	if ccb == 0 {
		t.Fatal("the harm table has no days for 008/67")
	}
	at := func(asOf time.Time) scoring.Score {
		run, err := Score(context.Background(), testwh.Session(t, wh), cfg, asOf, false)
		if err != nil {
			t.Fatal(err)
		}
		s := findScore(t, run.Scores, "V1", "P1")
		exp, _, err := Explain(context.Background(), testwh.Session(t, wh), cfg, asOf, s.RelationshipID)
		if err != nil {
			t.Fatal(err)
		}
		if exp.HarmCCHIDays != s.HarmCCHIDays || !slices.Equal(exp.Facts, s.Facts) {
			t.Errorf("as of %s explain gives harm %v, facts %v; the ranked list %v, %v", asOf.Format("2006-01-02"), exp.HarmCCHIDays, exp.Facts, s.HarmCCHIDays, s.Facts)
		}
		return s
	}
	before, after := at(time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)), at(time.Date(2025, 1, 31, 0, 0, 0, 0, time.UTC))
	if slices.Contains(before.Facts, "ccb_offence") || !slices.Contains(after.Facts, "ccb_offence") {
		t.Errorf("controlling-behaviour fact before recording %v, after %v; want it only after", before.Facts, after.Facts)
	}
	if math.Abs(after.HarmCCHIDays-before.HarmCCHIDays-ccb) > 1e-9 {
		t.Errorf("harm before recording %v, after %v; want the difference to be F2's %v days", before.HarmCCHIDays, after.HarmCCHIDays, ccb)
	}
}

// TestSubsetScoresEqualFull: scoring a few relationships at several dates
// through the narrowed tables (narrow: only their perpetrators' rows), or
// most of them through the warehouse's own, gives exactly the scores a
// full run gives them, and afterwards the session's views read the whole
// warehouse again.
func TestSubsetScoresEqualFull(t *testing.T) {
	t.Parallel()
	ex := filepath.Join(t.TempDir(), "extract")
	if _, err := synth.Write(ex, synth.Config{Relationships: 1500, Seed: 9}); err != nil {
		t.Fatal(err)
	}
	wh := t.TempDir()
	testwh.Load(t, ex, wh, load.LoadOptions{})
	cfg := testwh.Config(t)
	ctx := context.Background()
	dates := []time.Time{time.Date(2024, 3, 31, 0, 0, 0, 0, time.UTC), time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)}
	full := map[time.Time]map[string]scoring.Score{}
	sess := testwh.Session(t, wh)
	if err := ScoreDates(ctx, sess, cfg, dates, nil, func(d time.Time, s *scoring.Score) error {
		if full[d] == nil {
			full[d] = map[string]scoring.Score{}
		}
		full[d][s.RelationshipID] = *s
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var before, personsBefore int
	sess.DB.QueryRow("SELECT count(*) FROM occurrences").Scan(&before)
	sess.DB.QueryRow("SELECT count(*) FROM persons").Scan(&personsBefore)
	// Every ninth relationship is read from copies of their perpetrators'
	// rows; every one of them from the warehouse itself (more than
	// narrowShare of the perpetrators).
	for _, tt := range []struct {
		every    int
		narrowed bool
	}{{9, true}, {1, false}} {
		want := map[time.Time][]string{}
		for _, d := range dates {
			ids := make([]string, 0, len(full[d]))
			for id := range full[d] {
				ids = append(ids, id)
			}
			sort.Strings(ids)
			for i := 0; i < len(ids); i += tt.every {
				want[d] = append(want[d], ids[i])
			}
		}
		got, copies, areas := 0, 0, 0
		if err := ScoreDates(ctx, sess, cfg, dates, want, func(d time.Time, s *scoring.Score) error {
			if got == 0 {
				sess.DB.QueryRow("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'tau_subset_occurrences'").Scan(&copies)
			}
			got++
			if s.Area != "" {
				areas++
			}
			if !reflect.DeepEqual(*s, full[d][s.RelationshipID]) {
				t.Errorf("every %d: %s as of %s: subset %+v\nfull %+v", tt.every, s.RelationshipID, d.Format("2006-01-02"), *s, full[d][s.RelationshipID])
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if n := len(want[dates[0]]) + len(want[dates[1]]); got != n || n < 100 {
			t.Errorf("every %d: scored %d of the %d wanted", tt.every, got, n)
		}
		// The victims' areas come through the narrowed persons.
		if areas*2 < got {
			t.Errorf("every %d: %d of %d scores carry the victim's area", tt.every, areas, got)
		}
		if (copies == 1) != tt.narrowed {
			t.Errorf("every %d: read from copies %v, want %v", tt.every, copies == 1, tt.narrowed)
		}
	}
	var after, personsAfter int
	sess.DB.QueryRow("SELECT count(*) FROM occurrences").Scan(&after)
	sess.DB.QueryRow("SELECT count(*) FROM persons").Scan(&personsAfter)
	if after != before || before == 0 || personsAfter != personsBefore || personsBefore == 0 {
		t.Errorf("occurrences read %d before the subset run and %d after, persons %d and %d", before, after, personsBefore, personsAfter)
	}
}
