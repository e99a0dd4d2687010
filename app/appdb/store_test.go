package appdb

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tau-da/tau/analytics/load"
	"github.com/tau-da/tau/app"
	"github.com/tau-da/tau/app/appbench"
	"github.com/tau-da/tau/internal/testwh"
	"github.com/tau-da/tau/scoring"
	"github.com/tau-da/tau/scoring/scoredb"
	"github.com/tau-da/tau/synth"
)

func TestMain(m *testing.M) { testwh.Main(m) }

// BenchmarkAppPages measures the app's pages at force scale (the default
// synthetic force, 20,000 relationships, scored at two dates), through
// HTTP with a signed-in session: the ranked list, the list filtered to the
// red band, a relationship page and its pack, the hidden-threat queue,
// what changed, the plans board and the list's download. The target is
// under 200 ms each. TAU_BENCH_WAREHOUSE=DIR measures an existing
// warehouse instead (a national one: scored with the default
// configuration, twice for the changes page).
func BenchmarkAppPages(b *testing.B) {
	ctx := context.Background()
	cfg, _ := scoring.Default()
	wh := os.Getenv("TAU_BENCH_WAREHOUSE")
	if wh == "" {
		dir := b.TempDir()
		ex := filepath.Join(dir, "extract")
		wh = filepath.Join(dir, "wh")
		if _, err := synth.Write(ex, synth.Config{Seed: 1}); err != nil {
			b.Fatal(err)
		}
		if _, err := load.Load(ctx, load.LoadOptions{ExtractDir: ex, Warehouse: wh, MaxRejectRate: load.DefaultMaxRejectRate}); err != nil {
			b.Fatal(err)
		}
		os.RemoveAll(ex)
		for _, d := range []time.Time{time.Date(2025, 9, 30, 0, 0, 0, 0, time.UTC), time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)} {
			if _, err := scoredb.Score(ctx, testwh.Session(b, wh), cfg, d, true); err != nil {
				b.Fatal(err)
			}
		}
	}
	store, err := Open(ctx, testwh.Open(b, wh), cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	site, err := appbench.Serve(store)
	if err != nil {
		b.Fatal(err)
	}
	defer site.Close()
	l, err := store.List(ctx, app.Filter{Limit: 1})
	if err != nil || len(l.Rows) == 0 {
		b.Fatalf("top of the list: %v", err)
	}
	for _, p := range appbench.Pages(l.Rows[0].RelationshipID) {
		b.Run(p.Name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if err := site.Get(ctx, p.Path); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestAppStoreFollowsLoads: the app reads the warehouse while a new load
// replaces it, then follows the new generation.
func TestAppStoreFollowsLoads(t *testing.T) {
	t.Parallel()
	wh := t.TempDir()
	fixture := filepath.Join("..", "..", "testdata", "score", "sticky", "extract")
	testwh.Load(t, fixture, wh, load.LoadOptions{})
	cfg := testwh.Config(t)
	asOf := time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)
	if _, err := scoredb.Score(context.Background(), testwh.Session(t, wh), cfg, asOf, true); err != nil {
		t.Fatal(err)
	}
	store, err := Open(context.Background(), testwh.Open(t, wh), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	before, err := store.List(context.Background(), app.Filter{})
	if err != nil || before.Total == 0 {
		t.Fatalf("list: %v", err)
	}
	gen1 := store.gen
	testwh.Load(t, fixture, wh, load.LoadOptions{})
	after, err := store.List(context.Background(), app.Filter{})
	if err != nil {
		t.Fatalf("list after a new load: %v", err)
	}
	if store.gen == gen1 || after.Total != before.Total {
		t.Errorf("generation %s -> %s, rows %d -> %d: the store should follow the new generation", gen1, store.gen, before.Total, after.Total)
	}
	if _, err := store.Relationship(context.Background(), "r-0000000000000000", time.Time{}); err != app.ErrNotFound {
		t.Errorf("unknown relationship: %v", err)
	}
	// The analyst's home page: counts by band and stage, red first, adding
	// up to the list.
	counts, err := store.Aggregates(context.Background(), app.Filter{})
	if err != nil || len(counts) == 0 {
		t.Fatalf("aggregates: %v %v", counts, err)
	}
	total := 0
	for _, c := range counts {
		total += c.N
	}
	if total != after.Total {
		t.Errorf("aggregates add up to %d, the list has %d", total, after.Total)
	}
}

// TestHiddenChangesSnapshots: on a force scored at two dates, the
// hidden-threat queue is exactly the latest list's red and amber rows
// graded standard or medium, in rank order, each naming its heaviest
// cluster with an assessment as its source; the changes between the two
// snapshots agree with the two lists compared here; and after a new load
// the snapshots say they were scored from an earlier one.
func TestHiddenChangesSnapshots(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// The package's shared force (no other test here uses it: this one
	// scores it and loads it again).
	ex, wh := testwh.SyntheticForce(t)
	cfg := testwh.Config(t)
	early, late := time.Date(2025, 9, 30, 0, 0, 0, 0, time.UTC), time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
	for _, d := range []time.Time{early, late} {
		if _, err := scoredb.Score(ctx, testwh.Session(t, wh), cfg, d, true); err != nil {
			t.Fatal(err)
		}
	}
	store, err := Open(ctx, testwh.Open(t, wh), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	snaps, err := store.Snapshots(ctx)
	if err != nil || len(snaps) != 2 || !snaps[0].AsOf.Equal(late) || snaps[0].Stale || snaps[0].ScoredLoad.IsZero() {
		t.Fatalf("snapshots %+v: %v", snaps, err)
	}
	list := func(d time.Time) map[string]app.ListRow {
		l, err := store.List(ctx, app.Filter{AsOf: d})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]app.ListRow{}
		for _, r := range l.Rows {
			m[r.RelationshipID] = r
		}
		return m
	}
	a, b := list(early), list(late)
	// Each cluster on a relationship page shows the stage it counted at,
	// not only the configured one, and says why where they differ; the
	// relationship's stage is never below its clusters'.
	capped := 0
	for _, r := range b {
		if r.Rank > 40 {
			continue
		}
		rel, err := store.Relationship(ctx, r.RelationshipID, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range rel.Clusters {
			if c.Stage > c.Configured || c.Stage > rel.Row.Stage || (c.Stage < c.Configured) != (c.StageNote != "") {
				t.Errorf("%s cluster %s: counted at %d, configured %d, relationship at %d, note %q", r.RelationshipID, c.ID, c.Stage, c.Configured, rel.Row.Stage, c.StageNote)
			}
			if c.Stage < c.Configured {
				capped++
			}
		}
	}
	if capped == 0 {
		t.Error("no relationship page shows a cluster below its configured stage")
	}
	hidden, total, err := store.Hidden(ctx, time.Time{}, 0, 0)
	if err != nil || total != len(hidden) {
		t.Fatalf("hidden: %d rows of %d: %v", len(hidden), total, err)
	}
	// A page of it is the same rows, with the same sources.
	page, _, err := store.Hidden(ctx, time.Time{}, 10, 5)
	if err != nil || len(page) != 5 || page[0].RelationshipID != hidden[10].RelationshipID || page[4].Line() != hidden[14].Line() {
		t.Fatalf("a page of the queue: %v", err)
	}
	want := 0
	for _, r := range b {
		if (r.Band == "red" || r.Band == "amber") && (r.OfficerGrade == "standard" || r.OfficerGrade == "medium") {
			want++
		}
	}
	if len(hidden) != want || want == 0 {
		t.Fatalf("%d hidden rows, want %d", len(hidden), want)
	}
	sourced := 0
	for i, h := range hidden {
		if i > 0 && h.Rank < hidden[i-1].Rank {
			t.Fatalf("hidden rows out of rank order at %d", i)
		}
		if len(h.Clusters) > 0 && (len(h.Threats) == 0 || h.Threats[0].Cluster == "") {
			t.Fatalf("row %s has clusters %v but no threat", h.RelationshipID, h.Clusters)
		}
		if len(h.Threats) > 0 && strings.Contains(h.Threats[0].Evidence, "in assessment A") {
			sourced++
		}
	}
	if sourced == 0 {
		t.Error("no hidden threat names an assessment as its source")
	}
	ch, err := store.Changes(ctx, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	newRed, leftRed := 0, 0
	for id, r := range b {
		if r.Band == "red" && a[id].Band != "red" {
			newRed++
		}
	}
	for id, r := range a {
		if r.Band == "red" && b[id].Band != "red" {
			leftRed++
		}
	}
	if !ch.From.Equal(early) || !ch.To.Equal(late) || ch.NewRed != newRed || ch.LeftRed != leftRed || newRed == 0 {
		t.Errorf("changes %s to %s: %d new to red (want %d), %d left red (want %d)", ch.From, ch.To, ch.NewRed, newRed, ch.LeftRed, leftRed)
	}
	withItems := 0
	for _, r := range ch.Rows {
		if len(r.NewItems) > 0 && strings.Contains(r.NewItems[0], "(assessment ") {
			withItems++
		}
	}
	if withItems == 0 {
		t.Error("no change names a new item with its source")
	}
	// A new load: every snapshot was scored from the earlier one.
	testwh.Load(t, ex, wh, load.LoadOptions{})
	store.snapsRead = time.Time{}
	snaps, err = store.Snapshots(ctx)
	if err != nil || !snaps[0].Stale || snaps[0].CurrentLoad.IsZero() {
		t.Errorf("after a new load: %+v %v", snaps, err)
	}
}

// TestIndexedPagesEqualLegacy: the pages read through a snapshot's index
// by relationship, its areas and its items' ranks (the national paths)
// show exactly what they show for a snapshot written before those were
// kept (found by relationship, areas from persons): the list unfiltered,
// by area and without a plan, the hidden threats, what changed and the
// top relationships' pages are equal once the index files are removed.
// A comparison of two snapshots is computed once, and again when one is
// scored again.
func TestIndexedPagesEqualLegacy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ex, wh := filepath.Join(t.TempDir(), "extract"), t.TempDir()
	if _, err := synth.Write(ex, synth.Config{Relationships: 1500, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	testwh.Load(t, ex, wh, load.LoadOptions{})
	cfg := testwh.Config(t)
	for _, d := range []time.Time{time.Date(2025, 9, 30, 0, 0, 0, 0, time.UTC), time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)} {
		if _, err := scoredb.Score(ctx, testwh.Session(t, wh), cfg, d, true); err != nil {
			t.Fatal(err)
		}
	}
	late := time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
	pages := func(wantIndexed bool) map[string]any {
		t.Helper()
		store, err := Open(ctx, testwh.Open(t, wh), cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		if _, err := store.Snapshots(ctx); err != nil || store.isIndexed(late) != wantIndexed || store.allIndexed() != wantIndexed {
			t.Fatalf("indexed %v (all %v), want %v: %v", store.isIndexed(late), store.allIndexed(), wantIndexed, err)
		}
		out := map[string]any{}
		_, areas, err := store.Options(ctx)
		if err != nil || len(areas) == 0 {
			t.Fatalf("areas %v: %v", areas, err)
		}
		for name, f := range map[string]app.Filter{"list": {}, "area": {Area: areas[0]}, "no plan, by stage": {NoPlan: true, Sort: "stage", Limit: 20}} {
			l, err := store.List(ctx, f)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			out[name] = l.Rows
			out[name+" total"] = l.Total
		}
		hidden, n, err := store.Hidden(ctx, time.Time{}, 0, 30)
		if err != nil {
			t.Fatal(err)
		}
		out["hidden"], out["hidden total"] = hidden, n
		ch, err := store.Changes(ctx, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		out["changes"] = ch
		if again, err := store.Changes(ctx, time.Time{}, time.Time{}); err != nil || again != ch {
			t.Errorf("the same comparison was computed again (%v)", err)
		}
		top := out["list"].([]app.ListRow)
		for _, r := range top[:5] {
			rel, err := store.Relationship(ctx, r.RelationshipID, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			rel.Snapshot = app.Snapshot{}
			out["relationship "+r.RelationshipID] = rel
		}
		if _, err := store.Relationship(ctx, "r-0000000000000000", time.Time{}); err != app.ErrNotFound {
			t.Errorf("unknown relationship: %v", err)
		}
		return out
	}
	indexed := pages(true)
	ids, _ := filepath.Glob(filepath.Join(wh, "results", "scores", "*", "*", "ids.parquet"))
	if len(ids) != 2 {
		t.Fatalf("%d index files, want one per snapshot", len(ids))
	}
	for _, f := range ids {
		os.Remove(f)
	}
	legacy := pages(false)
	if len(indexed["list"].([]app.ListRow)) == 0 || len(indexed["hidden"].([]app.HiddenRow)) == 0 || indexed["area"].([]app.ListRow)[0].Area == "" {
		t.Fatalf("the force should give a list, hidden threats and areas: %v", indexed["hidden total"])
	}
	for k, v := range indexed {
		if !reflect.DeepEqual(v, legacy[k]) {
			t.Errorf("%s differs:\nindexed %+v\nlegacy  %+v", k, v, legacy[k])
		}
	}
	// A store kept warm has compared the latest two snapshots before the
	// page asks; a date scored again is compared afresh, in the
	// background once the store sees it, not from the kept result.
	store, err := Open(ctx, testwh.Open(t, wh), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	store.KeepWarm(ctx)
	store.WaitWarm()
	warmed := store.changes
	before, err := store.Changes(ctx, time.Time{}, time.Time{})
	if err != nil || warmed == nil || before != warmed || !reflect.DeepEqual(before, indexed["changes"]) {
		t.Fatalf("kept warm: the page's comparison was ready %v and equal to computing it %v (%v)", warmed != nil && before == warmed, reflect.DeepEqual(before, indexed["changes"]), err)
	}
	if _, err := scoredb.Score(ctx, testwh.Session(t, wh), cfg, late, true); err != nil {
		t.Fatal(err)
	}
	store.mu.Lock()
	store.snapsRead = time.Time{} // as if snapshotsTTL had passed
	store.mu.Unlock()
	if _, err := store.Snapshots(ctx); err != nil {
		t.Fatal(err)
	}
	store.WaitWarm()
	rewarmed := store.changes
	after, err := store.Changes(ctx, time.Time{}, time.Time{})
	if err != nil || after == before || after != rewarmed || !reflect.DeepEqual(after.Rows, before.Rows) {
		t.Errorf("after scoring %s again: a new comparison %v, made in the background %v, the same rows %v (%v)", late.Format("2006-01-02"),
			after != before, after == rewarmed, reflect.DeepEqual(after.Rows, before.Rows), err)
	}
}
