package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tau-da/tau/analytics"
	"github.com/tau-da/tau/internal/period"
	"github.com/tau-da/tau/scoring/scoredb"

	"github.com/spf13/cobra"

	"github.com/tau-da/tau/scoring"
)

type scoreOptions struct {
	warehouse string
	asOf      string
	config    string
	format    string
	out       string
	top       int
}

func newScoreCmd() *cobra.Command {
	o := &scoreOptions{}
	c := &cobra.Command{
		Use:   "score --warehouse DIR",
		Short: "Score and rank every relationship: sticky clusters, harm, recency and frequency",
		Long: `score applies the sticky rules to every relationship's risk assessments, finds
the clusters of risk, adds the harm of the perpetrator's offending (CCHI) and
the recency and frequency of occurrences, places each relationship on the
homicide timeline, and ranks them (1 = highest threat).

Every relationship with an occurrence or assessment in the lookback (3 years
by default) is scored. The result is written to the warehouse as a snapshot
for the as-of date and configuration (results/scores/...), so a list can be
reproduced later, and printed. The weights are starting values to calibrate
(see the configuration file); use ` + "`tau explain`" + ` for the source of every point.`,
		Example: `  tau score --warehouse ./wh
  tau score --warehouse ./wh --as-of 2025-06-30 --top 50
  tau score --warehouse ./wh --format csv --out scores.csv
  tau score --warehouse ./wh --config ./force.toml --format json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			_, err := runScore(c, o)
			return err
		},
	}
	warehouseFlag(c, &o.warehouse)
	c.Flags().StringVar(&o.asOf, "as-of", "", "score as of this date (default: the day the extract ends)")
	c.Flags().StringVar(&o.config, "config", "", "scoring configuration file (default: the shipped one)")
	c.Flags().StringVar(&o.format, "format", "table", "table, csv or json")
	c.Flags().StringVar(&o.out, "out", "", "write to this file instead of standard output")
	c.Flags().IntVar(&o.top, "top", 20, "rows to print in table format (0 = all)")
	return c
}

// loadConfig returns the configuration from --config or the default.
func loadConfig(path string) (*scoring.Config, error) {
	if path == "" {
		return scoring.Default()
	}
	return scoring.Load(path)
}

func parseAsOf(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Now().UTC(), nil
	}
	t, err := period.ParseDate(s)
	if err != nil {
		return t, &exitError{exitUsage, fmt.Errorf("%s: %w", flag, err)}
	}
	return t, nil
}

// asOfFor reads --as-of for a command over a warehouse: by default the
// day of the current generation's extract (scoring "today" an extract that
// ended months ago would find nothing in the last 90 days), and a given
// date after it is taken with a warning.
func asOfFor(c *cobra.Command, flag, s string, man *analytics.Manifest) (time.Time, error) {
	end := time.Date(man.ExtractDate.Year(), man.ExtractDate.Month(), man.ExtractDate.Day(), 0, 0, 0, 0, time.UTC)
	if s == "" {
		return end, nil
	}
	t, err := parseAsOf(flag, s)
	if err == nil && t.After(end) {
		fmt.Fprintf(c.ErrOrStderr(), "tau: warning: %s %s is after the extract's end: no records after %s; counts in the last 90 days will be low\n",
			flag, t.Format("2006-01-02"), end.Format("2006-01-02"))
	}
	return t, err
}

// output returns the writer for --out (or standard output) and a closer.
func output(c *cobra.Command, path string) (io.Writer, func() error, error) {
	if path == "" {
		return c.OutOrStdout(), func() error { return nil }, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}

// runScore scores, prints or writes the result, and returns the run.
func runScore(c *cobra.Command, o *scoreOptions) (*scoredb.ScoreRun, error) {
	if err := requireWarehouse(o.warehouse); err != nil {
		return nil, err
	}
	useMemoryLimit(goScoreMemoryLimit)
	switch o.format {
	case "table", "csv", "json":
	default:
		return nil, &exitError{exitUsage, fmt.Errorf("score --format: %q is not table, csv or json", o.format)}
	}
	cfg, err := loadConfig(o.config)
	if err != nil {
		return nil, &exitError{exitUsage, err}
	}
	opt := scoredb.ScoreOptions{Write: true}
	if o.format == "csv" {
		// Each row is formatted as it is scored and kept, so the ranked
		// list is written without reading the snapshot back.
		opt.Row = csvRow()
	}
	sess, err := openWriteSession(c.Context(), o.warehouse)
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	asOf, err := asOfFor(c, "score --as-of", o.asOf, sess.Manifest)
	if err != nil {
		return nil, err
	}
	bar := newBar(100, "score")
	opt.Progress = barProgress(bar)
	run, err := scoredb.ScoreWith(c.Context(), sess, cfg, asOf, opt)
	barDone(bar)
	if err != nil {
		return nil, err
	}
	w, closeOut, err := output(c, o.out)
	if err != nil {
		return nil, err
	}
	ctx := c.Context()
	switch o.format {
	case "json":
		err = writeScoresJSON(ctx, w, run)
	case "csv":
		err = writeScoresCSV(ctx, w, run)
	default:
		err = printScores(ctx, w, run, cfg, o.top)
	}
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	return run, err
}

// writeScoresJSON writes the ranked scores as one JSON array, a score at a
// time (nationally 1.6 million).
func writeScoresJSON(ctx context.Context, w io.Writer, run *scoredb.ScoreRun) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("[")
	first := true
	err := run.Each(ctx, func(s *scoring.Score) error {
		b, err := json.MarshalIndent(s, "  ", "  ")
		if err != nil {
			return err
		}
		if !first {
			bw.WriteString(",")
		}
		first = false
		bw.WriteString("\n  ")
		_, err = bw.Write(b)
		return err
	})
	if err != nil {
		return err
	}
	if !first {
		bw.WriteString("\n")
	}
	bw.WriteString("]\n")
	return bw.Flush()
}

// scoresHeader names the columns of tau score --format csv.
var scoresHeader = []string{"rank", "relationship_id", "victim_id", "perpetrator_id", "as_of", "total_score", "band", "stage", "cluster_score",
	"harm_score", "recency_frequency_score", "clusters", "items", "occurrences_90d", "occurrences_365d", "pct_occurrences_last_90d",
	"days_since_last_occurrence", "harm_cchi_days", "unscored_offence_codes", "serial", "config_hash", "harm_edition"}

// scoreRecord appends a score's CSV fields, rank first, to rec.
func scoreRecord(rec []string, s *scoring.Score) []string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	return append(rec[:0], strconv.Itoa(s.Rank), s.RelationshipID, s.VictimID, s.PerpetratorID, s.AsOf.Format("2006-01-02"), f(s.Total), s.Band,
		strconv.Itoa(s.Stage), f(s.ClusterScore), f(s.HarmScore), f(s.RecencyFrequencyScore), strings.Join(s.Clusters, " "), strings.Join(s.Items, " "),
		strconv.Itoa(s.Occurrences90d), strconv.Itoa(s.Occurrences365d), f(s.PctOccurrencesLast90d), strconv.Itoa(s.DaysSinceLast),
		f(s.HarmCCHIDays), strings.Join(s.Unscored, " "), strconv.FormatBool(s.Serial), s.ConfigHash, s.HarmEdition)
}

// csvRow formats a score's CSV row without its rank, for ScoreOptions.Row:
// scoreRecord's fields written as encoding/csv writes them, appended
// straight to the row (nationally 1.6 million rows: the fields as strings
// through a csv.Writer took 2 s of a score run).
func csvRow() scoredb.RowFormat {
	return func(b []byte, s *scoring.Score) []byte {
		b = appendCSVField(b, s.RelationshipID)
		b = appendCSVField(append(b, ','), s.VictimID)
		b = appendCSVField(append(b, ','), s.PerpetratorID)
		b = s.AsOf.AppendFormat(append(b, ','), "2006-01-02")
		b = strconv.AppendFloat(append(b, ','), s.Total, 'f', -1, 64)
		b = appendCSVField(append(b, ','), s.Band)
		b = strconv.AppendInt(append(b, ','), int64(s.Stage), 10)
		b = strconv.AppendFloat(append(b, ','), s.ClusterScore, 'f', -1, 64)
		b = strconv.AppendFloat(append(b, ','), s.HarmScore, 'f', -1, 64)
		b = strconv.AppendFloat(append(b, ','), s.RecencyFrequencyScore, 'f', -1, 64)
		b = appendCSVList(append(b, ','), s.Clusters)
		b = appendCSVList(append(b, ','), s.Items)
		b = strconv.AppendInt(append(b, ','), int64(s.Occurrences90d), 10)
		b = strconv.AppendInt(append(b, ','), int64(s.Occurrences365d), 10)
		b = strconv.AppendFloat(append(b, ','), s.PctOccurrencesLast90d, 'f', -1, 64)
		b = strconv.AppendInt(append(b, ','), int64(s.DaysSinceLast), 10)
		b = strconv.AppendFloat(append(b, ','), s.HarmCCHIDays, 'f', -1, 64)
		b = appendCSVList(append(b, ','), s.Unscored)
		b = strconv.AppendBool(append(b, ','), s.Serial)
		b = appendCSVField(append(b, ','), s.ConfigHash)
		b = appendCSVField(append(b, ','), s.HarmEdition)
		return append(b, '\n')
	}
}

// appendCSVList appends a list as scoreRecord joins it (by spaces), one
// CSV field: straight when no item could need quoting, else joined and
// written as any field.
func appendCSVList(b []byte, l []string) []byte {
	plain := len(l) == 0 || !startsWithSpace(l[0]) && !(len(l) == 1 && l[0] == `\.`)
	for _, v := range l {
		plain = plain && v != "" && !strings.ContainsAny(v, ",\"\r\n")
	}
	if !plain {
		return appendCSVField(b, strings.Join(l, " "))
	}
	for i, v := range l {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, v...)
	}
	return b
}

// appendCSVField appends one field as encoding/csv's Writer writes it
// (comma-separated, LF line ends): quoted when it holds a comma, a quote or
// a line break, begins with a space, or is \., with its quotes doubled.
func appendCSVField(b []byte, v string) []byte {
	if v == "" || !(strings.ContainsAny(v, ",\"\r\n") || v == `\.` || startsWithSpace(v)) {
		return append(b, v...)
	}
	b = append(b, '"')
	for i := 0; i < len(v); i++ {
		if v[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, v[i])
	}
	return append(b, '"')
}

// startsWithSpace says whether text begins with a Unicode space, as
// encoding/csv asks before leaving a field unquoted.
func startsWithSpace(v string) bool {
	r, _ := utf8.DecodeRuneInString(v)
	return v != "" && unicode.IsSpace(r)
}

// writeScoresCSV writes the ranked scores as CSV: from the rows kept as
// they were scored, else read back from the snapshot.
func writeScoresCSV(ctx context.Context, w io.Writer, run *scoredb.ScoreRun) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	cw := csv.NewWriter(bw)
	cw.Write(scoresHeader)
	cw.Flush()
	var num []byte
	err := run.EachRow(func(rank int, row []byte) error {
		num = strconv.AppendInt(num[:0], int64(rank), 10)
		bw.Write(num)
		bw.WriteByte(',')
		_, err := bw.Write(row)
		return err
	})
	if errors.Is(err, scoredb.ErrNoRows) {
		var rec []string
		err = run.Each(ctx, func(s *scoring.Score) error {
			rec = scoreRecord(rec, s)
			return cw.Write(rec)
		})
		cw.Flush()
	}
	if err != nil {
		return err
	}
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// heaviest names a score's n heaviest clusters, and how many more are
// active: "Non-fatal strangulation; Stalking and surveillance; +7".
func heaviest(cfg *scoring.Config, ids []string, n int) string {
	var out []string
	for i, c := range cfg.Heaviest(ids) {
		if i == n {
			out = append(out, fmt.Sprintf("+%d", len(ids)-n))
			break
		}
		out = append(out, c.Name)
	}
	if len(out) == 0 {
		return "-"
	}
	return strings.Join(out, "; ")
}

func printScores(ctx context.Context, w io.Writer, run *scoredb.ScoreRun, cfg *scoring.Config, top int) error {
	fmt.Fprintf(w, "%d relationships scored as of %s (config %s, %s; weights are starting values to calibrate)\n",
		run.Count, run.AsOf.Format("2006-01-02"), run.ConfigHash, cfg.Harm.Edition)
	fmt.Fprintf(w, "bands: %d red, %d amber, %d green\n", run.Bands[scoring.BandRed], run.Bands[scoring.BandAmber], run.Bands[scoring.BandGreen])
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "rank\tvictim / perpetrator\trelationship\tband\ttotal\tclusters+harm+rf\tstage\tclusters (heaviest)\tocc 90d\t% 90d\tdays since\tserial")
	n := run.Count
	if top > 0 && top < n {
		n = top
	}
	scores, err := run.Top(ctx, n)
	if err != nil {
		return err
	}
	for _, s := range scores {
		band := s.Band
		if band == scoring.BandRed {
			band = "RED"
		}
		serial := ""
		if s.Serial {
			serial = "serial"
		}
		fmt.Fprintf(tw, "%d\t%s / %s\t%s\t%s\t%.1f\t%.1f+%.1f+%.1f\t%d\t%s\t%d\t%.0f%%\t%d\t%s\n", s.Rank, s.VictimID, s.PerpetratorID, s.RelationshipID, band, s.Total,
			s.ClusterScore, s.HarmScore, s.RecencyFrequencyScore, s.Stage, heaviest(cfg, s.Clusters, 2), s.Occurrences90d,
			s.PctOccurrencesLast90d, s.DaysSinceLast, serial)
	}
	tw.Flush()
	if run.Snapshot != "" {
		fmt.Fprintf(w, "snapshot written to %s\n", run.Snapshot)
	}
	return nil
}
