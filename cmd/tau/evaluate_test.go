package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const dipFixture = "../../testdata/evaluate/dip_sample_2024/extract"

// TestEvaluateCLI runs the published arithmetic through the command: the
// table, the JSON contract, the exported series and the bad inputs.
func TestEvaluateCLI(t *testing.T) {
	t.Parallel()
	wh := t.TempDir()
	if out, err := run(t, "load", dipFixture, "--warehouse", wh); err != nil {
		t.Fatalf("load: %v\n%s", err, out)
	}
	published := []string{"evaluate", "--warehouse", wh, "--finalised-from", "2024-01-01", "--finalised-to", "2024-12-31",
		"--baseline", "3m", "--followup", "3m", "--projection", "growth:0.40", "--hours-per-incident", "11.5", "--hours-source", "claim-derived", "--bootstrap", "300"}
	events := filepath.Join(t.TempDir(), "events.csv")
	out, err := run(t, append(published, "--export-event-study", events)...)
	if err != nil {
		t.Fatalf("evaluate: %v\n%s", err, out)
	}
	for _, want := range []string{"evaluation of 19 plans", "total       141     197.4        23", "100%: 6", "40-<90%: 4", "hours saved: 2006 at 11.5 h per incident (claim-derived)",
		"an assumption", "difference in differences", "Maryland Scientific Methods Scale level", "written to"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	// The primary estimate leads; the unit's arithmetic follows, labelled.
	if h, u := strings.Index(out, "WHAT THE PLANS ACHIEVED"), strings.Index(out, "THE UNIT'S METHOD"); h < 0 || u < h {
		t.Errorf("the headline (at %d) must lead the unit's method (at %d):\n%s", h, u, out)
	}
	// The event study's export: a year of months before the plans, the
	// plan period, then the follow-up's months, whose plans' incidents are
	// the 23 after.
	rows := readCSV(t, events)
	if len(rows) < 2 || strings.Join(rows[0], ",") != "period,order,plans_count,plans_days,plans_per_30_days,comparisons_count,comparisons_days,comparisons_per_30_days" ||
		rows[1][0] != "-12" {
		t.Fatalf("event study export: %v", rows)
	}
	after, plan := 0.0, false
	for _, r := range rows[1:] {
		plan = plan || r[0] == "plan"
		if strings.HasPrefix(r[0], "+") {
			n, _ := strconv.ParseFloat(r[2], 64)
			after += n
		}
	}
	if !plan || after != 23 {
		t.Errorf("event study: plan period %v, %g incidents after (want 23)", plan, after)
	}
	jsonOut := filepath.Join(t.TempDir(), "eval.json")
	series := filepath.Join(t.TempDir(), "series.csv")
	if out, err := run(t, "evaluate", "--warehouse", wh, "--pmps", "PMP01,PMP02,PMP03", "--hours-per-incident", "kent-physical", "--bootstrap", "300",
		"--comparison=false", "--projection", "trend", "--format", "json", "--out", jsonOut, "--export-series", series, "--no-write"); err != nil {
		t.Fatalf("evaluate json: %v\n%s", err, out)
	}
	var rep struct {
		Headline struct {
			Available bool     `json:"available"`
			Reduction *float64 `json:"reduction"`
			Sentence  string   `json:"sentence"`
		} `json:"headline"`
		Parameters struct {
			Projection string  `json:"projection"`
			Seed       *uint64 `json:"seed"`
			Hours      float64 `json:"hours_per_incident"`
		} `json:"parameters"`
		PMPs       []map[string]any `json:"pmps"`
		Summary    map[string]any   `json:"summary"`
		Comparison any              `json:"comparison"`
		SMSLevel   int              `json:"sms_level"`
		Warnings   []string         `json:"warnings"`
	}
	b, _ := os.ReadFile(jsonOut)
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("json: %v\n%s", err, b)
	}
	// Without a comparison group there is no defensible estimate: the
	// headline says so and carries no number.
	if rep.Headline.Available || rep.Headline.Reduction != nil || !strings.Contains(rep.Headline.Sentence, "no comparison group") {
		t.Errorf("headline without a comparison: %+v", rep.Headline)
	}
	if rep.Parameters.Projection != "trend" || rep.Parameters.Seed == nil || rep.Parameters.Hours != 3.35 || len(rep.PMPs) != 3 || rep.SMSLevel != 2 || rep.Comparison != nil {
		t.Errorf("json report: %+v", rep)
	}
	rows = readCSV(t, series)
	// 3 plans x (12 baseline + 3 follow-up months) + the header.
	if len(rows) != 3*15+1 || rows[0][0] != "pmp_id" || rows[0][9] != "fitted" {
		t.Errorf("series: %d rows", len(rows))
	}
	// A report over results that were never made renders, each section
	// saying what to run instead of the report failing.
	cal := filepath.Join(t.TempDir(), "c.html")
	if _, err := run(t, "notebook", "render", "calibration", "--warehouse", wh, "--out", cal); err != nil {
		t.Errorf("calibration report without a calibration: %v", err)
	} else if b, _ := os.ReadFile(cal); !strings.Contains(string(b), "the warehouse holds no calibrations results yet. Run tau calibrate on the warehouse to see it.") {
		t.Errorf("the calibration report does not say what is missing")
	}
	bad := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"no hours", []string{"--pmps", "PMP01"}, exitUsage, "there is no default"},
		{"hours without source", []string{"--pmps", "PMP01", "--hours-per-incident", "4"}, exitUsage, "--hours-source"},
		{"open plan", []string{"--pmps", "PMP-OPEN", "--hours-per-incident", "kent-video"}, exitFailure, "has no finalised date"},
		{"window past the end", []string{"--pmps", "PMP-LATE", "--hours-per-incident", "kent-video"}, exitFailure, "past the extract's end on 2025-06-30"},
		{"empty selection", []string{"--finalised-from", "2030-01-01", "--hours-per-incident", "kent-video"}, exitFailure, "no plan to evaluate"},
		{"sample too large", []string{"--dip-sample", "25", "--hours-per-incident", "kent-video"}, exitFailure, "only 19 plans are eligible"},
		{"bad window", []string{"--baseline", "3 weeks", "--hours-per-incident", "kent-video"}, exitUsage, "such as 90d, 3m or 12m"},
		{"bad projection", []string{"--projection", "linear", "--hours-per-incident", "kent-video"}, exitUsage, "growth:G"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := run(t, append([]string{"evaluate", "--warehouse", wh, "--no-write"}, tt.args...)...)
			if code := exitCode(err); code != tt.wantCode || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("exit %d, error %v; want %d and %q", code, err, tt.wantCode, tt.want)
			}
		})
	}
}

