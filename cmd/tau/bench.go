package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tau-da/tau/analytics/load"
	"github.com/tau-da/tau/app"
	"github.com/tau-da/tau/app/appbench"
	"github.com/tau-da/tau/internal/duckdb"
	"github.com/tau-da/tau/scoring/scoredb"
	"github.com/tau-da/tau/synth"
)

type benchOptions struct {
	scale string
	dir   string
	keep  bool
	seed  uint64
	json  bool
	// pairs is how many alternated pairs of each ratio's reference and
	// step to measure (1: the run's own steps only).
	pairs int
}

// benchStep is one measured step, run as a child process so its peak
// memory (DuckDB's included) is its own.
type benchStep struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
	PeakMB  float64 `json:"peak_rss_mb"`
	// UserSeconds and SystemSeconds are the step's CPU time (its own and
	// DuckDB's threads): on a shared machine whose speed moves, a ratio
	// of CPU times is a second view of a ratio of wall times.
	UserSeconds   float64 `json:"user_seconds"`
	SystemSeconds float64 `json:"system_seconds"`
	Rows          int64   `json:"rows,omitempty"`
	RowsPS        float64 `json:"rows_per_second,omitempty"`
}

// cpuSeconds is the step's user and system time together.
func (s benchStep) cpuSeconds() float64 { return s.UserSeconds + s.SystemSeconds }

// benchReport is what tau bench prints and can write as JSON.
type benchReport struct {
	Scale         string      `json:"scale"`
	Relationships int         `json:"relationships"`
	Machine       string      `json:"machine"`
	When          time.Time   `json:"when"`
	Steps         []benchStep `json:"steps"`
	LoadOverBare  float64     `json:"load_over_bare_copy"`
	// ScoreOverReference compares scoring with the least work any sticky
	// computation must do: a bare group-by counting answers per
	// relationship and item.
	ScoreOverReference float64 `json:"score_over_reference"`
	// LoadOverBareCPU and ScoreOverReferenceCPU are the same ratios in
	// CPU time (user and system), not the targets' measure.
	LoadOverBareCPU       float64 `json:"load_over_bare_copy_cpu"`
	ScoreOverReferenceCPU float64 `json:"score_over_reference_cpu"`
	// Pages are the app's pages timed over HTTP at this scale.
	Pages []appbench.Timing `json:"pages"`
	// ChangesAtStartMS is how long the app took, when it started, to
	// compare the latest two snapshots in the background (what changed).
	ChangesAtStartMS float64 `json:"changes_at_start_ms"`
	// LoadPairs and ScorePairs are the two ratios over alternated pairs
	// (with --pairs above 1; the first pair is the run's own steps), and
	// PairSteps the steps of the pairs after the first.
	LoadPairs  ratioPairs  `json:"load_pairs"`
	ScorePairs ratioPairs  `json:"score_pairs"`
	PairSteps  []benchStep `json:"pair_steps,omitempty"`
	// BulkPath is how this build moves bulk data between DuckDB and Go:
	// "arrow" (built with -tags duckdb_arrow) or "database/sql".
	BulkPath string `json:"bulk_path"`
}

func newBenchCmd() *cobra.Command {
	o := &benchOptions{}
	c := &cobra.Command{
		Use:   "bench [--scale force|national|N]",
		Short: "Measure every step (load, score, evaluate, calibrate, the app's pages) with its time and peak memory",
		Long: `bench writes a synthetic extract, loads it, and measures in the same run a
bare DuckDB copy of the same CSV files into Parquet (no validation): the floor
for any loader. Each step runs as a child process so its peak memory is its
own. Scales: force (20,000 relationships), national (2,000,000 relationships,
about 121 million answers and 4 GB of CSV), or a number.

It then scores the loaded warehouse and measures, as its reference, a bare
group-by counting answers per relationship and item (answers joined to
assessments): the least work any sticky computation must do. Last it
evaluates every finalised plan with the comparison group, a dip sample of
19, calibrates, scores a quarter earlier, and times the app's pages over HTTP
as a signed-in assessor (the ranked list, the red band, a relationship page
and its pack, the hidden threats, what changed, the plans board, the
download), each step with its peak memory.

Targets on a 2-core, 24 GB machine: force load under 5 s; national load under
2 minutes, within 1.5 times the bare copy, peak memory under 6 GB; force
scoring under 2 s; national scoring under 60 s, within 2 times the reference,
peak memory under 6 GB; national evaluation under 3 minutes and 8 GB, a
dip sample under 10 seconds; national calibration under 10 minutes and 8 GB;
every app page under 200 ms at national scale.

With --pairs N, the bare copy and the load, then the score reference and the
score, are measured N times each, alternated, after the other steps: each
ratio is given pair by pair and as their median, since a machine whose speed
moves from minute to minute can put one pair either side of its target.`,
		Example: `  tau bench
  tau bench --scale national --dir /var/tmp/tau-bench
  tau bench --scale 200000 --json
  tau bench --scale national --pairs 3`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return runBench(c, o) },
	}
	c.Flags().StringVar(&o.scale, "scale", "force", "force, national or a number of relationships")
	c.Flags().StringVar(&o.dir, "dir", "", "working folder (default: a temporary folder, removed afterwards)")
	c.Flags().BoolVar(&o.keep, "keep", false, "keep the working folder")
	c.Flags().Uint64Var(&o.seed, "seed", 1, "random seed of the synthetic extract")
	c.Flags().BoolVar(&o.json, "json", false, "print the report as JSON")
	c.Flags().IntVar(&o.pairs, "pairs", 1, "alternated pairs of the bare copy and the load, and of the score reference and the score, to measure each ratio over (the report gives every pair's ratio and their median)")
	return c
}

