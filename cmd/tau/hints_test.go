package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tau-da/tau/analytics"
	"github.com/tau-da/tau/app/appdb"
	"github.com/tau-da/tau/calibration"
	"github.com/tau-da/tau/internal/param"
	"github.com/tau-da/tau/notebooks/nbdb"
)

// TestHints: library errors reach the user with parameters named by their
// flags and the command that would help, and keep their chain (so their
// exit status).
func TestHints(t *testing.T) {
	t.Parallel()
	usage := &exitError{exitUsage, fmt.Errorf("evaluate: %w", param.Errorf("engaged_uplift", "", "must be above 0"))}
	for _, c := range []struct {
		name      string
		err       error
		warehouse string
		want      string
	}{
		{"parameter", fmt.Errorf("evaluate: %w", param.Errorf("followup", "0m", "give a positive length")), "", "evaluate: --followup 0m: give a positive length"},
		{"parameter with its own flag", usage, "", "evaluate: --engaged-reporting-uplift: must be above 0"},
		{"no warehouse", fmt.Errorf("open warehouse /w: %w", analytics.ErrNoWarehouse), "/w", "no loaded warehouse here; run `tau load EXTRACT_DIR --warehouse /w` first"},
		{"no snapshot", fmt.Errorf("open app store: %w", appdb.ErrNoSnapshot), "", "run `tau score --warehouse DIR` first"},
		{"missing results", &nbdb.MissingResultsError{Kind: "calibrations", Err: errors.New("table calibrations_runs does not exist")}, "", "run tau calibrate on it first"},
		{"not converged", &calibration.NotConvergedError{Model: "the full model", Iterations: 100}, "", "did not converge in 100 Newton steps, so its coefficients are not the optimum (often features that nearly separate the outcomes); raise the penalty (--l2 10, say)"},
		{"read-only", fmt.Errorf("score: %w", analytics.ErrReadOnly), "/w", "tau changed nothing; to load, score or serve into it, give write permission back (chmod u+w /w)"},
		{"nothing to add", errors.New("plain"), "", "plain"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := withHints(c.err, c.warehouse)
			if !strings.Contains(got.Error(), c.want) {
				t.Errorf("got %q, want it to contain %q", got, c.want)
			}
			if !errors.Is(got, c.err) {
				t.Errorf("the hinted error lost its chain")
			}
		})
	}
	if exitCode(withHints(usage, "")) != exitUsage {
		t.Error("a hinted error lost its exit status")
	}
}
