package calibration

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tau-da/tau/internal/period"
)

// TestAUCByHand: scores {0.1, 0.4, 0.35, 0.8} with outcomes {0, 0, 1, 1}:
// of the 4 positive-negative pairs, (0.35 vs 0.1), (0.8 vs 0.1), (0.8 vs
// 0.4) are ordered and (0.35 vs 0.4) is not: AUC 3/4 (the worked example of
// the ROC curve in Fawcett 2006 uses the same counting). A tie counts half.
func TestAUCByHand(t *testing.T) {
	t.Parallel()
	if got := AUC([]float64{0.1, 0.4, 0.35, 0.8}, []bool{false, false, true, true}); got != 0.75 {
		t.Errorf("AUC = %v, want 0.75", got)
	}
	if got := AUC([]float64{0.5, 0.5}, []bool{false, true}); got != 0.5 {
		t.Errorf("tied AUC = %v, want 0.5", got)
	}
	if got := AUC([]float64{1, 2}, []bool{true, true}); !math.IsNaN(got) {
		t.Errorf("one class: AUC = %v, want NaN", got)
	}
}

// TestLogisticClosedForm: with one binary feature and no penalty the
// maximum-likelihood fit reproduces the two groups' log-odds exactly:
// intercept = logit(rate without), coefficient = logit(rate with) -
// logit(rate without). Here 2/10 and 6/10: intercept log(2/8) = -1.386,
// coefficient log(6/4) - log(2/8) = 1.792; the standard error is
// sqrt(1/2 + 1/8 + 1/6 + 1/4) = 1.041 (Woolf's formula for a log odds
// ratio, which the inverse information equals for a saturated model).
func TestLogisticClosedForm(t *testing.T) {
	t.Parallel()
	var x [][]float64
	var y []bool
	for i := 0; i < 10; i++ {
		x, y = append(x, []float64{0}), append(y, i < 2)
		x, y = append(x, []float64{1}), append(y, i < 6)
	}
	f, err := FitLogistic(x, y, []string{"flag"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(f.Intercept-math.Log(2.0/8)) > 1e-5 || math.Abs(f.Coef[0]-(math.Log(6.0/4)-math.Log(2.0/8))) > 1e-5 {
		t.Errorf("fit %+v, want intercept %.4f and coefficient %.4f", f, math.Log(2.0/8), math.Log(6.0/4)-math.Log(2.0/8))
	}
	if se := math.Sqrt(1.0/2 + 1.0/8 + 1.0/6 + 1.0/4); math.Abs(f.SE[0]-se) > 1e-4 {
		t.Errorf("SE %v, want %v", f.SE[0], se)
	}
}

// TestLogisticPenaltyOptimality: with an L2 penalty there is no closed
// form, so the fit is checked against its optimality conditions, computed
// here independently of the optimiser: sum(y - p) = 0 for the intercept
// and sum((y - p) z_j) = l2 * w_j for each standardised coefficient.
func TestLogisticPenaltyOptimality(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	var x [][]float64
	var y []bool
	for i := 0; i < 400; i++ {
		a, b := r.NormFloat64(), float64(r.IntN(2))
		x = append(x, []float64{a, b})
		y = append(y, r.Float64() < sigmoid(-1+0.8*a+1.2*b))
	}
	const l2 = 5
	f, err := FitLogistic(x, y, []string{"a", "b"}, l2)
	if err != nil {
		t.Fatal(err)
	}
	mean, sd := make([]float64, 2), make([]float64, 2)
	for j := 0; j < 2; j++ {
		for _, row := range x {
			mean[j] += row[j] / 400
		}
		for _, row := range x {
			sd[j] += (row[j] - mean[j]) * (row[j] - mean[j]) / 400
		}
		sd[j] = math.Sqrt(sd[j])
	}
	var g0 float64
	g := make([]float64, 2)
	for i, row := range x {
		res := b2f(y[i]) - f.Predict(row)
		g0 += res
		for j := range g {
			g[j] += res * (row[j] - mean[j]) / sd[j]
		}
	}
	if math.Abs(g0) > 1e-4 {
		t.Errorf("intercept condition: sum(y - p) = %v", g0)
	}
	for j := range g {
		if w := f.Coef[j] * sd[j]; math.Abs(g[j]-l2*w) > 1e-4 {
			t.Errorf("coefficient %d: sum((y-p)z) = %v, l2*w = %v", j, g[j], l2*w)
		}
	}
}

func TestCalibrationSlope(t *testing.T) {
	t.Parallel()
	// Outcomes drawn from the predictions themselves: intercept near 0 and
	// slope near 1. Predictions made twice as extreme on the logit scale:
	// slope near 1/2 (overfitting shows as a slope below 1).
	r := rand.New(rand.NewPCG(9, 9))
	var p, extreme []float64
	var y []bool
	for i := 0; i < 20000; i++ {
		z := -2 + r.NormFloat64()
		p = append(p, sigmoid(z))
		extreme = append(extreme, sigmoid(2*z))
		y = append(y, r.Float64() < sigmoid(z))
	}
	a, b := Calibration(p, y)
	if math.Abs(a) > 0.06 || math.Abs(b-1) > 0.06 {
		t.Errorf("well calibrated: intercept %.3f slope %.3f", a, b)
	}
	if _, b := Calibration(extreme, y); math.Abs(b-0.5) > 0.05 {
		t.Errorf("too extreme: slope %.3f, want about 0.5", b)
	}
}

func TestTopK(t *testing.T) {
	t.Parallel()
	// Two dates, k = 1: date 0's top is positive, date 1's is not; three
	// positives in all: precision 1/2, recall 1/3.
	scores := []float64{0.9, 0.1, 0.8, 0.7, 0.2}
	y := []bool{true, true, false, true, false}
	date := []int{0, 0, 1, 1, 1}
	key := []string{"a", "b", "c", "d", "e"}
	got := TopKAt(scores, y, date, key, 1, nil)
	if got.Precision != 0.5 || math.Abs(got.Recall-1.0/3) > 1e-12 {
		t.Errorf("top-k %+v", got)
	}
}

// simulated builds samples whose outcome follows a known logistic model
// over the features the calibration sees: cluster flags with true
// log-odds effects, harm and frequency.
func simulated(n int, effects map[string]float64, seed uint64) ([]Sample, []float64) {
	r := rand.New(rand.NewPCG(seed, 1))
	ids := []string{"C1", "C2", "C3", "C4", "C5"}
	var out []Sample
	var truth []float64
	for i := 0; i < n; i++ {
		s := Sample{RelationshipID: "r" + strconv.Itoa(i), AsOf: time.Date(2022+i%3, 3, 31, 0, 0, 0, 0, time.UTC),
			HarmDays: math.Floor(r.ExpFloat64() * 20), Occurrences: r.IntN(8), DaysSinceLast: r.IntN(700), Sex: []string{"female", "male"}[r.IntN(2)], BirthYear: 1960 + r.IntN(40)}
		z := -4.0 + 0.3*math.Log1p(s.HarmDays)
		for _, c := range ids {
			if r.Float64() < 0.2 {
				s.Clusters = append(s.Clusters, c)
				z += effects[c]
			}
		}
		p := sigmoid(z)
		s.Outcome = r.Float64() < p
		s.Score = float64(len(s.Clusters))
		out = append(out, s)
		truth = append(truth, p)
	}
	return out, truth
}

// TestNotConverged: a fit whose Newton steps stop before the tolerance is
// met is an error naming the model and the steps taken, never a report of
// coefficients that are not the optimum. (Not parallel: it lowers the step
// limit for its own run, and the package's parallel tests start only once
// it has put the limit back.)
func TestNotConverged(t *testing.T) {
	saved := newtonIterations
	newtonIterations = 1
	defer func() { newtonIterations = saved }()
	samples, _ := simulated(3000, map[string]float64{"C1": 1.6, "C2": 0.5}, 5)
	_, err := Run(samples, Params{ClusterIDs: []string{"C1", "C2"}, L2: 1, Replicates: 100, Horizon: period.Months(12)})
	var nc *NotConvergedError
	if !errors.As(err, &nc) || nc.Iterations != 1 || !strings.Contains(err.Error(), "the full model") {
		t.Fatalf("a fit stopped after one step: %v", err)
	}
	newtonIterations = saved
	if _, err := Run(samples, Params{ClusterIDs: []string{"C1", "C2"}, L2: 1, Replicates: 100, Horizon: period.Months(12)}); err != nil {
		t.Errorf("the same fit with the usual limit: %v", err)
	}
}

// TestRecoversKnownModel: outcomes drawn from a known model over observed
// features; the held-out AUC comes within 0.03 of the AUC of the true
// probabilities, and the clusters with the largest true effects come out on
// top.
func TestRecoversKnownModel(t *testing.T) {
	t.Parallel()
	effects := map[string]float64{"C1": 1.6, "C2": 1.1, "C3": 0.6, "C4": 0.2, "C5": 0}
	samples, truth := simulated(30000, effects, 11)
	y := make([]bool, len(samples))
	for i, s := range samples {
		y[i] = s.Outcome
	}
	rep, err := Run(samples, Params{ClusterIDs: []string{"C1", "C2", "C3", "C4", "C5"}, L2: 1, Replicates: 100, Horizon: period.Months(12)})
	if err != nil {
		t.Fatal(err)
	}
	trueAUC := AUC(truth, y)
	var model float64
	for _, m := range rep.Validations[0].Metrics {
		if m.Baseline == BaselineModel {
			model = float64(m.AUC)
		}
	}
	if math.Abs(model-trueAUC) > 0.03 {
		t.Errorf("held-out AUC %.3f, true-probability AUC %.3f", model, trueAUC)
	}
	beta := map[string]float64{}
	for _, c := range rep.ClusterModel {
		beta[strings.TrimPrefix(c.Feature, "cluster:")] = float64(c.LogOdds)
	}
	if !(beta["C1"] > beta["C2"] && beta["C2"] > beta["C3"] && beta["C3"] > beta["C5"]) {
		t.Errorf("fitted cluster effects %v do not follow the true order C1 > C2 > C3 > C5", beta)
	}
	if math.Abs(beta["C1"]-1.6) > 0.2 {
		t.Errorf("C1 log-odds %.2f, true 1.6", beta["C1"])
	}
}

// TestBadInput: no positive outcome, a constant feature, one class in a
// fold's training set; and no NaN ever reaches the JSON.
func TestBadInput(t *testing.T) {
	t.Parallel()
	samples, _ := simulated(2000, map[string]float64{"C1": 1}, 5)
	none := make([]Sample, len(samples))
	copy(none, samples)
	for i := range none {
		none[i].Outcome = false
	}
	p := Params{ClusterIDs: []string{"C1", "C2", "C3", "C4", "C5", "C9"}, Replicates: 100}
	if _, err := Run(none, p); err == nil || !strings.Contains(err.Error(), "no positive outcome") {
		t.Errorf("no positives: %v", err)
	}
	rep, err := Run(samples, p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(rep.Warnings, " "), "feature cluster:C9 dropped: it is the same in every sample") {
		t.Errorf("constant feature not reported: %v", rep.Warnings)
	}
	b, err := json.Marshal(rep)
	if err != nil || strings.Contains(string(b), "NaN") {
		t.Errorf("JSON: %v", err)
	}
	// Two positives only, both in one relationship: the other folds train
	// on a single class.
	one := make([]Sample, len(samples))
	copy(one, samples)
	for i := range one {
		one[i].Outcome = i < 2
		if i < 2 {
			one[i].RelationshipID = "same"
		}
	}
	if _, err := Run(one, p); err == nil || !strings.Contains(err.Error(), "same outcome") || !strings.Contains(err.Error(), "fold") {
		t.Errorf("single class in a fold: %v", err)
	}
}

// TestROCByHand: scores {0.9, 0.8, 0.7, 0.6} with outcomes {1, 0, 1, 0}
// give the curve (0,0), (0,0.5), (0.5,0.5), (0.5,1), (1,1).
func TestROCByHand(t *testing.T) {
	t.Parallel()
	got := ROC([]float64{0.9, 0.8, 0.7, 0.6}, []bool{true, false, true, false})
	want := []ROCPoint{{0, 0}, {0, 0.5}, {0.5, 0.5}, {0.5, 1}, {1, 1}}
	if len(got) != len(want) {
		t.Fatalf("ROC %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("point %d = %v, want %v", i, got[i], want[i])
		}
	}
}

// TestFitConverges: Newton's method meets its tolerance in a handful of
// steps on ordinary data, and says so; at the optimum the gradient of the
// penalised objective is zero (checked here by finite differences of the
// log-loss on the original scale).
func TestFitConverges(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	var x [][]float64
	var y []bool
	for i := 0; i < 2000; i++ {
		a, b := r.NormFloat64(), r.Float64()*3
		x = append(x, []float64{a, b})
		y = append(y, r.Float64() < 1/(1+math.Exp(-(-1+0.8*a-0.5*b))))
	}
	f, err := FitLogistic(x, y, []string{"a", "b"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Converged || f.Iterations > 15 {
		t.Fatalf("converged %v in %d steps", f.Converged, f.Iterations)
	}
	ll := func(c0, c1, c2 float64) float64 {
		s := 0.0
		for i, xi := range x {
			p := 1 / (1 + math.Exp(-(c0 + c1*xi[0] + c2*xi[1])))
			if y[i] {
				s += math.Log(p)
			} else {
				s += math.Log(1 - p)
			}
		}
		return s
	}
	const h = 1e-6
	for k, d := range [][3]float64{{h, 0, 0}, {0, h, 0}, {0, 0, h}} {
		g := (ll(f.Intercept+d[0], f.Coef[0]+d[1], f.Coef[1]+d[2]) - ll(f.Intercept-d[0], f.Coef[0]-d[1], f.Coef[1]-d[2])) / (2 * h)
		if math.Abs(g) > 1e-4 {
			t.Errorf("gradient %d at the fit: %g", k, g)
		}
	}
}

// TestClusteredSEAgainstStatsmodels: on samples that repeat relationships
// (each a cluster with its own level of risk), the coefficients and their
// cluster-robust standard errors equal statsmodels' binomial GLM with
// cov_type="cluster" (testdata/calibrate/cluster_se/make_expected.py,
// statsmodels 0.13.5 and numpy 1.24.2 from Debian), and the model-based
// errors its plain fit's; here the between-relationship spread makes the
// robust error of the relationship-level feature wider.
func TestClusteredSEAgainstStatsmodels(t *testing.T) {
	t.Parallel()
	dir := "../testdata/calibrate/cluster_se"
	var want struct {
		Coef      []float64 `json:"coef"`
		SECluster []float64 `json:"se_cluster"`
		SEModel   []float64 `json:"se_model"`
		Intercept float64   `json:"intercept"`
	}
	recs := readExpected(t, dir, &want)
	var x [][]float64
	var y []bool
	var groups []string
	for _, r := range recs[1:] {
		x1, _ := strconv.ParseFloat(r[2], 64)
		x2, _ := strconv.ParseFloat(r[3], 64)
		x, y, groups = append(x, []float64{x1, x2}), append(y, r[1] == "1"), append(groups, r[0])
	}
	fit, err := FitLogisticClustered(x, y, []string{"x1", "x2"}, 0, groups)
	if err != nil || !fit.Converged {
		t.Fatalf("fit %+v: %v", fit, err)
	}
	if math.Abs(fit.Intercept-want.Intercept) > 1e-6 {
		t.Errorf("intercept %.9f, statsmodels %.9f", fit.Intercept, want.Intercept)
	}
	for j := range want.Coef {
		if math.Abs(fit.Coef[j]-want.Coef[j]) > 1e-6 || math.Abs(fit.SE[j]-want.SECluster[j]) > 1e-6 || math.Abs(fit.ModelSE[j]-want.SEModel[j]) > 1e-6 {
			t.Errorf("x%d: coef %.9f SE %.9f (model %.9f); statsmodels %.9f SE %.9f (model %.9f)",
				j+1, fit.Coef[j], fit.SE[j], fit.ModelSE[j], want.Coef[j], want.SECluster[j], want.SEModel[j])
		}
	}
	if !(fit.SE[1] > fit.ModelSE[1]) {
		t.Errorf("the relationship-level feature's robust SE %.4f is not wider than the model's %.4f", fit.SE[1], fit.ModelSE[1])
	}
}

// TestGroupIntervals: fairness intervals come from a bootstrap over
// relationships, so a group whose positives are 40 relationships each
// sampled five times (the same answer each time) gets an interval about
// sqrt(5) times as wide as a group of 200 relationships sampled once, at
// the same share; both hold the share. A group at everyone's recall is not
// flagged; one far below it, with its interval wholly under four fifths of
// everyone's, is.
func TestGroupIntervals(t *testing.T) {
	t.Parallel()
	repeated, single := groupParts{}, groupParts{}
	for r := 0; r < 40; r++ {
		for k := 0; k < 5; k++ {
			repeated.cluster = append(repeated.cluster, r)
			repeated.captured = append(repeated.captured, r%2 == 0)
			repeated.missed = append(repeated.missed, r%2 == 1)
		}
	}
	for r := 0; r < 200; r++ {
		single.cluster = append(single.cluster, 40+r)
		single.captured = append(single.captured, r%2 == 0)
		single.missed = append(single.missed, r%2 == 1)
	}
	p := Params{Replicates: 2000, Level: 0.95, Seed: 3}
	rows := make([]GroupRow, 2)
	groupIntervals(rows, []groupParts{repeated, single}, 240, p)
	width := func(g GroupRow) float64 { return float64(g.RecallUpper - g.RecallLower) }
	for i, g := range rows {
		if !(g.RecallLower < 0.5 && g.RecallUpper > 0.5 && g.FNRLower < 0.5 && g.FNRUpper > 0.5) {
			t.Errorf("row %d: recall %v-%v, false negatives %v-%v; both should hold 0.5", i, g.RecallLower, g.RecallUpper, g.FNRLower, g.FNRUpper)
		}
	}
	if ratio := width(rows[0]) / width(rows[1]); ratio < 1.8 || ratio > 2.8 {
		t.Errorf("interval of the repeated group is %.2f times the single one's, want about sqrt(5) = 2.24", ratio)
	}
	even := GroupRow{Positives: 200, RecallTopK: 0.5, FNR: 0.5, RecallLower: 0.43, RecallUpper: 0.57, FNRLower: 0.43, FNRUpper: 0.57}
	even.flag(0.5, 0.5, 10)
	low := GroupRow{Positives: 200, RecallTopK: 0.2, FNR: 0.5, RecallLower: 0.14, RecallUpper: 0.26, FNRLower: 0.43, FNRUpper: 0.57}
	low.flag(0.5, 0.5, 10)
	if even.Flag != "" || !strings.Contains(low.Flag, "recall in the top 10 is 20.0% (14.0-26.0%) against 50.0% overall") {
		t.Errorf("flags: at parity %q, far below %q", even.Flag, low.Flag)
	}
}

// readExpected reads a checked-against fixture folder: expected.json into
// want, and the records of samples.csv (the header first).
func readExpected(t *testing.T, dir string, want any) [][]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, want); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "samples.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestWeightedFitAgainstStatsmodels: on a case-control sample (every
// positive, 30% of the negatives weighted 1/0.3), the weighted fit's
// coefficients equal statsmodels' GLM with var_weights and its
// cluster-robust errors the weighted-score sandwich written out in numpy
// (testdata/calibrate/weighted_fit/make_expected.py, statsmodels 0.13.5,
// numpy 1.24.2); the weighted AUC, Brier score and calibration slope of a
// too-flat prediction equal numpy's pairwise count and weighted means.
func TestWeightedFitAgainstStatsmodels(t *testing.T) {
	t.Parallel()
	var want struct {
		Coef      []float64 `json:"coef"`
		SECluster []float64 `json:"se_cluster"`
		Intercept float64   `json:"intercept"`
		Scale     float64   `json:"prediction_scale"`
		AUC       float64   `json:"auc"`
		Brier     float64   `json:"brier"`
		Slope     float64   `json:"calibration_slope"`
	}
	recs := readExpected(t, "../testdata/calibrate/weighted_fit", &want)
	var x [][]float64
	var y []bool
	var w []float64
	var groups []string
	for _, r := range recs[1:] {
		wt, _ := strconv.ParseFloat(r[2], 64)
		x1, _ := strconv.ParseFloat(r[3], 64)
		x2, _ := strconv.ParseFloat(r[4], 64)
		x, y, w, groups = append(x, []float64{x1, x2}), append(y, r[1] == "1"), append(w, wt), append(groups, r[0])
	}
	fit, err := FitLogisticWeighted(x, y, []string{"x1", "x2"}, 0, groups, w)
	if err != nil || !fit.Converged {
		t.Fatalf("fit %+v: %v", fit, err)
	}
	if math.Abs(fit.Intercept-want.Intercept) > 1e-6 {
		t.Errorf("intercept %.9f, statsmodels %.9f", fit.Intercept, want.Intercept)
	}
	for j := range want.Coef {
		if math.Abs(fit.Coef[j]-want.Coef[j]) > 1e-6 || math.Abs(fit.SE[j]-want.SECluster[j]) > 1e-6 {
			t.Errorf("x%d: coef %.9f SE %.9f; statsmodels %.9f SE %.9f", j+1, fit.Coef[j], fit.SE[j], want.Coef[j], want.SECluster[j])
		}
	}
	p := make([]float64, len(x))
	for i, r := range x {
		p[i] = sigmoid(want.Scale * (fit.Intercept + fit.Coef[0]*r[0] + fit.Coef[1]*r[1]))
	}
	_, slope := calibration(p, y, w)
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"AUC", auc(p, y, w), want.AUC},
		{"Brier", brier(p, y, w), want.Brier},
		{"calibration slope", slope, want.Slope},
	} {
		if math.Abs(c.got-c.want) > 1e-6 {
			t.Errorf("%s %.9f, numpy %.9f", c.name, c.got, c.want)
		}
	}
	// Unweighted, the same rows give another intercept: the weights matter.
	if plain, _ := FitLogistic(x, y, []string{"x1", "x2"}, 0); math.Abs(plain.Intercept-want.Intercept) < 0.5 {
		t.Errorf("the unweighted intercept %.3f is near the weighted %.3f; the test cannot tell them apart", plain.Intercept, want.Intercept)
	}
}

// TestWeightsAreCopies: a sample of integer weight k counts as k copies of
// it in every weighted metric but the reliability bins' edges (the meaning of an inverse-probability
// weight: a kept negative stands for the ones not kept).
func TestWeightsAreCopies(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 7))
	var p, pc []float64
	var y, yc []bool
	var w []float64
	var date, datec []int
	for i := 0; i < 400; i++ {
		v := math.Round(r.Float64()*50) / 50 // ties
		out := r.Float64() < v/2
		k := 1
		if !out {
			k = 1 + r.IntN(4)
		}
		p, y, w, date = append(p, v), append(y, out), append(w, float64(k)), append(date, i%3)
		for c := 0; c < k; c++ {
			pc, yc, datec = append(pc, v), append(yc, out), append(datec, i%3)
		}
	}
	same := func(name string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: weighted %v, copies %v", name, got, want)
		}
	}
	near := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-12 {
			t.Errorf("%s: weighted %.15g, copies %.15g", name, got, want)
		}
	}
	near("AUC", auc(p, y, w), AUC(pc, yc))
	near("Brier", brier(p, y, w), Brier(pc, yc))
	near("net benefit", netBenefitAt(p, y, 0.2, w), NetBenefit(pc, yc, 0.2))
	near("treat all", treatAll(y, 0.05, w), treatAll(yc, 0.05, nil))
	near("capacity threshold", capacityThreshold(p, date, 25, w), CapacityThreshold(pc, datec, 25))
	// A weighted sample cannot be split between two bins as its copies
	// are, so a bin's count may differ by less than the largest weight.
	rw, rc := reliability(p, y, w), Reliability(pc, yc)
	if len(rw) != len(rc) {
		t.Fatalf("reliability: %d bins weighted, %d copies", len(rw), len(rc))
	}
	for i := range rw {
		if d := rw[i].N - rc[i].N; d <= -4 || d >= 4 {
			t.Errorf("reliability bin %d: %d weighted, %d copies", i+1, rw[i].N, rc[i].N)
		}
	}
	same("ROC", roc(p, y, w), ROC(pc, yc))
	a, b := calibration(p, y, w)
	ac, bc := Calibration(pc, yc)
	near("calibration intercept", a, ac)
	near("calibration slope", b, bc)
}
