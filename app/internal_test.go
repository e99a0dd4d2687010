package app

import (
	"path/filepath"
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
	b := NewPlansBoard(open, day(10))
	if len(b.Overdue) != 2 || b.Overdue[0].ID != "d" || b.Overdue[1].ID != "b" {
		t.Errorf("overdue %+v, want d then b", b.Overdue)
	}
	if len(b.Neighbourhood) != 1 || b.OverduePlan["d"] != "M2" || b.OverduePlan["c"] != "" {
		t.Errorf("board %+v", b)
	}
}
