package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tau-da/tau/internal/duckdb"
	"github.com/xuri/excelize/v2"
)

// TestNotebookSandbox: a notebook's SQL reads the warehouse and nothing
// else. Each cell below tries to read a file outside it, write a file,
// attach a database, install or load an extension, change a setting or run
// two statements; each fails with the notebook's file, the cell's line and
// name, and no file is written anywhere (the warehouse's files, its audit
// log and the folder around it are as they were).
func TestNotebookSandbox(t *testing.T) {
	t.Parallel()
	wh, _, _ := appFixture(t)
	outside := filepath.Join(t.TempDir(), "secret.txt")
	os.WriteFile(outside, []byte("pseudonymisation key\n"), 0o600)
	forged := filepath.Join(wh, "results", "forged.csv")
	current, _ := filepath.EvalSymlinks(filepath.Join(wh, "current"))
	persons := filepath.Join(current, "tables", "persons.parquet")
	before := snapshotFiles(t, filepath.Dir(wh))
	cases := []struct{ name, sql, want string }{
		{"read_text outside", "SELECT * FROM read_text('" + outside + "')", "disabled by configuration"},
		{"read_csv outside", "SELECT * FROM read_csv('/etc/passwd')", "disabled by configuration"},
		{"audit log", "SELECT * FROM read_text('" + filepath.Join(wh, "audit", "audit.log") + "')", "disabled by configuration"},
		{"copy into the results", "COPY (SELECT 1) TO '" + forged + "'", "only one SELECT statement"},
		{"select then copy", "SELECT 1; COPY (SELECT 1 AS x) TO '" + persons + "' (FORMAT parquet)", "only one SELECT statement"},
		{"two selects", "SELECT 1; SELECT 2", "2 statements in one"},
		{"attach", "ATTACH '" + filepath.Join(current, "tau.duckdb") + "' AS t", "only one SELECT statement"},
		{"install", "INSTALL httpfs", "only one SELECT statement"},
		{"load", "LOAD httpfs", "only one SELECT statement"},
		{"set", "SET enable_external_access = true", "only one SELECT statement"},
		{"query function", "SELECT * FROM query('COPY (SELECT 1) TO ''" + forged + "''')", "single SELECT"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			nb := filepath.Join(dir, "attack.md")
			os.WriteFile(nb, []byte("+++\ntitle = \"attack\"\n+++\n\nSome prose.\n\n```sql attempt\n"+c.sql+"\n```\n"), 0o600)
			out := filepath.Join(dir, "out.html")
			_, err := run(t, "notebook", "render", nb, "--warehouse", wh, "--out", out)
			if err == nil {
				t.Fatalf("the cell ran")
			}
			msg := err.Error()
			if !strings.Contains(msg, nb+":7") || !strings.Contains(msg, "attempt") || !strings.Contains(msg, c.want) {
				t.Errorf("error %q should name %s:7, the cell and %q", msg, nb, c.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("a failed render wrote its output")
			}
		})
	}
	t.Cleanup(func() {
		if after := snapshotFiles(t, filepath.Dir(wh)); after != before {
			t.Errorf("files changed around the warehouse:\nbefore %s\nafter  %s", before, after)
		}
	})
}

// snapshotFiles lists every file under dir with its size and time, except
// the audit log's lines and the DuckDB spill folder, which other tests'
// sessions may touch.
func snapshotFiles(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() || strings.Contains(p, "/spill/") {
			return nil
		}
		b.WriteString(p + " " + fi.ModTime().Format(time.RFC3339Nano) + "\n")
		return nil
	})
	return b.String()
}

// TestReportsWithoutResults: on a warehouse scored once, with plans but
// no evaluation or calibration run, the leadership set renders, and each
// section over the missing results says what to run instead.
func TestReportsWithoutResults(t *testing.T) {
	t.Parallel()
	wh, _, _ := appFixture(t)
	out := t.TempDir()
	if msg, err := run(t, "report", "--warehouse", wh, "--out", out); err != nil {
		t.Fatalf("report: %v\n%s", err, msg)
	}
	for name, want := range map[string]string{
		"impact.html":      "the warehouse holds no evaluations results yet. Run tau evaluate on the warehouse to see it.",
		"dip_review.html":  "the warehouse holds no evaluations results yet.",
		"threat_list.html": "in the red band",
	} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil || !strings.Contains(string(b), want) {
			t.Errorf("%s (%v) lacks %q", name, err, want)
		}
	}
}

