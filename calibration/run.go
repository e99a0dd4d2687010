package calibration

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tau-da/tau/internal/param"

	"github.com/tau-da/tau/internal/period"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/tau-da/tau/evaluation"
)

// Number is a float written to JSON as null when undefined (an AUC with one
// class, a standard error that cannot be computed).
type Number = evaluation.Number

// normalQuantile is the standard normal quantile function.
func normalQuantile(p float64) float64 { return distuv.UnitNormal.Quantile(p) }

// Sample is one relationship scored at one as-of date, with features known
// at that date and the outcome in the horizon after it.
type Sample struct {
	RelationshipID, VictimID, PerpetratorID string
	AsOf                                    time.Time
	// What the score saw at the as-of date.
	Clusters, Items []string
	HarmDays        float64
	DaysSinceLast   int // -1 = no occurrence in the lookback
	Occurrences     int // in the lookback
	// Occurrences365d and Occurrences90d count the last year and 90 days.
	Occurrences365d, Occurrences90d int
	Serial                          bool
	OfficerGrade                    string
	// Score is the total under the configured weights.
	Score   float64
	Outcome bool
	// Weight is the samples this one stands for: 1, or 1/q for a negative
	// kept with probability q by case-control sampling (0 reads as 1).
	Weight float64
	// Analysis only (fairness), never features: the victim's recorded sex,
	// ethnicity and birth year (0 = unknown).
	Sex, Ethnicity string
	BirthYear      int
}

// Params configure a calibration run.
type Params struct {
	// ClusterIDs and ItemIDs are the configuration's clusters and items, in
	// order: the possible flags.
	ClusterIDs []string `json:"-"`
	ItemIDs    []string `json:"-"`
	// RecencyTauDays is the configuration's recency decay.
	RecencyTauDays float64 `json:"recency_tau_days"`
	L2             float64 `json:"l2"`
	// Items adds item flags to the fitted model.
	Items bool `json:"item_features"`
	Folds int  `json:"folds"`
	// Capacity is the plans a unit can work a month: the k of top-k.
	Capacity int `json:"capacity"`
	// FlagShare is the share of relationships flagged at each date when
	// computing false-negative rates.
	FlagShare  float64 `json:"flag_share"`
	Replicates int     `json:"bootstrap_replicates"`
	Level      float64 `json:"confidence_level"`
	Seed       uint64  `json:"seed"`
	// Horizon is the outcome window after each as-of date.
	Horizon period.Length `json:"horizon"`
}

// Defaults fills unset parameters: l2 1, five folds, a capacity of 10 a
// month, the top 10% flagged, 500 bootstrap replicates, 95% intervals.
func (p *Params) Defaults() {
	if p.Folds == 0 {
		p.Folds = 5
	}
	if p.Capacity == 0 {
		p.Capacity = 10
	}
	if p.FlagShare == 0 {
		p.FlagShare = 0.10
	}
	if p.Replicates == 0 {
		p.Replicates = 500
	}
	if p.Level == 0 {
		p.Level = 0.95
	}
	if p.RecencyTauDays == 0 {
		p.RecencyTauDays = 180
	}
}

// Baselines, in the order reports show them.
const (
	BaselineGrade   = "officer grade"
	BaselineYes     = "yes count"
	BaselineCurrent = "current weights"
	BaselineModel   = "fitted model"
)

// Baselines lists the scores compared on the same samples.
var Baselines = []string{BaselineGrade, BaselineYes, BaselineCurrent, BaselineModel}

// Metrics are one score's performance on held-out samples.
type Metrics struct {
	Baseline     string  `json:"baseline"`
	N            int     `json:"n"`
	Positives    int     `json:"positives"`
	AUC          Number  `json:"auc"`
	AUCLower     Number  `json:"auc_lower"`
	AUCUpper     Number  `json:"auc_upper"`
	Brier        Number  `json:"brier"`
	CalIntercept Number  `json:"calibration_intercept"`
	CalSlope     Number  `json:"calibration_slope"`
	TopK         TopKOut `json:"top_k"`
	// CapacityThreshold is the predicted probability at which the unit's
	// monthly capacity is used up (CapacityThreshold); NetBenefit the net
	// benefit of acting at it, TopKNetBenefit that of the unit's own rule
	// (the top k at each date) priced at it, and TreatAll that of a plan
	// for everyone (Vickers and Elkin 2006).
	CapacityThreshold Number          `json:"capacity_threshold"`
	NetBenefit        Number          `json:"net_benefit"`
	TopKNetBenefit    Number          `json:"top_k_net_benefit"`
	TreatAll          Number          `json:"treat_all_net_benefit"`
	DecisionCurve     []DecisionPoint `json:"decision_curve"`
	Reliability       []Bin           `json:"reliability"`
	ROC               []ROCPoint      `json:"roc"`
}

