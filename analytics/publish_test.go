package analytics

import (
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// TestPublishNeverShowsTwo: while runs of one partition are published
// over each other, a reader globbing the results (as the views do) never
// sees two copies of a table, and on Linux never none.
func TestPublishNeverShowsTwo(t *testing.T) {
	t.Parallel()
	parent := filepath.Join(t.TempDir(), "scores")
	final := filepath.Join(parent, "as_of=2024-01-01", "config=abc")
	write := func() string {
		tmp, err := os.MkdirTemp(parent, ".tmp-")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tmp, "scores.parquet"), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		return tmp
	}
	os.MkdirAll(parent, 0o700)
	if err := publish(write(), final); err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var twice, none atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for !stop.Load() {
			m, _ := filepath.Glob(filepath.Join(parent, "*", "*", "scores.parquet"))
			switch len(m) {
			case 0:
				none.Add(1)
			case 1:
			default:
				twice.Add(1)
			}
		}
	}()
	for i := 0; i < 300; i++ {
		if err := publish(write(), final); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	<-done
	if twice.Load() > 0 {
		t.Errorf("a reader saw two copies %d times", twice.Load())
	}
	if runtime.GOOS == "linux" && none.Load() > 0 {
		t.Errorf("a reader saw no copy %d times", none.Load())
	}
	// Replaced runs stay hidden for a minute, then the next publish
	// removes them.
	if m, _ := filepath.Glob(filepath.Join(parent, "*", "*", "scores.parquet")); len(m) != 1 {
		t.Errorf("after publishing: %v", m)
	}
	removeOldRuns(parent, time.Now().Add(2*oldRunGrace))
	left, _ := filepath.Glob(filepath.Join(parent, ".*"))
	if len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

// TestPruneFailed: only the newest failed loads are kept.
func TestPruneFailed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, n := range []string{"20260101T000000000Z", "20260102T000000000Z", "20260103T000000000Z", "20260104T000000000Z"} {
		os.MkdirAll(filepath.Join(dir, n), 0o700)
	}
	pruneFailed(dir, 2)
	left, _ := os.ReadDir(dir)
	if len(left) != 2 || left[0].Name() != "20260103T000000000Z" || left[1].Name() != "20260104T000000000Z" {
		t.Errorf("left %v, want the newest two", left)
	}
}