// TestQueryCLI: tau query prints a SELECT's result as a table, CSV or
// JSON and writes Parquet with its types; it refuses file access outside
// the warehouse, anything but one SELECT, and an unknown format.
func TestQueryCLI(t *testing.T) {
	t.Parallel()
	wh, _, _ := appFixture(t)
	q := "SELECT person_id, birth_year FROM persons ORDER BY person_id LIMIT 2"
	out, err := run(t, "query", q, "--warehouse", wh)
	if err != nil || !strings.Contains(out, "person_id  birth_year") || !strings.Contains(out, "(2 rows)") {
		t.Errorf("table: %v\n%s", err, out)
	}
	csvOut := filepath.Join(t.TempDir(), "p.csv")
	if _, err := run(t, "query", q, "--warehouse", wh, "--format", "csv", "--out", csvOut); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(csvOut); !strings.HasPrefix(string(b), "person_id,birth_year\n") || strings.Count(string(b), "\n") != 3 {
		t.Errorf("csv:\n%s", b)
	}
	out, err = run(t, "query", q, "--warehouse", wh, "--format", "json")
	if err != nil || !strings.Contains(out, `"person_id": "`) {
		t.Errorf("json: %v\n%s", err, out)
	}
	pq := filepath.Join(t.TempDir(), "p.parquet")
	if _, err := run(t, "query", "SELECT person_id, birth_year, 1.5 AS x, DATE '2024-01-02' AS d FROM persons", "--warehouse", wh, "--format", "parquet", "--out", pq); err != nil {
		t.Fatal(err)
	}
	db, err := duckdb.Open(duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	var types string
	if err := db.QueryRow("SELECT count(*), (SELECT string_agg(column_type, ',') FROM (DESCRIBE SELECT * FROM read_parquet(?))) FROM read_parquet(?)", pq, pq).Scan(&n, &types); err != nil || n < 2 ||
		types != "VARCHAR,INTEGER,DOUBLE,TIMESTAMP" {
		t.Errorf("parquet: %d rows, types %s: %v", n, types, err)
	}
	for _, bad := range []struct{ sql, want string }{
		{"SELECT * FROM read_text('/etc/passwd')", "disabled by configuration"},
		{"COPY persons TO '" + filepath.Join(wh, "results", "x.csv") + "'", "only one SELECT statement"},
		{"SELECT 1; SELECT 2", "2 statements in one"},
	} {
		if _, err := run(t, "query", bad.sql, "--warehouse", wh); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: %v", bad.sql, err)
		}
	}
	if _, err := run(t, "query", q, "--warehouse", wh, "--format", "xml"); exitCode(err) != exitUsage {
		t.Errorf("unknown format: %v", err)
	}
}

