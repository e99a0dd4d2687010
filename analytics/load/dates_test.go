package load

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tau-da/tau/internal/fixture"
	"github.com/tau-da/tau/internal/golden"
)

// isoDate is a date (and optional time) as tau's own files write it.
var isoDate = regexp.MustCompile(`\b(\d{4})-(\d{2})-(\d{2})([T ]\d{2}:\d{2}(:\d{2})?)?\b`)

// rewriteDates copies the golden extract with every date in its CSV files
// rewritten by to (extract.json, tau's own file, stays ISO).
func rewriteDates(t *testing.T, to func(y, m, d, clock string) string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "extract")
	fixture.CopyDir(t, goldenExtract, dir)
	files, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		out := isoDate.ReplaceAllStringFunc(string(b), func(s string) string {
			m := isoDate.FindStringSubmatch(s)
			return to(m[1], m[2], m[3], strings.TrimLeft(m[4], "T "))
		})
		os.WriteFile(f, []byte(out), 0o600)
	}
	return dir
}

// TestDateFormats: the golden extract written day first, month first and
// as Excel serial numbers loads with the matching --date-format into the
// same warehouse as the ISO original, times included.
func TestDateFormats(t *testing.T) {
	t.Parallel()
	iso := t.TempDir()
	mustLoad(t, goldenExtract, iso, LoadOptions{})
	want := dumpTables(t, iso)
	unpad := func(s string) string { return strings.TrimLeft(s, "0") }
	join := func(date, clock string) string {
		if clock == "" {
			return date
		}
		return date + " " + clock
	}
	excel := func(y, m, d, clock string) string {
		day, _ := time.Parse("2006-01-02", y+"-"+m+"-"+d)
		serial := day.Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24
		if clock != "" {
			c, _ := time.Parse("15:04:05", clock+":00"[:max(0, 8-len(clock))])
			serial += float64(c.Hour()*3600+c.Minute()*60+c.Second()) / 86400
		}
		return strconv.FormatFloat(serial, 'f', -1, 64)
	}
	for _, c := range []struct {
		format string
		to     func(y, m, d, clock string) string
	}{
		{DateDMY, func(y, m, d, clock string) string { return join(d+"/"+m+"/"+y, clock) }},
		{DateDMY, func(y, m, d, clock string) string { return join(unpad(d)+"/"+unpad(m)+"/"+y, clock) }},
		{DateMDY, func(y, m, d, clock string) string { return join(m+"/"+d+"/"+y, clock) }},
		{DateExcel, excel},
	} {
		t.Run(c.format, func(t *testing.T) {
			ex := rewriteDates(t, c.to)
			wh := t.TempDir()
			mustLoad(t, ex, wh, LoadOptions{DateFormat: c.format})
			if got := dumpTables(t, wh); got != want {
				t.Errorf("loaded as %s, the warehouse differs from the ISO one:\n%s", c.format, golden.Diff("iso", want, got))
			}
		})
	}
}

// TestDateFormatGuessed: a day-first extract loaded as ISO fails, and the
// error names the commonest reason with sample lines and says the dates
// look day first, naming a line that proves it; a month-first one says
// month first; one whose every date fits both says it cannot tell.
func TestDateFormatGuessed(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		to     func(y, m, d, clock string) string
		format string
	}{
		{"day first", func(y, m, d, _ string) string { return d + "/" + m + "/" + y }, DateDMY},
		{"month first", func(y, m, d, _ string) string { return m + "/" + d + "/" + y }, DateMDY},
		{"ambiguous", func(y, m, _, _ string) string { return "03/" + m + "/" + y }, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ex := rewriteDates(t, c.to)
			wh := t.TempDir()
			_, err := Load(context.Background(), LoadOptions{ExtractDir: ex, Warehouse: wh})
			var rr *RejectRateError
			if !errors.As(err, &rr) || rr.Dates == nil || len(rr.Top) == 0 {
				t.Fatalf("error %v, want a reject-rate error with a date guess", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, "not a date in YYYY-MM-DD") || !strings.Contains(msg, "(e.g. line 2: ") {
				t.Errorf("the error does not name the reason with samples:\n%s", msg)
			}
			if rr.Dates.Format != c.format || rr.Dates.Ambiguous != (c.format == "") || rr.Dates.Line < 2 {
				t.Errorf("guess %+v, want format %q", rr.Dates, c.format)
			}
			if c.format == "" && !strings.Contains(msg, "fits both day first and month first") {
				t.Errorf("an ambiguous extract does not say so:\n%s", msg)
			}
			if c.format == DateDMY && !strings.Contains(msg, fmt.Sprintf("look like %s (line %d", DateDMY, rr.Dates.Line)) {
				t.Errorf("no proving line:\n%s", msg)
			}
		})
	}
}

