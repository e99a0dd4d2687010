package app_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tau-da/tau/app"
	"github.com/tau-da/tau/app/apptest"
)

// TestMain hashes the tests' passwords at bcrypt's least cost.
func TestMain(m *testing.M) {
	app.PasswordCost = bcrypt.MinCost
	os.Exit(m.Run())
}

const testPassword = "correct horse battery staple"

type harness struct {
	t      *testing.T
	srv    *httptest.Server
	app    *app.Server
	store  *apptest.Store
	dir    string
	audit  *app.Audit
	client *http.Client
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	dir := t.TempDir()
	users := filepath.Join(dir, "users.toml")
	for name, role := range map[string]string{"alice": app.RoleAssessor, "ann": app.RoleAnalyst, "root": app.RoleAdmin} {
		if err := app.AddUser(users, name, role, testPassword); err != nil {
			t.Fatal(err)
		}
	}
	u, err := app.LoadUsers(users)
	if err != nil {
		t.Fatal(err)
	}
	audit, err := app.OpenAudit(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { audit.Close() })
	h := &harness{t: t, store: &apptest.Store{}, dir: dir, audit: audit}
	h.app = app.NewServer(h.store, u, audit, false)
	h.srv = httptest.NewServer(h.app)
	t.Cleanup(h.srv.Close)
	h.client = h.newClient()
	return h
}