// TopKOut is TopK with JSON-safe numbers.
type TopKOut struct {
	K         int    `json:"k"`
	Precision Number `json:"precision"`
	Recall    Number `json:"recall"`
	Captured  int    `json:"captured"`
	Positives int    `json:"positives"`
}

// Coefficient is one fitted coefficient.
type Coefficient struct {
	Feature   string `json:"feature"`
	LogOdds   Number `json:"log_odds"`
	SE        Number `json:"se"`
	OddsRatio Number `json:"odds_ratio"`
	Lower     Number `json:"odds_ratio_lower"`
	Upper     Number `json:"odds_ratio_upper"`
	// Active counts the samples where a flag is set (0 for numbers).
	Active int `json:"active"`
	// ActivePositives counts the positive outcomes among them.
	ActivePositives int `json:"active_positives"`
}

// Validation is every baseline's metrics under one scheme.
type Validation struct {
	Scheme  string    `json:"scheme"`
	Train   string    `json:"train"`
	Test    string    `json:"test"`
	Metrics []Metrics `json:"metrics"`
}

// GroupRow is one group's metrics for one score.
type GroupRow struct {
	Characteristic string `json:"characteristic"`
	Group          string `json:"group"`
	Baseline       string `json:"baseline"`
	N              int    `json:"n"`
	Positives      int    `json:"positives"`
	AUC            Number `json:"auc"`
	Brier          Number `json:"brier"`
	RecallTopK     Number `json:"recall_top_k"`
	FNR            Number `json:"false_negative_rate"`
	// RecallLower/Upper and FNRLower/Upper are their intervals at the
	// run's level, from a bootstrap over relationships.
	RecallLower Number `json:"recall_top_k_lower"`
	RecallUpper Number `json:"recall_top_k_upper"`
	FNRLower    Number `json:"false_negative_rate_lower"`
	FNRUpper    Number `json:"false_negative_rate_upper"`
	// Flag says the group's recall or false-negative rate differs from
	// everyone's by more than the margin, beyond chance (its interval
	// lies wholly past the margin); TooFew that it has too few positives
	// to judge.
	Flag   string `json:"flag"`
	TooFew bool   `json:"too_few"`
}

// Report is a calibration run.
type Report struct {
	Params    Params `json:"parameters"`
	Samples   int    `json:"samples"`
	Positives int    `json:"positives"`
	// Population is the samples the sampled ones stand for (their weights'
	// sum): Samples when no negative was sampled out.
	Population int `json:"population"`
	// NegativeRate is the share of negative samples kept (1: all); every
	// positive is kept.
	NegativeRate  float64       `json:"negative_rate"`
	Relationships int           `json:"relationships"`
	Dates         []string      `json:"as_of_dates"`
	Features      []string      `json:"features"`
	Dropped       []string      `json:"dropped_features"`
	Coefficients  []Coefficient `json:"coefficients"`
	ClusterModel  []Coefficient `json:"cluster_model"`
	Validations   []Validation  `json:"validation"`
	Fairness      []GroupRow    `json:"fairness"`
	Warnings      []string      `json:"warnings"`
	// predictions out of fold, for the caller's tables.
	OutOfFold map[string][]float64 `json:"-"`
	Fold      []int                `json:"-"`
	X         [][]float64          `json:"-"`
}

// minEventsPerVariable is the rule of thumb for positive outcomes per
// fitted coefficient below which logistic models overfit (Peduzzi et al.
// 1996, J Clin Epidemiol 49(12)).
const minEventsPerVariable = 10

// minGroupPositives is the fewest positive outcomes a group needs before
// its recall is compared with everyone's.
const minGroupPositives = 30

// minExpectedCaptured is the fewest captured positives a group must expect
// (its positives times everyone's recall) before its top-k recall is
// compared: below it a shortfall is indistinguishable from chance.
const minExpectedCaptured = 5

// fourFifths is the ratio of a group's recall to everyone's below which
// it is flagged (the "four-fifths rule" of adverse-impact analysis, US
// EEOC Uniform Guidelines 1978, used here as a screening threshold).
const fourFifths = 0.8

// fnrGap is the absolute difference in false-negative rate that is flagged.
const fnrGap = 0.10

