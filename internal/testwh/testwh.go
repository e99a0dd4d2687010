// Package testwh builds warehouses for tests: it copies fixture folders,
// loads extracts, and synthesises and loads the default synthetic force once
// per test binary. It is imported by tests only (never by the product) and
// may import analytics, analytics/load and synth.
package testwh

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tau-da/tau/analytics"
	"github.com/tau-da/tau/analytics/load"
	"github.com/tau-da/tau/scoring"
	"github.com/tau-da/tau/synth"
)

// Load loads an extract into warehouse wh and fails the test on error.
func Load(tb testing.TB, extractDir, wh string, opt load.LoadOptions) *analytics.Manifest {
	tb.Helper()
	opt.ExtractDir, opt.Warehouse = extractDir, wh
	m, err := load.Load(context.Background(), opt)
	if err != nil {
		tb.Fatalf("load %s: %v", extractDir, err)
	}
	return m
}

// Open opens the warehouse in wh and fails the test on error.
func Open(tb testing.TB, wh string) *analytics.Warehouse {
	tb.Helper()
	w, err := analytics.Open(wh)
	if err != nil {
		tb.Fatal(err)
	}
	return w
}

// Session opens a session over the warehouse in wh, closed when the test
// ends.
func Session(tb testing.TB, wh string) *analytics.Session {
	tb.Helper()
	s, err := Open(tb, wh).Session(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// Query runs a query and returns its columns and rows as text.
func Query(tb testing.TB, db *sql.DB, q string, args ...any) ([]string, [][]string) {
	tb.Helper()
	cols, rows, err := analytics.QueryText(context.Background(), db, q, args...)
	if err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
	return cols, rows
}

var (
	forceOnce      sync.Once
	forceDir       string
	forceExtract   string
	forceWarehouse string
	forceErr       error
)

// SyntheticForce synthesises and loads one default-size force (seed 1),
// once per test binary, for the tests that need a whole force; they must
// not change it. It is skipped with -short. A package that uses it calls
// Main from its TestMain so the force is removed at the end.
func SyntheticForce(tb testing.TB) (extract, warehouse string) {
	tb.Helper()
	if testing.Short() {
		tb.Skip("a synthetic force of 20,000 relationships")
	}
	forceOnce.Do(func() {
		forceDir, forceErr = os.MkdirTemp("", "tau-force-")
		if forceErr != nil {
			return
		}
		forceExtract, forceWarehouse = filepath.Join(forceDir, "extract"), filepath.Join(forceDir, "wh")
		if _, forceErr = synth.Write(forceExtract, synth.Config{Seed: 1}); forceErr != nil {
			return
		}
		_, forceErr = load.Load(context.Background(), load.LoadOptions{ExtractDir: forceExtract, Warehouse: forceWarehouse, MaxRejectRate: load.DefaultMaxRejectRate})
	})
	if forceErr != nil {
		tb.Fatal(forceErr)
	}
	return forceExtract, forceWarehouse
}

// Main runs a package's tests and removes the synthetic force after them.
func Main(m *testing.M) {
	code := m.Run()
	if forceDir != "" {
		os.RemoveAll(forceDir)
	}
	os.Exit(code)
}

// Views opens a session over the warehouse in wh and returns its database
// and connection (closed when the test ends), for tests that query it.
func Views(tb testing.TB, wh string) (*sql.DB, *sql.Conn, error) {
	tb.Helper()
	s := Session(tb, wh)
	return s.DB, s.Conn, nil
}

// Config returns tau's default scoring configuration.
func Config(tb testing.TB) *scoring.Config {
	tb.Helper()
	c, err := scoring.Default()
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// Steps records what a long step tells its progress, for tests that check
// it was told (and that, within a step, done never goes back or passes
// total).
type Steps struct {
	mu    sync.Mutex
	steps []string
	bad   string
	last  float64
}

// Progress is the recorder's analytics.Progress.
func (s *Steps) Progress() analytics.Progress {
	return func(step string, done, total int) {
		s.mu.Lock()
		defer s.mu.Unlock()
		f := float64(done) / float64(max(total, 1))
		if len(s.steps) > 0 && s.steps[len(s.steps)-1] != step {
			s.last = 0
		}
		if done < 0 || done > total || f < s.last {
			s.bad = fmt.Sprintf("%s: %d of %d after %.2f", step, done, total, s.last)
		}
		s.last = f
		s.steps = append(s.steps, step)
	}
}

// Check fails the test unless every step in want (a prefix of a reported
// step) was reported, in that order, and no step's done went back.
func (s *Steps) Check(tb testing.TB, want ...string) {
	tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bad != "" {
		tb.Errorf("progress went back or past its total: %s", s.bad)
	}
	i := 0
	for _, got := range s.steps {
		if i < len(want) && strings.HasPrefix(got, want[i]) {
			i++
		}
	}
	if i < len(want) {
		tb.Errorf("progress was not told %q (in order); it heard %d steps: %v", want[i:], len(s.steps), s.steps)
	}
}
