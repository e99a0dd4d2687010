package calibration

import (
	"errors"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/tau-da/tau/evaluation"
)

// AUC is the area under the ROC curve of scores against outcomes, computed
// exactly as the Mann-Whitney statistic: the share of (positive, negative)
// pairs in which the positive scores higher, ties counted half (Hanley &
// McNeil 1982). It is NaN when either class is empty.
func AUC(scores []float64, y []bool) float64 { return auc(scores, y, nil) }

// auc is AUC with case weights (nil: 1).
func auc(scores []float64, y []bool, w []float64) float64 {
	return weightedAUC(sortedOrder(scores), scores, y, w)
}

// sortedOrder returns the indices of scores in ascending order.
func sortedOrder(scores []float64) []int {
	order := make([]int, len(scores))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return scores[order[a]] < scores[order[b]] })
	return order
}

// weightedAUC is the Mann-Whitney AUC with case weights (a bootstrap
// replicate's multiplicities, a sampled negative's inverse probability;
// nil: 1), one pass over the ascending order: each positive gains the
// weight of negatives strictly below it plus half of those tied with it.
func weightedAUC(order []int, scores []float64, y []bool, w []float64) float64 {
	var negBelow, wPos, wNeg, sum float64
	for i := 0; i < len(order); {
		j := i
		var tiePos, tieNeg float64
		for j < len(order) && scores[order[j]] == scores[order[i]] {
			k := order[j]
			if y[k] {
				tiePos += weightOf(w, k)
			} else {
				tieNeg += weightOf(w, k)
			}
			j++
		}
		sum += tiePos * (negBelow + tieNeg/2)
		negBelow += tieNeg
		wPos += tiePos
		wNeg += tieNeg
		i = j
	}
	if wPos == 0 || wNeg == 0 {
		return math.NaN()
	}
	return sum / (wPos * wNeg)
}

// AUCInterval is the percentile interval of the AUC over a bootstrap that
// resamples clusters (relationships, whose samples at several dates are not
// independent) with replacement.
func AUCInterval(scores []float64, y []bool, cluster []int, clusters, replicates int, level float64, seed uint64) (lo, hi float64, err error) {
	return aucInterval(scores, y, cluster, clusters, replicates, level, seed, nil)
}

// aucInterval is AUCInterval with case weights (nil: 1): a replicate's
// weight of a sample is its cluster's multiplicity times its own weight.
func aucInterval(scores []float64, y []bool, cluster []int, clusters, replicates int, level float64, seed uint64, cw []float64) (lo, hi float64, err error) {
	if replicates < 100 {
		return 0, 0, errors.New("calibrate: use at least 100 bootstrap replicates")
	}
	order := sortedOrder(scores)
	r := rand.New(rand.NewPCG(seed, 0xa0c))
	counts := make([]float64, clusters)
	w := make([]float64, len(scores))
	var stats []float64
	for b := 0; b < replicates; b++ {
		clear(counts)
		for k := 0; k < clusters; k++ {
			counts[r.IntN(clusters)]++
		}
		for i := range w {
			w[i] = counts[cluster[i]] * weightOf(cw, i)
		}
		if a := weightedAUC(order, scores, y, w); !math.IsNaN(a) {
			stats = append(stats, a)
		}
	}
	if len(stats) < replicates/2 {
		return math.NaN(), math.NaN(), errors.New("calibrate: the AUC is undefined in most bootstrap resamples (too few positive outcomes)")
	}
	sort.Float64s(stats)
	return evaluation.Quantile(stats, (1-level)/2), evaluation.Quantile(stats, 1-(1-level)/2), nil
}

// Brier is the mean squared difference between predicted probability and
// outcome (Brier 1950).
func Brier(p []float64, y []bool) float64 { return brier(p, y, nil) }

