package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/tau-da/tau/analytics"
	"github.com/tau-da/tau/synth"
)

type demoOptions struct {
	out           string
	relationships int
	seed          uint64
}

func newDemoCmd() *cobra.Command {
	o := &demoOptions{}
	c := &cobra.Command{
		Use:   "demo [--out DIR]",
		Short: "Run the whole job end to end on a synthetic force, in one folder",
		Long: `demo writes a synthetic force's extract, loads it into a warehouse, runs the
data checks, scores and ranks every relationship (as of the extract's end,
2025-12-31) and explains the top one, all inside one folder, then prints
where to look. It needs nothing but this binary and touches nothing outside
--out.`,
		Example: `  tau demo
  tau demo --out ./tau-demo --relationships 5000 --seed 3`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return runDemo(c, o) },
	}
	c.Flags().StringVar(&o.out, "out", "tau-demo", "folder for everything the demo writes")
	c.Flags().IntVar(&o.relationships, "relationships", synth.DefaultRelationships, "size of the synthetic force")
	c.Flags().Uint64Var(&o.seed, "seed", 1, "random seed")
	return c
}

func runDemo(c *cobra.Command, o *demoOptions) error {
	w := c.OutOrStdout()
	extractDir := filepath.Join(o.out, "extract")
	wh := filepath.Join(o.out, "warehouse")
	fmt.Fprintf(w, "== 1. synth: a synthetic force (no real data)\n")
	so := &synthOptions{out: extractDir, relationships: o.relationships, seed: o.seed, to: "2025-12-31"}
	if err := runSynth(c, so); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n== 2. load: validate and load into the warehouse\n")
	lo := &loadOptions{warehouse: wh, maxRejectRate: analytics.DefaultMaxRejectRate, memoryLimit: analytics.DefaultMemoryLimit, showRejects: 5}
	if err := runLoad(c, lo, extractDir); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n== 3. check: data checks over the warehouse\n")
	if err := runCheck(c, &checkOptions{warehouse: wh, format: "table"}); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n== 4. score: the ranked threat list (top 10)\n")
	asOf := "2025-12-31"
	run, err := runScore(c, &scoreOptions{warehouse: wh, asOf: asOf, format: "table", top: 10})
	if err != nil {
		return err
	}
	if len(run.Scores) > 0 {
		top := run.Scores[0].RelationshipID
		fmt.Fprintf(w, "\n== 5. explain: where the top relationship's threat comes from\n")
		if err := runExplain(c, &explainOptions{warehouse: wh, asOf: asOf, format: "text"}, top); err != nil {
			return err
		}
	}
	gen, _ := analytics.Generation(wh)
	fmt.Fprintf(w, "\ndone. Where to look:\n")
	fmt.Fprintf(w, "  %-34s the synthetic extract (CSV, as a force would export it)\n", extractDir)
	fmt.Fprintf(w, "  %-34s the generative model behind it\n", filepath.Join(extractDir, "truth"))
	fmt.Fprintf(w, "  %-34s Parquet tables, rejects and the load manifest\n", filepath.Join(gen, "tables"))
	fmt.Fprintf(w, "  %-34s DuckDB views over them: duckdb -readonly %s\n", filepath.Join(gen, "tau.duckdb"), filepath.Join(gen, "tau.duckdb"))
	fmt.Fprintf(w, "  %-34s score snapshots (scores, active items, clusters)\n", filepath.Join(wh, "results", "scores"))
	return nil
}
