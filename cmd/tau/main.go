// Command tau is the command-line interface of tau, a toolkit for police
// domestic-abuse threat assessment: it loads a force's record extracts into a
// validated warehouse, checks it, scores and explains every relationship,
// evaluates problem-management plans, calibrates the score's weights,
// renders notebooks and reports, serves the assessors' app, and writes
// synthetic forces for tests and demos. It is the only package that turns
// errors into the hints a user sees (which flag or command to use).
//
// Run `tau --help` for the commands and `tau demo` for a first run on
// synthetic data.
package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/tau-da/tau/analytics"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

// toolVersion returns the build's version: the -ldflags value, else the
// module version, else "dev" and the VCS revision.
func toolVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			return v
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return "dev"
}

// goMemoryLimit is the soft limit on Go's heap (1.5 GiB).
const goMemoryLimit = 1536 << 20

// goAnalysisMemoryLimit is the soft limit for evaluate and calibrate
// (3.5 GiB): their live Go heap at national scale (every occurrence and
// relationship of the pool, or the samples) is near 2 GiB, and under the
// 1.5 GiB limit the collector would run without pause; with DuckDB's 4 GB
// the process stays under their 8 GB target.
const goAnalysisMemoryLimit = 3584 << 20

// goScoreMemoryLimit is the soft limit for score (2.5 GiB): a score run
// holds its snapshot's rows in Go until they are ranked and written, and
// with --format csv its output rows too, nationally some 1.4 GiB of live
// heap; under the 1.5 GiB limit the collector ran 97 times instead of 17
// (measured: 27.7 s against 25.0-25.5 s). The process peaked at 4 GB with
// it, under the 6 GB target.
const goScoreMemoryLimit = 2560 << 20

// useAnalysisMemoryLimit raises Go's soft memory limit for the analysis
// commands, unless GOMEMLIMIT in the environment says otherwise.
func useAnalysisMemoryLimit() { useMemoryLimit(goAnalysisMemoryLimit) }

// useMemoryLimit sets Go's soft memory limit, unless GOMEMLIMIT in the
// environment says otherwise.
func useMemoryLimit(limit int64) {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(limit)
	}
}

// goGCPercent lets the heap grow to five times the live data between
// collections (Go's default is 100: twice), bounded by goMemoryLimit.
const goGCPercent = 400

func main() {
	// Everything tau writes holds the most sensitive data a force has:
	// files are created readable by their owner only.
	syscall.Umask(0o077)
	// DuckDB keeps to its own memory limit (analytics.DefaultMemoryLimit,
	// 4 GB); a soft limit on Go's heap keeps the whole process under the
	// 6 GB target at national scale (measured: scoring 2 million
	// relationships peaked at 5.3 GB with it, 6.7 GB without; score and the
	// analysis commands raise it for what they hold). GOMEMLIMIT in the
	// environment overrides it.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(goMemoryLimit)
	}
	// With that ceiling, the collector can run less often: scoring a force
	// takes about 2.15 s at 400 against 2.4 s at Go's default of 100.
	// GOGC in the environment overrides it.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(goGCPercent)
	}
	// TAU_CPUPROFILE=FILE writes a CPU profile of the command (for
	// `go tool pprof`), as the benchmarks' figures are investigated.
	if path := os.Getenv("TAU_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			if err := pprof.StartCPUProfile(f); err == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	// TAU_MEMPROFILE=FILE writes a profile of what the command allocated
	// (`go tool pprof -sample_index=alloc_space`), sampled every
	// memProfileRate bytes.
	if path := os.Getenv("TAU_MEMPROFILE"); path != "" {
		runtime.MemProfileRate = memProfileRate
		defer writeAllocProfile(path)
	}
	ctx, stop := withSignals()
	defer stop()
	root := newRootCmd()
	if err := stopped(ctx, root, os.Args[1:], root.ExecuteContext(ctx)); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "tau: "+oneLine(err))
		os.Exit(exitStatus(err))
	}
}

// memProfileRate is how many bytes TAU_MEMPROFILE's profile samples one
// allocation in: finer than Go's 512 KiB default, so a run's small
// allocations show, at a cost too small to change what is measured.
const memProfileRate = 64 << 10

