package calibration

import (
	"strings"
	"testing"
	"time"

	"github.com/tau-da/tau/internal/period"
)

// TestDates: quarter ends from the month of from to to; days from from.
func TestDates(t *testing.T) {
	t.Parallel()
	day := func(s string) time.Time { d, _ := period.ParseDate(s); return d }
	got := Dates(day("2023-02-10"), day("2023-12-31"), period.Months(3))
	var s []string
	for _, d := range got {
		s = append(s, d.Format("2006-01-02"))
	}
	if strings.Join(s, ",") != "2023-02-28,2023-05-31,2023-08-31,2023-11-30" {
		t.Errorf("quarterly: %v", s)
	}
	if got := Dates(day("2023-01-01"), day("2023-01-20"), period.Days(7)); len(got) != 3 || got[2].Format("2006-01-02") != "2023-01-15" {
		t.Errorf("weekly: %v", got)
	}
}

// TestSeriousCodes: classes at or over the threshold, and the extra ones,
// each once, sorted.
func TestSeriousCodes(t *testing.T) {
	t.Parallel()
	got := SeriousCodes(map[string]float64{"a": 400, "b": 10, "c": 365}, 365, []string{"x", "a"}, []string{"y"})
	if strings.Join(got, ",") != "a,c,x,y" {
		t.Errorf("serious codes %v", got)
	}
	if l := OutcomeLabel(OutcomeSeriousHarm, 365, []string{"x"}); !strings.Contains(l, "CCHI 365 days or more, or of class x") {
		t.Errorf("label %q", l)
	}
	if l := OutcomeLabel(OutcomeRevictimisation, 365, nil); !strings.Contains(l, "revictimisation") {
		t.Errorf("label %q", l)
	}
}