// Run builds the features, fits the model, validates every baseline by
// relationship folds and by a time-ordered split, and checks each group.
func Run(samples []Sample, p Params) (*Report, error) {
	p.Defaults()
	if len(samples) == 0 {
		return nil, errors.New("calibrate: no samples; widen the as-of dates")
	}
	if p.Folds < 2 {
		return nil, fmt.Errorf("calibrate: %w", param.Errorf("folds", "", "must be 2 or more"))
	}
	rep := &Report{Params: p, Samples: len(samples), Warnings: []string{}, Dropped: []string{}}
	y := make([]bool, len(samples))
	rels := map[string]int{}
	dates := map[time.Time]int{}
	cw := caseWeights(samples)
	rep.NegativeRate = 1
	population := 0.0
	for i, s := range samples {
		y[i] = s.Outcome
		population += weightOf(cw, i)
		if cw != nil && !s.Outcome {
			rep.NegativeRate = min(rep.NegativeRate, 1/cw[i])
		}
		if s.Outcome {
			rep.Positives++
		}
		if _, ok := rels[s.RelationshipID]; !ok {
			rels[s.RelationshipID] = len(rels)
		}
		dates[s.AsOf] = 0
	}
	rep.Relationships = len(rels)
	rep.Population = int(math.Round(population))
	if rep.Positives == 0 {
		return nil, fmt.Errorf("calibrate: no positive outcome in %d samples; choose a longer horizon, a wider outcome (revictimisation) or more as-of dates", len(samples))
	}
	if rep.Positives == len(samples) {
		return nil, fmt.Errorf("calibrate: every one of %d samples has the outcome; nothing separates them", len(samples))
	}
	dl := make([]time.Time, 0, len(dates))
	for d := range dates {
		dl = append(dl, d)
	}
	sort.Slice(dl, func(i, j int) bool { return dl[i].Before(dl[j]) })
	for i, d := range dl {
		dates[d] = i
		rep.Dates = append(rep.Dates, d.Format("2006-01-02"))
	}
	date := make([]int, len(samples))
	cluster := make([]int, len(samples))
	key := make([]string, len(samples))
	for i, s := range samples {
		date[i], cluster[i], key[i] = dates[s.AsOf], rels[s.RelationshipID], s.RelationshipID
	}

	full, names, dropped := features(samples, p, p.Items)
	rep.X, rep.Features = full, names
	for _, d := range dropped {
		rep.Dropped = append(rep.Dropped, d)
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("feature %s dropped: it is the same in every sample", d))
	}
	rep.separation(full, names, y)
	if epv := float64(rep.Positives) / float64(len(names)); epv < minEventsPerVariable {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("only %d positive outcomes for %d features (%.1f per feature, under the %d of Peduzzi et al. 1996): the fitted model is likely to overfit; raise the penalty (l2), leave the items out or add as-of dates",
			rep.Positives, len(names), epv, minEventsPerVariable))
	}
	// Each relationship is sampled at several as-of dates: its samples are
	// one cluster for the standard errors (the intervals written into
	// proposed weights as evidence).
	groups := make([]string, len(samples))
	for i, s := range samples {
		groups[i] = s.RelationshipID
	}
	fit, err := FitLogisticWeighted(full, y, names, p.L2, groups, cw)
	if err != nil {
		return nil, err
	}
	rep.Coefficients = coefficients(fit, full, names, y, p.Level, cw)
	cx, cnames, _ := features(samples, p, false)
	cfit, err := FitLogisticWeighted(cx, y, cnames, p.L2, groups, cw)
	if err != nil {
		return nil, err
	}
	rep.ClusterModel = coefficients(cfit, cx, cnames, y, p.Level, cw)
	for _, f := range []struct {
		name string
		fit  *Fit
	}{{"the full model", fit}, {"the cluster model", cfit}} {
		if !f.fit.Converged {
			return nil, &NotConvergedError{Model: f.name, Iterations: f.fit.Iterations}
		}
	}

	base := baselineScores(samples)
	// k-fold by relationship.
	fold := make([]int, len(samples))
	for i, s := range samples {
		h := fnv.New32a()
		h.Write([]byte(s.RelationshipID))
		fold[i] = int(h.Sum32() % uint32(p.Folds))
	}
	rep.Fold = fold
	oof := map[string][]float64{}
	for _, b := range Baselines {
		oof[b] = make([]float64, len(samples))
	}
	for f := 0; f < p.Folds; f++ {
		train, test := split(len(samples), func(i int) bool { return fold[i] != f })
		if len(test) == 0 {
			continue
		}
		if err := predict(full, names, y, base, train, test, p.L2, oof, cw); err != nil {
			return nil, fmt.Errorf("calibrate: fold %d of %d: %w; use fewer folds or more as-of dates", f+1, p.Folds, err)
		}
	}
	rep.OutOfFold = oof
	all := make([]int, len(samples))
	for i := range all {
		all[i] = i
	}
	kv := Validation{Scheme: fmt.Sprintf("%d-fold by relationship", p.Folds), Train: "the other folds, every date", Test: "each fold in turn, pooled"}
	for _, b := range Baselines {
		kv.Metrics = append(kv.Metrics, metrics(b, oof[b], y, all, date, key, cluster, len(rels), p, cw))
	}
	rep.Validations = append(rep.Validations, kv)

	// Time-ordered: test on the last third of the dates; train on dates
	// whose outcome window closed before the first test date.
	// It is what a force lives with (a model fitted on the past, used on
	// what comes next), so it comes first; k-fold second.
	if tv, warn := timeSplit(samples, dl, full, names, y, base, date, key, cluster, len(rels), p, cw); warn != "" {
		rep.Warnings = append(rep.Warnings, warn)
	} else {
		rep.Validations = append([]Validation{*tv}, rep.Validations...)
	}
	rep.fairness(samples, y, date, key, cluster, len(rels), p, cw)
	return rep, nil
}