// readCSV reads a whole CSV file.
func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

// TestLoadDateFormatHint: a day-first extract loaded as ISO fails with the
// commonest reason, sample lines, the guessed format and the flag to pass;
// loaded with that flag it succeeds; an unknown format is a usage error.
func TestLoadDateFormatHint(t *testing.T) {
	t.Parallel()
	ex := filepath.Join(t.TempDir(), "extract")
	src := "../../testdata/load/golden/extract"
	entries, _ := os.ReadDir(src)
	iso := regexp.MustCompile(`(\d{4})-(\d{2})-(\d{2})T?`)
	os.MkdirAll(ex, 0o700)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(src, e.Name()))
		if strings.HasSuffix(e.Name(), ".csv") {
			b = iso.ReplaceAllFunc(b, func(m []byte) []byte {
				g := iso.FindSubmatch(m)
				out := string(g[3]) + "/" + string(g[2]) + "/" + string(g[1])
				if bytes.HasSuffix(m, []byte("T")) {
					out += " "
				}
				return []byte(out)
			})
		}
		os.WriteFile(filepath.Join(ex, e.Name()), b, 0o600)
	}
	wh := t.TempDir()
	_, err := run(t, "load", ex, "--warehouse", wh)
	if err == nil || !strings.Contains(err.Error(), "reported_at: not a date in YYYY-MM-DD") || !strings.Contains(err.Error(), "(e.g. line 2: ") ||
		!strings.HasSuffix(err.Error(), "try --date-format DD/MM/YYYY") {
		t.Errorf("load of a day-first extract: %v", err)
	}
	if out, err := run(t, "load", ex, "--warehouse", wh, "--date-format", "DD/MM/YYYY"); err != nil {
		t.Errorf("with --date-format: %v\n%s", err, out)
	}
	if _, err := run(t, "load", ex, "--warehouse", wh, "--date-format", "dd.mm.yy"); exitCode(err) != exitUsage || !strings.Contains(err.Error(), "--date-format dd.mm.yy: is not a date format") {
		t.Errorf("unknown format: %v", err)
	}
}
