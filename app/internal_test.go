package app

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSafeNext: an open redirect through next= is refused.
func TestSafeNext(t *testing.T) {
	t.Parallel()
	if got := safeNext("//evil.example/x"); got != "/" {
		t.Errorf("safeNext kept %s", got)
	}
}

// TestPasswordCheck: a changed password replaces the old one.
func TestPasswordCheck(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "users.toml")
	const pw = "correct horse battery staple"
	if err := AddUser(path, "alice", RoleAssessor, pw); err != nil {
		t.Fatal(err)
	}
	if err := AddUser(path, "alice", RoleAdmin, pw+"!"); err != nil {
		t.Fatal(err)
	}
	u, err := LoadUsers(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := check(u, "alice", pw); ok {
		t.Error("the old password still works")
	}
	if _, ok := check(u, "alice", pw+"!"); !ok {
		t.Error("the new password does not work")
	}
	if _, ok := check(u, "bob", pw); ok {
		t.Error("an unknown user signs in")
	}
}

// TestPrune: expired sessions and refilled limiters are swept, live ones
// kept, at most once a minute.
func TestPrune(t *testing.T) {
	t.Parallel()
	now := time.Now()
	s := NewServer(nil, nil, nil, false)
	s.SetClock(func() time.Time { return now })
	s.sess["old"] = &session{created: now.Add(-SessionMaxAge - time.Minute), lastSeen: now}
	s.sess["idle"] = &session{created: now, lastSeen: now.Add(-SessionIdleFor - time.Minute)}
	s.sess["live"] = &session{created: now, lastSeen: now}
	s.limiter("10.0.0.1").AllowN(now, 1)
	if len(s.sess) != 1 || s.sess["live"] == nil {
		t.Errorf("sessions after a sweep: %v", s.sess)
	}
	if len(s.limits) != 1 {
		t.Errorf("limiters: %d, want the one just used", len(s.limits))
	}
	// A limiter that has refilled goes at the next sweep, not before a
	// minute has passed.
	now = now.Add(30 * time.Second)
	s.limiter("10.0.0.2")
	if len(s.limits) != 2 {
		t.Errorf("limiters swept before a minute passed: %d", len(s.limits))
	}
	now = now.Add(LoginEvery*LoginBurst + time.Minute)
	s.limiter("10.0.0.3")
	if len(s.limits) != 1 || s.limits["10.0.0.3"] == nil {
		t.Errorf("refilled limiters kept: %v", s.limits)
	}
}

// TestSARAStageAndBoard: a plan's SARA stage follows its actions, and the
// board lists the open actions, the overdue ones soonest first, and the
// neighbourhood officers' tasks.
func TestSARAStageAndBoard(t *testing.T) {
	t.Parallel()
	day := func(d int) time.Time { return time.Date(2025, 6, d, 0, 0, 0, 0, time.UTC) }
	for _, c := range []struct {
		actions []Action
		want    string
	}{
		{nil, "scanning"},
		{[]Action{{ID: "a"}}, "analysis"},
		{[]Action{{ID: "a", Done: day(2)}, {ID: "b"}}, "response"},
		{[]Action{{ID: "a", Done: day(2)}}, "assessment"},
	} {
		if got := SARAStage(Plan{Actions: c.actions}); got != c.want {
			t.Errorf("%d actions: %s, want %s", len(c.actions), got, c.want)
		}
	}
	open := []Plan{{ID: "M1", Actions: []Action{{ID: "a", Due: day(20)}, {ID: "b", Due: day(5), Owner: "neighbourhood"}, {ID: "c", Due: day(3), Done: day(2)}}},
		{ID: "M2", Actions: []Action{{ID: "d", Due: day(1)}}}}
	open[0].SARA, open[1].SARA = SARAStage(open[0]), SARAStage(open[1])
	b := NewPlansBoard(open, day(10))
	if len(b.Overdue) != 2 || b.Overdue[0].ID != "d" || b.Overdue[1].ID != "b" {
		t.Errorf("overdue %+v, want d then b", b.Overdue)
	}
	// Days overdue count from the due date to today; the task knows its plan.
	if b.Overdue[0].DaysOverdue != 9 || b.Overdue[0].PlanID != "M2" || b.Overdue[1].DaysOverdue != 5 {
		t.Errorf("overdue %+v", b.Overdue)
	}
	if len(b.Neighbourhood) != 1 || b.Neighbourhood[0].PlanID != "M1" {
		t.Errorf("neighbourhood %+v", b.Neighbourhood)
	}
	// One column per SARA stage in order; M1 (one done, two open) is at
	// response, its next action the soonest due open one.
	if len(b.Columns) != 4 || b.Columns[2].Stage != "response" || len(b.Columns[2].Cards) != 1 || b.Columns[1].Cards[0].ID != "M2" {
		t.Fatalf("columns %+v", b.Columns)
	}
	if c := b.Columns[2].Cards[0]; c.Next == nil || c.Next.ID != "b" || len(c.Overdue) != 1 || len(c.Owners) != 1 {
		t.Errorf("card %+v", c)
	}
	if got := InArea([]Task{{Area: "N1"}, {Area: "N2"}}, "N2"); len(got) != 1 || got[0].Area != "N2" {
		t.Errorf("area filter %+v", got)
	}
}