// caseWeights are the samples' weights, nil when every one is 1 (no
// negative was sampled out).
func caseWeights(samples []Sample) []float64 {
	unit := func(s Sample) bool { return s.Weight == 0 || s.Weight == 1 }
	if !slices.ContainsFunc(samples, func(s Sample) bool { return !unit(s) }) {
		return nil
	}
	w := make([]float64, len(samples))
	for i, s := range samples {
		w[i] = 1
		if !unit(s) {
			w[i] = s.Weight
		}
	}
	return w
}

// NotConvergedError is a fit whose Newton steps did not meet their
// tolerance: its coefficients are not the optimum, so nothing is reported
// from them.
type NotConvergedError struct {
	Model      string
	Iterations int
}

func (e *NotConvergedError) Error() string {
	return fmt.Sprintf("calibrate: %s did not converge in %d Newton steps, so its coefficients are not the optimum (often features that nearly separate the outcomes)", e.Model, e.Iterations)
}

// features builds the design matrix: cluster flags, item flags (when
// items), log harm (ln(1 + CCHI days), as the score's harm section),
// recency (exp(-days since the last occurrence / tau), as the score's),
// frequency as ln(1 + occurrences) over the lookback, the last year and the
// last 90 days (the current rate matters as well as the history), and the
// serial flag. Columns that never vary
// are dropped and named.
func features(samples []Sample, p Params, items bool) ([][]float64, []string, []string) {
	var names []string
	for _, c := range p.ClusterIDs {
		names = append(names, "cluster:"+c)
	}
	if items {
		for _, it := range p.ItemIDs {
			names = append(names, "item:"+it)
		}
	}
	names = append(names, "log_harm", "recency", "frequency", "frequency_365d", "frequency_90d", "serial")
	col := map[string]int{}
	for j, n := range names {
		col[n] = j
	}
	x := make([][]float64, len(samples))
	for i, s := range samples {
		r := make([]float64, len(names))
		for _, c := range s.Clusters {
			if j, ok := col["cluster:"+c]; ok {
				r[j] = 1
			}
		}
		if items {
			for _, it := range s.Items {
				if j, ok := col["item:"+it]; ok {
					r[j] = 1
				}
			}
		}
		r[col["log_harm"]] = math.Log1p(s.HarmDays)
		if s.DaysSinceLast >= 0 {
			r[col["recency"]] = math.Exp(-float64(s.DaysSinceLast) / p.RecencyTauDays)
		}
		r[col["frequency"]] = math.Log1p(float64(s.Occurrences))
		r[col["frequency_365d"]] = math.Log1p(float64(s.Occurrences365d))
		r[col["frequency_90d"]] = math.Log1p(float64(s.Occurrences90d))
		if s.Serial {
			r[col["serial"]] = 1
		}
		x[i] = r
	}
	// Drop constant columns.
	var keep []int
	var dropped []string
	for j := range names {
		constant := true
		for i := 1; i < len(x); i++ {
			if x[i][j] != x[0][j] {
				constant = false
				break
			}
		}
		if constant {
			dropped = append(dropped, names[j])
		} else {
			keep = append(keep, j)
		}
	}
	if len(dropped) == 0 {
		return x, names, nil
	}
	kn := make([]string, len(keep))
	for k, j := range keep {
		kn[k] = names[j]
	}
	for i, r := range x {
		nr := make([]float64, len(keep))
		for k, j := range keep {
			nr[k] = r[j]
		}
		x[i] = nr
	}
	return x, kn, dropped
}