func runBench(c *cobra.Command, o *benchOptions) error {
	n, err := benchScale(o)
	if err != nil {
		return err
	}
	dir := o.dir
	if dir == "" {
		d, err := os.MkdirTemp("", "tau-bench-")
		if err != nil {
			return err
		}
		dir = d
	}
	if !o.keep {
		defer os.RemoveAll(dir)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	extractDir, wh, bare := filepath.Join(dir, "extract"), filepath.Join(dir, "warehouse"), filepath.Join(dir, "bare")
	os.RemoveAll(wh)
	os.RemoveAll(bare)
	rep := benchReport{Scale: o.scale, Relationships: n, Machine: machine(), When: time.Now().UTC(), BulkPath: duckdb.BulkPath}
	w := c.OutOrStdout()
	for _, s := range benchSteps(n, o.seed, extractDir, wh, bare) {
		st, out, err := runStep(c, self, o.json, s)
		if err != nil {
			return err
		}
		rep.Steps = append(rep.Steps, st)
		if s.args[0] == "bench-pages" {
			if rep.Pages, rep.ChangesAtStartMS, err = pageTimes(out); err != nil {
				return fmt.Errorf("bench %s: %w\n%s", s.name, err, out)
			}
		}
	}
	rep.ratios(wh)
	if o.pairs > 1 {
		if err := runPairs(c, self, o, n, extractDir, wh, dir, &rep); err != nil {
			return err
		}
	}
	if o.json {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printBench(w, rep)
	return nil
}

// benchScale is the number of relationships --scale asks for.
func benchScale(o *benchOptions) (int, error) {
	n := 0
	switch o.scale {
	case "force":
		n = synth.DefaultRelationships
	case "national":
		n = synth.NationalRelationships
	default:
		v, err := strconv.Atoi(o.scale)
		if err != nil || v < 1 {
			return 0, &exitError{exitUsage, fmt.Errorf("bench --scale: %q is not force, national or a positive number", o.scale)}
		}
		n = v
	}
	if o.pairs < 1 {
		return 0, &exitError{exitUsage, fmt.Errorf("bench --pairs: %d is not a positive number", o.pairs)}
	}
	return n, nil
}

// benchStepCmd is one step of the run: its name and tau's arguments.
type benchStepCmd struct {
	name string
	args []string
}

// Where benchSteps puts the steps the ratios compare.
const (
	stepBare = 1 + iota
	stepLoad
	stepScoreReference
	stepScore
)

// benchSteps is the run's steps in order: each ratio's reference just
// before its step (stepBare to stepScore), then the rest.
func benchSteps(n int, seed uint64, extractDir, wh, bare string) []benchStepCmd {
	return []benchStepCmd{
		{"synth", []string{"synth", "--out", extractDir, "--relationships", strconv.Itoa(n), "--seed", strconv.FormatUint(seed, 10)}},
		{"bare copy (reference)", []string{"bare-copy", extractDir, bare}},
		{"load", []string{"load", extractDir, "--warehouse", wh, "--show-rejects", "0"}},
		{"score reference", []string{"score-reference", "--warehouse", wh}},
		{"score", scoreArgs(wh, "2025-12-31")},
		{"evaluate every finalised plan", []string{"evaluate", "--warehouse", wh, "--pmps", "finalised", "--hours-per-incident", "kent-physical", "--no-write", "--format", "json", "--out", os.DevNull}},
		{"evaluate a dip sample of 19", []string{"evaluate", "--warehouse", wh, "--dip-sample", "19", "--hours-per-incident", "kent-physical", "--no-write", "--format", "json", "--out", os.DevNull}},
		{"calibrate", []string{"calibrate", "--warehouse", wh, "--no-write", "--format", "json", "--out", os.DevNull}},
		{"score a quarter earlier (for what changed)", scoreArgs(wh, "2025-09-30")},
		{"app pages", []string{"bench-pages", "--warehouse", wh}},
	}
}

// ratios fills in the rows the load read (from the warehouse's manifest)
// and the run's two ratios, in wall and CPU time.
func (rep *benchReport) ratios(wh string) {
	bare, ld := &rep.Steps[stepBare], &rep.Steps[stepLoad]
	ref, score := rep.Steps[stepScoreReference], rep.Steps[stepScore]
	if m, err := readManifest(wh); err == nil {
		var rows int64
		for _, f := range m.Files {
			rows += f.Read
		}
		ld.Rows, ld.RowsPS = rows, float64(rows)/ld.Seconds
		bare.Rows, bare.RowsPS = rows, float64(rows)/bare.Seconds
	}
	rep.LoadOverBare = ld.Seconds / bare.Seconds
	rep.ScoreOverReference = score.Seconds / ref.Seconds
	rep.LoadOverBareCPU = ld.cpuSeconds() / bare.cpuSeconds()
	rep.ScoreOverReferenceCPU = score.cpuSeconds() / ref.cpuSeconds()
	rep.LoadPairs = pairRatios([]benchStep{*bare}, []benchStep{*ld})
	rep.ScorePairs = pairRatios([]benchStep{ref}, []benchStep{score})
}

// printBench writes the report as text: the steps, the pages, the ratios.
func printBench(w io.Writer, rep benchReport) {
	fmt.Fprintf(w, "\n%d relationships on %s; bulk data through %s\n", rep.Relationships, rep.Machine, rep.BulkPath)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "step\tseconds\tCPU s (user + system)\trows/s\tpeak MB\t")
	for _, s := range rep.Steps {
		rps := "-"
		if s.RowsPS > 0 {
			rps = fmt.Sprintf("%.0f", s.RowsPS)
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f + %.1f\t%s\t%.0f\t\n", s.Name, s.Seconds, s.UserSeconds, s.SystemSeconds, rps, s.PeakMB)
	}
	tw.Flush()
	fmt.Fprintln(w, "\napp pages over HTTP, signed in (first fetch, then the median and slowest of 5):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "page\tfirst ms\tmedian ms\tmax ms\t")
	for _, p := range rep.Pages {
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.0f\t\n", p.Page, p.FirstMS, p.MedianMS, p.MaxMS)
	}
	tw.Flush()
	fmt.Fprintf(w, "what changed, compared in the background as the app starts: %.1f s\n", rep.ChangesAtStartMS/1000)
	for _, s := range rep.PairSteps {
		fmt.Fprintf(w, "%s: %.1f s, CPU %.1f + %.1f s, peak %.0f MB\n", s.Name, s.Seconds, s.UserSeconds, s.SystemSeconds, s.PeakMB)
	}
	fmt.Fprintf(w, "load / bare copy = %.2f (in CPU time %.2f)\n", rep.LoadOverBare, rep.LoadOverBareCPU)
	printPairs(w, "load / bare copy", rep.LoadPairs)
	fmt.Fprintf(w, "score / score reference = %.2f (in CPU time %.2f)\n", rep.ScoreOverReference, rep.ScoreOverReferenceCPU)
	printPairs(w, "score / score reference", rep.ScorePairs)
	if rep.BulkPath != "arrow" {
		fmt.Fprintln(w, "(built without -tags duckdb_arrow: scoring moves its evidence and snapshot row by row; for national figures build with go build -tags duckdb_arrow -o tau ./cmd/tau)")
	}
}

// scoreArgs is the score step's command: the ranked list as of a date,
// written as CSV to nowhere (the snapshot is still written).
func scoreArgs(wh, asOf string) []string {
	return []string{"score", "--warehouse", wh, "--as-of", asOf, "--format", "csv", "--out", os.DevNull}
}

// pageReport is what bench-pages prints: the time the app took to compare
// the latest snapshots as it started, then each page's times.
type pageReport struct {
	ChangesAtStartMS float64           `json:"changes_at_start_ms"`
	Pages            []appbench.Timing `json:"pages"`
}

// pageTimes reads bench-pages' JSON, its output's last line.
func pageTimes(out string) ([]appbench.Timing, float64, error) {
	lines := bytes.Split(bytes.TrimSpace([]byte(out)), []byte("\n"))
	var r pageReport
	if err := json.Unmarshal(lines[len(lines)-1], &r); err != nil {
		return nil, 0, fmt.Errorf("read the page times: %w", err)
	}
	return r.Pages, r.ChangesAtStartMS, nil
}

// runStep runs one step as a child, saying so first unless the report is
// JSON, and names its measures after it.
func runStep(c *cobra.Command, self string, quiet bool, s benchStepCmd) (benchStep, string, error) {
	if !quiet {
		fmt.Fprintf(c.OutOrStdout(), "running %s...\n", s.name)
	}
	st, out, err := runChild(c, self, s.args)
	if err != nil {
		return st, out, fmt.Errorf("bench %s: %w\n%s", s.name, err, out)
	}
	st.Name = s.name
	return st, out, nil
}

// runChild runs tau with args and measures wall time, CPU time and peak
// RSS.
func runChild(c *cobra.Command, self string, args []string) (benchStep, string, error) {
	cmd := exec.CommandContext(c.Context(), self, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	st := benchStep{Seconds: time.Since(start).Seconds()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		st.PeakMB = float64(ru.Maxrss) / 1024 // Linux reports kilobytes
		st.UserSeconds = time.Duration(ru.Utime.Nano()).Seconds()
		st.SystemSeconds = time.Duration(ru.Stime.Nano()).Seconds()
	}
	return st, out.String(), err
}

func machine() string {
	model := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range bytes.Split(b, []byte("\n")) {
			if bytes.HasPrefix(line, []byte("model name")) {
				if i := bytes.IndexByte(line, ':'); i > 0 {
					model = string(bytes.TrimSpace(line[i+1:]))
				}
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		fmt.Sscanf(string(b), "MemTotal: %d kB", &kb)
		mem = fmt.Sprintf(", %.0f GB", float64(kb)/1024/1024)
	}
	return fmt.Sprintf("%d cores (%s)%s, %s/%s", runtime.NumCPU(), model, mem, runtime.GOOS, runtime.GOARCH)
}

func newScoreReferenceCmd() *cobra.Command {
	var wh string
	c := &cobra.Command{
		Use:    "score-reference --warehouse DIR",
		Short:  "Count answers per relationship and item (the scoring benchmark's reference)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			sess, err := openSession(c.Context(), wh)
			if err != nil {
				return err
			}
			defer sess.Close()
			n, err := scoredb.ScoreReference(c.Context(), sess)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "%d relationship-item groups\n", n)
			return nil
		},
	}
	warehouseFlag(c, &wh)
	return c
}

func newBareCopyCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "bare-copy EXTRACT_DIR OUT_DIR",
		Short:  "Copy an extract's CSV files to Parquet with no validation (benchmark reference)",
		Hidden: true,
		Args:   cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			n, err := load.BareCopy(c.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "copied %d rows\n", n)
			return nil
		},
	}
}