// TestSafeNextCases: only a same-site path survives, judged as a browser
// reads it.
func TestSafeNextCases(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/r/r-1?x=1": "/r/r-1?x=1", "/": "/", "//x": "/", "/\\x": "/", "/%09/x": "/", "/%5cx": "/", "https://x": "/",
		"/%2f%2fx": "/", "x": "/", "": "/", "/\t/evil.example": "/", "/%0a/x": "/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestAuditTamperAndBounds: editing a line, cutting the tail and appending a
// line are each found; a huge value is cut and cleaned, and the log still
// reads.
func TestAuditTamperAndBounds(t *testing.T) {
	t.Parallel()
	write := func(t *testing.T) (*Audit, string) {
		dir := t.TempDir()
		a, err := OpenAudit(dir)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 4 {
			if err := a.Write(AuditEntry{Time: time.Now(), User: "alice", Action: "view", Target: string(rune('a' + i))}); err != nil {
				t.Fatal(err)
			}
		}
		return a, a.Path()
	}
	lines := func(t *testing.T, p string) []string {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return strings.SplitAfter(strings.TrimSuffix(string(b), "\n"), "\n")
	}
	for _, c := range []struct {
		name   string
		change func(ls []string) string
		want   int
	}{
		{"intact", func(ls []string) string { return strings.Join(ls, "") + "\n" }, 0},
		{"last line deleted", func(ls []string) string { return strings.Join(ls[:3], "") }, 4},
		{"last two deleted", func(ls []string) string { return strings.Join(ls[:2], "") }, 3},
		{"last line edited", func(ls []string) string {
			return strings.Join(ls[:3], "") + strings.Replace(ls[3], `"view"`, `"edit"`, 1) + "\n"
		}, 4},
		{"line appended", func(ls []string) string {
			forged := `{"time":"2026-01-01T00:00:00Z","user":"mallory","role":"admin","action":"view","prev":"x"}`
			return strings.Join(ls, "") + "\n" + forged + "\n"
		}, 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, p := write(t)
			a.Close()
			if err := os.WriteFile(p, []byte(c.change(lines(t, p))), 0o600); err != nil {
				t.Fatal(err)
			}
			if got, err := VerifyAudit(p); err != nil || got != c.want {
				t.Errorf("VerifyAudit = %d, %v; want %d", got, err, c.want)
			}
		})
	}
	a, p := write(t)
	defer a.Close()
	before, _ := os.Stat(p)
	huge := strings.Repeat("x\x00\n", 400000)
	if err := a.Write(AuditEntry{User: huge, Action: "login failed"}); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(p)
	if grown := after.Size() - before.Size(); grown > 2048 {
		t.Errorf("a 1.2 MB user name grew the log by %d bytes", grown)
	}
	entries, err := a.Entries()
	if err != nil || len(entries) != 5 || strings.ContainsAny(entries[4].User, "\x00\n") {
		t.Errorf("entries after a huge value: %d, %v", len(entries), err)
	}
	if got, _ := VerifyAudit(p); got != 0 {
		t.Errorf("intact log reported broken at %d", got)
	}
}

// TestPerAccountLimit: wrong passwords for one account from many addresses
// lock that account, and not another account signing in from a fresh
// address.
func TestPerAccountLimit(t *testing.T) {
	t.Parallel()
	users := map[string]User{"ann": {Name: "ann", Role: RoleAnalyst, PasswordHash: "$2a$04$invalidinvalidinvalidinvalidinvalidinvalidinvalidinva"}}
	audit, err := OpenAudit(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer audit.Close()
	s := NewServer(nil, users, audit, false)
	post := func(addr, user string) int {
		form := url.Values{"csrf": {"tok"}, "user": {user}, "password": {"wrong"}}
		r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.AddCookie(&http.Cookie{Name: loginCookie, Value: "tok"})
		r.RemoteAddr = addr + ":1234"
		w := httptest.NewRecorder()
		s.login(w, r)
		return w.Code
	}
	for i := range LoginBurst {
		if code := post(fmt.Sprintf("10.0.0.%d", i+1), "ann"); code == http.StatusTooManyRequests {
			t.Fatalf("attempt %d refused early", i+1)
		}
	}
	if code := post("10.0.1.1", "ann"); code != http.StatusTooManyRequests {
		t.Errorf("ann from a new address after %d failures: %d, want 429", LoginBurst, code)
	}
	if code := post("10.0.1.2", "bob"); code == http.StatusTooManyRequests {
		t.Error("another account is locked out too")
	}
}

// TestWatchUsers: a user added to the file while the app runs can sign in
// without a restart.
func TestWatchUsers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "users.toml")
	if err := AddUser(path, "alice", RoleAssessor, "correct horse battery staple"); err != nil {
		t.Fatal(err)
	}
	users, err := LoadUsers(path)
	if err != nil {
		t.Fatal(err)
	}
	audit, err := OpenAudit(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer audit.Close()
	s := NewServer(nil, users, audit, false)
	s.WatchUsers(path)
	if err := AddUser(path, "bob", RoleAdmin, "another long password"); err != nil {
		t.Fatal(err)
	}
	// Make sure the modification time moves even on a coarse clock.
	later := time.Now().Add(2 * time.Second)
	os.Chtimes(path, later, later)
	s.reloadUsers()
	if _, ok := check(s.users, "bob", "another long password"); !ok {
		t.Error("a user added while the app runs cannot sign in")
	}
}