// separation warns about flags whose samples all share one outcome: the
// likelihood alone would push their coefficient to infinity (quasi-complete
// separation; Albert & Anderson 1984); only the penalty holds it.
func (rep *Report) separation(x [][]float64, names []string, y []bool) {
	for j, n := range names {
		if !strings.HasPrefix(n, "cluster:") && !strings.HasPrefix(n, "item:") && n != "serial" {
			continue
		}
		var on, pos int
		for i := range x {
			if x[i][j] == 1 {
				on++
				if y[i] {
					pos++
				}
			}
		}
		if on > 0 && (pos == 0 || pos == on) {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("separation: every one of the %d samples with %s has the same outcome (%d positive); its coefficient is held finite only by the L2 penalty", on, n, pos))
		}
	}
}

// coefficients lists a fit's coefficients with their odds ratios; Active
// and ActivePositives are weighted counts (the population's, estimated).
func coefficients(f *Fit, x [][]float64, names []string, y []bool, level float64, cw []float64) []Coefficient {
	z := normalQuantile(1 - (1-level)/2)
	out := make([]Coefficient, len(names))
	for j, n := range names {
		c := Coefficient{Feature: n, LogOdds: Number(f.Coef[j]), SE: Number(f.SE[j]), OddsRatio: Number(math.Exp(f.Coef[j])),
			Lower: Number(math.Exp(f.Coef[j] - z*f.SE[j])), Upper: Number(math.Exp(f.Coef[j] + z*f.SE[j]))}
		if strings.HasPrefix(n, "cluster:") || strings.HasPrefix(n, "item:") || n == "serial" {
			var on, pos float64
			for i := range x {
				if x[i][j] == 1 {
					on += weightOf(cw, i)
					if y[i] {
						pos += weightOf(cw, i)
					}
				}
			}
			c.Active, c.ActivePositives = int(math.Round(on)), int(math.Round(pos))
		}
		out[j] = c
	}
	return out
}

// baselineScores are the single-number scores compared with the model:
// officer grade (standard < medium < high; no grade counts as standard),
// the count of yes items after the sticky rules, the configured total.
func baselineScores(samples []Sample) map[string][]float64 {
	out := map[string][]float64{}
	for _, b := range []string{BaselineGrade, BaselineYes, BaselineCurrent} {
		out[b] = make([]float64, len(samples))
	}
	grade := map[string]float64{"standard": 0, "medium": 1, "high": 2}
	for i, s := range samples {
		out[BaselineGrade][i] = grade[s.OfficerGrade]
		out[BaselineYes][i] = float64(len(s.Items))
		out[BaselineCurrent][i] = s.Score
	}
	return out
}

func split(n int, inTrain func(int) bool) (train, test []int) {
	for i := 0; i < n; i++ {
		if inTrain(i) {
			train = append(train, i)
		} else {
			test = append(test, i)
		}
	}
	return train, test
}

func rows(x [][]float64, idx []int) [][]float64 {
	out := make([][]float64, len(idx))
	for k, i := range idx {
		out[k] = x[i]
	}
	return out
}

func pick(y []bool, idx []int) []bool {
	out := make([]bool, len(idx))
	for k, i := range idx {
		out[k] = y[i]
	}
	return out
}

// pickWeights is the weights of the rows idx (nil stays nil: all 1).
func pickWeights(w []float64, idx []int) []float64 {
	if w == nil {
		return nil
	}
	out := make([]float64, len(idx))
	for k, i := range idx {
		out[k] = w[i]
	}
	return out
}

