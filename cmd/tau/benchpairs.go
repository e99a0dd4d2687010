package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// ratioPairs is one target's ratio (a step over its reference) measured
// over alternated pairs within one run: on a shared machine whose speed
// moves from minute to minute (the same bare copy 24.5-31.6 s within ten
// minutes, README Benchmarks), one pair cannot tell 1.45 from 1.55, and
// the median of several pairs, each measured back to back, can.
type ratioPairs struct {
	// Wall and CPU are each pair's ratio of wall and of CPU time, the
	// run's first pair first.
	Wall []float64 `json:"wall"`
	CPU  []float64 `json:"cpu"`
	// WallMedian and CPUMedian are their medians.
	WallMedian float64 `json:"wall_median"`
	CPUMedian  float64 `json:"cpu_median"`
}

// pairRatios is the ratios of steps[i] over refs[i], pair by pair, and
// their medians.
func pairRatios(refs, steps []benchStep) ratioPairs {
	var r ratioPairs
	for i := range min(len(refs), len(steps)) {
		r.Wall = append(r.Wall, steps[i].Seconds/refs[i].Seconds)
		r.CPU = append(r.CPU, steps[i].cpuSeconds()/refs[i].cpuSeconds())
	}
	r.WallMedian, r.CPUMedian = median(r.Wall), median(r.CPU)
	return r
}

// median is the middle value (the mean of the two middle ones for an even
// count); 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// runPairs measures the pairs after the run's first: each pair is the
// reference then the step, one after the other, so both meet the machine
// as it is that minute, with the same commands as the run's own. The
// loads go to a warehouse of their own (removed after each), so the run's
// warehouse is the first load's; the extra scores write their snapshot to
// the run's warehouse, as the first did.
func runPairs(c *cobra.Command, self string, o *benchOptions, n int, extractDir, wh, dir string, rep *benchReport) error {
	bare, load := []benchStep{rep.Steps[stepBare]}, []benchStep{rep.Steps[stepLoad]}
	ref, score := []benchStep{rep.Steps[stepScoreReference]}, []benchStep{rep.Steps[stepScore]}
	pairBare, pairWH := filepath.Join(dir, "bare-pair"), filepath.Join(dir, "warehouse-pair")
	defer os.RemoveAll(pairBare)
	defer os.RemoveAll(pairWH)
	loads, scores := benchSteps(n, o.seed, extractDir, pairWH, pairBare), benchSteps(n, o.seed, extractDir, wh, "")
	measure := func(s benchStepCmd, i int, into *[]benchStep) error {
		// "bare copy (pair 2)", not "bare copy (reference) (pair 2)".
		s.name = strings.TrimSuffix(s.name, " (reference)") + " (pair " + strconv.Itoa(i) + ")"
		st, _, err := runStep(c, self, o.json, s)
		if err != nil {
			return err
		}
		*into = append(*into, st)
		rep.PairSteps = append(rep.PairSteps, st)
		return nil
	}
	for i := 2; i <= o.pairs; i++ {
		os.RemoveAll(pairBare)
		os.RemoveAll(pairWH)
		if err := measure(loads[stepBare], i, &bare); err != nil {
			return err
		}
		if err := measure(loads[stepLoad], i, &load); err != nil {
			return err
		}
	}
	for i := 2; i <= o.pairs; i++ {
		if err := measure(scores[stepScoreReference], i, &ref); err != nil {
			return err
		}
		if err := measure(scores[stepScore], i, &score); err != nil {
			return err
		}
	}
	rep.LoadPairs, rep.ScorePairs = pairRatios(bare, load), pairRatios(ref, score)
	return nil
}

// printPairs writes one target's pairs as a line of the text report.
func printPairs(w io.Writer, what string, r ratioPairs) {
	if len(r.Wall) < 2 {
		return
	}
	f := func(xs []float64) string {
		s := make([]string, len(xs))
		for i, x := range xs {
			s[i] = fmt.Sprintf("%.2f", x)
		}
		return strings.Join(s, ", ")
	}
	fmt.Fprintf(w, "  %s over %d alternated pairs: %s, median %.2f (in CPU time %s, median %.2f)\n",
		what, len(r.Wall), f(r.Wall), r.WallMedian, f(r.CPU), r.CPUMedian)
}
