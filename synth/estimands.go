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
type Estimands struct {
	Plans            int     `json:"plans"`
	FollowupMonths   int     `json:"followup_months"`
	EffectOnAll      float64 `json:"effect_on_all_incidents"`
	EffectOnReported float64 `json:"effect_on_reported_incidents"`
	Note             string  `json:"note"`
}

// PlanTruth is one plan's row of truth/plans.csv.
type PlanTruth struct {
	PMPID                                                string
	TrueWithout, TrueWith, ReportedWithout, ReportedWith float64
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
		var x [4]float64
		for i := range x {
			if x[i], err = strconv.ParseFloat(r[6+i], 64); err != nil {
				return nil, fmt.Errorf("truth/plans.csv: %w", err)
			}
		}
		out = append(out, PlanTruth{PMPID: r[0], TrueWithout: x[0], TrueWith: x[1], ReportedWithout: x[2], ReportedWith: x[3]})
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

// writeEstimands sums truth/plans.csv into truth/estimands.json.
func writeEstimands(dir string) error {
	plans, err := ReadPlanTruth(dir)
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	all, reported, n := Effects(plans, nil)
	return writeJSONFile(filepath.Join(dir, "truth", "estimands.json"), Estimands{Plans: n, FollowupMonths: truthFollowupMonths,
		EffectOnAll: all, EffectOnReported: reported,
		Note: "from the model's counterfactual, at monthly resolution, over the months after each plan's finalisation; truth/plans.csv has each plan's expected incidents"})
}
