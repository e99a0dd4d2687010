package caldb

import (
	"context"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tau-da/tau/analytics/load"
	"github.com/tau-da/tau/internal/period"
	"github.com/tau-da/tau/internal/testwh"

	"github.com/tau-da/tau/calibration"
	"github.com/tau-da/tau/synth"
)

func TestMain(m *testing.M) { testwh.Main(m) }

// trueRisk reads truth/monthly_risk.csv: each relationship's true monthly
// serious-harm risk, by victim and perpetrator, indexed by month from the
// extract's start.
func trueRisk(t *testing.T, extract string) map[string][]float64 {
	t.Helper()
	f, err := os.Open(filepath.Join(extract, "truth", "monthly_risk.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = true
	if _, err := r.Read(); err != nil {
		t.Fatal(err)
	}
	out := map[string][]float64{}
	for {
		rec, err := r.Read()
		if err != nil {
			break
		}
		k := rec[0] + "\x1f" + rec[1]
		m, _ := strconv.Atoi(rec[2])
		p, _ := strconv.ParseFloat(rec[3], 64)
		for len(out[k]) <= m {
			out[k] = append(out[k], 0)
		}
		out[k][m] = p
	}
	return out
}

// TestCalibrateSynthTruth: on the synthetic force, whose serious-harm
// model is known (truth/model.json), the fitted model ranks held-out
// samples better than the officers' grade and the starting weights, and the
// cluster for the largest true effect (non-fatal strangulation, C2) comes
// out on top. It also logs the AUC of the true risk on the same samples: the
// records reveal the latent traits only partly (DASH answers are
// inconsistent and low-rate couples are rarely assessed), so the fitted
// model cannot reach it here; calibration.TestRecoversKnownModel checks the
// fit itself against a known model over observed features.
func TestCalibrateSynthTruth(t *testing.T) {
	t.Parallel()
	extract, wh := testwh.SyntheticForce(t)
	var steps testwh.Steps
	run, err := Calibrate(context.Background(), testwh.Session(t, wh), testwh.Config(t), CalibrationOptions{Params: calibration.Params{L2: 1, Items: true, Replicates: 100}, Progress: steps.Progress()}, "test", false)
	if err != nil {
		t.Fatal(err)
	}
	steps.Check(t, "score as of 2022-", "score as of 2024-", "fit ")
	risk := trueRisk(t, extract)
	start := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC) // synth's default From
	truth := make([]float64, len(run.Samples))
	truthNow := make([]float64, len(run.Samples))
	y := make([]bool, len(run.Samples))
	for i, s := range run.Samples {
		// Months wholly after the as-of date (a month end) and within 12.
		m0 := (s.AsOf.Year()-start.Year())*12 + int(s.AsOf.Month()-start.Month()) + 1
		surv, now := 1.0, 0.0
		rs := risk[s.VictimID+"\x1f"+s.PerpetratorID]
		for m := m0; m < m0+12; m++ {
			if m < len(rs) {
				surv *= 1 - rs[m]
			}
		}
		if m0-1 < len(rs) {
			now = rs[m0-1]
		}
		truth[i], truthNow[i], y[i] = 1-surv, now, s.Outcome
	}
	trueAUC := calibration.AUC(truth, y)
	var model float64
	for _, m := range run.Report.Validations[0].Metrics {
		if m.Baseline == calibration.BaselineModel {
			model = float64(m.AUC)
		}
	}
	t.Logf("%d samples, %d positive: true-risk AUC %.3f, at the as-of month %.3f, fitted model (held out) %.3f", run.Report.Samples, run.Report.Positives, trueAUC, calibration.AUC(truthNow, y), model)
	metric := func(b string) float64 {
		for _, m := range run.Report.Validations[0].Metrics {
			if m.Baseline == b {
				return float64(m.AUC)
			}
		}
		return math.NaN()
	}
	if grade, current := metric(calibration.BaselineGrade), metric(calibration.BaselineCurrent); !(model > current && current > grade) {
		t.Errorf("held-out AUC: model %.3f, current weights %.3f, officer grade %.3f; want model > current > grade", model, current, grade)
	}
	if !(trueAUC > model) {
		t.Errorf("the true risk (AUC %.3f) should rank better than any model of the records (%.3f)", trueAUC, model)
	}
	best, bestBeta := "", math.Inf(-1)
	for _, c := range run.Report.ClusterModel {
		if len(c.Feature) > 8 && c.Feature[:8] == "cluster:" && float64(c.LogOdds) > bestBeta {
			best, bestBeta = c.Feature, float64(c.LogOdds)
		}
	}
	if best != "cluster:C2" {
		t.Errorf("top cluster %s (%.2f), want cluster:C2 (non-fatal strangulation, the largest true effect)", best, bestBeta)
	}
}

// truncate copies an extract keeping only what was recorded on or before
// day: occurrences, assessments (and their answers) and offences dated
// later are dropped, the plans and engagement left out, and extract.json
// says the extract was taken the next day.
func truncate(t *testing.T, src, dst string, day time.Time) {
	t.Helper()
	os.MkdirAll(dst, 0o700)
	cut := day.Format("2006-01-02")
	dropped := map[string]bool{}
	filter := func(name, dateCol, idCol string) {
		in, err := os.Open(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		defer in.Close()
		recs, err := csv.NewReader(in).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		col := map[string]int{}
		for i, h := range recs[0] {
			col[h] = i
		}
		out, _ := os.Create(filepath.Join(dst, name))
		defer out.Close()
		w := csv.NewWriter(out)
		w.Write(recs[0])
		for _, r := range recs[1:] {
			keep := true
			if dateCol != "" && r[col[dateCol]][:10] > cut {
				keep = false
				if idCol != "" {
					dropped[r[col[idCol]]] = true
				}
			}
			if name == "answers.csv" && dropped[r[col["assessment_id"]]] {
				keep = false
			}
			if keep {
				w.Write(r)
			}
		}
		w.Flush()
	}
	filter("persons.csv", "", "")
	filter("occurrences.csv", "reported_at", "")
	filter("assessments.csv", "completed_at", "assessment_id")
	filter("answers.csv", "", "")
	filter("offences.csv", "committed_at", "")
	os.WriteFile(filepath.Join(dst, "extract.json"), []byte(`{"extracted_at": "`+day.AddDate(0, 0, 1).Format("2006-01-02")+`"}`), 0o600)
}

// TestCalibrationNoLeakage proves the features at an as-of date use nothing
// recorded after it: samples from the whole warehouse equal, feature for
// feature, those from a warehouse loaded from the extract cut at that date.
func TestCalibrationNoLeakage(t *testing.T) {
	t.Parallel()
	ex := filepath.Join(t.TempDir(), "extract")
	if _, err := synth.Write(ex, synth.Config{Relationships: 400, Seed: 12}); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2023, 6, 30, 0, 0, 0, 0, time.UTC)
	cut := filepath.Join(t.TempDir(), "cut")
	truncate(t, ex, cut, day)
	whFull, whCut := t.TempDir(), t.TempDir()
	testwh.Load(t, ex, whFull, load.LoadOptions{})
	testwh.Load(t, cut, whCut, load.LoadOptions{})
	collect := func(wh string) map[string]calibration.Sample {
		opt := &CalibrationOptions{From: day, To: day, Horizon: period.Days(1)}
		samples, _, err := CollectSamples(context.Background(), testwh.Session(t, wh), testwh.Config(t), opt)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]calibration.Sample{}
		for _, s := range samples {
			s.Outcome = false
			out[s.RelationshipID] = s
		}
		return out
	}
	full, trimmed := collect(whFull), collect(whCut)
	if len(full) == 0 || len(full) != len(trimmed) {
		t.Fatalf("%d samples from the whole warehouse, %d from the cut one", len(full), len(trimmed))
	}
	for id, a := range full {
		b := trimmed[id]
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: features differ when later records are removed:\nwhole %+v\ncut   %+v", id, a, b)
			break
		}
	}
}