// brier is the Brier score with case weights (nil: 1): the weighted mean.
func brier(p []float64, y []bool, w []float64) float64 {
	s, n := 0.0, 0.0
	for i, v := range p {
		d := v
		if y[i] {
			d = v - 1
		}
		s += weightOf(w, i) * d * d
		n += weightOf(w, i)
	}
	return s / n
}

// probability bounds keep logit(p) finite.
const minProb = 1e-12

func logit(p float64) float64 {
	p = math.Min(math.Max(p, minProb), 1-minProb)
	return math.Log(p / (1 - p))
}

// Calibration returns the calibration intercept (calibration-in-the-large:
// a in logit P(y) = a + logit(p)) and slope (b in logit P(y) = a' +
// b*logit(p)), each the maximum-likelihood logistic fit (FitLogistic,
// unpenalised; the intercept with logit(p) as an offset) (Cox 1958; Van
// Calster et al. 2019, BMC Medicine 17:230). A perfectly calibrated model
// has intercept 0 and slope 1; a slope below 1 means predictions too
// extreme (overfitting). Either is NaN when it cannot be fitted (every
// outcome the same, or every prediction).
func Calibration(p []float64, y []bool) (intercept, slope float64) { return calibration(p, y, nil) }

// calibration is Calibration with case weights (nil: 1).
func calibration(p []float64, y []bool, w []float64) (intercept, slope float64) {
	lp := make([]float64, len(p))
	none := make([][]float64, len(p))
	one := make([][]float64, len(p))
	for i, v := range p {
		lp[i] = logit(v)
		none[i] = []float64{}
		one[i] = []float64{lp[i]}
	}
	intercept, slope = math.NaN(), math.NaN()
	if f, err := fitLogistic(none, y, nil, 0, lp, nil, w); err == nil {
		intercept = f.Intercept
	}
	if f, err := fitLogistic(one, y, []string{"logit(p)"}, 0, nil, nil, w); err == nil {
		slope = f.Coef[0]
	}
	return intercept, slope
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Bin is one row of a reliability table.
type Bin struct {
	Decile        int     `json:"decile"`
	N             int     `json:"n"`
	MeanPredicted float64 `json:"mean_predicted"`
	Observed      float64 `json:"observed_rate"`
}

// Reliability groups samples into ten equal-count bins by predicted
// probability (1 = lowest) and compares the mean prediction with the
// observed rate in each.
func Reliability(p []float64, y []bool) []Bin { return reliability(p, y, nil) }

// reliability is Reliability with case weights (nil: 1): bins of equal
// weight, each sample in the bin where the weight before it falls (with
// weights of 1, the equal-count bins), N the bin's weight rounded.
func reliability(p []float64, y []bool, w []float64) []Bin {
	order := sortedOrder(p)
	total := 0.0
	for i := range p {
		total += weightOf(w, i)
	}
	var bins [10]struct{ n, pred, pos float64 }
	before := 0.0
	for _, i := range order {
		d := 0
		for d < 9 && before >= math.Floor(float64(d+1)*total/10) {
			d++
		}
		wi := weightOf(w, i)
		bins[d].n += wi
		bins[d].pred += wi * p[i]
		if y[i] {
			bins[d].pos += wi
		}
		before += wi
	}
	var out []Bin
	for d, b := range bins {
		if b.n == 0 {
			continue
		}
		out = append(out, Bin{Decile: d + 1, N: int(math.Round(b.n)), MeanPredicted: b.pred / b.n, Observed: b.pos / b.n})
	}
	return out
}

// TopK is precision and recall when a unit works the k highest-scored
// relationships at each as-of date.
type TopK struct {
	K         int     `json:"k"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	Selected  int     `json:"selected"`
	Captured  int     `json:"captured"`
	Positives int     `json:"positives"`
}

// TopKAt ranks samples within each date group by score (ties to the lower
// tiebreak key) and pools, over dates, the positives among the k highest
// (precision = captured / selected) and the share of all positives they
// capture (recall). in[i] marks the samples whose outcomes count (a group
// for fairness); nil counts all.
func TopKAt(scores []float64, y []bool, date []int, key []string, k int, in []bool) TopK {
	return countTopK(topPerDate(scores, date, key, func(int) int { return k }, nil), y, k, in, nil)
}

// topPerDate marks, at each date, the n(size) highest-scored samples
// (ties to the lower key), size being the number of samples that date.
// With case weights (nil: 1) size is the date's weight, rounded, and a
// sample is marked while the weight above it is under n: the estimated
// top n of the population the samples stand for.
func topPerDate(scores []float64, date []int, key []string, n func(size int) int, w []float64) []bool {
	byDate := map[int][]int{}
	for i, d := range date {
		byDate[d] = append(byDate[d], i)
	}
	top := make([]bool, len(scores))
	for _, idx := range byDate {
		sort.Slice(idx, func(a, b int) bool {
			if scores[idx[a]] != scores[idx[b]] {
				return scores[idx[a]] > scores[idx[b]]
			}
			return key[idx[a]] < key[idx[b]]
		})
		if w == nil {
			for _, i := range idx[:min(n(len(idx)), len(idx))] {
				top[i] = true
			}
			continue
		}
		size := 0.0
		for _, i := range idx {
			size += w[i]
		}
		want, above := float64(n(int(math.Round(size)))), 0.0
		for _, i := range idx {
			if above >= want {
				break
			}
			top[i] = true
			above += w[i]
		}
	}
	return top
}

// countTopK pools precision and recall of a top-k selection over the
// samples in (nil: all), with case weights (nil: 1; the counts are the
// weights' sums, rounded).
func countTopK(selected, y []bool, k int, in []bool, w []float64) TopK {
	t := TopK{K: k}
	var pos, sel, capt float64
	for i := range y {
		if in != nil && !in[i] {
			continue
		}
		wi := weightOf(w, i)
		if y[i] {
			pos += wi
		}
		if selected[i] {
			sel += wi
			if y[i] {
				capt += wi
			}
		}
	}
	t.Positives, t.Selected, t.Captured = int(math.Round(pos)), int(math.Round(sel)), int(math.Round(capt))
	if sel > 0 {
		t.Precision = capt / sel
	}
	if pos > 0 {
		t.Recall = capt / pos
	} else {
		t.Recall = math.NaN()
	}
	return t
}

// ROCPoint is one point of an ROC curve.
type ROCPoint struct {
	FPR float64 `json:"fpr"`
	TPR float64 `json:"tpr"`
}

// rocPoints is the most points an ROC curve keeps (evenly spaced along the
// curve), enough to draw it.
const rocPoints = 100

// ROC returns the ROC curve of scores against outcomes: the false- and
// true-positive rates as the threshold falls through each distinct score,
// from (0, 0) to (1, 1).
func ROC(scores []float64, y []bool) []ROCPoint { return roc(scores, y, nil) }

// roc is ROC with case weights (nil: 1).
func roc(scores []float64, y []bool, w []float64) []ROCPoint {
	order := sortedOrder(scores)
	var pos, neg float64
	for i, v := range y {
		if v {
			pos += weightOf(w, i)
		} else {
			neg += weightOf(w, i)
		}
	}
	if pos == 0 || neg == 0 {
		return nil
	}
	pts := []ROCPoint{{0, 0}}
	var tp, fp float64
	for i := len(order) - 1; i >= 0; {
		j := i
		for j >= 0 && scores[order[j]] == scores[order[i]] {
			if y[order[j]] {
				tp += weightOf(w, order[j])
			} else {
				fp += weightOf(w, order[j])
			}
			j--
		}
		pts = append(pts, ROCPoint{fp / neg, tp / pos})
		i = j
	}
	if len(pts) <= rocPoints {
		return pts
	}
	out := make([]ROCPoint, 0, rocPoints+1)
	for k := 0; k < rocPoints; k++ {
		out = append(out, pts[k*(len(pts)-1)/rocPoints])
	}
	return append(out, pts[len(pts)-1])
}