// writeAllocProfile writes the allocations profile to path (nothing, if
// it cannot be created: profiling never fails a command).
func writeAllocProfile(path string) {
	f, err := os.Create(path)
	if err != nil {
		return
	}
	defer f.Close()
	_ = pprof.Lookup("allocs").WriteTo(f, 0)
}

// exitStatus is the process's exit status for a command's error: the one
// it carries, usage for cobra's own unknown-command error, else failure.
func exitStatus(err error) int {
	var ec exitCoder
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	if strings.HasPrefix(err.Error(), "unknown command") {
		return exitUsage
	}
	return exitFailure
}

// exitCoder is an error that chooses the process's exit status.
type exitCoder interface{ ExitCode() int }

// exitError carries an exit status with an error that has been reported.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }
func (e *exitError) ExitCode() int { return e.code }

// Exit statuses.
const (
	exitFailure  = 1 // the command failed
	exitUsage    = 2 // bad flags or arguments
	exitRejected = 3 // the data was refused (too many rejects, failed checks)
	exitLocked   = 4 // another load holds the warehouse
)

func oneLine(err error) string {
	// Each line's own spacing collapsed, blank lines dropped; a message
	// of several lines (a failed load's reasons) keeps them, indented.
	var lines []string
	for _, l := range strings.Split(err.Error(), "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			lines = append(lines, strings.Join(f, " "))
		}
	}
	return strings.Join(lines, "\n  ")
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "tau",
		Short: "Domestic-abuse threat assessment: load extracts, find hidden risk, measure what plans achieved",
		Long: `tau loads a police force's domestic-abuse record extracts into a validated
warehouse (Parquet tables with a DuckDB database of views), and runs the
toolkit's analysis over it.

Start with ` + "`tau demo`" + `: it writes a synthetic force, loads it and checks it,
all in one folder. Real extracts follow the contract in the README.`,
		Example: `  # everything, end to end, on a synthetic force
  tau demo --out ./tau-demo

  # a synthetic extract, loaded and checked
  tau synth --out ./extract --relationships 20000 --seed 7
  tau load ./extract --warehouse ./wh
  tau check --warehouse ./wh`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       toolVersion(),
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		msg := err.Error()
		if near := nearestFlag(c, msg); near != "" {
			return &exitError{exitUsage, fmt.Errorf("%s: %w; did you mean --%s? see `%s --help`", c.CommandPath(), err, near, c.CommandPath())}
		}
		return &exitError{exitUsage, fmt.Errorf("%s: %w; see `%s --help`", c.CommandPath(), err, c.CommandPath())}
	})
	root.AddCommand(newSynthCmd(), newLoadCmd(), newCheckCmd(), newScoreCmd(), newExplainCmd(), newEvaluateCmd(), newCalibrateCmd(), newNotebookCmd(), newReportCmd(), newServeCmd(), newUsersCmd(), newDemoCmd(), newBenchCmd(), newBareCopyCmd(), newScoreReferenceCmd(), newBenchPagesCmd(), newQueryCmd(), newExportCmd(), newProfileCmd())
	hintAll(root)
	return root
}

// nearestFlag returns the command's flag nearest a mistyped one named in
// cobra's "unknown flag: --name" ("" when none is within two edits).
func nearestFlag(c *cobra.Command, msg string) string {
	i := strings.Index(msg, "unknown flag: --")
	if i < 0 {
		return ""
	}
	typed := strings.Fields(msg[i+len("unknown flag: --"):])[0]
	best, bestD := "", 3
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if d := editDistance(typed, f.Name); d < bestD {
			best, bestD = f.Name, d
		}
	})
	return best
}

// editDistance is the Levenshtein distance between two names.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// warehouseFlag adds --warehouse, defaulting to $TAU_WAREHOUSE.
func warehouseFlag(c *cobra.Command, dst *string) {
	c.Flags().StringVar(dst, "warehouse", os.Getenv("TAU_WAREHOUSE"), "warehouse folder (default $TAU_WAREHOUSE)")
}

func requireWarehouse(dir string) error {
	if dir == "" {
		return &exitError{exitUsage, analytics.ErrNoFolder}
	}
	return nil
}
