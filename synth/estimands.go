package synth

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// Estimands is the true effect of the extract's plans on each thing an
// evaluation can estimate, from the model's own counterfactual
// (truth/plans.csv: each plan's expected incidents in the months after its
// finalisation, with and without the plan): the effect on all incidents
// (the plan cuts the latent rate by planEffect) and on reported incidents
// (the plan's cut, offset by the engagement it brings: engaged victims
// report reportingUplift times as often). Effects are proportions: 0.30
// means 30% fewer.
//
// Each comes against two counterfactuals: no plan ever (the plan's own
// effect), and usual practice (no plan when it opened, but the unit's
// same rule free to give the relationship one later, as a third of its
// comparisons get): the second is what a comparison group that keeps its
// later-planned members (intention to treat) estimates, and so what the
// headline is checked against.
type Estimands struct {
	Plans                 int     `json:"plans"`
	FollowupMonths        int     `json:"followup_months"`
	EffectOnAll           float64 `json:"effect_on_all_incidents"`
	EffectOnReported      float64 `json:"effect_on_reported_incidents"`
	UsualPracticeAll      float64 `json:"effect_on_all_incidents_vs_usual_practice"`
	UsualPracticeReported float64 `json:"effect_on_reported_incidents_vs_usual_practice"`
	Note                  string  `json:"note"`
}

// PlanTruth is one plan's row of truth/plans.csv: its expected incidents
// in the follow-up months with the plan, without it, and under usual
// practice (no plan then, perhaps one later).
type PlanTruth struct {
	PMPID                                                string
	TrueWithout, TrueWith, ReportedWithout, ReportedWith float64
	TrueUsual, ReportedUsual                             float64
}

// ReadPlanTruth reads truth/plans.csv of an extract.
func ReadPlanTruth(dir string) ([]PlanTruth, error) {
	f, err := os.Open(filepath.Join(dir, "truth", "plans.csv"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, err
	}
	var out []PlanTruth
	for _, r := range rows[1:] {
		var x [6]float64
		for i := range x {
			if x[i], err = strconv.ParseFloat(r[6+i], 64); err != nil {
				return nil, fmt.Errorf("truth/plans.csv: %w", err)
			}
		}
		out = append(out, PlanTruth{PMPID: r[0], TrueWithout: x[0], TrueWith: x[1], ReportedWithout: x[2], ReportedWith: x[3],
			TrueUsual: x[4], ReportedUsual: x[5]})
	}
	return out, nil
}

// Effects returns the true effects on all and on reported incidents over
// the plans given (every plan when ids is nil).
func Effects(plans []PlanTruth, ids map[string]bool) (all, reported float64, n int) {
	var tw, tp, rw, rp float64
	for _, p := range plans {
		if ids != nil && !ids[p.PMPID] {
			continue
		}
		tw, tp, rw, rp = tw+p.TrueWithout, tp+p.TrueWith, rw+p.ReportedWithout, rp+p.ReportedWith
		n++
	}
	if tw == 0 || rw == 0 {
		return 0, 0, n
	}
	return 1 - tp/tw, 1 - rp/rw, n
}

// UsualEffects returns the true effects against usual practice over the
// plans given (every plan when ids is nil).
func UsualEffects(plans []PlanTruth, ids map[string]bool) (all, reported float64) {
	var tu, tp, ru, rp float64
	for _, p := range plans {
		if ids != nil && !ids[p.PMPID] {
			continue
		}
		tu, tp, ru, rp = tu+p.TrueUsual, tp+p.TrueWith, ru+p.ReportedUsual, rp+p.ReportedWith
	}
	if tu == 0 || ru == 0 {
		return 0, 0
	}
	return 1 - tp/tu, 1 - rp/ru
}

// writeEstimands sums truth/plans.csv into truth/estimands.json.
func writeEstimands(dir string) error {
	plans, err := ReadPlanTruth(dir)
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	all, reported, n := Effects(plans, nil)
	ua, ur := UsualEffects(plans, nil)
	return writeJSONFile(filepath.Join(dir, "truth", "estimands.json"), Estimands{Plans: n, FollowupMonths: truthFollowupMonths,
		EffectOnAll: all, EffectOnReported: reported, UsualPracticeAll: ua, UsualPracticeReported: ur,
		Note: "from the model's counterfactuals, at monthly resolution, over the months after each plan's finalisation: no plan ever, and usual practice " +
			"(no plan then, but the same rule free to give one later: what an intention-to-treat comparison estimates); truth/plans.csv has each plan's expected incidents"})
}
