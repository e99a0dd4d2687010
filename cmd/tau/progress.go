package main

import (
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/tau-da/tau/analytics"
	"github.com/tau-da/tau/internal/duckdb"
	"golang.org/x/term"
)

// isTerminal reports whether w is a terminal (progress bars only there).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// newBar returns a progress bar on standard error when it is a terminal, or
// nil; callers use the nil-safe helpers below.
func newBar(total int, what string) *progressbar.ProgressBar {
	if !isTerminal(os.Stderr) {
		return nil
	}
	return progressbar.NewOptions(total,
		progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100_000_000),
	)
}

func barSet(b *progressbar.ProgressBar, n int, what string) {
	if b == nil {
		return
	}
	if what != "" {
		b.Describe(what)
	}
	b.Set(n)
}

func barDone(b *progressbar.ProgressBar) {
	if b != nil {
		b.Finish()
	}
}

// barProgress draws a step's progress on the bar as a percentage (nil when
// there is no bar, so the step skips the call).
// With TAU_TRACE set, each new step is also traced with the time since
// the first, so a long run shows where its time went.
func barProgress(b *progressbar.ProgressBar) analytics.Progress {
	if duckdb.Tracing {
		start, last := time.Now(), ""
		return func(step string, done, total int) {
			if step != last {
				duckdb.Tracef(start, "step %s", step)
				last = step
			}
			if total > 0 {
				barSet(b, done*100/total, step)
			}
		}
	}
	if b == nil {
		return nil
	}
	return func(step string, done, total int) {
		if total > 0 {
			barSet(b, done*100/total, step)
		}
	}
}
