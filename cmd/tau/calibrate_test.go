package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tau-da/tau/scoring"
)

// TestCalibrateCLI calibrates a small synthetic force: the baselines side
// by side, a proposed weights file that tau score accepts as it is, the
// model card, the exported design matrix and the bad inputs.
func TestCalibrateCLI(t *testing.T) {
	t.Parallel()
	dir, _, wh := synthForce(t, 1500, 4)
	proposed, card, feats := filepath.Join(dir, "p.toml"), filepath.Join(dir, "card.md"), filepath.Join(dir, "f.csv")
	out, err := run(t, "calibrate", "--warehouse", wh, "--every", "6m", "--bootstrap", "100", "--propose", proposed, "--model-card", card, "--export-features", feats, "--keep-caseload")
	if err != nil {
		t.Fatalf("calibrate: %v\n%s", err, out)
	}
	for _, want := range []string{"officer grade", "yes count", "current weights", "fitted model", "time-ordered", "5-fold by relationship", "odds ratio", "fairness"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	cfg, err := scoring.Load(proposed)
	if err != nil {
		t.Fatalf("the proposed weights file does not load: %v", err)
	}
	for _, c := range cfg.Clusters {
		if c.Evidence == "" {
			t.Errorf("cluster %s has no evidence beside its weight", c.ID)
		}
	}
	// The caseload, said in the output and the file; with --keep-caseload
	// the proposed file's thresholds give today's red band.
	m := regexp.MustCompile(`the weights in use give (\d+) red and (\d+) amber; these give (\d+) red`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no caseload in the output:\n%s", out)
	}
	if b, _ := os.ReadFile(proposed); !strings.Contains(string(b), "# Caseload as of 2025-12-31") || !strings.Contains(string(b), "re-derived by tau calibrate --keep-caseload") {
		t.Errorf("the proposed file does not say the caseload or its re-derived thresholds")
	}
	sout, err := run(t, "score", "--warehouse", wh, "--config", proposed, "--as-of", "2025-12-31", "--top", "3")
	if err != nil {
		t.Errorf("tau score --config proposed: %v\n%s", err, sout)
	}
	red := regexp.MustCompile(`bands: (\d+) red`).FindStringSubmatch(sout)
	if red == nil || red[1] != m[1] {
		t.Errorf("with the kept thresholds the red band is %v, today's is %s:\n%s", red, m[1], sout)
	}
	b, _ := os.ReadFile(card)
	for _, want := range []string{"# Model card", "## Outcome", "## Fairness", "## Limitations", "| fitted model |", "Offences count at an as-of date only once recorded (recorded_at, given for all "} {
		if !strings.Contains(string(b), want) {
			t.Errorf("model card lacks %q", want)
		}
	}
	f, _ := os.Open(feats)
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) < 2 || rows[0][0] != "relationship_id" || rows[0][len(rows[0])-2] != "outcome" || rows[0][len(rows[0])-1] != "weight" || rows[1][len(rows[1])-1] != "1" || rows[0][4] != "fold" {
		t.Errorf("features: %v, header %v", err, rows[0])
	}
	out, err = run(t, "calibrate", "--warehouse", wh, "--every", "6m", "--bootstrap", "100", "--format", "json", "--no-write")
	var rep map[string]any
	if err != nil || json.Unmarshal([]byte(out), &rep) != nil || rep["proposed_weights"] == nil || rep["validation"] == nil || rep["fairness"] == nil {
		t.Errorf("json: %v\n%.500s", err, out)
	}
	bad := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"horizon past the end", []string{"--to", "2025-06-30"}, exitFailure, "past the extract's end"},
		{"bad outcome", []string{"--outcome", "death"}, exitUsage, "serious_harm or revictimisation"},
		{"no positives", []string{"--min-cchi-days", "100000"}, exitFailure, "no positive outcome"},
		{"bad horizon", []string{"--horizon", "soon"}, exitUsage, "--horizon"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := run(t, append([]string{"calibrate", "--warehouse", wh, "--no-write", "--bootstrap", "100"}, tt.args...)...)
			if code := exitCode(err); code != tt.code || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("exit %d, %v; want %d and %q", code, err, tt.code, tt.want)
			}
		})
	}
}
