package calibration

import (
	"errors"
	"fmt"
	"math"

	"github.com/tau-da/tau/internal/param"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// Fit is a fitted L2-penalised logistic regression on the original
// (unstandardised) feature scale.
type Fit struct {
	Intercept float64
	Coef      []float64
	// SE are standard errors from the inverse of the penalised objective's
	// Hessian at the optimum (NaN where it cannot be inverted).
	SE         []float64
	L2         float64
	Iterations int
}

// Predict returns the fitted probability for one row.
func (f *Fit) Predict(x []float64) float64 {
	z := f.Intercept
	for j, c := range f.Coef {
		z += c * x[j]
	}
	return sigmoid(z)
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// logistic fitting tolerances: the gradient norm at which L-BFGS stops.
const gradTolerance = 1e-8

// FitLogistic minimises sum of log-losses + (l2/2)*||w||^2 over the
// coefficients w, with the intercept unpenalised (le Cessie & van
// Houwelingen 1992), by L-BFGS (gonum optimize). Columns are standardised
// for the fit, so the penalty acts on coefficients per standard deviation,
// and the result is returned on the original scale. A column with no
// variation cannot be fitted and is an error naming it (the caller drops
// it with a warning).
func FitLogistic(x [][]float64, y []bool, names []string, l2 float64) (*Fit, error) {
	return fitLogistic(x, y, names, l2, nil)
}

// fitLogistic is FitLogistic with an optional offset: a known term added to
// each row's linear predictor (nil: none), as the calibration intercept
// needs (logit P(y) = a + logit(p)).
func fitLogistic(x [][]float64, y []bool, names []string, l2 float64, offset []float64) (*Fit, error) {
	n := len(x)
	if n == 0 {
		return nil, errors.New("calibrate: no samples to fit")
	}
	if l2 < 0 {
		return nil, fmt.Errorf("calibrate: %w", param.Errorf("l2", "", "must be zero or more"))
	}
	p := len(x[0])
	mean, sd := make([]float64, p), make([]float64, p)
	for j := 0; j < p; j++ {
		for i := range x {
			mean[j] += x[i][j]
		}
		mean[j] /= float64(n)
		for i := range x {
			d := x[i][j] - mean[j]
			sd[j] += d * d
		}
		sd[j] = math.Sqrt(sd[j] / float64(n))
		if sd[j] == 0 {
			return nil, fmt.Errorf("calibrate: feature %s is the same in every sample; it carries no information (drop it)", names[j])
		}
	}
	pos := 0
	for _, v := range y {
		if v {
			pos++
		}
	}
	if pos == 0 || pos == n {
		return nil, fmt.Errorf("calibrate: every sample has the same outcome (%d of %d positive); a model needs both", pos, n)
	}
	z := make([][]float64, n)
	for i := range x {
		z[i] = make([]float64, p)
		for j := range z[i] {
			z[i][j] = (x[i][j] - mean[j]) / sd[j]
		}
	}
	// Parameters: [intercept, w_1..w_p] on the standardised scale.
	obj := func(g []float64, b []float64) float64 {
		loss := 0.0
		if g != nil {
			for k := range g {
				g[k] = 0
			}
		}
		for i, zi := range z {
			eta := b[0]
			if offset != nil {
				eta += offset[i]
			}
			for j, v := range zi {
				eta += b[j+1] * v
			}
			// log(1 + e^eta) - y*eta, computed stably.
			var l float64
			if eta > 0 {
				l = eta + math.Log1p(math.Exp(-eta))
			} else {
				l = math.Log1p(math.Exp(eta))
			}
			yi := 0.0
			if y[i] {
				yi = 1
			}
			loss += l - yi*eta
			if g != nil {
				r := sigmoid(eta) - yi
				g[0] += r
				for j, v := range zi {
					g[j+1] += r * v
				}
			}
		}
		for j := 1; j <= p; j++ {
			loss += l2 / 2 * b[j] * b[j]
			if g != nil {
				g[j] += l2 * b[j]
			}
		}
		return loss
	}
	b0 := make([]float64, p+1)
	rate := float64(pos) / float64(n)
	b0[0] = math.Log(rate / (1 - rate))
	prob := optimize.Problem{
		Func: func(b []float64) float64 { return obj(nil, b) },
		Grad: func(g, b []float64) { obj(g, b) },
	}
	res, err := optimize.Minimize(prob, b0, &optimize.Settings{GradientThreshold: gradTolerance, MajorIterations: 1000}, &optimize.LBFGS{})
	if err != nil && res == nil {
		return nil, fmt.Errorf("calibrate: the logistic fit failed: %w", err)
	}
	b := res.X
	f := &Fit{Coef: make([]float64, p), SE: make([]float64, p), L2: l2, Iterations: res.Stats.MajorIterations}
	// Back to the original scale: w_j / sd_j, intercept less sum w_j mean_j / sd_j.
	f.Intercept = b[0]
	for j := 0; j < p; j++ {
		f.Coef[j] = b[j+1] / sd[j]
		f.Intercept -= b[j+1] * mean[j] / sd[j]
	}
	// Hessian of the penalised objective (standardised scale): Z'WZ plus l2
	// on the coefficients; its inverse gives the standard errors.
	q := p + 1
	acc := make([]float64, q*q)
	row := make([]float64, q)
	for i, zi := range z {
		row[0] = 1
		copy(row[1:], zi)
		eta := 0.0
		if offset != nil {
			eta = offset[i]
		}
		for k, v := range row {
			eta += b[k] * v
		}
		pr := sigmoid(eta)
		w := pr * (1 - pr)
		for a := 0; a < q; a++ {
			wa := w * row[a]
			if wa == 0 {
				continue
			}
			ra := acc[a*q:]
			for c := a; c < q; c++ {
				ra[c] += wa * row[c]
			}
		}
	}
	h := mat.NewSymDense(q, nil)
	for a := 0; a < q; a++ {
		for c := a; c < q; c++ {
			h.SetSym(a, c, acc[a*q+c])
		}
	}
	for j := 1; j <= p; j++ {
		h.SetSym(j, j, h.At(j, j)+l2)
	}
	var chol mat.Cholesky
	if ok := chol.Factorize(h); ok {
		var inv mat.SymDense
		if err := chol.InverseTo(&inv); err == nil {
			for j := 0; j < p; j++ {
				f.SE[j] = math.Sqrt(inv.At(j+1, j+1)) / sd[j]
			}
			return f, nil
		}
	}
	for j := range f.SE {
		f.SE[j] = math.NaN()
	}
	return f, nil
}
