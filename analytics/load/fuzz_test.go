package load

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tau-da/tau/internal/fixture"

	"github.com/tau-da/tau/analytics"
)

// FuzzLoadRow appends one arbitrary line to occurrences.csv and one to
// answers.csv of the golden extract and loads it. Whatever the line, the load
// either fails with a clear error before touching the warehouse or succeeds
// with every row accounted for (read = loaded + rejected + duplicates) and
// every reject carrying a reason.
func FuzzLoadRow(f *testing.F) {
	for _, s := range []struct{ occ, ans string }{
		{"O7,2024-08-01,V1,P1,incident,", "A1,Q1,yes"},
		{"O7,not a date,V1,P1,crime,", "A1,Q99,maybe"},
		{`"O,8",2024-08-01,V1,P1,crime,008/06`, `A4,"Q1",""`},
		{"O1,2023-01-10,V1,P1,incident,", "A1,Q18,yes"},
		{"O7,2024-08-01,V1,P1", "A1"},
		{"\xff\xfe,,,,,", ",,"},
		{"O7,2024-08-01T10:00:00+01:00,V2,P2,CRIME,008/06", "a2,q6,NK"},
	} {
		f.Add(s.occ, s.ans)
	}
	f.Fuzz(func(t *testing.T, occ, ans string) {
		if strings.ContainsAny(occ+ans, "\x00") {
			t.Skip("NUL bytes are not text")
		}
		dir := filepath.Join(t.TempDir(), "extract")
		fixture.CopyDir(t, goldenExtract, dir)
		appendLine(t, filepath.Join(dir, "occurrences.csv"), occ)
		appendLine(t, filepath.Join(dir, "answers.csv"), ans)
		wh := t.TempDir()
		m, err := Load(context.Background(), LoadOptions{ExtractDir: dir, Warehouse: wh, MaxRejectRate: 1})
		if err != nil {
			var rr *RejectRateError
			if errors.As(err, &rr) {
				t.Fatalf("reject rate error with a limit of 100%%: %v", err)
			}
			if _, gerr := analytics.Generation(wh); !errors.Is(gerr, analytics.ErrNoWarehouse) {
				t.Fatalf("failed load (%v) left a warehouse", err)
			}
			return
		}
		for _, f := range m.Files {
			if !f.Reconciles() {
				t.Fatalf("%s does not reconcile: %+v", f.Name, f)
			}
		}
		db := openDB(t, wh)
		_, rows := query(t, db, "SELECT count(*) FROM rejects WHERE reason IS NULL OR reason = ''")
		if rows[0][0] != "0" {
			t.Fatalf("%s rejects have no reason", rows[0][0])
		}
	})
}

func appendLine(tb testing.TB, path, line string) {
	tb.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	f.WriteString(line + "\n")
}
