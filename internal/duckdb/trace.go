package duckdb

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// Tracing reports whether statements are traced: TAU_TRACE set to anything
// prints each traced statement's wall and CPU time to standard error
// (TAU_TRACE=full prints whole statements).
var Tracing = os.Getenv("TAU_TRACE") != ""

// traceWidth is how much of a statement a trace line shows, unless
// TAU_TRACE=full.
const traceWidth = 100

// Trace starts timing a step; the function it returns prints the step's
// wall and CPU time when tracing (and does nothing otherwise). CPU time is
// the whole process's, DuckDB's threads included.
func Trace(what string) func() {
	if !Tracing {
		return func() {}
	}
	start, cpu := time.Now(), ProcessCPU()
	return func() {
		s := strings.Join(strings.Fields(what), " ")
		if os.Getenv("TAU_TRACE") != "full" {
			s = s[:min(traceWidth, len(s))]
		}
		fmt.Fprintf(os.Stderr, "trace %6.0fms cpu %6.0fms %s\n", time.Since(start).Seconds()*1000, (ProcessCPU()-cpu)*1000, s)
	}
}

// Tracef prints one trace line with the time since start, when tracing.
func Tracef(start time.Time, format string, args ...any) {
	if Tracing {
		fmt.Fprintf(os.Stderr, "trace %6.0fms %s\n", time.Since(start).Seconds()*1000, fmt.Sprintf(format, args...))
	}
}
