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
