package main

import (
	"math"
	"strings"
	"testing"
)

// TestPairRatios checks each pair's ratios and their medians against
// values worked by hand: walls 15/10, 30/20, 50/40 and CPU (user +
// system) 12/8, 20/10, 60/40.
func TestPairRatios(t *testing.T) {
	t.Parallel()
	refs := []benchStep{
		{Seconds: 10, UserSeconds: 6, SystemSeconds: 2},
		{Seconds: 20, UserSeconds: 9, SystemSeconds: 1},
		{Seconds: 40, UserSeconds: 30, SystemSeconds: 10},
	}
	steps := []benchStep{
		{Seconds: 15, UserSeconds: 10, SystemSeconds: 2},
		{Seconds: 30, UserSeconds: 18, SystemSeconds: 2},
		{Seconds: 50, UserSeconds: 55, SystemSeconds: 5},
	}
	r := pairRatios(refs, steps)
	wantWall, wantCPU := []float64{1.5, 1.5, 1.25}, []float64{1.5, 2, 1.5}
	for i := range wantWall {
		if math.Abs(r.Wall[i]-wantWall[i]) > 1e-12 || math.Abs(r.CPU[i]-wantCPU[i]) > 1e-12 {
			t.Errorf("pair %d: wall %v cpu %v, want %v and %v", i+1, r.Wall[i], r.CPU[i], wantWall[i], wantCPU[i])
		}
	}
	if r.WallMedian != 1.5 || r.CPUMedian != 1.5 {
		t.Errorf("medians %v and %v, want 1.5 and 1.5", r.WallMedian, r.CPUMedian)
	}
}

func TestMedian(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		in   []float64
		want float64
	}{
		{"none", nil, 0},
		{"one", []float64{1.7}, 1.7},
		{"odd, unsorted", []float64{1.68, 1.42, 1.59}, 1.59},
		{"even: the middle two's mean", []float64{1.59, 1.42, 1.54, 1.68}, 1.565},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := append([]float64(nil), tt.in...)
			if got := median(tt.in); math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
			}
			for i := range in {
				if in[i] != tt.in[i] {
					t.Fatalf("median reordered its input: %v, was %v", tt.in, in)
				}
			}
		})
	}
}

// TestPrintPairs: one pair prints nothing more than the run's ratio; more
// print every pair and the median.
func TestPrintPairs(t *testing.T) {
	t.Parallel()
	var one, three strings.Builder
	printPairs(&one, "load / bare copy", ratioPairs{Wall: []float64{1.5}, CPU: []float64{1.6}, WallMedian: 1.5, CPUMedian: 1.6})
	if one.Len() != 0 {
		t.Errorf("one pair printed %q", one.String())
	}
	printPairs(&three, "load / bare copy", pairRatios(
		[]benchStep{{Seconds: 10, UserSeconds: 10}, {Seconds: 20, UserSeconds: 20}, {Seconds: 10, UserSeconds: 10}},
		[]benchStep{{Seconds: 14, UserSeconds: 15}, {Seconds: 32, UserSeconds: 30}, {Seconds: 15, UserSeconds: 16}}))
	want := "  load / bare copy over 3 alternated pairs: 1.40, 1.60, 1.50, median 1.50 (in CPU time 1.50, 1.50, 1.60, median 1.50)\n"
	if three.String() != want {
		t.Errorf("got  %q\nwant %q", three.String(), want)
	}
}

func TestBenchPairsUsage(t *testing.T) {
	t.Parallel()
	_, err := run(t, "bench", "--pairs", "0")
	if code := exitCode(err); code != exitUsage || !strings.Contains(err.Error(), "--pairs") {
		t.Errorf("exit %d, %v; want %d naming --pairs", code, err, exitUsage)
	}
}
