package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tau-da/tau/analytics"
)

type checkOptions struct {
	warehouse string
	format    string
}

func newCheckCmd() *cobra.Command {
	o := &checkOptions{}
	c := &cobra.Command{
		Use:   "check --warehouse DIR",
		Short: "Run the data checks (SQL tests in queries/checks) on the warehouse",
		Long: `check runs every data check shipped in queries/checks against the warehouse.
A check is a SELECT that returns the rows that fail it (dbt-style); each has
a severity: an "error" check that finds rows fails the command (exit status 3),
a "warn" check is reported only.`,
		Example: `  tau check --warehouse ./wh
  tau check --warehouse ./wh --format json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return runCheck(c, o) },
	}
	warehouseFlag(c, &o.warehouse)
	c.Flags().StringVar(&o.format, "format", "table", "output format: table or json")
	return c
}

func runCheck(c *cobra.Command, o *checkOptions) error {
	if err := requireWarehouse(o.warehouse); err != nil {
		return err
	}
	if o.format != "table" && o.format != "json" {
		return &exitError{exitUsage, fmt.Errorf("check --format: %q is not table or json", o.format)}
	}
	res, err := analytics.RunChecks(c.Context(), o.warehouse)
	if err != nil {
		return err
	}
	w := c.OutOrStdout()
	errs, warns := 0, 0
	for _, r := range res {
		if r.Failed() && r.Severity == "error" {
			errs++
		} else if r.Failed() {
			warns++
		}
	}
	if o.format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		for _, r := range res {
			status := "pass"
			if r.Failed() {
				status = map[string]string{"error": "FAIL", "warn": "warn"}[r.Severity]
			}
			fmt.Fprintf(w, "%-4s  %-26s %s", status, r.Name, r.Purpose)
			if r.Failed() {
				fmt.Fprintf(w, " (%d rows)", r.Failing)
			}
			fmt.Fprintln(w)
			if r.Failed() {
				printTable(indent{w}, r.Columns, r.Sample)
			}
		}
		fmt.Fprintf(w, "%d checks: %d passed, %d warnings, %d failed\n", len(res), len(res)-errs-warns, warns, errs)
	}
	if errs > 0 {
		return &exitError{exitRejected, fmt.Errorf("check: %d error checks found failing rows; fix the extract and load it again", errs)}
	}
	return nil
}

// indent prefixes every line written with six spaces.
type indent struct {
	w interface{ Write([]byte) (int, error) }
}

func (i indent) Write(p []byte) (int, error) {
	out := make([]byte, 0, len(p)+12)
	start := true
	for _, b := range p {
		if start {
			out = append(out, "      "...)
		}
		out = append(out, b)
		start = b == '\n'
	}
	_, err := i.w.Write(out)
	return len(p), err
}