// TestExportCLI: tables export as CSV, Parquet and Excel; the Excel file
// reads back with its header, its rows and its dates; an unknown table is
// a usage error naming the ones there are.
func TestExportCLI(t *testing.T) {
	t.Parallel()
	wh, _, _ := appFixture(t)
	out := t.TempDir()
	if msg, err := run(t, "export", "persons", "occurrences", "--warehouse", wh, "--format", "xlsx", "--out", out); err != nil {
		t.Fatalf("export: %v\n%s", err, msg)
	}
	f, err := excelize.OpenFile(filepath.Join(out, "occurrences.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("occurrences")
	if err != nil || len(rows) < 2 || !slices.Contains(rows[0], "occurrence_id") {
		t.Fatalf("occurrences.xlsx: %v %v", err, rows)
	}
	want, _ := run(t, "query", "SELECT count(*) AS n FROM occurrences", "--warehouse", wh, "--format", "csv")
	if got := fmt.Sprintf("n\n%d\n", len(rows)-1); got != want {
		t.Errorf("%d rows in the sheet; the warehouse says %q", len(rows)-1, want)
	}
	col := slices.Index(rows[0], "reported_at")
	if col < 0 || !regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$`).MatchString(rows[1][col]) {
		t.Errorf("reported_at is not a date cell: %q", rows[1])
	}
	for _, format := range []string{"csv", "parquet"} {
		if _, err := run(t, "export", "persons", "--warehouse", wh, "--format", format, "--out", out); err != nil {
			t.Errorf("%s: %v", format, err)
		}
		if fi, err := os.Stat(filepath.Join(out, "persons."+format)); err != nil || fi.Size() == 0 {
			t.Errorf("persons.%s: %v", format, err)
		}
	}
	if _, err := run(t, "export", "secrets", "--warehouse", wh, "--out", out); exitCode(err) != exitUsage || !strings.Contains(err.Error(), "it has: ") {
		t.Errorf("unknown table: %v", err)
	}
}

// TestProfileCLI: tau profile init drafts a profile of the invented
// Northshire export (and will not overwrite a file); the export loads
// through its finished profile and scores.
func TestProfileCLI(t *testing.T) {
	t.Parallel()
	export := "../../testdata/profile/northshire/export"
	out, err := run(t, "profile", "init", export)
	if err != nil || !strings.Contains(out, `[files.occurrences]`) || !strings.Contains(out, `victim_id = "Victim URN"`) || !strings.Contains(out, "TODO") {
		t.Errorf("profile init: %v\n%s", err, out)
	}
	draft := filepath.Join(t.TempDir(), "p.toml")
	os.WriteFile(draft, []byte("an analyst's work"), 0o600)
	if _, err := run(t, "profile", "init", export, "--out", draft); exitCode(err) != exitUsage {
		t.Errorf("overwriting a profile: %v", err)
	}
	wh := filepath.Join(t.TempDir(), "wh")
	if out, err := run(t, "load", export, "--profile", "../../testdata/profile/northshire/profile.toml", "--warehouse", wh); err != nil || !strings.Contains(out, "4 relationships") {
		t.Fatalf("load --profile: %v\n%s", err, out)
	}
	if out, err := run(t, "score", "--warehouse", wh, "--as-of", "2024-12-31"); err != nil {
		t.Errorf("score: %v\n%s", err, out)
	}
}

// TestDefaultAsOf: on a warehouse whose extract ended long before today,
// score and explain default to the day the extract ends, and a later
// --as-of is taken with a warning saying there are no records after it.
func TestDefaultAsOf(t *testing.T) {
	t.Parallel()
	wh, _, rel := appFixture(t)
	out, err := run(t, "score", "--warehouse", wh, "--top", "1")
	if err != nil || !strings.Contains(out, "scored as of 2024-12-31") || strings.Contains(out, "warning") {
		t.Errorf("score by default: %v\n%s", err, out)
	}
	out, err = run(t, "score", "--warehouse", wh, "--top", "1", "--as-of", "2025-06-30")
	if err != nil || !strings.Contains(out, "warning: score --as-of 2025-06-30 is after the extract's end: no records after 2024-12-31") {
		t.Errorf("score after the extract: %v\n%s", err, out)
	}
	if out, err := run(t, "explain", rel, "--warehouse", wh); err != nil || !strings.Contains(out, "2024-12-31") {
		t.Errorf("explain by default: %v\n%s", err, out)
	}
}

// TestDaysAgo: days read right in the singular.
func TestDaysAgo(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "today", 1: "1 day ago", 12: "12 days ago"} {
		if got := daysAgo(n); got != want {
			t.Errorf("daysAgo(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestExplainHistoryAsOf: explain's stage history holds nothing after
// --as-of, and the stage it gives a past date is the same whatever
// --as-of the run was given.
func TestExplainHistoryAsOf(t *testing.T) {
	t.Parallel()
	wh, _, rel := appFixture(t)
	history := func(asOf string) []map[string]any {
		out, err := run(t, "explain", rel, "--warehouse", wh, "--as-of", asOf, "--format", "json")
		if err != nil {
			t.Fatalf("explain: %v\n%s", err, out)
		}
		var x struct {
			History []map[string]any `json:"stage_history"`
		}
		if err := json.Unmarshal([]byte(out), &x); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		for _, h := range x.History {
			if d, _ := h["date"].(string); d > asOf {
				t.Errorf("as of %s the history lists %s", asOf, d)
			}
		}
		return x.History
	}
	early, late := history("2023-12-31"), history("2024-12-31")
	if len(early) == 0 || len(late) <= len(early) {
		t.Fatalf("histories of %d and %d points", len(early), len(late))
	}
	for i := range early {
		if fmt.Sprint(early[i]) != fmt.Sprint(late[i]) {
			t.Errorf("point %d: %v as of 2023-12-31, %v as of 2024-12-31", i, early[i], late[i])
		}
	}
}

// TestExportReadByPandas: the README's pandas lines read a tau export (run
// where Debian's python3-pandas is installed, skipped elsewhere).
func TestExportReadByPandas(t *testing.T) {
	t.Parallel()
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import pandas").Run(); err != nil {
		t.Skip("no pandas")
	}
	wh, _, _ := appFixture(t)
	out := t.TempDir()
	if _, err := run(t, "export", "scores_scores", "--warehouse", wh, "--format", "csv", "--out", out); err != nil {
		t.Fatal(err)
	}
	script := "import pandas as pd\nscores = pd.read_csv(" + strconv.Quote(filepath.Join(out, "scores_scores.csv")) + ")\nprint(scores.groupby(\"band\").size().to_dict())\n"
	b, err := exec.Command(py, "-c", script).CombinedOutput()
	if err != nil || !strings.Contains(string(b), "'red': ") {
		t.Errorf("pandas: %v\n%s", err, b)
	}
}