func newBenchPagesCmd() *cobra.Command {
	var wh string
	var n int
	c := &cobra.Command{
		Use:    "bench-pages --warehouse DIR",
		Short:  "Time the app's pages over HTTP as a signed-in assessor (tau bench's pages step)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			store, err := openAppStore(c.Context(), wh, "")
			if err != nil {
				return err
			}
			defer store.Close()
			// As tau serve does: what changed is compared as the app
			// starts; the pages are timed once it is ready.
			start := time.Now()
			store.KeepWarm(c.Context())
			store.WaitWarm()
			warm := time.Since(start)
			l, err := store.List(c.Context(), app.Filter{Limit: 1})
			if err != nil || len(l.Rows) == 0 {
				return fmt.Errorf("bench pages: the top of the list: %v", err)
			}
			site, err := appbench.Serve(store)
			if err != nil {
				return err
			}
			defer site.Close()
			times, err := site.Time(c.Context(), appbench.Pages(l.Rows[0].RelationshipID), n)
			if err != nil {
				return err
			}
			return json.NewEncoder(c.OutOrStdout()).Encode(pageReport{ChangesAtStartMS: float64(warm.Microseconds()) / 1000, Pages: times})
		},
	}
	warehouseFlag(c, &wh)
	c.Flags().IntVar(&n, "n", 5, "timed fetches of each page after the first")
	return c
}