func (h *harness) newClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func (h *harness) get(c *http.Client, path string) (int, string) {
	h.t.Helper()
	resp, err := c.Get(h.srv.URL + path)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (h *harness) post(c *http.Client, path string, form url.Values) (int, string) {
	h.t.Helper()
	resp, err := c.PostForm(h.srv.URL+path, form)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// signedIn is a new harness with a client signed in as user.
func signedIn(t *testing.T, user string) (*harness, *http.Client) {
	t.Helper()
	h := newHarness(t)
	c := h.newClient()
	h.login(c, user)
	return h, c
}

// login signs a client in and returns its session's CSRF token.
func (h *harness) login(c *http.Client, user string) string {
	h.t.Helper()
	_, page := h.get(c, "/login")
	m := csrfRe.FindStringSubmatch(page)
	if m == nil {
		h.t.Fatal("no CSRF token on the login form")
	}
	code, _ := h.post(c, "/login", url.Values{"csrf": {m[1]}, "user": {user}, "password": {testPassword}, "next": {"/"}})
	if code != http.StatusSeeOther {
		h.t.Fatalf("login %s: status %d", user, code)
	}
	_, page = h.get(c, "/")
	m = csrfRe.FindStringSubmatch(page)
	if m == nil {
		h.t.Fatalf("no CSRF token once signed in:\n%s", page)
	}
	return m[1]
}

// TestAccessControl: every page without a session, and each role against
// each page.
func TestAccessControl(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	pages := []string{"/", "/r/r-1", "/r/r-1/pack", "/plans", "/evaluation", "/admin/audit", "/hidden", "/changes",
		"/export/list.csv", "/export/hidden.csv", "/export/changes.csv"}
	anon := h.newClient()
	for _, p := range pages {
		if code, _ := h.get(anon, p); code != http.StatusSeeOther {
			t.Errorf("%s without a session: status %d, want a redirect to sign in", p, code)
		}
	}
	if code, _ := h.post(anon, "/logout", url.Values{}); code != http.StatusUnauthorized {
		t.Errorf("POST /logout without a session: %d", code)
	}
	people := []string{"/hidden", "/changes", "/export/list.csv", "/export/hidden.csv", "/export/changes.csv"}
	want := map[string]map[string]int{
		"alice": {"/": 200, "/r/r-1": 200, "/r/r-1/pack": 200, "/plans": 200, "/evaluation": 200, "/admin/audit": 403},
		"ann":   {"/": 200, "/r/r-1": 403, "/r/r-1/pack": 403, "/plans": 403, "/evaluation": 200, "/admin/audit": 403},
		"root":  {"/": 200, "/r/r-1": 200, "/r/r-1/pack": 200, "/plans": 200, "/evaluation": 200, "/admin/audit": 200},
	}
	for _, p := range people {
		want["alice"][p], want["ann"][p], want["root"][p] = 200, 403, 200
	}
	for user, codes := range want {
		c := h.newClient()
		h.login(c, user)
		for _, p := range pages {
			code, body := h.get(c, p)
			if code != codes[p] {
				t.Errorf("%s %s: status %d, want %d", user, p, code, codes[p])
			}
			if user == "ann" && strings.Contains(body, "r-1") {
				t.Errorf("the analyst's %s shows a relationship id", p)
			}
		}
	}
}

func TestSecurityHeadersAndCookies(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	resp, err := h.client.Get(h.srv.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for k, v := range map[string]string{"Content-Security-Policy": "default-src 'none'", "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"} {
		if !strings.Contains(resp.Header.Get(k), v) {
			t.Errorf("header %s = %q, want %q", k, resp.Header.Get(k), v)
		}
	}
	c := resp.Header.Get("Set-Cookie")
	if !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Strict") {
		t.Errorf("cookie %q lacks HttpOnly or SameSite=Strict", c)
	}
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// Login without the form's token.
	c := h.newClient()
	h.get(c, "/login")
	if code, _ := h.post(c, "/login", url.Values{"csrf": {"bad"}, "user": {"alice"}, "password": {testPassword}}); code != http.StatusForbidden {
		t.Errorf("login with a bad CSRF token: %d", code)
	}
	token := h.login(c, "alice")
	// A token that differs in its first digit (whatever that digit is: a
	// fixed "0" would be the real token one time in sixteen).
	bad := "0" + token[1:]
	if token[0] == '0' {
		bad = "1" + token[1:]
	}
	if code, _ := h.post(c, "/logout", url.Values{"csrf": {bad}}); code != http.StatusForbidden {
		t.Errorf("logout with a bad CSRF token: %d", code)
	}
	if code, _ := h.get(c, "/"); code != http.StatusOK {
		t.Error("the session should survive a refused logout")
	}
	if code, _ := h.post(c, "/logout", url.Values{"csrf": {token}}); code != http.StatusSeeOther {
		t.Errorf("logout with the token: %d", code)
	}
	if code, _ := h.get(c, "/"); code != http.StatusSeeOther {
		t.Error("still signed in after logout")
	}
}

func TestAuditEntries(t *testing.T) {
	t.Parallel()
	h, c := signedIn(t, "alice")
	h.get(c, "/r/r-1")
	h.get(c, "/r/r-1/pack")
	h.get(c, "/r/nope")
	h.get(c, "/admin/audit")
	entries, err := h.audit.Entries()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.User+" "+e.Action+" "+e.Target)
	}
	want := []string{"alice login ", "alice view ranked list ", "alice view relationship r-1", "alice view PMP pack r-1", "alice view relationship (not found) nope", "alice refused: role /admin/audit"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("audit\n got %q\nwant %q", got, want)
	}
	if line, err := app.VerifyAudit(h.audit.Path()); err != nil || line != 0 {
		t.Errorf("intact log reported broken at %d: %v", line, err)
	}
	// Deleting a line breaks the chain.
	b, _ := os.ReadFile(h.audit.Path())
	lines := strings.SplitAfter(string(b), "\n")
	os.WriteFile(h.audit.Path(), []byte(lines[0]+strings.Join(lines[2:], "")), 0o600)
	if line, _ := app.VerifyAudit(h.audit.Path()); line != 2 {
		t.Errorf("tampered log: broken at %d, want 2", line)
	}
}

// TestInputHandling: malformed ids and filters are refused before they
// reach the store; good filters reach it intact.
func TestInputHandling(t *testing.T) {
	t.Parallel()
	h, c := signedIn(t, "alice")
	bad := []string{
		"/r/r-1';DROP%20TABLE%20scores;--", "/r/" + strings.Repeat("x", 80), "/r/%3Cscript%3E",
		"/?band=red'%20OR%20'1'='1", "/?cluster=C1)%20OR%201=1--", "/?stage=9", "/?stage=-1", "/?sort=total_score%20DESC", "/?area=%3Cb%3E", "/?page=0",
	}
	for _, p := range bad {
		if code, body := h.get(c, p); code != http.StatusBadRequest && code != http.StatusNotFound {
			t.Errorf("%s: status %d", p, code)
		} else if strings.Contains(body, "<script>") {
			t.Errorf("%s: reflected markup", p)
		}
	}
	if code, _ := h.get(c, "/?band=red&stage=5&cluster=C2&serial=1&noplan=1&area=N01&sort=stage&page=2"); code != 200 {
		t.Fatalf("good filter refused: %d", code)
	}
	f := h.store.LastFilter
	if f.Band != "red" || f.Stage != 5 || f.Cluster != "C2" || !f.Serial || !f.NoPlan || f.Area != "N01" || f.Sort != "stage" || f.Offset != app.PageSize {
		t.Errorf("filter reached the store as %+v", f)
	}
}