// TestExtractDateInTheFuture: an extract dated more than a day after the
// clock is refused (rows dated up to then would pass).
func TestExtractDateInTheFuture(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	if _, _, err := resolveExtractInfo(LoadOptions{ExtractDate: now.AddDate(0, 0, 3)}, now); err == nil || !strings.Contains(err.Error(), "after today") {
		t.Errorf("3 days ahead: %v", err)
	}
	if _, _, err := resolveExtractInfo(LoadOptions{ExtractDate: now.Add(12 * time.Hour)}, now); err != nil {
		t.Errorf("12 hours ahead: %v", err)
	}
}

// TestLongIDWithKey: an id over the length limit is rejected when a
// pseudonymisation key is given too (it is judged as read, before the key
// hashes it to a short pseudonym).
func TestLongIDWithKey(t *testing.T) {
	t.Parallel()
	ex := filepath.Join(t.TempDir(), "extract")
	fixture.CopyDir(t, goldenExtract, ex)
	p := filepath.Join(ex, "occurrences.csv")
	b, _ := os.ReadFile(p)
	long := strings.Repeat("V", maxIDLength+1)
	os.WriteFile(p, []byte(strings.Replace(string(b), "O4,2024-03-05,V2,", "O4,2024-03-05,"+long+",", 1)), 0o600)
	wh := t.TempDir()
	mustLoad(t, ex, wh, LoadOptions{PseudonymiseKey: []byte("a secret key for the test"), MaxRejectRate: 0.5})
	found := false
	for _, k := range rejectKeys(t, wh, "rejected") {
		if strings.HasPrefix(k, "occurrences.csv:5:victim_id:") && strings.Contains(k, "longer than 200 characters") {
			found = true
		}
		if strings.Contains(k, long) {
			t.Errorf("the raw id is in the rejects of a keyed warehouse: %.80s", k)
		}
	}
	if !found {
		t.Errorf("the long id was not rejected: %v", rejectKeys(t, wh, "rejected"))
	}
}

