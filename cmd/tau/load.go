package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tau-da/tau/analytics/load"
	"github.com/tau-da/tau/extract/profile"
	"github.com/tau-da/tau/internal/period"

	"github.com/spf13/cobra"

	"github.com/tau-da/tau/analytics"
)

type loadOptions struct {
	warehouse     string
	maxRejectRate float64
	extractDate   string
	keyFile       string
	memoryLimit   string
	threads       int
	showRejects   int
	dateFormat    string
	allowEmpty    bool
	profile       string
}

func newLoadCmd() *cobra.Command {
	o := &loadOptions{}
	c := &cobra.Command{
		Use:   "load EXTRACT_DIR --warehouse DIR",
		Short: "Validate an extract and load it into the warehouse",
		Long: `load validates every row of an extract (types, enumerations, required
fields, dates, references between files, duplicate ids) and loads it into the
warehouse as Parquet tables with a DuckDB database of views.

Nothing is lost: every rejected row is kept in the rejects table with its
file, line, column and reason, and per file rows read = loaded + rejected +
identical duplicates dropped. If a file's reject rate is over
--max-reject-rate, or a file or column is missing, the load fails and the
previous warehouse is left exactly as it was; a successful load replaces it
atomically. A second load on the same warehouse while one runs is refused.`,
		Example: `  tau load ./extract --warehouse ./wh
  TAU_WAREHOUSE=./wh tau load ./extract --max-reject-rate 0.05
  tau load ./extract --warehouse ./wh --pseudonymise-key ./secret.key
  tau load ./extract --warehouse ./wh --extract-date 2025-03-31
  tau load ./uk-export --warehouse ./wh --date-format DD/MM/YYYY
  tau load ./force-export --warehouse ./wh --profile ./force.toml`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return &exitError{exitUsage, errors.New("load: give one extract folder, as in `tau load ./extract --warehouse ./wh`")}
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error { return runLoad(c, o, args[0]) },
	}
	warehouseFlag(c, &o.warehouse)
	c.Flags().Float64Var(&o.maxRejectRate, "max-reject-rate", load.DefaultMaxRejectRate, "largest share of a file's rows that may be rejected (0.01 = 1%)")
	c.Flags().StringVar(&o.extractDate, "extract-date", "", "when the extract was taken; no date may be later (default: extract.json, else today)")
	c.Flags().StringVar(&o.keyFile, "pseudonymise-key", "", "file holding a secret key: ids are replaced by HMAC-SHA256(key, id)")
	c.Flags().StringVar(&o.memoryLimit, "memory-limit", analytics.DefaultMemoryLimit, "DuckDB memory limit; beyond it DuckDB spills to disk")
	c.Flags().IntVar(&o.threads, "threads", 0, "DuckDB threads (default: all cores)")
	c.Flags().IntVar(&o.showRejects, "show-rejects", 10, "how many rejected rows to print")
	c.Flags().BoolVar(&o.allowEmpty, "allow-empty", false, "accept a required file with a header and no rows")
	c.Flags().StringVar(&o.profile, "profile", "", "a mapping profile (TOML) of the force's file names, columns, codes and date format onto the contract (draft one with tau profile init)")
	c.Flags().StringVar(&o.dateFormat, "date-format", "", "the extract's dates: YYYY-MM-DD, DD/MM/YYYY, MM/DD/YYYY or excel (serial numbers); optional times (default: extract.json date_format, else YYYY-MM-DD)")
	return c
}

