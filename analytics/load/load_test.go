package load

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tau-da/tau/internal/fixture"
	"github.com/tau-da/tau/internal/golden"

	"github.com/tau-da/tau/analytics"

	"github.com/tau-da/tau/internal/duckdb"

	"github.com/tau-da/tau/extract"
)

// TestLoadGolden loads the hand-made extract and compares every table with
// testdata/load/golden/want.txt.
func TestLoadGolden(t *testing.T) { eachAnswerPath(t, testLoadGolden) }

// eachAnswerPath runs a test twice: as a load would (the golden extract's
// first answers are not canonical, so they are normalised as read), and with
// the answers written as read and, when the check afterwards finds rows
// that are not canonical, written again from the file, normalised.
func eachAnswerPath(t *testing.T, test func(*testing.T, LoadOptions)) {
	t.Helper()
	t.Parallel()
	t.Run("sniffed", func(t *testing.T) { t.Parallel(); test(t, LoadOptions{}) })
	t.Run("as-read", func(t *testing.T) { t.Parallel(); test(t, LoadOptions{asRead: true}) })
}

func testLoadGolden(t *testing.T, base LoadOptions) {
	wh := t.TempDir()
	m := mustLoad(t, goldenExtract, wh, base)
	for _, f := range m.Files {
		if !f.Reconciles() {
			t.Errorf("%s: read %d != loaded %d + rejected %d + duplicates %d", f.Name, f.Read, f.Loaded, f.Rejected, f.Duplicates)
		}
		if f.Rejected != 0 {
			t.Errorf("%s: %d rejects in the golden extract", f.Name, f.Rejected)
		}
	}
	if m.Relationships != 4 {
		t.Errorf("relationships = %d, want 4 (V1-P1, V2-P1, V2-P2, V3-P2)", m.Relationships)
	}
	if want := time.Date(2024, 12, 31, 23, 59, 59, 0, time.UTC); !m.ExtractDate.Equal(want) {
		t.Errorf("extract date = %v, want %v from extract.json", m.ExtractDate, want)
	}
	golden.Check(t, "../../testdata/load/golden/want.txt", dumpTables(t, wh))
}

// TestLoadBadInput runs one fixture folder per kind of bad input: each
// names the error it must cause or the rejects it must produce.
func TestLoadBadInput(t *testing.T) { eachAnswerPath(t, testLoadBadInput) }

func testLoadBadInput(t *testing.T, base LoadOptions) {
	cases, err := filepath.Glob("../../testdata/load/bad/*")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, dir := range cases {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			ex, c := caseExtract(t, dir)
			wh := t.TempDir()
			var before string
			if c.KeepsPrevious {
				mustLoad(t, goldenExtract, wh, base)
				before = dumpTables(t, wh)
			}
			m, err := Load(context.Background(), LoadOptions{ExtractDir: ex, Warehouse: wh, MaxRejectRate: c.MaxRejectRate, asRead: base.asRead})
			if c.WantError != "" {
				if err == nil || !strings.Contains(err.Error(), c.WantError) {
					t.Fatalf("error = %v, want one containing %q", err, c.WantError)
				}
				if c.KeepsPrevious {
					if after := dumpTables(t, wh); after != before {
						t.Errorf("a failed load changed the warehouse:\n%s", golden.Diff("before", before, after))
					}
					var rr *RejectRateError
					if errors.As(err, &rr) {
						if _, err := os.Stat(filepath.Join(rr.FailedDir, "rejects.csv")); err != nil {
							t.Errorf("failed load left no rejects.csv: %v", err)
						}
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range m.Files {
				if !f.Reconciles() {
					t.Errorf("%s does not reconcile: %+v", f.Name, f)
				}
			}
			checkKeys(t, "rejected", rejectKeys(t, wh, "rejected"), c.WantRejects)
			checkKeys(t, "duplicate", rejectKeys(t, wh, "duplicate"), c.WantDuplicates)
		})
	}
}

// checkKeys matches rejects against wanted "file:line:column:value:reason
// prefix" strings, one for one.
func checkKeys(t *testing.T, kind string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s rows = %d, want %d:\n got %s\nwant %s", kind, len(got), len(want), strings.Join(got, "\n     "), strings.Join(want, "\n     "))
		return
	}
	sort.Strings(want)
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("%s row %d = %q, want it to start %q", kind, i, got[i], want[i])
		}
	}
}

