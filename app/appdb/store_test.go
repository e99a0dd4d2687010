package appdb

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/tau-da/tau/analytics/load"
	"github.com/tau-da/tau/app"
	"github.com/tau-da/tau/internal/testwh"
	"github.com/tau-da/tau/scoring"
	"github.com/tau-da/tau/scoring/scoredb"
	"github.com/tau-da/tau/synth"
)

// BenchmarkAppPages measures the app's pages at force scale (the default
// synthetic force, 20,000 relationships), through HTTP with a signed-in
// session: the ranked list, the list filtered to the red band, and a
// relationship page. The target is under 200 ms each.
func BenchmarkAppPages(b *testing.B) {
	dir := b.TempDir()
	ex, wh := filepath.Join(dir, "extract"), filepath.Join(dir, "wh")
	if _, err := synth.Write(ex, synth.Config{Seed: 1}); err != nil {
		b.Fatal(err)
	}
	if _, err := load.Load(context.Background(), load.LoadOptions{ExtractDir: ex, Warehouse: wh, MaxRejectRate: load.DefaultMaxRejectRate}); err != nil {
		b.Fatal(err)
	}
	cfg, _ := scoring.Default()
	run, err := scoredb.Score(context.Background(), testwh.Session(b, wh), cfg, time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC), true)
	if err != nil {
		b.Fatal(err)
	}
	store, err := Open(context.Background(), testwh.Open(b, wh), cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	users := filepath.Join(dir, "users.toml")
	const pw = "benchmark password"
	app.AddUser(users, "bench", app.RoleAssessor, pw)
	u, _ := app.LoadUsers(users)
	audit, _ := app.OpenAudit(wh)
	defer audit.Close()
	srv := httptest.NewServer(app.NewServer(store, u, audit, false))
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get(srv.URL + "/login")
	if err != nil {
		b.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tok := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindSubmatch(page)
	if _, err := c.PostForm(srv.URL+"/login", url.Values{"csrf": {string(tok[1])}, "user": {"bench"}, "password": {pw}}); err != nil {
		b.Fatal(err)
	}
	get := func(b *testing.B, path string) {
		resp, err := c.Get(srv.URL + path)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("%s: %d", path, resp.StatusCode)
		}
	}
	first, err := run.Top(context.Background(), 1)
	if err != nil || len(first) == 0 {
		b.Fatalf("top of the list: %v", err)
	}
	top := first[0].RelationshipID
	for _, p := range []struct{ name, path string }{{"list", "/"}, {"list_red", "/?band=red&sort=stage"}, {"relationship", "/r/" + top}, {"pack", "/r/" + top + "/pack"}} {
		b.Run(p.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				get(b, p.path)
			}
		})
	}
	os.RemoveAll(ex)
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
	if _, err := store.Relationship(context.Background(), "r-0000000000000000"); err != app.ErrNotFound {
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
