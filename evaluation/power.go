package evaluation

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// powerTarget and powerAlpha are the conventions a minimum detectable
// effect is stated at: 80% power, a two-sided 5% test (Bloom 1995).
const (
	powerTarget = 0.80
	powerAlpha  = 0.05
)

// Power says how large a reduction the evaluation could tell from chance:
// the minimum detectable effect at 80% power and a two-sided 5% test,
// (z(0.975) + z(0.80)) standard errors on the log rate scale, at the
// standard error the data gave (so at its observed dispersion) (Bloom 1995,
// Evaluation Review 19: 547-556).
type Power struct {
	Plans int `json:"plans"`
	// Reduction is the smallest reduction (a proportion) detectable.
	Reduction float64 `json:"minimum_detectable_reduction"`
	// Basis says which standard error it comes from.
	Basis    string `json:"basis"`
	Sentence string `json:"sentence"`
}

// MinimumDetectable returns the power statement for a standard error of
// the log rate ratio over plans.
func MinimumDetectable(plans int, se float64, basis string) Power {
	z := distuv.UnitNormal.Quantile(1-powerAlpha/2) + distuv.UnitNormal.Quantile(powerTarget)
	r := 1 - math.Exp(-z*se)
	return Power{Plans: plans, Reduction: r, Basis: basis,
		Sentence: fmt.Sprintf("With %d plans, only a reduction larger than %.0f%% would be distinguishable from chance (80%% power, 5%% two-sided test, at the spread these plans showed).", plans, 100*r)}
}
