package main

import (
	"bytes"
	"context"
	"image/png"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/tau-da/tau/app"
	"github.com/tau-da/tau/app/appdb"
	"github.com/tau-da/tau/extract"
	"github.com/tau-da/tau/internal/testwh"
	"github.com/tau-da/tau/scoring"
)

// appFixture loads the scoring fixture (whose V1/P1 relationship holds a
// sticky item against a later "no") with a plan, actions and engagement
// added, scores it with bands low enough that every relationship is red,
// and returns the warehouse, the configuration and the sticky
// relationship's id.
func appFixture(t *testing.T) (string, *scoring.Config, string) {
	t.Helper()
	dir := t.TempDir()
	ex := filepath.Join(dir, "extract")
	os.MkdirAll(ex, 0o700)
	src := "../../testdata/score/sticky/extract"
	entries, _ := os.ReadDir(src)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(src, e.Name()))
		os.WriteFile(filepath.Join(ex, e.Name()), b, 0o600)
	}
	files := map[string]string{
		"pmps.csv":        "pmp_id,victim_id,perpetrator_id,opened_at,finalised_at,status,stage_at_opening\nM1,V1,P1,2024-10-01,,open,4\n",
		"pmp_actions.csv": "action_id,pmp_id,owner,action_type,raised_at,due_at,completed_at,consent_required,consent_given\nM1-a,M1,tau,dvpn,2024-10-02,2024-10-20,,no,\nM1-b,M1,neighbourhood,welfare_visit,2024-10-03,2024-11-01,2024-10-15,no,\n",
		"engagement.csv":  "person_id,agency,started_at,ended_at\nV1,idva,2024-10-05,\n",
	}
	for name, body := range files {
		os.WriteFile(filepath.Join(ex, name), []byte(body), 0o600)
	}
	wh := filepath.Join(dir, "wh")
	if out, err := run(t, "load", ex, "--warehouse", wh); err != nil {
		t.Fatalf("load: %v\n%s", err, out)
	}
	def, _ := scoring.Default()
	cfgText := strings.Replace(strings.Replace(string(def.Raw), "red = 45.0", "red = 1.0", 1), "amber = 33.0", "amber = 0.5", 1)
	cfgPath := filepath.Join(dir, "all-red.toml")
	os.WriteFile(cfgPath, []byte(cfgText), 0o600)
	if out, err := run(t, "score", "--warehouse", wh, "--config", cfgPath, "--as-of", "2024-12-31"); err != nil {
		t.Fatalf("score: %v\n%s", err, out)
	}
	cfg, err := scoring.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	return wh, cfg, extract.RelationshipID("V1", "P1")
}

