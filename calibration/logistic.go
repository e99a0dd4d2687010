package calibration

import (
	"errors"
	"fmt"
	"math"

	"github.com/tau-da/tau/internal/param"

	"gonum.org/v1/gonum/mat"
)

// Fit is a fitted L2-penalised logistic regression on the original
// (unstandardised) feature scale.
type Fit struct {
	Intercept float64
	Coef      []float64
	// SE are standard errors from the inverse of the penalised objective's
	// Hessian at the optimum (NaN where it cannot be inverted).
	// With groups (FitLogisticClustered) they are cluster-robust, and
	// ModelSE keeps the model-based ones.
	SE         []float64
	ModelSE    []float64
	L2         float64
	Iterations int
	// Converged says Newton's method met its tolerance (a fit that did not
	// is returned with Converged false, for the caller to flag).
	Converged bool
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

// Logistic fitting tolerances: Newton's method stops once the largest
// element of the gradient (of the objective per sample, standardised
// scale) is below gradTolerance, or a step moves no coefficient by more
// than stepTolerance; it takes at most newtonIterations steps, each
// halved up to halvings times until the objective does not rise.
const (
	gradTolerance = 1e-10
	stepTolerance = 1e-12
	halvings      = 40
)

// newtonIterations bounds Newton's method: a convex fit converges in a
// handful of steps, so 100 only stops one that cannot (a variable, so a
// test can make a fit stop short and see the error it gives).
var newtonIterations = 100

// FitLogistic minimises sum of log-losses + (l2/2)*||w||^2 over the
// coefficients w, with the intercept unpenalised (le Cessie & van
// Houwelingen 1992), by Newton's method (iteratively reweighted least
// squares, McCullagh and Nelder 1989 section 4.4, with step halving):
// the objective is convex, so it converges in a handful of steps, each one
// pass over the samples. Columns are standardised
// for the fit, so the penalty acts on coefficients per standard deviation,
// and the result is returned on the original scale. A column with no
// variation cannot be fitted and is an error naming it (the caller drops
// it with a warning).
func FitLogistic(x [][]float64, y []bool, names []string, l2 float64) (*Fit, error) {
	return fitLogistic(x, y, names, l2, nil, nil, nil)
}

// FitLogisticClustered is FitLogistic with standard errors robust to
// samples that are not independent: rows with the same group (the same
// relationship, sampled at several as-of dates) are a cluster, and the
// variance is the sandwich H^-1 (sum over clusters of s_g s_g') H^-1 with
// the finite-sample factor G/(G-1) x (N-1)/(N-K) (Cameron and Miller 2015,
// J. Human Resources 50: 317-372; statsmodels' cov_type="cluster"). The
// bread is the penalised Hessian, so with l2 > 0 they are the penalised
// fit's; with l2 = 0 they equal statsmodels'.
func FitLogisticClustered(x [][]float64, y []bool, names []string, l2 float64, groups []string) (*Fit, error) {
	return fitLogistic(x, y, names, l2, nil, groups, nil)
}

// FitLogisticWeighted is FitLogisticClustered with case weights: each
// row's log-loss, gradient and information are multiplied by its weight
// (inverse-probability weights of a case-control sample: a sampled
// negative kept with probability q stands for 1/q; Horvitz and Thompson
// 1952), so the fit estimates the full population's. The clustered
// sandwich sums each group's weighted scores, the variance of a
// weighted estimating equation (Binder 1983, Int Stat Rev 51: 279-292),
// with the same finite-sample factor on the rows fitted. Nil weights
// are all 1.
func FitLogisticWeighted(x [][]float64, y []bool, names []string, l2 float64, groups []string, w []float64) (*Fit, error) {
	return fitLogistic(x, y, names, l2, nil, groups, w)
}

// weightOf is row i's case weight: 1 when there are none.
func weightOf(w []float64, i int) float64 {
	if w == nil {
		return 1
	}
	return w[i]
}

// fitLogistic is FitLogistic with an optional offset: a known term added to
// each row's linear predictor (nil: none), as the calibration intercept
// needs (logit P(y) = a + logit(p)), and optional case weights (nil: 1).
func fitLogistic(x [][]float64, y []bool, names []string, l2 float64, offset []float64, groups []string, cw []float64) (*Fit, error) {
	n := len(x)
	if n == 0 {
		return nil, errors.New("calibrate: no samples to fit")
	}
	if l2 < 0 {
		return nil, fmt.Errorf("calibrate: %w", param.Errorf("l2", "", "must be zero or more"))
	}
	p := len(x[0])
	// total is the weight of every row (n when unweighted): the mean,
	// standard deviation and gradient tolerance are per unit of it.
	total := 0.0
	for i := range x {
		total += weightOf(cw, i)
	}
	mean, sd := make([]float64, p), make([]float64, p)
	for j := 0; j < p; j++ {
		for i := range x {
			mean[j] += weightOf(cw, i) * x[i][j]
		}
		mean[j] /= total
		for i := range x {
			d := x[i][j] - mean[j]
			sd[j] += weightOf(cw, i) * d * d
		}
		sd[j] = math.Sqrt(sd[j] / total)
		if sd[j] == 0 {
			return nil, fmt.Errorf("calibrate: feature %s is the same in every sample; it carries no information (drop it)", names[j])
		}
	}
	pos, wpos := 0, 0.0
	for i, v := range y {
		if v {
			pos++
			wpos += weightOf(cw, i)
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
	q := p + 1
	eta := func(i int, b []float64) float64 {
		e := b[0]
		if offset != nil {
			e += offset[i]
		}
		for j, v := range z[i] {
			e += b[j+1] * v
		}
		return e
	}
	// loss is the penalised objective.
	loss := func(b []float64) float64 {
		l := 0.0
		for i := range z {
			e := eta(i, b)
			// log(1 + e^eta) - y*eta, computed stably.
			wi := weightOf(cw, i)
			if e > 0 {
				l += wi * (e + math.Log1p(math.Exp(-e)))
			} else {
				l += wi * math.Log1p(math.Exp(e))
			}
			if y[i] {
				l -= wi * e
			}
		}
		for j := 1; j <= p; j++ {
			l += l2 / 2 * b[j] * b[j]
		}
		return l
	}
	// derivatives returns the gradient and Hessian of the penalised
	// objective: X'(p - y) + l2 w and X'WX + l2 on the coefficients.
	derivatives := func(b []float64) ([]float64, *mat.SymDense) {
		g := make([]float64, q)
		acc := make([]float64, q*q)
		row := make([]float64, q)
		for i, zi := range z {
			row[0] = 1
			copy(row[1:], zi)
			pr := sigmoid(eta(i, b))
			r := pr
			if y[i] {
				r--
			}
			ci := weightOf(cw, i)
			r *= ci
			w := ci * pr * (1 - pr)
			for a := 0; a < q; a++ {
				g[a] += r * row[a]
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
			g[j] += l2 * b[j]
			h.SetSym(j, j, h.At(j, j)+l2)
		}
		return g, h
	}
	b := make([]float64, q)
	rate := wpos / total
	b[0] = math.Log(rate / (1 - rate))
	f := &Fit{Coef: make([]float64, p), SE: make([]float64, p), L2: l2}
	cur := loss(b)
	g, h := derivatives(b)
	for it := 1; it <= newtonIterations && !f.Converged; it++ {
		f.Iterations = it
		var chol mat.Cholesky
		if !chol.Factorize(h) {
			return nil, errors.New("calibrate: the logistic fit's information is singular (features that are exact combinations of others)")
		}
		d := mat.NewVecDense(q, nil)
		if err := chol.SolveVecTo(d, mat.NewVecDense(q, g)); err != nil {
			return nil, fmt.Errorf("calibrate: the logistic fit failed: %w", err)
		}
		next := make([]float64, q)
		step := 1.0
		for k := 0; k < halvings; k++ {
			for a := range next {
				next[a] = b[a] - step*d.AtVec(a)
			}
			if l := loss(next); l <= cur || k == halvings-1 {
				cur = l
				break
			}
			step /= 2
		}
		moved := 0.0
		for a := range b {
			moved = max(moved, math.Abs(next[a]-b[a]))
		}
		b = next
		g, h = derivatives(b)
		worst := 0.0
		for _, v := range g {
			worst = max(worst, math.Abs(v)/total)
		}
		f.Converged = worst < gradTolerance || moved < stepTolerance
	}
	// Back to the original scale: w_j / sd_j, intercept less sum w_j mean_j / sd_j.
	f.Intercept = b[0]
	for j := 0; j < p; j++ {
		f.Coef[j] = b[j+1] / sd[j]
		f.Intercept -= b[j+1] * mean[j] / sd[j]
	}
	// The Hessian at the optimum; its inverse gives the standard errors.
	var chol mat.Cholesky
	var inv mat.SymDense
	if ok := chol.Factorize(h); !ok || chol.InverseTo(&inv) != nil {
		for j := range f.SE {
			f.SE[j] = math.NaN()
		}
		f.ModelSE = f.SE
		return f, nil
	}
	f.ModelSE = make([]float64, p)
	for j := 0; j < p; j++ {
		f.ModelSE[j] = math.Sqrt(inv.At(j+1, j+1)) / sd[j]
	}
	copy(f.SE, f.ModelSE)
	if groups != nil {
		v := clusterSandwich(&inv, z, y, offset, b, groups, cw)
		for j := 0; j < p; j++ {
			f.SE[j] = math.Sqrt(v.At(j+1, j+1)) / sd[j]
		}
	}
	return f, nil
}

// clusterSandwich is the cluster-robust variance of the coefficients on
// the standardised scale: inv (the inverse Hessian) times the sum over
// groups of each group's score outer product, times inv, with statsmodels'
// finite-sample factor; each row's score is multiplied by its case weight.
func clusterSandwich(inv *mat.SymDense, z [][]float64, y []bool, offset, b []float64, groups []string, cw []float64) *mat.Dense {
	q := len(b)
	scores := map[string][]float64{}
	var order []string
	for i, zi := range z {
		e := b[0]
		if offset != nil {
			e += offset[i]
		}
		for j, v := range zi {
			e += b[j+1] * v
		}
		r := sigmoid(e)
		if y[i] {
			r--
		}
		r *= weightOf(cw, i)
		g := scores[groups[i]]
		if g == nil {
			g = make([]float64, q)
			scores[groups[i]] = g
			order = append(order, groups[i])
		}
		g[0] += r
		for j, v := range zi {
			g[j+1] += r * v
		}
	}
	meat := mat.NewSymDense(q, nil)
	for _, k := range order {
		meat.SymRankOne(meat, 1, mat.NewVecDense(q, scores[k]))
	}
	n, nGroups := float64(len(z)), float64(len(order))
	var out mat.Dense
	out.Mul(inv, meat)
	out.Mul(&out, inv)
	if nGroups > 1 && n > float64(q) {
		out.Scale(nGroups/(nGroups-1)*(n-1)/(n-float64(q)), &out)
	}
	return &out
}
