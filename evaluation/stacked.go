package evaluation

import (
	"errors"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// ModelUnit is one relationship in a matched set (one plan and its
// comparisons), as the stacked model sees it: its counts in the plan's
// baseline and follow-up windows, and the log of the ratio of the
// follow-up's exposure to the baseline's (days, and in the follow-up the
// reporting factor of an engaged victim: Adjust).
type ModelUnit struct {
	Set                int
	Treated            bool
	Baseline, Followup float64
	Offset             float64
}

// StackedFit is the stacked difference-in-differences estimate.
type StackedFit struct {
	// Effect is the log of the ratio of the plans' change in rate to their
	// comparisons' (the coefficient on follow-up x plan); SE its
	// cluster-robust standard error.
	Effect float64 `json:"log_ratio"`
	SE     float64 `json:"se"`
	// Ratio is exp(Effect) with its Wald interval at Level; Reduction is
	// 1 - Ratio (0.30: 30% fewer), with its interval.
	Ratio          float64 `json:"ratio"`
	RatioLower     float64 `json:"ratio_lower"`
	RatioUpper     float64 `json:"ratio_upper"`
	Reduction      float64 `json:"reduction"`
	ReductionLower float64 `json:"reduction_lower"`
	ReductionUpper float64 `json:"reduction_upper"`
	Level          float64 `json:"level"`
	// Sets and Units count what informed the fit (sets with no follow-up
	// incident at all, or none before, carry no information and are left
	// out); Iterations and Converged describe the fit.
	Sets       int  `json:"sets"`
	Units      int  `json:"units"`
	Iterations int  `json:"iterations"`
	Converged  bool `json:"converged"`
}

// stackedTolerance is the largest Newton step at which the fit has
// converged; stackedIterations the most it takes.
const (
	stackedTolerance  = 1e-10
	stackedIterations = 100
)

// FitStacked estimates the plans' effect on the rate of incidents by a
// stacked difference in differences (each plan with its own comparisons,
// Cengiz, Dube, Lindner and Zipperer 2019, QJE 134: 1405-1454), fitted as
// a fixed-effects Poisson model: log E[y] = unit + period x set +
// effect x follow-up x plan, with each window's exposure as offset. A
// relationship's own level and every set's own change over its own dates
// are absorbed, so plans opened at different dates compare only with
// their own comparisons. Conditioning on each unit's total count, the
// unit effects drop out (Hausman, Hall and Griliches 1984, Econometrica
// 52: 909-938) and the model is a binomial regression of the follow-up
// count on the total, with one intercept per set and the effect on the
// plan; it is fitted by Newton's method, the arrow-shaped information
// solved by its Schur complement. The standard error is cluster-robust by
// matched set (a sandwich over sets, with the finite-sample factor
// G/(G-1) x (N-1)/(N-K) that statsmodels applies), which allows for
// overdispersion and for any correlation within a set (Cameron and Miller
// 2015, J. Human Resources 50: 317-372); comparisons shared between sets
// are not allowed for (the bootstrap is the check).
func FitStacked(units []ModelUnit, level float64) (StackedFit, error) {
	// Keep units with an incident, and sets with both an incident before
	// and one after (others are determined and carry no information).
	type setSum struct{ f, n float64 }
	sums := map[int]*setSum{}
	for _, u := range units {
		if n := u.Baseline + u.Followup; n > 0 {
			s := sums[u.Set]
			if s == nil {
				s = &setSum{}
				sums[u.Set] = s
			}
			s.f += u.Followup
			s.n += n
		}
	}
	index := map[int]int{}
	var us []ModelUnit
	treatedInfo := false
	for _, u := range units {
		s := sums[u.Set]
		if u.Baseline+u.Followup == 0 || s == nil || s.f == 0 || s.f == s.n {
			continue
		}
		if _, ok := index[u.Set]; !ok {
			index[u.Set] = len(index)
		}
		us = append(us, u)
		treatedInfo = treatedInfo || u.Treated
	}
	if len(index) < 2 || !treatedInfo {
		return StackedFit{}, errors.New("evaluation: too few matched sets with incidents before and after to fit the comparison model")
	}
	g := len(index)
	gamma := make([]float64, g)
	var delta float64
	fit := StackedFit{Sets: g, Units: len(us), Level: level}
	for it := 1; it <= stackedIterations; it++ {
		fit.Iterations = it
		sm := sumsAt(us, index, gamma, delta)
		schur, rhs := sm.c, 0.0
		for s := range sm.D {
			schur -= sm.B[s] * sm.B[s] / sm.D[s]
			rhs += sm.V[s] - sm.B[s]*sm.U[s]/sm.D[s]
		}
		if !(schur > 0) {
			return StackedFit{}, errors.New("evaluation: the comparison model's information is singular (no plan shares a set with comparisons that had incidents)")
		}
		dDelta := rhs / schur
		step := math.Abs(dDelta)
		delta += dDelta
		for s := range gamma {
			d := (sm.U[s] - sm.B[s]*dDelta) / sm.D[s]
			gamma[s] += d
			step = max(step, math.Abs(d))
		}
		if step < stackedTolerance {
			fit.Converged = true
			break
		}
	}
	// Cluster-robust variance of the effect: the effect's row of the
	// inverse information times a set's score is (its plan score less
	// B/D times its intercept score, zero at the optimum) over the Schur
	// complement.
	sm := sumsAt(us, index, gamma, delta)
	schur, meat := sm.c, 0.0
	for s := range sm.D {
		schur -= sm.B[s] * sm.B[s] / sm.D[s]
		x := sm.V[s] - sm.B[s]/sm.D[s]*sm.U[s]
		meat += x * x
	}
	nobs, k := float64(len(us)), float64(g+1)
	correction := float64(g) / float64(g-1) * (nobs - 1) / (nobs - k)
	fit.Effect, fit.SE = delta, math.Sqrt(correction*meat)/schur
	z := distuv.UnitNormal.Quantile(1 - (1-level)/2)
	fit.Ratio, fit.RatioLower, fit.RatioUpper = math.Exp(delta), math.Exp(delta-z*fit.SE), math.Exp(delta+z*fit.SE)
	fit.Reduction, fit.ReductionLower, fit.ReductionUpper = 1-fit.Ratio, 1-fit.RatioUpper, 1-fit.RatioLower
	return fit, nil
}

// stackedSums are the model's information and score at given parameters,
// by set: D the information of the set's intercept, B its cross term with
// the effect, U the intercept's score and V the plan's score; c is the
// effect's information.
type stackedSums struct {
	D, B, U, V []float64
	c          float64
}

// sumsAt computes the sums at the intercepts gamma and the effect delta.
func sumsAt(us []ModelUnit, index map[int]int, gamma []float64, delta float64) stackedSums {
	g := len(gamma)
	sm := stackedSums{D: make([]float64, g), B: make([]float64, g), U: make([]float64, g), V: make([]float64, g)}
	for _, u := range us {
		s := index[u.Set]
		eta := u.Offset + gamma[s]
		if u.Treated {
			eta += delta
		}
		p := 1 / (1 + math.Exp(-eta))
		n := u.Baseline + u.Followup
		w, r := n*p*(1-p), u.Followup-n*p
		sm.D[s] += w
		sm.U[s] += r
		if u.Treated {
			sm.B[s] += w
			sm.c += w
			sm.V[s] += r
		}
	}
	return sm
}