func runLoad(c *cobra.Command, o *loadOptions, extractDir string) error {
	if err := requireWarehouse(o.warehouse); err != nil {
		return err
	}
	opt := load.LoadOptions{ExtractDir: extractDir, Warehouse: o.warehouse, MaxRejectRate: o.maxRejectRate,
		MemoryLimit: o.memoryLimit, Threads: o.threads, ToolVersion: toolVersion(), DateFormat: o.dateFormat, AllowEmpty: o.allowEmpty}
	if _, err := load.ParseDateFormat(o.dateFormat); err != nil {
		return &exitError{exitUsage, fmt.Errorf("load: %w", err)}
	}
	if o.profile != "" {
		// The export rewritten onto the contract, row for row, in an
		// owner-only folder removed after the load.
		p, err := profile.Read(o.profile)
		if err != nil {
			return &exitError{exitUsage, fmt.Errorf("load --profile: %w", err)}
		}
		tmp, err := os.MkdirTemp("", "tau-profile-")
		if err != nil {
			return fmt.Errorf("load: %w", err)
		}
		defer os.RemoveAll(tmp)
		if _, err := p.Apply(extractDir, tmp); err != nil {
			return fmt.Errorf("load %s: %w", extractDir, err)
		}
		opt.ExtractDir, opt.Source = tmp, extractDir
		if opt.DateFormat == "" {
			opt.DateFormat = p.DateFormat
		}
	}
	if o.maxRejectRate < 0 || o.maxRejectRate > 1 {
		return &exitError{exitUsage, fmt.Errorf("load --max-reject-rate: %v is not a share between 0 and 1 (0.01 = 1%%)", o.maxRejectRate)}
	}
	if o.extractDate != "" {
		t, err := period.ParseDate(o.extractDate)
		if err != nil {
			return &exitError{exitUsage, fmt.Errorf("load --extract-date: %w", err)}
		}
		opt.ExtractDate = t.Add(24*time.Hour - time.Second)
	}
	if o.keyFile != "" {
		key, err := os.ReadFile(o.keyFile)
		if err != nil {
			return &exitError{exitUsage, fmt.Errorf("load --pseudonymise-key: %w", err)}
		}
		key = []byte(strings.TrimSpace(string(key)))
		if len(key) < 16 {
			return &exitError{exitUsage, fmt.Errorf("load --pseudonymise-key %s: the key has %d bytes; use at least 16 random bytes (e.g. `head -c 32 /dev/urandom | base64 > key`)", o.keyFile, len(key))}
		}
		opt.PseudonymiseKey = key
	}
	bar := newBar(100, "load")
	opt.Progress = barProgress(bar)
	m, err := load.Load(c.Context(), opt)
	barDone(bar)
	w := c.OutOrStdout()
	var rr *load.RejectRateError
	switch {
	case errors.As(err, &rr):
		printLoadSummary(w, rr.Manifest)
		return &exitError{exitRejected, err}
	case errors.Is(err, analytics.ErrLocked):
		return &exitError{exitLocked, err}
	case err != nil:
		return err
	}
	printLoadSummary(w, m)
	fmt.Fprintf(w, "warehouse %s is now generation %s\n", o.warehouse, m.Generation)
	if o.showRejects > 0 && totalRejected(m) > 0 {
		cols, rows, err := analytics.Rejects(c.Context(), o.warehouse, o.showRejects)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "\nfirst rejected rows (all of them are in the rejects table):\n")
		printTable(w, cols, rows)
	}
	return nil
}

func totalRejected(m *analytics.Manifest) int64 {
	var n int64
	for _, f := range m.Files {
		n += f.Rejected + f.Duplicates
	}
	return n
}

func printLoadSummary(w io.Writer, m *analytics.Manifest) {
	if m == nil {
		return
	}
	fmt.Fprintf(w, "load %s (extract date %s) in %.1fs\n", m.ExtractDir, m.ExtractDate.Format("2006-01-02"), m.Seconds)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "file\tread\tloaded\trejected\tduplicates\treconciles\t")
	for _, f := range m.Files {
		if f.Path == "" {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\tabsent (optional)\t\n", f.Name)
			continue
		}
		ok := "yes"
		if !f.Reconciles() {
			ok = "NO"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t\n", f.Name, f.Read, f.Loaded, f.Rejected, f.Duplicates, ok)
	}
	tw.Flush()
	if m.Relationships > 0 {
		fmt.Fprintf(w, "%d relationships", m.Relationships)
		if m.Pseudonymised {
			fmt.Fprintf(w, "; ids pseudonymised with key %s", m.KeyFingerprint)
		}
		fmt.Fprintln(w)
	}
}

func printTable(w io.Writer, cols []string, rows [][]string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(cols, "\t"))
	for _, r := range rows {
		for i := range r {
			if len(r[i]) > 90 {
				r[i] = r[i][:87] + "..."
			}
		}
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
}
