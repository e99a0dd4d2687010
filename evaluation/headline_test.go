package evaluation

import (
	"math"
	"strings"
	"testing"

	"github.com/tau-da/tau/internal/period"
)

// TestChangeWords: reductions and increases read right, never as a
// negative reduction.
func TestChangeWords(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		r    float64
		want string
	}{{0.25, "a reduction of 25%"}, {-0.151, "an increase of 15%"}, {0.001, "no change"}, {math.NaN(), "no measurable change"}} {
		if got := ChangeWords(c.r); got != c.want {
			t.Errorf("ChangeWords(%v) = %q, want %q", c.r, got, c.want)
		}
	}
	for _, c := range []struct {
		lo, hi float64
		want   string
	}{
		{0.12, 0.36, "a reduction of 12% to 36%"},
		{-0.3, -0.05, "an increase of 5% to 30%"},
		{-1.124, 0.542, "from an increase of 112% to a reduction of 54%"},
	} {
		if got := IntervalWords(c.lo, c.hi); got != c.want {
			t.Errorf("IntervalWords(%v, %v) = %q, want %q", c.lo, c.hi, got, c.want)
		}
	}
	for _, c := range []struct {
		lo, hi float64
		want   string
	}{{130, 390, "between 130 and 390"}, {-20, -5, "between 5 and 20 more"}, {-14, 11, "from 14 more to 11 fewer"}} {
		if got := CountRange(c.lo, c.hi); got != c.want {
			t.Errorf("CountRange(%v, %v) = %q, want %q", c.lo, c.hi, got, c.want)
		}
	}
	if got := PreventedWords(-40); got != "about 40 more incidents than without the plans" {
		t.Errorf("PreventedWords(-40) = %q", got)
	}
}

// TestHeadline: the headline is the comparison's estimate turned into
// incidents and hours; without a comparison it says no estimate can be
// defended and carries no number.
func TestHeadline(t *testing.T) {
	t.Parallel()
	p := Params{HoursPerIncident: 3.35, HoursSource: "Kent", EngagedUplift: 1, Level: 0.95}
	c := &ComparisonResult{DiDReduction: Interval{Estimate: 25, Lower: 12, Upper: 36, Level: 0.95}, Prevented: Interval{Estimate: 270, Lower: 130, Upper: 390}}
	h := headline(p, 19, c)
	if !h.Available || h.Reduction != 0.25 || h.Lower != 0.12 || h.Prevented != 270 || math.Abs(float64(h.Hours)-904.5) > 1e-9 || math.Abs(float64(h.HoursUpper)-390*3.35) > 1e-9 {
		t.Errorf("headline %+v", h)
	}
	for _, want := range []string{"19 plans", "an estimated reduction of 25% in reported incidents", "95% interval: a reduction of 12% to 36%", "about 270 incidents prevented (between 130 and 390)", "about 904 police hours saved at 3.35 hours per incident (Kent)"} {
		if !strings.Contains(h.Sentence, want) {
			t.Errorf("sentence %q lacks %q", h.Sentence, want)
		}
	}
	if h.Estimand != EstimandReported || h.Method != BootstrapMethod {
		t.Errorf("estimand %q", h.Estimand)
	}
	p.EngagedUplift = 1.3
	if h := headline(p, 19, c); !strings.Contains(h.Estimand, "1.3 times as often") || !strings.Contains(h.Sentence, "if engaged victims report 1.3 times") {
		t.Errorf("with an uplift: %q / %q", h.Estimand, h.Sentence)
	}
	// With the stacked model fitted, it leads.
	c.Stacked = &StackedFit{Reduction: 0.2, ReductionLower: 0.1, ReductionUpper: 0.3, Level: 0.95}
	c.StackedPrevented = Interval{Estimate: 200, Lower: 90, Upper: 330}
	if h := headline(p, 19, c); h.Method != PrimaryMethod || h.Reduction != 0.2 || h.PreventedUpper != 330 {
		t.Errorf("with the model: %+v", h)
	}
	none := headline(p, 19, nil)
	if none.Available || !math.IsNaN(float64(none.Reduction)) || !strings.Contains(none.Sentence, "no estimate of what the plans achieved can be defended") {
		t.Errorf("without a comparison: %+v", none)
	}
}

// TestMinimumDetectable: (z(0.975) + z(0.80)) = 2.8016 standard errors on
// the log scale: at SE 0.3, 1 - exp(-0.8405) = 56.9%.
func TestMinimumDetectable(t *testing.T) {
	t.Parallel()
	p := MinimumDetectable(19, 0.3, "test")
	if math.Abs(p.Reduction-(1-math.Exp(-2.801585218*0.3))) > 1e-6 || !strings.Contains(p.Sentence, "With 19 plans, only a reduction larger than 57%") {
		t.Errorf("power %+v", p)
	}
}

// TestOutputs: actions are counted by type in officers' words, in the
// contract's order, with the plans that had one; the perpetrators'
// offences are counted by outcome only inside the follow-up windows.
func TestOutputs(t *testing.T) {
	t.Parallel()
	plans, data := dipData(t, [][2]int{{10, 0}, {4, 3}})
	data.Actions = map[string][]Action{
		"A": {{Type: "welfare_visit", Raised: day("2024-04-02")}, {Type: "right_to_know_disclosure", Raised: day("2024-04-02"), Completed: day("2024-04-09")}},
		"B": {{Type: "right_to_know_disclosure", Raised: day("2024-04-03")}},
	}
	data.Outcomes = map[string][]Outcome{
		"pA": {{At: day("2024-05-10"), Outcome: "charge"}, {At: day("2024-03-01"), Outcome: "charge"}},
		"pB": {{At: day("2024-05-20"), Outcome: "caution"}},
	}
	p := Params{Selection: Selection{Mode: "all"}, Baseline: period.Days(90), Followup: period.Days(90), Project: Projection{Kind: "level"},
		HoursPerIncident: 3, HoursSource: "test", Replicates: 200}
	d, err := NewDesign(plans, day("2024-12-31"), day("2023-01-01"), p)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Evaluate(d, data)
	if err != nil {
		t.Fatal(err)
	}
	a := rep.Outputs.Actions
	if len(a) != 2 || a[0].Type != "right_to_know_disclosure" || a[0].Label != "Right to know disclosure (Clare's Law)" || a[0].Raised != 2 || a[0].Completed != 1 || a[0].Plans != 2 ||
		a[1].Type != "welfare_visit" || a[1].Plans != 1 {
		t.Errorf("actions %+v", a)
	}
	o := rep.Outputs.Outcomes
	if len(o) != 2 || o[0].Outcome != "caution" || o[1].Outcome != "charge" || o[1].Offences != 1 {
		t.Errorf("follow-up outcomes %+v (the March charge is before the follow-up)", o)
	}
	if len(rep.PMPs[0].Actions) != 2 || rep.Summary.Prevented != rep.Summary.ExpectedTotal-float64(rep.Summary.ObservedTotal) {
		t.Errorf("plan A actions %+v; the outputs must not change the counts", rep.PMPs[0].Actions)
	}
}