func TestLoginRateLimitAndFailures(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.newClient()
	var codes []int
	for i := 0; i < app.LoginBurst+2; i++ {
		_, page := h.get(c, "/login")
		m := csrfRe.FindStringSubmatch(page)
		code, _ := h.post(c, "/login", url.Values{"csrf": {m[1]}, "user": {"alice"}, "password": {"wrong password!!"}})
		codes = append(codes, code)
	}
	if codes[0] != http.StatusUnauthorized || codes[len(codes)-1] != http.StatusTooManyRequests {
		t.Errorf("statuses %v: want 401 for wrong passwords, then 429", codes)
	}
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	now := time.Now()
	h.app.SetClock(func() time.Time { return now })
	c := h.newClient()
	h.login(c, "alice")
	now = now.Add(app.SessionIdleFor + time.Minute)
	if code, _ := h.get(c, "/"); code != http.StatusSeeOther {
		t.Errorf("idle session still valid: %d", code)
	}
}

func TestServeRefusesOpenAddressWithoutTLS(t *testing.T) {
	t.Parallel()
	err := app.Serve(context.Background(), "0.0.0.0:0", "", "", http.NotFoundHandler())
	if err == nil || !strings.Contains(err.Error(), "needs TLS") {
		t.Errorf("error %v", err)
	}
	if err := app.Serve(context.Background(), "127.0.0.1:0", "cert.pem", "", http.NotFoundHandler()); !errors.Is(err, app.ErrTLSPair) {
		t.Errorf("a certificate without its key: %v", err)
	}
}

func TestUsersFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "users.toml")
	if err := app.AddUser(path, "alice", "chief", testPassword); err == nil {
		t.Error("unknown role accepted")
	}
	if err := app.AddUser(path, "alice", app.RoleAssessor, "short"); err == nil {
		t.Error("short password accepted")
	}
	if err := app.AddUser(path, "alice", app.RoleAssessor, testPassword); err != nil {
		t.Fatal(err)
	}
	if err := app.AddUser(path, "alice", app.RoleAdmin, testPassword+"!"); err != nil {
		t.Fatal(err)
	}
	u, err := app.LoadUsers(path)
	if err != nil || len(u) != 1 || u["alice"].Role != app.RoleAdmin {
		t.Fatalf("users %v %v", u, err)
	}
	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), testPassword) {
		t.Error("the password is in the file in clear")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("users file mode %v", fi.Mode().Perm())
	}
}

// TestEvaluationHeadline: the evaluation page leads with the primary
// estimate in words, and the unit's own arithmetic comes after it,
// labelled, with a rise said as "more", never as a negative reduction.
func TestEvaluationHeadline(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.store.Eval = &app.Evaluation{RunID: "run-1", Generated: apptest.Day0, Plans: 19, Projection: "level", Windows: "3m / 3m",
		Baseline: 141, Expected: 141, Observed: 160, ReductionPct: -13.5, HoursPerIncident: 3.35, HoursSource: "Kent", SMSLevel: 3,
		Headline: app.Headline{Available: true, Change: "a reduction of 25%", Interval: "a reduction of 12% to 36%",
			Sentence: "Against matched comparisons, the 19 plans were followed by an estimated reduction of 25% in reported incidents.",
			Estimand: "the effect of the plans on reported incidents", Method: "difference in differences", Prevented: 27, PreventedLo: 13, PreventedHi: 39, Hours: 90, HoursLo: 44, HoursHi: 131},
		PreTrends: "Before the plans, the plans and their comparisons moved together.", Power: "With 19 plans, only a reduction larger than 57% would be distinguishable from chance.",
		Events: []app.EventPoint{{Period: "-1", Order: -1, Plans: 1.2, Comparisons: 1.1}, {Period: "plan", Order: 0, Plans: 0.5, Comparisons: 0.7}, {Period: "+1", Order: 1, Plans: 0.3, Comparisons: 0.6}}}
	c := h.newClient()
	h.login(c, "alice")
	code, page := h.get(c, "/evaluation")
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	head, unit := strings.Index(page, "What the plans achieved"), strings.Index(page, "<h2>The unit's method")
	if head < 0 || unit < 0 || head > unit {
		t.Fatalf("the headline (at %d) must come before the unit's method (at %d):\n%s", head, unit, page)
	}
	for _, want := range []string{"a reduction of 25%", "interval: a reduction of 12% to 36%", "about 27 fewer", "between 13 and 39 fewer", "13.5% more",
		"only a reduction larger than 57%", "Did the groups move together before the plans?", "moved together", "<svg"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, "-13.5%") {
		t.Error("a rise is shown as a negative reduction")
	}
	// The unit's figures are not in the headline's boxes.
	boxes := page[head:unit]
	if strings.Contains(boxes, "141") || strings.Contains(boxes, "160") {
		t.Error("the unit's before/after counts appear among the headline figures")
	}
}