// TestLoadFormats loads accepted variants: a BOM and CRLF line ends, wide
// answers (q1..q27 columns of assessments.csv) and Parquet files.
func TestLoadFormats(t *testing.T) { eachAnswerPath(t, testLoadFormats) }

func testLoadFormats(t *testing.T, base LoadOptions) {
	cases, _ := filepath.Glob("../../testdata/load/formats/*")
	for _, dir := range cases {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			ex, c := caseExtract(t, dir)
			if c.ToParquet {
				toParquet(t, ex)
			}
			wh := t.TempDir()
			m := mustLoad(t, ex, wh, base)
			for _, f := range m.Files {
				if f.Rejected != 0 || !f.Reconciles() {
					t.Errorf("%s: %+v", f.Name, f)
				}
				if want, ok := c.WantRows[f.Name]; ok && f.Loaded != want {
					t.Errorf("%s loaded %d rows, want %d", f.Name, f.Loaded, want)
				}
			}
			if len(c.WantAnswer) > 0 {
				db := openDB(t, wh)
				for k, want := range c.WantAnswer {
					a, item, _ := strings.Cut(k, "/")
					_, rows := query(t, db, "SELECT answer FROM answers WHERE assessment_id = ? AND item = ?", a, item)
					if len(rows) != 1 || rows[0][0] != want {
						t.Errorf("answer %s = %v, want %q", k, rows, want)
					}
				}
			}
		})
	}
}

// toParquet converts every CSV file of an extract to Parquet, as text
// columns, and removes the CSV.
func toParquet(tb testing.TB, dir string) {
	tb.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
	db, err := sqlOpen()
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	for _, f := range files {
		out := strings.TrimSuffix(f, ".csv") + ".parquet"
		if _, err := db.Exec("COPY (SELECT * FROM read_csv(" + duckdb.Quote(f) + ", all_varchar = true)) TO " + duckdb.Quote(out) + " (FORMAT parquet)"); err != nil {
			tb.Fatal(err)
		}
		os.Remove(f)
	}
}

// TestLoadTwiceSameContent: the same extract loaded twice gives the same
// tables, and the earlier generation is replaced, not mixed in.
func TestLoadTwiceSameContent(t *testing.T) {
	t.Parallel()
	wh := t.TempDir()
	m1 := mustLoad(t, goldenExtract, wh, LoadOptions{})
	first := dumpTables(t, wh)
	time.Sleep(5 * time.Millisecond)
	m2 := mustLoad(t, goldenExtract, wh, LoadOptions{})
	if m1.Generation == m2.Generation {
		t.Fatalf("both loads made generation %s", m1.Generation)
	}
	if second := dumpTables(t, wh); first != second {
		t.Errorf("second load differs:\n%s", golden.Diff("first load", first, second))
	}
	for i := range m1.Files {
		if m1.Files[i].SHA256 != m2.Files[i].SHA256 || m1.Files[i].SHA256 == "" {
			t.Errorf("%s: file hashes %q, %q", m1.Files[i].Name, m1.Files[i].SHA256, m2.Files[i].SHA256)
		}
	}
}

// TestConcurrentLoadRefused: while one load holds the warehouse, a second
// is refused with ErrLocked and changes nothing.
func TestConcurrentLoadRefused(t *testing.T) {
	t.Parallel()
	wh := t.TempDir()
	held, err := analytics.Begin(wh, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	_, err = Load(context.Background(), LoadOptions{ExtractDir: goldenExtract, Warehouse: wh})
	if !errors.Is(err, analytics.ErrLocked) {
		t.Fatalf("error = %v, want analytics.ErrLocked", err)
	}
	if _, err := analytics.Generation(wh); !errors.Is(err, analytics.ErrNoWarehouse) {
		t.Errorf("a refused load left a warehouse: %v", err)
	}
}

// TestWarehouseOwnerOnly: every file and folder of the warehouse is
// readable by its owner only.
func TestWarehouseOwnerOnly(t *testing.T) {
	t.Parallel()
	wh := filepath.Join(t.TempDir(), "wh")
	mustLoad(t, goldenExtract, wh, LoadOptions{})
	n := 0
	filepath.Walk(wh, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.Mode()&os.ModeSymlink != 0 {
			return err
		}
		n++
		if perm := info.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("%s has mode %v; group and others must have no access", p, perm)
		}
		return nil
	})
	if n < 10 {
		t.Errorf("walked only %d files", n)
	}
}