// predict fits on train and writes held-out probabilities for test into
// out: the model from every feature, each baseline through a one-feature
// logistic recalibration fitted on the same training samples (so Brier
// and calibration compare like with like; ranking metrics are unchanged).
// Every fit is weighted by the training rows' case weights.
func predict(x [][]float64, names []string, y []bool, base map[string][]float64, train, test []int, l2 float64, out map[string][]float64, cw []float64) error {
	ty, tw := pick(y, train), pickWeights(cw, train)
	fit, err := fitLogistic(rows(x, train), ty, names, l2, nil, nil, tw)
	if err != nil {
		return err
	}
	for _, i := range test {
		out[BaselineModel][i] = fit.Predict(x[i])
	}
	for _, b := range []string{BaselineGrade, BaselineYes, BaselineCurrent} {
		s := base[b]
		bx := make([][]float64, len(train))
		for k, i := range train {
			bx[k] = []float64{s[i]}
		}
		bf, err := fitLogistic(bx, ty, []string{b}, 0, nil, nil, tw)
		if err != nil {
			// A baseline that does not vary in training predicts its rate.
			rate, n := 0.0, 0.0
			for k, v := range ty {
				rate += weightOf(tw, k) * b2f(v)
				n += weightOf(tw, k)
			}
			rate /= n
			for _, i := range test {
				out[b][i] = rate
			}
			continue
		}
		for _, i := range test {
			out[b][i] = bf.Predict([]float64{s[i]})
		}
	}
	return nil
}

// metrics computes one score's held-out metrics on the samples idx, each
// weighted by the samples' case weights (nil: 1) so that it estimates the
// full population's figure; N and Positives are the weighted counts.
func metrics(name string, pred []float64, y []bool, idx, date []int, key []string, cluster []int, clusters int, p Params, cw []float64) Metrics {
	ps, ys := make([]float64, len(idx)), make([]bool, len(idx))
	ds, ks, cs := make([]int, len(idx)), make([]string, len(idx)), make([]int, len(idx))
	ws := pickWeights(cw, idx)
	m := Metrics{Baseline: name}
	var n, pos float64
	for k, i := range idx {
		ps[k], ys[k], ds[k], ks[k], cs[k] = pred[i], y[i], date[i], key[i], cluster[i]
		n += weightOf(cw, i)
		if y[i] {
			pos += weightOf(cw, i)
		}
	}
	m.N, m.Positives = int(math.Round(n)), int(math.Round(pos))
	m.AUC = Number(auc(ps, ys, ws))
	lo, hi, err := aucInterval(ps, ys, cs, clusters, p.Replicates, p.Level, p.Seed, ws)
	if err == nil {
		m.AUCLower, m.AUCUpper = Number(lo), Number(hi)
	} else {
		m.AUCLower, m.AUCUpper = Number(math.NaN()), Number(math.NaN())
	}
	m.Brier = Number(brier(ps, ys, ws))
	a, b := calibration(ps, ys, ws)
	m.CalIntercept, m.CalSlope = Number(a), Number(b)
	top := topPerDate(ps, ds, ks, func(int) int { return p.Capacity }, ws)
	t := countTopK(top, ys, p.Capacity, nil, ws)
	m.TopK = TopKOut{K: t.K, Precision: Number(t.Precision), Recall: Number(t.Recall), Captured: t.Captured, Positives: t.Positives}
	pt := capacityThreshold(ps, ds, p.Capacity, ws)
	m.CapacityThreshold, m.NetBenefit, m.TopKNetBenefit, m.TreatAll = Number(pt), Number(netBenefitAt(ps, ys, pt, ws)), Number(topKNetBenefit(top, ys, pt, ws)), Number(treatAll(ys, pt, ws))
	m.DecisionCurve = decisionCurve(ps, ys, ws)
	m.Reliability = reliability(ps, ys, ws)
	m.ROC = roc(ps, ys, ws)
	return m
}

