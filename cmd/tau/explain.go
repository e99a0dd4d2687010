package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/tau-da/tau/extract"
	"github.com/tau-da/tau/internal/period"
	"github.com/tau-da/tau/scoring/scoredb"

	"github.com/spf13/cobra"

	"github.com/tau-da/tau/analytics"
	"github.com/tau-da/tau/scoring"
)

type explainOptions struct {
	warehouse string
	asOf      string
	config    string
	format    string
}

func newExplainCmd() *cobra.Command {
	o := &explainOptions{}
	c := &cobra.Command{
		Use:   "explain RELATIONSHIP_ID --warehouse DIR",
		Short: "Show where every point of a relationship's score comes from",
		Long: `explain shows, in the words an officer reads, the source of every point of a
relationship's threat score: for each active item, which assessment said yes
and when, whether the sticky rule holds it despite a later no (and which
assessment said no), or whether it comes from another relationship of the
same perpetrator; each cluster's legs and what met them; each offence counted
in harm with its code, date and CCHI days; the occurrence counts; the
homicide-timeline stage with its evidence, and the stage at each assessment.`,
		Example: `  tau explain r-ebfa7fa47b933a80 --warehouse ./wh
  tau explain r-ebfa7fa47b933a80 --warehouse ./wh --as-of 2024-06-30 --format json`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return &exitError{exitUsage, fmt.Errorf("explain: give one relationship id (from tau score), as in `tau explain r-ebfa7fa47b933a80 --warehouse ./wh`")}
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error { return runExplain(c, o, args[0]) },
	}
	warehouseFlag(c, &o.warehouse)
	c.Flags().StringVar(&o.asOf, "as-of", "", "as of this date (default: the day the extract ends)")
	c.Flags().StringVar(&o.config, "config", "", "scoring configuration file (default: the shipped one)")
	c.Flags().StringVar(&o.format, "format", "text", "text or json")
	return c
}

// explanation is explain's JSON.
type explanation struct {
	Score    scoring.Score           `json:"score"`
	Items    []scoring.ActiveItem    `json:"items"`
	Clusters []scoring.ActiveCluster `json:"clusters"`
	Offences []scoring.Offence       `json:"harm_offences"`
	Stage    []scoring.StageEvidence `json:"stage_evidence"`
	History  []stagePoint            `json:"stage_history"`
}

type stagePoint struct {
	Date       string `json:"date"`
	Assessment string `json:"assessment_id"`
	Stage      int    `json:"stage"`
}

func runExplain(c *cobra.Command, o *explainOptions, id string) error {
	if err := requireWarehouse(o.warehouse); err != nil {
		return err
	}
	if o.format != "text" && o.format != "json" {
		return &exitError{exitUsage, fmt.Errorf("explain --format: %q is not text or json", o.format)}
	}
	cfg, err := loadConfig(o.config)
	if err != nil {
		return &exitError{exitUsage, err}
	}
	sess, err := openSession(c.Context(), o.warehouse)
	if err != nil {
		return err
	}
	defer sess.Close()
	asOf, err := asOfFor(c, "explain --as-of", o.asOf, sess.Manifest)
	if err != nil {
		return err
	}
	sc, ev, err := scoredb.Explain(c.Context(), sess, cfg, asOf, id)
	if err != nil {
		return err
	}
	hist, err := stageHistory(c, sess, cfg, asOf, id)
	if err != nil {
		return err
	}
	x := explanation{Score: *sc, Items: sc.ActiveItems, Clusters: sc.ActiveClusters, Offences: ev.Offences, Stage: sc.StageEvidence, History: hist}
	w := c.OutOrStdout()
	if o.format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(x)
	}
	printExplanation(w, x, cfg)
	return nil
}

