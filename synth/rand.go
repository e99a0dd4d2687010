package synth

import (
	"math"
	"math/rand/v2"
)

// rng wraps a PCG generator with the draws the model needs.
type rng struct{ *rand.Rand }

func newRNG(seed, stream uint64) rng {
	return rng{rand.New(rand.NewPCG(seed, stream^0x9e3779b97f4a7c15))}
}

func (r rng) bernoulli(p float64) bool { return r.Float64() < p }

// poisson draws from Poisson(mean) by inversion (Knuth); means here are
// small (a few per month), where inversion is exact and fast.
func (r rng) poisson(mean float64) int {
	if mean <= 0 {
		return 0
	}
	if mean > 30 {
		// Normal approximation for the rare large mean.
		v := int(math.Round(mean + math.Sqrt(mean)*r.NormFloat64()))
		if v < 0 {
			return 0
		}
		return v
	}
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// lognormal draws exp(N(mu, sigma)).
func (r rng) lognormal(mu, sigma float64) float64 { return math.Exp(mu + sigma*r.NormFloat64()) }

// pick returns an index drawn with the given weights.
func (r rng) pick(weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	u := r.Float64() * total
	for i, w := range weights {
		if u < w {
			return i
		}
		u -= w
	}
	return len(weights) - 1
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