// timeSplit trains on earlier dates and tests on later ones.
func timeSplit(samples []Sample, dl []time.Time, x [][]float64, names []string, y []bool, base map[string][]float64, date []int, key []string, cluster []int, clusters int, p Params, cw []float64) (*Validation, string) {
	if len(dl) < 3 {
		return nil, "time-ordered validation needs 3 or more as-of dates; only the fold validation was run"
	}
	firstTest := len(dl) - len(dl)/3
	cut := dl[firstTest]
	// A training date's outcome window must close by the first test date.
	trainEnd := -1
	for i := 0; i < firstTest; i++ {
		if !p.Horizon.After(dl[i]).After(cut) {
			trainEnd = i
		}
	}
	if trainEnd < 0 {
		return nil, fmt.Sprintf("time-ordered validation skipped: no as-of date's %s outcome window closes before the test dates begin (%s); use more dates or a shorter horizon", p.Horizon, cut.Format("2006-01-02"))
	}
	// Dates between the last training date and the first test date are
	// in neither set.
	var train, test []int
	for i := range samples {
		switch {
		case date[i] <= trainEnd:
			train = append(train, i)
		case date[i] >= firstTest:
			test = append(test, i)
		}
	}
	pred := map[string][]float64{}
	for _, b := range Baselines {
		pred[b] = make([]float64, len(samples))
	}
	if err := predict(x, names, y, base, train, test, p.L2, pred, cw); err != nil {
		return nil, "time-ordered validation skipped: " + err.Error()
	}
	v := &Validation{Scheme: "time-ordered",
		Train: fmt.Sprintf("as-of dates %s to %s (outcome windows closed by %s)", dl[0].Format("2006-01-02"), dl[trainEnd].Format("2006-01-02"), cut.Format("2006-01-02")),
		Test:  fmt.Sprintf("as-of dates %s to %s", cut.Format("2006-01-02"), dl[len(dl)-1].Format("2006-01-02"))}
	pos := 0
	for _, i := range test {
		if y[i] {
			pos++
		}
	}
	if pos == 0 {
		return nil, "time-ordered validation skipped: the test dates have no positive outcome (a single class); use more dates or a longer horizon"
	}
	for _, b := range Baselines {
		v.Metrics = append(v.Metrics, metrics(b, pred[b], y, test, date, key, cluster, clusters, p, cw))
	}
	return v, ""
}

// ageBand places a birth year at an as-of date.
func ageBand(birth int, asOf time.Time) string {
	if birth == 0 {
		return ""
	}
	a := asOf.Year() - birth
	switch {
	case a < 25:
		return "16-24"
	case a < 35:
		return "25-34"
	case a < 45:
		return "35-44"
	case a < 55:
		return "45-54"
	}
	return "55+"
}

// fairness compares each group's AUC, Brier score, recall in the top k
// and false-negative rate (at the flagged share) with everyone's, for the
// fitted model and the current weights. Recall and the false-negative
// rate carry bootstrap intervals over relationships (a relationship's
// samples at several dates are not independent, so a binomial interval
// would be too narrow); a group is flagged only where its interval lies
// wholly past the stated margin from everyone's figure.
func (rep *Report) fairness(samples []Sample, y []bool, date []int, key []string, cluster []int, clusters int, p Params, cw []float64) {
	chars := []struct {
		name string
		of   func(Sample) string
	}{
		{"sex", func(s Sample) string { return s.Sex }},
		{"age band", func(s Sample) string { return ageBand(s.BirthYear, s.AsOf) }},
		{"ethnicity", func(s Sample) string { return s.Ethnicity }},
	}
	var parts []groupParts
	var overall []struct{ recall, fnr float64 }
	for _, b := range []string{BaselineModel, BaselineCurrent} {
		pred := rep.OutOfFold[b]
		// The list at each date is the same for every group: rank once.
		flagged := topPerDate(pred, date, key, func(size int) int { return int(math.Ceil(p.FlagShare * float64(size))) }, cw)
		topK := topPerDate(pred, date, key, func(int) int { return p.Capacity }, cw)
		all := countTopK(topK, y, p.Capacity, nil, cw)
		fnrAll := fnr(flagged, y, nil, cw)
		for _, c := range chars {
			groups := map[string][]bool{}
			for i, s := range samples {
				g := c.of(s)
				if g == "" {
					continue
				}
				if groups[g] == nil {
					groups[g] = make([]bool, len(samples))
				}
				groups[g][i] = true
			}
			names := make([]string, 0, len(groups))
			for g := range groups {
				names = append(names, g)
			}
			sort.Strings(names)
			for _, g := range names {
				in := groups[g]
				var ps, ws []float64
				var ys []bool
				var gp groupParts
				n := 0.0
				for i := range samples {
					if !in[i] {
						continue
					}
					ps, ys = append(ps, pred[i]), append(ys, y[i])
					n += weightOf(cw, i)
					if cw != nil {
						ws = append(ws, cw[i])
					}
					if y[i] {
						gp.cluster = append(gp.cluster, cluster[i])
						gp.weight = append(gp.weight, weightOf(cw, i))
						gp.captured = append(gp.captured, topK[i])
						gp.missed = append(gp.missed, !flagged[i])
					}
				}
				t := countTopK(topK, y, p.Capacity, in, cw)
				rep.Fairness = append(rep.Fairness, GroupRow{Characteristic: c.name, Group: g, Baseline: b, N: int(math.Round(n)), Positives: t.Positives,
					AUC: Number(auc(ps, ys, ws)), Brier: Number(brier(ps, ys, ws)), RecallTopK: Number(t.Recall), FNR: Number(fnr(flagged, y, in, cw))})
				parts = append(parts, gp)
				overall = append(overall, struct{ recall, fnr float64 }{all.Recall, fnrAll})
			}
		}
	}
	groupIntervals(rep.Fairness, parts, clusters, p)
	for i := range rep.Fairness {
		rep.Fairness[i].flag(overall[i].recall, overall[i].fnr, p.Capacity)
	}
}