// TestKeyMismatch: a keyed warehouse refuses a load without its key or
// with another, and an unkeyed one a load with a key, saying which; the
// same key loads again.
func TestKeyMismatch(t *testing.T) {
	t.Parallel()
	key, other := []byte("the force's key"), []byte("another key")
	keyed := t.TempDir()
	mustLoad(t, goldenExtract, keyed, LoadOptions{PseudonymiseKey: key})
	before := dumpTables(t, keyed)
	plain := t.TempDir()
	mustLoad(t, goldenExtract, plain, LoadOptions{})
	for _, c := range []struct {
		name string
		wh   string
		key  []byte
		want string
	}{
		{"no key", keyed, nil, "this load has no key"},
		{"another key", keyed, other, "loaded with another key"},
		{"a key on raw ids", plain, key, "the warehouse holds raw ids"},
	} {
		_, err := Load(context.Background(), LoadOptions{ExtractDir: goldenExtract, Warehouse: c.wh, PseudonymiseKey: c.key})
		var ke *KeyMismatchError
		if !errors.As(err, &ke) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if after := dumpTables(t, keyed); after != before {
		t.Error("a refused load changed the warehouse")
	}
	mustLoad(t, goldenExtract, keyed, LoadOptions{PseudonymiseKey: key})
}

// TestHostileExtractFiles: a dangling link, a link out of the extract, a
// pipe named like an extract file and answers given both long and wide are
// each refused with the file named, nothing outside the extract is echoed,
// and the warehouse is as it was.
func TestHostileExtractFiles(t *testing.T) {
	t.Parallel()
	wh := t.TempDir()
	mustLoad(t, goldenExtract, wh, LoadOptions{})
	before := dumpTables(t, wh)
	secret := filepath.Join(t.TempDir(), "secret.csv")
	os.WriteFile(secret, []byte("the first line of a file outside the extract\n"), 0o600)
	for _, c := range []struct {
		name  string
		setup func(ex string)
		want  string
	}{
		{"dangling link", func(ex string) {
			os.Remove(filepath.Join(ex, "engagement.csv"))
			os.Symlink(filepath.Join(ex, "nowhere.csv"), filepath.Join(ex, "engagement.csv"))
		}, "engagement.csv is a link to nothing"},
		{"link outside", func(ex string) {
			os.Remove(filepath.Join(ex, "persons.csv"))
			os.Symlink(secret, filepath.Join(ex, "persons.csv"))
		}, "persons.csv is a link to a file outside the extract folder"},
		{"pipe", func(ex string) {
			os.Remove(filepath.Join(ex, "engagement.csv"))
			if err := syscallMkfifo(filepath.Join(ex, "engagement.csv")); err != nil {
				t.Skip("no FIFOs here")
			}
		}, "engagement.csv is not a regular file"},
		{"long and wide answers", func(ex string) {
			p := filepath.Join(ex, "assessments.csv")
			b, _ := os.ReadFile(p)
			lines := strings.SplitAfter(string(b), "\n")
			lines[0] = strings.TrimRight(lines[0], "\n") + ",q1\n"
			for i := 1; i < len(lines); i++ {
				if strings.TrimSpace(lines[i]) != "" {
					lines[i] = strings.TrimRight(lines[i], "\n") + ",yes\n"
				}
			}
			os.WriteFile(p, []byte(strings.Join(lines, "")), 0o600)
		}, "answers come both as answers.csv and as answer columns of assessments.csv"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ex := filepath.Join(t.TempDir(), "extract")
			fixture.CopyDir(t, goldenExtract, ex)
			c.setup(ex)
			_, err := Load(context.Background(), LoadOptions{ExtractDir: ex, Warehouse: wh})
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "outside the extract\n") || strings.Contains(err.Error(), "the first line") {
				t.Errorf("error %v, want one containing %q and nothing of the outside file", err, c.want)
			}
		})
	}
	if after := dumpTables(t, wh); after != before {
		t.Error("a refused load changed the warehouse")
	}
}

// TestCausesBeforeCascades: when an assessment is rejected, its answers
// are rejected for it; the failed load's rejects.csv lists the assessment
// (the cause) before its answers, although "answers" sorts first.
func TestCausesBeforeCascades(t *testing.T) {
	t.Parallel()
	ex := filepath.Join(t.TempDir(), "extract")
	fixture.CopyDir(t, goldenExtract, ex)
	p := filepath.Join(ex, "assessments.csv")
	b, _ := os.ReadFile(p)
	lines := strings.SplitAfter(string(b), "\n")
	f := strings.Split(lines[1], ",")
	f[2] = "not-a-date"
	lines[1] = strings.Join(f, ",")
	os.WriteFile(p, []byte(strings.Join(lines, "")), 0o600)
	_, err := Load(context.Background(), LoadOptions{ExtractDir: ex, Warehouse: t.TempDir()})
	var rr *RejectRateError
	if !errors.As(err, &rr) {
		t.Fatalf("want a failed load: %v", err)
	}
	out, _ := os.ReadFile(filepath.Join(rr.FailedDir, "rejects.csv"))
	rows := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(rows) < 3 || !strings.HasPrefix(rows[1], "assessments.csv,") || !strings.HasPrefix(rows[len(rows)-1], "answers.csv,") {
		t.Errorf("rejects.csv is not cause first:\n%s", out)
	}
}