// TestAppInChromium drives the app in headless Chromium: sign in, filter
// the list to the red band, open a relationship, see the source of a
// sticky item, open the plans, print the pack. Screenshots go to
// $TAU_TEST_ARTEFACTS (or the test's temporary folder) and are checked for
// content.
func TestAppInChromium(t *testing.T) {
	t.Parallel()
	bin := chromium(t)
	if bin == "" {
		t.Skip("no chromium (install Debian's chromium package)")
	}
	wh, cfg, rel := appFixture(t)
	users := filepath.Join(t.TempDir(), "users.toml")
	const pw = "a long demo password"
	if err := app.AddUser(users, "alice", app.RoleAssessor, pw); err != nil {
		t.Fatal(err)
	}
	u, _ := app.LoadUsers(users)
	store, err := appdb.Open(context.Background(), testwh.Open(t, wh), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	audit, err := app.OpenAudit(wh)
	if err != nil {
		t.Fatal(err)
	}
	defer audit.Close()
	srv := httptest.NewServer(app.NewServer(store, u, audit, false))
	defer srv.Close()

	artefacts := os.Getenv("TAU_TEST_ARTEFACTS")
	if artefacts == "" {
		artefacts = t.TempDir()
	}
	os.MkdirAll(artefacts, 0o755)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1200, 1400))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	shot := func(name string) {
		t.Helper()
		b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(artefacts, name+".png")
		os.WriteFile(path, b, 0o644)
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if share := inked(img); share < 0.02 {
			t.Errorf("%s is blank (%.3f inked)", path, share)
		}
	}
	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(tctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// The first Run starts the browser: no timeout on it.
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	step("sign in", chromedp.WaitVisible(chromedp.ID("user")), chromedp.SendKeys(chromedp.ID("user"), "alice"),
		chromedp.SendKeys(chromedp.ID("password"), pw), chromedp.Click(chromedp.ID("signin")), chromedp.WaitVisible(chromedp.ID("list")))
	shot("1-list")
	step("filter to red", chromedp.SetValue(chromedp.ID("band"), "red"), chromedp.Click(chromedp.ID("apply")), chromedp.WaitVisible(chromedp.ID("list")))
	// The form's GET navigates; wait for the new page.
	loc := ""
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if loc, _ = chromedp.Run(ctx, chromedp.Location()); strings.Contains(loc, "band=red") {
			break
		}
	}
	if !strings.Contains(loc, "band=red") {
		t.Fatalf("after filtering the page is %s", loc)
	}
	step("the filtered list", chromedp.WaitVisible(chromedp.ID("list")))
	if rows := text("#list tbody"); !strings.Contains(rows, rel) {
		t.Errorf("the red list lacks %s:\n%s", rel, rows)
	}
	shot("2-red")
	// The hidden-threat queue: the page the unit used to change minds.
	step("open the hidden threat", chromedp.Click(chromedp.CSS(`nav a[href="/hidden"]`)), chromedp.WaitVisible(chromedp.ID("hidden")))
	if rows := text("#hidden tbody"); !strings.Contains(rows, "V1 / P1") || !strings.Contains(rows, "standard") || !strings.Contains(rows, "answered yes on") {
		t.Errorf("the hidden-threat queue lacks the couple, the officer's grade or the source:\n%s", rows)
	}
	shot("3-hidden")
	step("open the relationship from it", chromedp.Click(chromedp.CSS(`#hidden a[href^="/r/`+rel+`"]`)), chromedp.WaitVisible(chromedp.ID("items")))
	if h1 := text("h1"); !strings.Contains(h1, "Victim V1") {
		t.Errorf("the relationship page does not lead with the victim's reference: %q", h1)
	}
	if cl := text("#clusters"); !strings.Contains(cl, "Non-fatal strangulation") {
		t.Errorf("the clusters are not named:\n%s", cl)
	}
	if harm := text("#harm"); !strings.Contains(harm, "Assault occasioning actual bodily harm") {
		t.Errorf("the offences are not named:\n%s", harm)
	}
	if items := text("#items"); !strings.Contains(items, "held by the sticky rule although assessment A3") {
		t.Errorf("the sticky item's source is not shown:\n%s", items)
	}
	shot("4-relationship")
	step("open the plans", chromedp.Navigate(srv.URL+"/plans"), chromedp.WaitVisible(chromedp.CSS("h1")))
	if plans := text("main"); !strings.Contains(plans, "M1") || !strings.Contains(plans, "Welfare visit") && !strings.Contains(plans, "(DVPN)") {
		t.Errorf("the plans page lacks plan M1:\n%s", plans)
	}
	shot("5-plans")
	step("open the pack", chromedp.Navigate(srv.URL+"/r/"+rel+"/pack"), chromedp.WaitVisible(chromedp.CSS("h1")))
	if pack := text("main"); !strings.Contains(pack, "MARAC referral") || !strings.Contains(pack, "Domestic violence protection notice (DVPN)") || strings.Contains(pack, "nothing recorded") {
		t.Errorf("the pack lacks response options, open actions or recent history:\n%s", pack)
	}
	shot("6-pack")
	pdf, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
		res, err := cdp.Call(ctx, tg, page.PrintToPDF, page.PrintToPDFParams{})
		return res.Data, err
	})
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) || len(pdf) < 2000 {
		t.Fatalf("printing the pack: %v (%d bytes)", err, len(pdf))
	}
	os.WriteFile(filepath.Join(artefacts, "6-pack.pdf"), pdf, 0o644)
	entries, _ := audit.Entries()
	views := 0
	for _, e := range entries {
		if e.Target == rel && strings.HasPrefix(e.Action, "view") {
			views++
		}
	}
	if views != 2 {
		t.Errorf("audit has %d views of %s, want the page and the pack", views, rel)
	}
	hiddenViews := 0
	for _, e := range entries {
		if e.Action == "view hidden threat" {
			hiddenViews++
		}
	}
	if hiddenViews != 1 {
		t.Errorf("audit has %d views of the hidden threat, want 1", hiddenViews)
	}
	t.Logf("screenshots and the printed pack in %s", artefacts)
}

func TestUsersAddCLI(t *testing.T) {
	t.Parallel()
	users := filepath.Join(t.TempDir(), "users.toml")
	if out, err := runStdin(t, "a sufficiently long password\n", "users", "add", "carol", "--role", "analyst", "--users", users, "--password-stdin"); err != nil {
		t.Fatalf("users add: %v\n%s", err, out)
	}
	u, err := app.LoadUsers(users)
	if err != nil || u["carol"].Role != app.RoleAnalyst {
		t.Fatalf("users %v %v", u, err)
	}
	if _, err := run(t, "users", "add", "dave", "--role", "chief", "--users", users, "--password-stdin"); exitCode(err) != exitUsage {
		t.Errorf("bad role: %v", err)
	}
	if _, err := run(t, "serve", "--warehouse", t.TempDir()); exitCode(err) != exitUsage || !strings.Contains(err.Error(), "--users") {
		t.Errorf("serve without users: %v", err)
	}
}