// stageHistory recomputes the stage at each of the relationship's
// assessment dates from its own answers (with today's record facts).
func stageHistory(c *cobra.Command, sess *analytics.Session, cfg *scoring.Config, asOf time.Time, id string) ([]stagePoint, error) {
	raw, err := scoredb.History(c.Context(), sess, cfg, id)
	if err != nil {
		return nil, err
	}
	// As of each assessment's day, from the records dated on or before it
	// only, and nothing after --as-of: the stage a past date shows is the
	// same whatever --as-of this run was given. Scored in one pass over
	// the dates (the configuration's tables prepared once).
	var dates []time.Time
	want := map[time.Time][]string{}
	first := map[time.Time]string{}
	for _, a := range raw {
		day := period.Day(a.Date)
		if day.After(asOf) {
			continue
		}
		if _, ok := first[day]; !ok {
			first[day] = a.AssessmentID
			dates = append(dates, day)
			want[day] = []string{id}
		}
	}
	stage := map[time.Time]int{}
	err = scoredb.ScoreDates(c.Context(), sess, cfg, dates, want, func(d time.Time, sc *scoring.Score) error {
		stage[period.Day(d)] = sc.Stage
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(dates, func(i, j int) bool { return dates[i].Before(dates[j]) })
	var out []stagePoint
	for _, d := range dates {
		if st, ok := stage[d]; ok {
			out = append(out, stagePoint{Date: d.Format("2006-01-02"), Assessment: first[d], Stage: st})
		}
	}
	return out, nil
}

func printExplanation(w io.Writer, x explanation, cfg *scoring.Config) {
	s := x.Score
	fmt.Fprintf(w, "relationship %s: victim %s, perpetrator %s, as of %s\n", s.RelationshipID, s.VictimID, s.PerpetratorID, s.AsOf.Format("2006-01-02"))
	fmt.Fprintf(w, "score %.1f (%s band): clusters %.1f + harm %.1f + recency/frequency %.1f; homicide-timeline stage %d\n",
		s.Total, strings.ToUpper(s.Band), s.ClusterScore, s.HarmScore, s.RecencyFrequencyScore, s.Stage)
	fmt.Fprintf(w, "configuration %s; weights are starting values to calibrate, not validated probabilities\n\n", s.ConfigHash)
	fmt.Fprintf(w, "ACTIVE ITEMS (%d)\n", len(x.Items))
	for _, a := range x.Items {
		fmt.Fprintf(w, "  %-4s %s [%s, %s]\n       %s\n", a.Item, a.Label, a.Class, a.Subject, a.Reason)
	}
	fmt.Fprintf(w, "\nCLUSTERS (%d)\n", len(x.Clusters))
	for _, cl := range x.Clusters {
		stage := extract.StageName(cl.Stage)
		if cl.Stage == 0 {
			stage = "no stage"
		}
		if c := cfg.Cluster(cl.ID); c != nil && c.Stage > cl.Stage {
			stage += ": " + cfg.StageNote(cl.Stage, c.Stage)
		}
		fmt.Fprintf(w, "  %-4s %s: weight %.0f, %s\n", cl.ID, cl.Name, cl.Weight, stage)
		for _, l := range cl.Legs {
			fmt.Fprintf(w, "       %s met by %s\n", l.Rule, strings.Join(l.By, ", "))
		}
		fmt.Fprintf(w, "       source: %s\n", cl.Source)
	}
	fmt.Fprintf(w, "\nHARM: %.1f CCHI days (%s) from the perpetrator's offences in the last %d years\n", s.HarmCCHIDays, s.HarmEdition, cfg.Score.LookbackYears)
	for _, o := range x.Offences {
		days := fmt.Sprintf("%g days", o.Days)
		if o.Days == 1 {
			days = "1 day"
		}
		if !o.Scored {
			days = "UNSCORED: not in the harm table"
		}
		victim := "another person"
		if o.VictimID == s.VictimID {
			victim = "this victim"
		}
		fmt.Fprintf(w, "  %s  %s  %-7s %s (against %s)\n", o.Date.Format("2006-01-02"), o.OffenceID, o.Code, days, victim)
	}
	fmt.Fprintf(w, "\nOCCURRENCES: %d in the last 90 days, %d in the last 365, %d in the lookback (%.0f%% in the last 90 days); the latest %s\n",
		s.Occurrences90d, s.Occurrences365d, s.OccurrencesLookback, s.PctOccurrencesLast90d, daysAgo(s.DaysSinceLast))
	fmt.Fprintf(w, "\nSTAGE %d, evidenced by:\n", s.Stage)
	for _, e := range x.Stage {
		fmt.Fprintf(w, "  stage %d: %s\n", e.Stage, e.By)
	}
	if len(x.History) > 0 {
		fmt.Fprintf(w, "\nSTAGE AT EACH ASSESSMENT\n")
		for _, h := range x.History {
			fmt.Fprintf(w, "  %s  %s  stage %d\n", h.Date, h.Assessment, h.Stage)
		}
	}
}

// daysAgo says how long ago something was, as it reads right: "today",
// "1 day ago", "12 days ago".
func daysAgo(n int) string {
	switch n {
	case 0:
		return "today"
	case 1:
		return "1 day ago"
	}
	return fmt.Sprintf("%d days ago", n)
}
