package evaluation

import (
	"errors"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// RateRatio compares two Poisson rates: the follow-up rate over the baseline
// rate, each count divided by its exposure (window length, in any unit,
// times the number of cases).
type RateRatio struct {
	BaselineCount    int     `json:"baseline_count"`
	FollowupCount    int     `json:"followup_count"`
	BaselineExposure float64 `json:"baseline_exposure"`
	FollowupExposure float64 `json:"followup_exposure"`
	// Ratio is (FollowupCount/FollowupExposure) / (BaselineCount/BaselineExposure).
	Ratio float64 `json:"ratio"`
	// Lower and Upper bound the ratio's confidence interval at Level.
	Lower float64 `json:"lower"`
	Upper float64 `json:"upper"`
	Level float64 `json:"level"`
	// P is the two-sided p-value of the test of no change (ratio 1).
	P float64 `json:"p_value"`
	// Method names the interval and test.
	Method string `json:"method"`
}

// ErrNoEvents is returned when both counts are zero: no rate can be compared.
var ErrNoEvents = errors.New("evaluation: no events before or after; a rate ratio needs at least one")

// ExactRateRatio returns the rate ratio with the exact conditional
// confidence interval and test (Przyborowski & Wilenski 1940; the method
// statsmodels calls "exact-cond" in test_poisson_2indep): given the total n
// of both counts, the follow-up count is Binomial(n, pi) with
// pi = Ef*R / (Eb + Ef*R). The Clopper-Pearson interval for pi (Clopper &
// Pearson 1934) is mapped back to R = pi/(1-pi) * Eb/Ef; the p-value is the
// two-sided binomial test of pi0 = Ef/(Eb+Ef), summing the probabilities of
// outcomes no more likely than the one observed ("minlike", as R's
// binom.test and SciPy's binomtest).
func ExactRateRatio(baseline int, baselineExposure float64, followup int, followupExposure float64, level float64) (RateRatio, error) {
	r := RateRatio{BaselineCount: baseline, FollowupCount: followup, BaselineExposure: baselineExposure, FollowupExposure: followupExposure, Level: level,
		Method: "exact conditional (binomial, Clopper-Pearson interval; Przyborowski & Wilenski 1940)"}
	if baseline < 0 || followup < 0 || !(baselineExposure > 0) || !(followupExposure > 0) {
		return r, errors.New("evaluation: counts must be zero or more and exposures positive; give the window lengths")
	}
	if level <= 0 || level >= 1 {
		return r, errors.New("evaluation: the confidence level must be between 0 and 1, such as 0.95")
	}
	n := baseline + followup
	if n == 0 {
		return r, ErrNoEvents
	}
	scale := baselineExposure / followupExposure
	toRatio := func(pi float64) float64 {
		if pi >= 1 {
			return math.Inf(1)
		}
		return pi / (1 - pi) * scale
	}
	k := float64(followup)
	if baseline == 0 {
		r.Ratio = math.Inf(1)
	} else {
		r.Ratio = (k / followupExposure) / (float64(baseline) / baselineExposure)
	}
	alpha := 1 - level
	// Clopper-Pearson: lower = Beta(alpha/2; k, n-k+1), upper = Beta(1-alpha/2; k+1, n-k).
	lo, hi := 0.0, 1.0
	if followup > 0 {
		lo = distuv.Beta{Alpha: k, Beta: float64(n-followup) + 1}.Quantile(alpha / 2)
	}
	if followup < n {
		hi = distuv.Beta{Alpha: k + 1, Beta: float64(n - followup)}.Quantile(1 - alpha/2)
	}
	r.Lower, r.Upper = toRatio(lo), toRatio(hi)
	r.P = binomTwoSided(followup, n, followupExposure/(baselineExposure+followupExposure))
	return r, nil
}

// binomTwoSided is the two-sided exact binomial test p-value by the
// "minlike" rule: the total probability of every outcome whose probability
// is at most that of the observed one (with a relative tolerance of 1e-7, as
// R and SciPy use, so ties are not lost to rounding).
func binomTwoSided(k, n int, p float64) float64 {
	b := distuv.Binomial{N: float64(n), P: p}
	obs := b.LogProb(float64(k))
	total := 0.0
	for i := 0; i <= n; i++ {
		lp := b.LogProb(float64(i))
		if lp <= obs+math.Log1p(1e-7) {
			total += math.Exp(lp)
		}
	}
	return math.Min(1, total)
}

// RobustRateRatio is the pooled rate ratio of plans' follow-up over their
// baseline, with a Wald interval whose standard error comes from the
// plans themselves rather than from a Poisson assumption: the
// cluster-robust (sandwich) variance of the Poisson regression of each
// plan's two counts on a period term with log exposure as offset,
// clustered by plan, with statsmodels' finite-sample factor
// G/(G-1) x (N-1)/(N-K) (Cameron and Trivedi 2013, Regression Analysis of
// Count Data, 2nd ed., ch. 3; Cameron and Miller 2015). It stays honest when
// counts vary across plans more than Poisson (the dispersion returned is
// the Pearson statistic per degree of freedom: 1 is Poisson). The fitted
// ratio is the pooled one, (sum follow-up / sum follow-up exposure) over
// (sum baseline / sum baseline exposure).
type RobustRateRatio struct {
	Ratio      float64 `json:"ratio"`
	Lower      float64 `json:"lower"`
	Upper      float64 `json:"upper"`
	Level      float64 `json:"level"`
	SE         float64 `json:"se_log_ratio"`
	Dispersion float64 `json:"dispersion"`
	Method     string  `json:"method"`
}

// RobustRatio returns the robust rate ratio of the plans' counts and
// exposures (baseline b, follow-up f; exposures eb, ef), one entry per plan.
func RobustRatio(b, f []int, eb, ef []float64, level float64) (RobustRateRatio, error) {
	var B, F, EB, EF float64
	for i := range b {
		B, F, EB, EF = B+float64(b[i]), F+float64(f[i]), EB+eb[i], EF+ef[i]
	}
	g := len(b)
	if B == 0 || F == 0 || g < 2 {
		return RobustRateRatio{}, errors.New("evaluation: a robust rate ratio needs incidents before and after, over two plans or more")
	}
	rb, rf := B/EB, F/EF
	// The score of plan i for (intercept, period): the residuals of its
	// two counts; the information is diagonal-free in closed form for two
	// groups, and the period coefficient's sandwich reduces to the sum of
	// squared (follow-up residual / F - baseline residual / B).
	meat, pearson := 0.0, 0.0
	for i := range b {
		resB, resF := float64(b[i])-rb*eb[i], float64(f[i])-rf*ef[i]
		x := resF/F - resB/B
		meat += x * x
		if mb := rb * eb[i]; mb > 0 {
			pearson += resB * resB / mb
		}
		if mf := rf * ef[i]; mf > 0 {
			pearson += resF * resF / mf
		}
	}
	nobs, k := float64(2*g), 2.0
	correction := float64(g) / float64(g-1) * (nobs - 1) / (nobs - k)
	se := math.Sqrt(correction * meat)
	z := distuv.UnitNormal.Quantile(1 - (1-level)/2)
	ratio := rf / rb
	return RobustRateRatio{Ratio: ratio, Lower: ratio * math.Exp(-z*se), Upper: ratio * math.Exp(z*se), Level: level, SE: se,
		Dispersion: pearson / (nobs - k),
		Method:     "Poisson regression of each plan's baseline and follow-up counts with exposure as offset, cluster-robust by plan (allows overdispersion)"}, nil
}