// TestCalibrateHorizonPastEnd: a horizon running past the extract's end is
// refused with the last date that would fit.
func TestCalibrateHorizonPastEnd(t *testing.T) {
	t.Parallel()
	_, wh := testwh.SyntheticForce(t)
	opt := CalibrationOptions{To: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)}
	_, err := Calibrate(context.Background(), testwh.Session(t, wh), testwh.Config(t), opt, "test", false)
	if err == nil || !strings.Contains(err.Error(), "past the extract's end on 2025-12-31; end the as-of dates on or before 2024-12-31") {
		t.Errorf("error %v", err)
	}
}

// TestSampledCalibrationAgrees: on the synthetic force (117,757 samples),
// keeping every positive and a quarter of the negatives, each weighted 4,
// gives the full fit's answers: the sampled samples are the full ones (the
// same features), every positive is there, the kept share is a quarter
// within binomial error, the weights restore the population, and the fitted
// coefficients and the held-out AUC, Brier score and calibration agree with
// the full run's within the stated tolerances (the sampling adds variance,
// so they agree within it, not exactly).
func TestSampledCalibrationAgrees(t *testing.T) {
	t.Parallel()
	_, wh := testwh.SyntheticForce(t)
	params := calibration.Params{L2: 1, Items: true, Replicates: 100}
	collect := func(rate float64) []calibration.Sample {
		t.Helper()
		opt := &CalibrationOptions{Params: params, NegativeRate: rate}
		samples, _, err := CollectSamples(context.Background(), testwh.Session(t, wh), testwh.Config(t), opt)
		if err != nil {
			t.Fatal(err)
		}
		return samples
	}
	const rate = 0.25
	full, sampled := collect(1), collect(rate)
	params = runParams(testwh.Config(t), CalibrationOptions{Params: params, Horizon: period.Months(12)})
	key := func(s calibration.Sample) string { return s.RelationshipID + s.AsOf.Format(" 2006-01-02") }
	byKey := map[string]calibration.Sample{}
	var positives, negatives int
	for _, s := range full {
		byKey[key(s)] = s
		if s.Weight != 1 {
			t.Fatalf("a full collection's sample has weight %g", s.Weight)
		}
		if s.Outcome {
			positives++
		} else {
			negatives++
		}
	}
	var keptPos, keptNeg int
	for _, s := range sampled {
		f, ok := byKey[key(s)]
		w := s.Weight
		s.Weight = 1
		if !ok || !reflect.DeepEqual(f, s) {
			t.Fatalf("sampled %s is not the full collection's sample", key(s))
		}
		switch {
		case s.Outcome && w == 1:
			keptPos++
		case !s.Outcome && w == 1/rate:
			keptNeg++
		default:
			t.Fatalf("%s: outcome %v with weight %g", key(s), s.Outcome, w)
		}
	}
	if keptPos != positives {
		t.Errorf("kept %d of %d positives; want all", keptPos, positives)
	}
	// The kept negatives are binomial(negatives, rate): within 4 SD.
	if sd := math.Sqrt(float64(negatives) * rate * (1 - rate)); math.Abs(float64(keptNeg)-rate*float64(negatives)) > 4*sd {
		t.Errorf("kept %d of %d negatives; want %.0f +- %.0f", keptNeg, negatives, rate*float64(negatives), 4*sd)
	}
	fr, err := calibration.Run(full, params)
	if err != nil {
		t.Fatal(err)
	}
	sr, err := calibration.Run(sampled, params)
	if err != nil {
		t.Fatal(err)
	}
	if sr.NegativeRate != rate || fr.NegativeRate != 1 || math.Abs(float64(sr.Population-fr.Population)) > 4*math.Sqrt(float64(negatives)*(1-rate)/rate) {
		t.Errorf("negative rate %g (full %g), population %d against %d", sr.NegativeRate, fr.NegativeRate, sr.Population, fr.Population)
	}
	// Coefficients: within 1.5 full-run standard errors. The sampled
	// estimator's variance is the full one's plus the sampling's (for a
	// rare outcome, most information is in the positives, all kept), so
	// 1.5 SE holds each coefficient with room to spare. (An unweighted
	// fit keeps the slopes and shifts only the intercept, by log 4:
	// Prentice and Pyke 1979; the Brier, calibration and counts below are
	// what catch missing weights.)
	for _, pair := range [][2][]calibration.Coefficient{{fr.Coefficients, sr.Coefficients}, {fr.ClusterModel, sr.ClusterModel}} {
		for j, c := range pair[0] {
			s := pair[1][j]
			if s.Feature != c.Feature {
				t.Fatalf("feature %s against %s", s.Feature, c.Feature)
			}
			if d := math.Abs(float64(s.LogOdds - c.LogOdds)); d > 1.5*float64(c.SE) {
				t.Errorf("%s: sampled log-odds %.3f, full %.3f (SE %.3f)", c.Feature, float64(s.LogOdds), float64(c.LogOdds), float64(c.SE))
			}
		}
	}
	// Held-out metrics, both validations, every score: AUC within 0.01,
	// Brier within 3% of the full figure, calibration-in-the-large within
	// 0.05 and slope within 0.1.
	for v, fv := range fr.Validations {
		for b, fm := range fv.Metrics {
			sm := sr.Validations[v].Metrics[b]
			name := fv.Scheme + ", " + fm.Baseline
			t.Logf("%s: AUC %.4f / %.4f, Brier %.5f / %.5f, slope %.3f / %.3f", name, float64(fm.AUC), float64(sm.AUC), float64(fm.Brier), float64(sm.Brier), float64(fm.CalSlope), float64(sm.CalSlope))
			if math.Abs(float64(sm.AUC-fm.AUC)) > 0.01 {
				t.Errorf("%s: AUC %.4f sampled, %.4f full", name, float64(sm.AUC), float64(fm.AUC))
			}
			if math.Abs(float64(sm.Brier-fm.Brier)) > 0.03*float64(fm.Brier) {
				t.Errorf("%s: Brier %.5f sampled, %.5f full", name, float64(sm.Brier), float64(fm.Brier))
			}
			if math.Abs(float64(sm.CalIntercept-fm.CalIntercept)) > 0.05 || math.Abs(float64(sm.CalSlope-fm.CalSlope)) > 0.1 {
				t.Errorf("%s: calibration %.3f / %.3f sampled, %.3f / %.3f full", name, float64(sm.CalIntercept), float64(sm.CalSlope), float64(fm.CalIntercept), float64(fm.CalSlope))
			}
			if math.Abs(float64(sm.N-fm.N)) > 0.01*float64(fm.N) || sm.Positives != fm.Positives {
				t.Errorf("%s: n %d (%d positive) sampled, %d (%d) full", name, sm.N, sm.Positives, fm.N, fm.Positives)
			}
		}
	}
}