// TestPseudonymise: with a key, every id is replaced by its HMAC, the
// relationship ids follow, and no raw id is left in any warehouse file.
func TestPseudonymise(t *testing.T) {
	t.Parallel()
	wh := t.TempDir()
	key := []byte("a test key that is long enough")
	m := mustLoad(t, goldenExtract, wh, LoadOptions{PseudonymiseKey: key})
	if !m.Pseudonymised || m.KeyFingerprint == "" {
		t.Errorf("manifest does not record pseudonymisation: %+v", m)
	}
	db := openDB(t, wh)
	_, rows := query(t, db, "SELECT person_id FROM persons ORDER BY ALL")
	want := []string{}
	for _, id := range []string{"V1", "P1", "V2", "P2", "V3"} {
		want = append(want, extract.Pseudonymise(key, id))
	}
	sort.Strings(want)
	for i := range want {
		if rows[i][0] != want[i] {
			t.Errorf("person %d = %s, want %s", i, rows[i][0], want[i])
		}
	}
	_, rel := query(t, db, "SELECT relationship_id FROM relationships WHERE victim_id = ? AND perpetrator_id = ?", extract.Pseudonymise(key, "V1"), extract.Pseudonymise(key, "P1"))
	if len(rel) != 1 || rel[0][0] != extract.RelationshipID(extract.Pseudonymise(key, "V1"), extract.Pseudonymise(key, "P1")) {
		t.Errorf("relationship of pseudonymised V1-P1 = %v", rel)
	}
	db.Close()
	gen, _ := analytics.Generation(wh)
	tables, _ := filepath.Glob(filepath.Join(gen, "tables", "*.parquet"))
	for _, p := range tables {
		b, _ := os.ReadFile(p)
		for _, raw := range []string{"A1", "O2", "F3", "M1", "X1"} {
			if strings.Contains(string(b), raw+"\x00") || strings.Contains(string(b), ","+raw) {
				t.Errorf("%s still holds the raw id %s", filepath.Base(p), raw)
			}
		}
	}
}

// TestRelationshipIDSQLMatchesGo: the warehouse's relationship ids are the
// ones extract.RelationshipID computes.
func TestRelationshipIDSQLMatchesGo(t *testing.T) {
	t.Parallel()
	wh := t.TempDir()
	mustLoad(t, goldenExtract, wh, LoadOptions{})
	db := openDB(t, wh)
	_, rows := query(t, db, "SELECT relationship_id, victim_id, perpetrator_id FROM relationships")
	if len(rows) == 0 {
		t.Fatal("no relationships")
	}
	for _, r := range rows {
		if want := extract.RelationshipID(r[1], r[2]); r[0] != want {
			t.Errorf("relationship (%s, %s) = %s, Go says %s", r[1], r[2], r[0], want)
		}
	}
}

// TestChecks: the golden extract passes every error check; a row with the
// same person as victim and perpetrator is rejected at load, so the
// warehouse still passes relationship_not_self (the check itself is tested
// on a mutated warehouse in analytics: testdata/checks).
func TestChecks(t *testing.T) {
	t.Parallel()
	wh := t.TempDir()
	mustLoad(t, goldenExtract, wh, LoadOptions{})
	res, err := analytics.RunChecks(context.Background(), wh)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Severity == "error" && r.Failed() {
			t.Errorf("check %s failed on the golden extract: %v", r.Name, r.Sample)
		}
	}
	ex := filepath.Join(t.TempDir(), "extract")
	fixture.CopyDir(t, goldenExtract, ex)
	f, _ := os.OpenFile(filepath.Join(ex, "occurrences.csv"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("O9,2024-08-01,V3,V3,incident,\n")
	f.Close()
	wh2 := t.TempDir()
	mustLoad(t, ex, wh2, LoadOptions{MaxRejectRate: 0.5})
	res, err = analytics.RunChecks(context.Background(), wh2)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Name == "relationship_not_self" && r.Failed() {
			t.Errorf("a self-relationship reached the warehouse: %+v", r)
		}
	}
	checkKeys(t, "rejected", rejectKeys(t, wh2, "rejected"), []string{"occurrences.csv:8:perpetrator_id:V3:is the victim's own id"})
}
