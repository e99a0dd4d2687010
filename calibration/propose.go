package calibration

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
)

// Weight is a cluster's current and proposed weight with its evidence.
type Weight struct {
	Cluster  string  `json:"cluster"`
	Current  float64 `json:"current"`
	Proposed float64 `json:"proposed"`
	LogOdds  Number  `json:"log_odds"`
	SE       Number  `json:"se"`
	Evidence string  `json:"evidence"`
}

// ProposeWeights turns the cluster model's log-odds into weights on the
// configuration's own scale: each positive coefficient times (largest
// current weight / largest positive coefficient), so the strongest cluster
// keeps the top weight and the others fall in proportion to their fitted
// effect; a cluster with no positive association gets 0; one never active
// in the samples keeps its starting value. Weights are rounded to 0.1.
func ProposeWeights(rep *Report, ids []string, current map[string]float64, outcome, runID string) []Weight {
	coef := map[string]Coefficient{}
	maxBeta, maxW := 0.0, 0.0
	for _, c := range rep.ClusterModel {
		if id, ok := strings.CutPrefix(c.Feature, "cluster:"); ok {
			coef[id] = c
			maxBeta = math.Max(maxBeta, float64(c.LogOdds))
		}
	}
	for _, w := range current {
		maxW = math.Max(maxW, w)
	}
	var out []Weight
	for _, id := range ids {
		w := Weight{Cluster: id, Current: current[id], Proposed: current[id], LogOdds: Number(math.NaN()), SE: Number(math.NaN())}
		c, ok := coef[id]
		switch {
		case !ok:
			w.Evidence = fmt.Sprintf("never active in the calibration samples (run %s): starting value kept; calibrate again when the force has cases", runID)
		case maxBeta <= 0:
			w.Evidence = fmt.Sprintf("no cluster had a positive association with %s (run %s): starting value kept", outcome, runID)
		default:
			w.LogOdds, w.SE = c.LogOdds, c.SE
			w.Proposed = math.Round(10*math.Max(0, float64(c.LogOdds))*maxW/maxBeta) / 10
			w.Evidence = fmt.Sprintf("tau calibrate run %s: log-odds %+.2f (SE %s), odds ratio %.2f (95%% CI %s-%s) for %s, holding the other clusters, harm, recency, frequency and serial fixed; active in %d samples, %d with the outcome",
				runID, float64(c.LogOdds), num(c.SE, "%.2f"), float64(c.OddsRatio), num(c.Lower, "%.2f"), num(c.Upper, "%.2f"), outcome, c.Active, c.ActivePositives)
			if c.LogOdds <= 0 {
				w.Evidence += "; no positive association, so weight 0"
			}
		}
		out = append(out, w)
	}
	return out
}

// RewriteConfig returns the configuration file with each cluster's weight
// replaced by its proposal and an evidence line written beside it; every
// other line (comments included) is kept, so the result is the
// configuration's own format and tau score --config accepts it as it is.
// header lines are added as comments at the top. A relative harm table
// path is made absolute against the original file's folder, so the file
// still loads from anywhere.
func RewriteConfig(raw []byte, configPath string, weights []Weight, header []string) ([]byte, error) {
	byID := map[string]Weight{}
	for _, w := range weights {
		byID[w.Cluster] = w
	}
	var out bytes.Buffer
	for _, h := range header {
		fmt.Fprintf(&out, "# %s\n", h)
	}
	var block []string
	inClusters, section := false, ""
	flush := func() {
		if !inClusters {
			for _, l := range block {
				out.WriteString(l + "\n")
			}
			block = nil
			return
		}
		id := ""
		for _, l := range block {
			if k, v, ok := keyValue(l); ok && k == "id" {
				id, _ = strconv.Unquote(v)
			}
		}
		w, ok := byID[id]
		for _, l := range block {
			k, _, isKV := keyValue(l)
			if ok && isKV && k == "evidence" {
				continue
			}
			if ok && isKV && k == "weight" {
				fmt.Fprintf(&out, "weight = %s  # was %s\n", strconv.FormatFloat(w.Proposed, 'f', -1, 64), strconv.FormatFloat(w.Current, 'f', -1, 64))
				fmt.Fprintf(&out, "evidence = %s\n", strconv.Quote(w.Evidence))
				continue
			}
			out.WriteString(l + "\n")
		}
		block = nil
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "[") {
			flush()
			inClusters = t == "[[clusters]]"
			section = t
		}
		if section == "[harm]" {
			if k, v, ok := keyValue(l); ok && k == "table" {
				if p, err := strconv.Unquote(v); err == nil && !strings.HasPrefix(p, "builtin:") && !filepath.IsAbs(p) && configPath != "" {
					abs, err := filepath.Abs(filepath.Join(filepath.Dir(configPath), p))
					if err == nil {
						l = "table = " + strconv.Quote(abs)
					}
				}
			}
		}
		block = append(block, l)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	flush()
	return out.Bytes(), nil
}

// keyValue splits a TOML "key = value" line (value without a trailing
// comment for simple strings and numbers).
func keyValue(l string) (string, string, bool) {
	t := strings.TrimSpace(l)
	if t == "" || strings.HasPrefix(t, "#") {
		return "", "", false
	}
	k, v, ok := strings.Cut(t, "=")
	if !ok {
		return "", "", false
	}
	v = strings.TrimSpace(v)
	if !strings.HasPrefix(v, `"`) {
		if i := strings.Index(v, "#"); i >= 0 {
			v = strings.TrimSpace(v[:i])
		}
	}
	return strings.TrimSpace(k), v, true
}
