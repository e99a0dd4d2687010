package main

import (
	"fmt"
	"time"

	"github.com/tau-da/tau/internal/period"

	"github.com/spf13/cobra"

	"github.com/tau-da/tau/synth"
)

type synthOptions struct {
	out           string
	relationships int
	seed          uint64
	from, to      string
	workers       int
}

func newSynthCmd() *cobra.Command {
	o := &synthOptions{}
	c := &cobra.Command{
		Use:   "synth --out DIR",
		Short: "Write a synthetic force's extract (no real data), with a truth/ folder",
		Long: `synth writes a complete record extract for a synthetic force: every file of
the extract contract, deterministic for a seed, plus truth/ (the generative
model: latent traits, the serious-harm model, the true plan effect and the
reporting uplift of engaged victims), which tau load ignores.

The default is one force: 20,000 relationships over five years. A national
extract (--relationships 2000000, about 4 GB) streams to disk in under a minute.`,
		Example: `  tau synth --out ./extract
  tau synth --out ./national --relationships 2000000 --seed 1
  tau synth --out ./small --relationships 500 --from 2022-01-01 --to 2024-12-31`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return runSynth(c, o) },
	}
	c.Flags().StringVar(&o.out, "out", "", "folder to write the extract into (required)")
	c.Flags().IntVar(&o.relationships, "relationships", synth.DefaultRelationships, "number of relationships")
	c.Flags().Uint64Var(&o.seed, "seed", 1, "random seed; the same seed gives the same files")
	c.Flags().StringVar(&o.from, "from", "", "first date (default: five years before --to)")
	c.Flags().StringVar(&o.to, "to", "2025-12-31", "last date, also the extract date")
	c.Flags().IntVar(&o.workers, "workers", 0, "generating goroutines (default: all cores; output is the same)")
	c.MarkFlagRequired("out")
	return c
}

func (o *synthOptions) config() (synth.Config, error) {
	cfg := synth.Config{Relationships: o.relationships, Seed: o.seed, Workers: o.workers}
	var err error
	if o.to != "" {
		if cfg.To, err = period.ParseDate(o.to); err != nil {
			return cfg, &exitError{exitUsage, fmt.Errorf("synth --to: %w", err)}
		}
	}
	if o.from != "" {
		if cfg.From, err = period.ParseDate(o.from); err != nil {
			return cfg, &exitError{exitUsage, fmt.Errorf("synth --from: %w", err)}
		}
	}
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return cfg, &exitError{exitUsage, err}
	}
	return cfg, nil
}

func runSynth(c *cobra.Command, o *synthOptions) error {
	cfg, err := o.config()
	if err != nil {
		return err
	}
	bar := newBar(cfg.Relationships, "synth")
	cfg.Progress = func(done, total int) { barSet(bar, done, "") }
	start := time.Now()
	s, err := synth.Write(o.out, cfg)
	barDone(bar)
	if err != nil {
		return err
	}
	w := c.OutOrStdout()
	fmt.Fprintf(w, "wrote a synthetic force to %s in %.1fs (seed %d, %s to %s)\n", o.out, time.Since(start).Seconds(),
		cfg.Seed, cfg.From.Format("2006-01-02"), cfg.To.Format("2006-01-02"))
	fmt.Fprintf(w, "  %d relationships, %d perpetrators\n", s.Relationships, s.Perpetrators)
	for _, name := range []string{"persons.csv", "occurrences.csv", "offences.csv", "assessments.csv", "answers.csv", "pmps.csv", "pmp_actions.csv", "engagement.csv"} {
		fmt.Fprintf(w, "  %-16s %12d rows\n", name, s.Rows[name])
	}
	fmt.Fprintf(w, "  truth/           the generative model (tau load ignores it)\n")
	return nil
}
