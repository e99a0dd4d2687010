package evaluation

import (
	"math"
	"strings"
	"testing"

	"github.com/tau-da/tau/internal/period"
)

// TestEventStudy: one plan and two comparisons, counted month by month a
// year before opening, while the plan ran and through the follow-up; each
// comparison weighs half.
func TestEventStudy(t *testing.T) {
	t.Parallel()
	p := Params{Selection: Selection{Mode: "all"}, Baseline: period.Months(12), Followup: period.Months(3)}
	plans := []PlanRecord{{ID: "A", RelationshipID: "rA", Status: "finalised", Opened: day("2024-04-01"), Finalised: day("2024-04-30")}}
	d, err := NewDesign(plans, day("2024-12-31"), day("2023-01-01"), p)
	if err != nil {
		t.Fatal(err)
	}
	occ := Occurrences{}
	occ.Add("rA", day("2024-03-15")) // month -1
	occ.Add("rA", day("2024-04-10")) // while the plan ran
	occ.Add("c1", day("2024-03-20")) // month -1
	occ.Add("c2", day("2024-06-02")) // month +2 (the follow-up starts on 1 May)
	occ.Sort()
	treated := []Unit{{ID: "A", Key: "rA"}}
	matches := map[string][]Unit{"A": {{ID: "c1", Key: "c1"}, {ID: "c2", Key: "c2"}}}
	es := eventStudy(d, Data{Occurrences: occ}, treated, matches)
	if len(es.Rows) != 12+1+3 || es.Rows[0].Period != "-12" || es.Rows[12].Period != "plan" || es.Rows[15].Period != "+3" {
		t.Fatalf("periods %+v", es.Rows)
	}
	m1 := es.Rows[11]
	if m1.Period != "-1" || m1.Plans != 1 || m1.Comparisons != 0.5 || math.Abs(m1.PlansRate-30.0/31) > 1e-12 {
		t.Errorf("month -1: %+v", m1)
	}
	if es.Rows[12].Plans != 1 || es.Rows[14].Comparisons != 0.5 {
		t.Errorf("plan period %+v, month +2 %+v", es.Rows[12], es.Rows[14])
	}
	if es.Parallel || !strings.Contains(es.Sentence, "Too few incidents") {
		t.Errorf("%v %q", es.Parallel, es.Sentence)
	}
}

// TestParallel: the plans' rate relative to the comparisons' is compared
// between the two halves of the year before.
func TestParallel(t *testing.T) {
	t.Parallel()
	rows := func(late float64) []EventRow {
		var rs []EventRow
		for o := -12; o <= -1; o++ {
			p := 10.0
			if o > -7 {
				p = late
			}
			rs = append(rs, EventRow{Order: o, Plans: p, Comparisons: 10})
		}
		return rs
	}
	if ok, s := parallel(rows(11)); !ok || !strings.Contains(s, "+10%") {
		t.Errorf("10%% apart: %v %q", ok, s)
	}
	if ok, s := parallel(rows(15)); ok || !strings.Contains(s, "did not move together") || !strings.Contains(s, "+50%") {
		t.Errorf("50%% apart: %v %q", ok, s)
	}
}
