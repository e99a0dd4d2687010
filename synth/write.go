package synth

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
)

// batchGroups is the number of perpetrator groups a worker generates at a
// time; batches are written in order, so output does not depend on timing.
const batchGroups = 512

// Summary counts what Write produced.
type Summary struct {
	Dir           string
	Relationships int
	Perpetrators  int
	Rows          map[string]int64
}

// victimsPerPerpetrator draws how many victims each perpetrator has, until
// the relationships add up to n: most have one, about one in seven two or
// more (serial perpetrators).
func victimsPerPerpetrator(seed uint64, n int) []int {
	r := newRNG(seed, 1<<62)
	var out []int
	for total := 0; total < n; {
		k := 1 + r.pick([]float64{85, 11, 3, 1})
		if total+k > n {
			k = n - total
		}
		out = append(out, k)
		total += k
	}
	return out
}

// Write generates a synthetic extract into dir (created if needed): the
// contract's files, extract.json and truth/.
func Write(dir string, cfg Config) (*Summary, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "truth"), 0o700); err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	g := newGenerator(cfg)
	groups := victimsPerPerpetrator(cfg.Seed, cfg.Relationships)
	var files [nFiles]*os.File
	var ws [nFiles]*bufio.Writer
	rows := map[string]int64{}
	for i, name := range fileNames {
		if i == fTruthMonthly && !g.truth {
			continue
		}
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return nil, fmt.Errorf("synth: %w", err)
		}
		defer f.Close()
		files[i] = f
		ws[i] = bufio.NewWriterSize(f, 1<<20)
		ws[i].WriteString(headers[i] + "\n")
	}
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	nBatches := (len(groups) + batchGroups - 1) / batchGroups
	type result struct {
		bufs buffers
		rels int
	}
	results := make([]chan result, nBatches)
	for i := range results {
		results[i] = make(chan result, 1)
	}
	var next sync.Mutex
	nextBatch := 0
	sem := make(chan struct{}, workers*2) // bounds batches held in memory
	for w := 0; w < workers; w++ {
		go func() {
			for {
				sem <- struct{}{}
				next.Lock()
				b := nextBatch
				nextBatch++
				next.Unlock()
				if b >= nBatches {
					<-sem
					return
				}
				var res result
				for gi := b * batchGroups; gi < len(groups) && gi < (b+1)*batchGroups; gi++ {
					g.group(gi, groups[gi], &res.bufs)
					res.rels += groups[gi]
				}
				results[b] <- res
			}
		}()
	}
	done := 0
	for b := 0; b < nBatches; b++ {
		res := <-results[b]
		<-sem
		for i := range res.bufs {
			if ws[i] == nil {
				continue
			}
			ws[i].Write(res.bufs[i])
			rows[fileNames[i]] += int64(countLines(res.bufs[i]))
		}
		done += res.rels
		if cfg.Progress != nil {
			cfg.Progress(done, cfg.Relationships)
		}
	}
	for i, w := range ws {
		if w == nil {
			continue
		}
		if err := w.Flush(); err != nil {
			return nil, fmt.Errorf("synth: write %s: %w", fileNames[i], err)
		}
		if err := files[i].Close(); err != nil {
			return nil, fmt.Errorf("synth: write %s: %w", fileNames[i], err)
		}
	}
	info := map[string]string{"extracted_at": cfg.To.Format("2006-01-02"), "source": "tau synth (synthetic; no real person)"}
	if err := writeJSONFile(filepath.Join(dir, "extract.json"), info); err != nil {
		return nil, err
	}
	t := Truth{
		Seed: cfg.Seed, Relationships: cfg.Relationships, From: cfg.From.Format("2006-01-02"), To: cfg.To.Format("2006-01-02"),
		Outcome: outcomeModel, PlanEffect: planEffect, ReportingUplift: reportingUplift,
		PlanRule:     fmt.Sprintf("a relationship with %d or more occurrences in three consecutive months gets a plan the next month with probability %.2f (once)", spikeThreshold, planOpenProb),
		SeriousCodes: seriousCodes, UnscoredCodes: unscoredCodes,
		Notes: []string{
			"Months are counted from the first month of the extract (0).",
			"Onset columns give the month a trait starts (-1 = never); DASH answers before it reflect its absence.",
			"Plans cut the true incident rate by plan_effect from the month they open; engagement multiplies the reported rate by reporting_uplift.",
			"truth/monthly_risk.csv is written only for extracts of up to 200,000 relationships.",
		},
	}
	if err := writeEstimands(dir); err != nil {
		return nil, err
	}
	if err := writeJSONFile(filepath.Join(dir, "truth", "model.json"), t); err != nil {
		return nil, err
	}
	return &Summary{Dir: dir, Relationships: cfg.Relationships, Perpetrators: len(groups), Rows: rows}, nil
}

func countLines(b []byte) int {
	n := 0
	for _, c := range b {
		if c == '\n' {
			n++
		}
	}
	return n
}

func writeJSONFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	return nil
}
