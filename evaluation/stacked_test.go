package evaluation

import (
	"math/rand/v2"

	"math"
	"strconv"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// TestFitStackedAgainstStatsmodels: the stacked model's effect and its
// cluster-robust standard error equal statsmodels' binomial GLM with one
// intercept per set, the exposure ratio as offset and cov_type="cluster"
// (testdata/evaluate/stacked/make_expected.py, statsmodels 0.13.5 from
// Debian's python3-statsmodels, numpy 1.24.2).
func TestFitStackedAgainstStatsmodels(t *testing.T) {
	t.Parallel()
	var want struct {
		Effect    float64 `json:"effect"`
		SECluster float64 `json:"se_cluster"`
		Sets      int     `json:"sets"`
		Units     int     `json:"units"`
	}
	rows := readFixture(t, "stacked", "units.csv", &want)
	var units []ModelUnit
	for _, r := range rows[1:] {
		num := func(i int) float64 {
			x, err := strconv.ParseFloat(r[i], 64)
			if err != nil {
				t.Fatal(err)
			}
			return x
		}
		units = append(units, ModelUnit{Set: int(num(0)), Treated: r[1] == "1", Baseline: num(2), Followup: num(3), Offset: num(4)})
	}
	fit, err := FitStacked(units, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if !fit.Converged || fit.Sets != want.Sets || fit.Units != want.Units {
		t.Fatalf("fit %+v, want %d sets and %d units", fit, want.Sets, want.Units)
	}
	if math.Abs(fit.Effect-want.Effect) > 1e-6 || math.Abs(fit.SE-want.SECluster) > 1e-6 {
		t.Errorf("effect %.9f (SE %.9f), statsmodels %.9f (SE %.9f)", fit.Effect, fit.SE, want.Effect, want.SECluster)
	}
	// The interval is the Wald interval on the log scale, turned into a
	// reduction.
	if lo := 1 - math.Exp(want.Effect+1.959963984540054*want.SECluster); math.Abs(fit.ReductionLower-lo) > 1e-6 {
		t.Errorf("lower reduction %.6f, want %.6f", fit.ReductionLower, lo)
	}
}

// TestFitStackedRecoversEffect: on data made with a known effect (half the
// rate after a plan, against its comparisons), the fit finds it, and a
// set with no information changes nothing.
func TestFitStackedRecoversEffect(t *testing.T) {
	t.Parallel()
	var units []ModelUnit
	for s := range 200 {
		for j := range 4 {
			// Expected counts exactly proportional: baseline 20, follow-up
			// 10 for comparisons, 5 for the plan (offset log 1).
			f := 10.0
			if j == 0 {
				f = 5
			}
			units = append(units, ModelUnit{Set: s, Treated: j == 0, Baseline: 20, Followup: f})
		}
	}
	units = append(units, ModelUnit{Set: 999, Treated: true, Baseline: 3}, ModelUnit{Set: 999, Baseline: 4})
	fit, err := FitStacked(units, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	// The plan's share after: 5/25 against 10/30: odds 1/4 against 1/2.
	if math.Abs(fit.Effect-math.Log(0.5)) > 1e-9 || fit.Sets != 200 {
		t.Errorf("effect %v over %d sets, want log 0.5 over 200", fit.Effect, fit.Sets)
	}
	if _, err := FitStacked(units[:4], 0.95); err == nil {
		t.Error("one set fitted")
	}
}

// TestFitStackedCoverage simulates stacked panels with a known effect and
// overdispersed counts (a gamma rate per relationship, a change per set)
// and checks that the cluster-robust 95% interval holds the truth in about
// 95% of samples (seeded, so the same samples every run).
func TestFitStackedCoverage(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 11))
	gamma := distuv.Gamma{Alpha: 2, Beta: 100, Src: rng}
	const samples, sets, truth = 400, 150, -0.3
	held := 0
	for range samples {
		var units []ModelUnit
		for s := range sets {
			change := rng.NormFloat64() * 0.3
			for j := range 5 {
				rate := gamma.Rand()
				b := distuv.Poisson{Lambda: rate * 365, Src: rng}.Rand()
				eff := 0.0
				if j == 0 {
					eff = truth
				}
				f := distuv.Poisson{Lambda: rate * 91 * math.Exp(change+eff), Src: rng}.Rand()
				units = append(units, ModelUnit{Set: s, Treated: j == 0, Baseline: b, Followup: f, Offset: math.Log(91.0 / 365)})
			}
		}
		fit, err := FitStacked(units, 0.95)
		if err != nil {
			t.Fatal(err)
		}
		if lo, hi := fit.Effect-1.96*fit.SE, fit.Effect+1.96*fit.SE; lo <= truth && truth <= hi {
			held++
		}
	}
	cover := float64(held) / samples
	t.Logf("coverage of the 95%% interval: %.3f over %d samples of %d sets", cover, samples, sets)
	// 400 samples: a binomial standard error of about 0.011.
	if cover < 0.92 || cover > 0.98 {
		t.Errorf("coverage %.3f, want about 0.95", cover)
	}
}