// groupParts are a fairness group's positive samples: the relationship
// each belongs to, its case weight (nil: 1), whether the top k captured it and
// whether the flagged share missed it.
type groupParts struct {
	cluster          []int
	weight           []float64
	captured, missed []bool
}

// groupIntervals fills each row's recall and false-negative-rate
// intervals: percentiles over a bootstrap that resamples relationships
// with replacement (the same draws for every row), each replicate's
// ratio the weighted captured (missed) positives over the weighted
// positives of the group.
func groupIntervals(rows []GroupRow, parts []groupParts, clusters int, p Params) {
	r := rand.New(rand.NewPCG(p.Seed, 0xfa1))
	counts := make([]float64, clusters)
	recalls, fnrs := make([][]float64, len(rows)), make([][]float64, len(rows))
	for b := 0; b < p.Replicates; b++ {
		clear(counts)
		for k := 0; k < clusters; k++ {
			counts[r.IntN(clusters)]++
		}
		for i, gp := range parts {
			var pos, captured, missed float64
			for j, c := range gp.cluster {
				w := counts[c] * weightOf(gp.weight, j)
				pos += w
				if gp.captured[j] {
					captured += w
				}
				if gp.missed[j] {
					missed += w
				}
			}
			if pos > 0 {
				recalls[i] = append(recalls[i], captured/pos)
				fnrs[i] = append(fnrs[i], missed/pos)
			}
		}
	}
	lo, hi := (1-p.Level)/2, 1-(1-p.Level)/2
	for i := range rows {
		if len(recalls[i]) < p.Replicates/2 {
			nan := Number(math.NaN())
			rows[i].RecallLower, rows[i].RecallUpper, rows[i].FNRLower, rows[i].FNRUpper = nan, nan, nan, nan
			continue
		}
		sort.Float64s(recalls[i])
		sort.Float64s(fnrs[i])
		rows[i].RecallLower, rows[i].RecallUpper = Number(evaluation.Quantile(recalls[i], lo)), Number(evaluation.Quantile(recalls[i], hi))
		rows[i].FNRLower, rows[i].FNRUpper = Number(evaluation.Quantile(fnrs[i], lo)), Number(evaluation.Quantile(fnrs[i], hi))
	}
}

// flag marks a group whose recall or false-negative rate differs from
// everyone's by more than the margin beyond chance: its interval lies
// wholly past the margin (a group whose figure could be everyone's is not
// flagged for a difference chance makes). A group with too few positives
// is marked as such, not judged.
func (g *GroupRow) flag(recallAll, fnrAll float64, capacity int) {
	if g.Positives < minGroupPositives {
		g.TooFew = true
		return
	}
	var why []string
	rl, ru, fl, fu := float64(g.RecallLower), float64(g.RecallUpper), float64(g.FNRLower), float64(g.FNRUpper)
	if expect := float64(g.Positives) * recallAll; expect >= minExpectedCaptured && ru < fourFifths*recallAll {
		why = append(why, fmt.Sprintf("recall in the top %d is %.1f%% (%.1f-%.1f%%) against %.1f%% overall", capacity, 100*float64(g.RecallTopK), 100*rl, 100*ru, 100*recallAll))
	}
	if fl > fnrAll+fnrGap || fu < fnrAll-fnrGap {
		why = append(why, fmt.Sprintf("false-negative rate %.1f%% (%.1f-%.1f%%) against %.1f%% overall", 100*float64(g.FNR), 100*fl, 100*fu, 100*fnrAll))
	}
	g.Flag = strings.Join(why, "; ")
}

// fnr is the share of positives (in the group) not flagged, with case
// weights (nil: 1).
func fnr(flagged, y, in []bool, cw []float64) float64 {
	var pos, missed float64
	for i := range y {
		if !y[i] || (in != nil && !in[i]) {
			continue
		}
		pos += weightOf(cw, i)
		if !flagged[i] {
			missed += weightOf(cw, i)
		}
	}
	if pos == 0 {
		return math.NaN()
	}
	return missed / pos
}