// TestLoginLimitsCountRealAttempts: posts without the sign-in form's token
// do not use up the address's budget.
func TestLoginLimitsCountRealAttempts(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.newClient()
	for i := 0; i < 3*app.LoginBurst; i++ {
		if code, _ := h.post(c, "/login", url.Values{"user": {"alice"}, "password": {"x"}}); code != http.StatusForbidden {
			t.Fatalf("a post without the form's token: %d, want 403", code)
		}
	}
	// The address still has its whole budget: alice signs in.
	h.login(c, "alice")
}

// TestRefusalSaysTheRole: a refused page names what the role may see.
func TestRefusalSaysTheRole(t *testing.T) {
	t.Parallel()
	h, c := signedIn(t, "alice")
	code, page := h.get(c, "/admin/audit")
	if code != http.StatusForbidden || !strings.Contains(page, "assessors see the ranked list") || strings.Contains(page, "Analysts see aggregates only") {
		t.Errorf("assessor refused the audit page: %d\n%s", code, page)
	}
}

// TestHiddenChangesAndExports: the hidden-threat queue names the couple's
// references, the cluster and its source and the officer's grade; the
// changes page leads with its counts; each download is a CSV a
// spreadsheet cannot run, and every view and download is audited.
func TestHiddenChangesAndExports(t *testing.T) {
	t.Parallel()
	h, c := signedIn(t, "alice")
	code, body := h.get(c, "/hidden")
	for _, want := range []string{"V1 / P1", "<strong>Non-fatal strangulation</strong>: Q18 answered yes on 30 June 2024 in assessment A1", "standard", "1 as of 30 June 2025"} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("hidden page (%d) lacks %q", code, want)
		}
	}
	code, body = h.get(c, "/changes")
	if code != 200 || !strings.Contains(body, "new to red</a><b>1</b>") || !strings.Contains(body, "From the score of 30 May 2025 to the score of 30 June 2025") ||
		!strings.Contains(body, "New to red.") {
		t.Errorf("changes page (%d):\n%s", code, body)
	}
	if code, body := h.get(c, "/changes?show=left_red"); code != 200 || !strings.Contains(body, "Nothing changed.") {
		t.Errorf("changes of a kind r-1 is not (%d)", code)
	}
	if code, _ := h.get(c, "/changes?show=everything"); code != http.StatusBadRequest {
		t.Errorf("an unknown kind of change: %d", code)
	}
	for _, e := range []struct{ path, file, header string }{
		{"/export/list.csv?band=red", "ranked-list-2025-06-30.csv", "rank,victim_reference,perpetrator_reference,relationship_id"},
		{"/export/hidden.csv", "hidden-threat-2025-06-30.csv", "threat_and_source"},
		{"/export/changes.csv", "changes-2025-05-30-to-2025-06-30.csv", "new_to_red"},
	} {
		resp, err := c.Get(h.srv.URL + e.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.Contains(resp.Header.Get("Content-Disposition"), e.file) ||
			!strings.Contains(string(b), e.header) || !strings.Contains(string(b), "V1,P1,r-1") {
			t.Errorf("%s: %s %q\n%s", e.path, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"), b)
		}
	}
	entries, _ := h.audit.Entries()
	var got []string
	for _, e := range entries {
		got = append(got, e.Action)
	}
	for _, want := range []string{"view hidden threat", "view changes", "export ranked list (CSV)", "export hidden threat (CSV)", "export changes (CSV)"} {
		if !slices.Contains(got, want) {
			t.Errorf("audit lacks %q: %q", want, got)
		}
	}
}

// TestCSVSafe: a cell a spreadsheet would run as a formula is quoted.
func TestCSVSafe(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"=HYPERLINK(1)": "'=HYPERLINK(1)", "+1": "'+1", "-2": "'-2", "@SUM": "'@SUM", "V1": "V1", "": ""} {
		if got := app.CSVSafe(in); got != want {
			t.Errorf("CSVSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSnapshotPicker: every person-level page says its snapshot and lets
// the user pick another; an earlier one says so, an unknown date is not
// found, a malformed one refused, and a snapshot scored from an earlier
// load says to re-score.
func TestSnapshotPicker(t *testing.T) {
	t.Parallel()
	h, c := signedIn(t, "alice")
	for _, p := range []string{"/", "/hidden", "/r/r-1"} {
		code, body := h.get(c, p)
		if code != 200 || !strings.Contains(body, `<select name="asof" id="asof">`) || !strings.Contains(body, "30 May 2025") {
			t.Errorf("%s (%d) has no snapshot picker", p, code)
		}
		sep := "?"
		if strings.Contains(p, "?") {
			sep = "&"
		}
		if code, body := h.get(c, p+sep+"asof=2025-05-30"); code != 200 || !strings.Contains(body, "You are looking at the snapshot of 30 May 2025; the latest is 30 June 2025") {
			t.Errorf("%s at the earlier snapshot (%d) does not say so", p, code)
		}
		if code, _ := h.get(c, p+sep+"asof=2020-01-01"); code != http.StatusNotFound {
			t.Errorf("%s at an unknown snapshot: %d", p, code)
		}
		if code, _ := h.get(c, p+sep+"asof=yesterday"); code != http.StatusBadRequest {
			t.Errorf("%s at a malformed date: %d", p, code)
		}
	}
	if _, body := h.get(c, "/"); strings.Contains(body, `id="stale"`) {
		t.Error("a current snapshot is called stale")
	}
	h.store.Stale = true
	if _, body := h.get(c, "/"); !strings.Contains(body, "scored from the load of 30 April 2025; the warehouse now holds the load of 30 June 2025") || !strings.Contains(body, "Re-score") {
		t.Errorf("no stale-snapshot notice:\n%s", body)
	}
}

// TestRelationshipInWords: the relationship page leads with the couple's
// references, names clusters and offences, says each sticky item once, in
// numeric order; the pack has every active item and flags overdue actions.
func TestRelationshipInWords(t *testing.T) {
	t.Parallel()
	h, c := signedIn(t, "alice")
	h.app.SetClock(func() time.Time { return apptest.Day0.AddDate(0, 0, 12) })
	_, body := h.get(c, "/r/r-1")
	for _, want := range []string{"<h1>Victim V1, perpetrator P1</h1>", "<strong>Non-fatal strangulation</strong>", "Assault occasioning actual bodily harm (s47)", "30 June 2024 in assessment A1"} {
		if !strings.Contains(body, want) {
			t.Errorf("relationship page lacks %q", want)
		}
	}
	if strings.Count(body, "held by the sticky rule") != 1 {
		t.Errorf("the sticky explanation appears %d times", strings.Count(body, "held by the sticky rule"))
	}
	if i, j := strings.Index(body, "<strong>Q8</strong>"), strings.Index(body, "<strong>Q18</strong>"); i < 0 || j < i {
		t.Errorf("items out of numeric order (Q8 at %d, Q18 at %d)", i, j)
	}
	_, pack := h.get(c, "/r/r-1/pack")
	for _, want := range []string{"<strong>Q8</strong>", "<strong>Q18</strong>", "OVERDUE by 12 days", "MARAC referral"} {
		if !strings.Contains(pack, want) {
			t.Errorf("pack lacks %q", want)
		}
	}
	_, plans := h.get(c, "/plans")
	for _, want := range []string{`class="board"`, "V1 / P1", "overdue by 12 days", `href="/r/r-1/pack"`} {
		if !strings.Contains(plans, want) {
			t.Errorf("plans board lacks %q", want)
		}
	}
}
