package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tau-da/tau/internal/duckdb"
	"github.com/tau-da/tau/notebooks"
)

type queryOptions struct {
	warehouse, format, out string
}

func newQueryCmd() *cobra.Command {
	o := &queryOptions{}
	c := &cobra.Command{
		Use:   "query SQL --warehouse DIR",
		Short: "Run one read-only SELECT over the warehouse's tables and results",
		Long: `query runs one SELECT over the warehouse's tables (persons, occurrences,
assessments, ...) and results views (scores_scores, evaluations_runs, ...) and
prints or writes the result, so an analyst needs no DuckDB shell.

It runs in the same sandbox as notebook SQL: it can read the warehouse and
nothing else (no other file, no network, no ATTACH, INSTALL, LOAD or SET), and
it must be a single SELECT (or WITH ... SELECT).`,
		Example: `  tau query "SELECT band, count(*) AS n FROM scores_scores GROUP BY band" --warehouse ./wh
  tau query "SELECT * FROM rejects" --warehouse ./wh --format csv --out rejects.csv
  tau query "SELECT * FROM occurrences WHERE kind = 'crime'" --warehouse ./wh --format parquet --out crimes.parquet`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error { return runQuery(c, o, args[0]) },
	}
	warehouseFlag(c, &o.warehouse)
	c.Flags().StringVar(&o.format, "format", "table", "table, csv, json or parquet (parquet needs --out)")
	c.Flags().StringVar(&o.out, "out", "", "write to this file instead of the terminal (owner-only)")
	return c
}

func runQuery(c *cobra.Command, o *queryOptions, q string) error {
	switch o.format {
	case "table", "csv", "json":
	case "parquet":
		if o.out == "" {
			return &exitError{exitUsage, fmt.Errorf("query: --format parquet needs --out FILE")}
		}
	default:
		return &exitError{exitUsage, fmt.Errorf("query --format %s: use table, csv, json or parquet", o.format)}
	}
	if err := requireWarehouse(o.warehouse); err != nil {
		return err
	}
	s, err := openNotebook(c.Context(), o.warehouse)
	if err != nil {
		return err
	}
	defer s.Close()
	res, err := s.Query(c.Context(), "query", q, nil)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	if o.format == "parquet" {
		return writeParquet(c.Context(), o.out, res)
	}
	w := c.OutOrStdout()
	if o.out != "" {
		f, err := os.OpenFile(o.out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return fmt.Errorf("query: %w", err)
		}
		defer f.Close()
		w = f
	}
	return writeResult(w, o.format, res)
}

// writeResult writes a result as an aligned table, CSV or JSON (an array
// of objects, one per row).
func writeResult(w io.Writer, format string, r *notebooks.Result) error {
	switch format {
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write(r.Columns)
		for _, row := range r.Rows {
			rec := make([]string, len(row))
			for j, v := range row {
				rec[j] = notebooks.CSVText(v)
			}
			cw.Write(rec)
		}
		cw.Flush()
		return cw.Error()
	case "json":
		out := make([]map[string]any, 0, len(r.Rows))
		for _, row := range r.Rows {
			m := map[string]any{}
			for j, v := range row {
				m[r.Columns[j]] = v
			}
			out = append(out, m)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(r.Columns, "\t"))
	for _, row := range r.Rows {
		cells := make([]string, len(row))
		for j, v := range row {
			cells[j] = notebooks.CSVText(v)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	fmt.Fprintf(tw, "(%d rows)\n", len(r.Rows))
	return tw.Flush()
}

// writeParquet writes a result as Parquet with its columns' types
// (numbers, dates, booleans, lists of text; anything else as text), from
// a DuckDB of its own (the query's session may write nothing).
func writeParquet(ctx context.Context, path string, r *notebooks.Result) error {
	t := duckdb.Table{Name: "query"}
	for j, name := range r.Columns {
		t.Cols = append(t.Cols, duckdb.Column{Name: name, Type: sinkType(r.Types[j])})
	}
	sink, err := duckdb.NewSink(duckdb.Options{})
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	defer sink.Close()
	rows, err := sink.Table(t)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	for _, row := range r.Rows {
		for j, v := range row {
			putCell(rows, t.Cols[j].Type, v)
		}
		rows.End()
	}
	if err := sink.Flush(); err != nil {
		return fmt.Errorf("query: %w", err)
	}
	if _, err := sink.Conn().ExecContext(ctx, "COPY query TO "+duckdb.Quote(path)+" (FORMAT parquet, COMPRESSION zstd)"); err != nil {
		return fmt.Errorf("query: write %s: %w", path, err)
	}
	return os.Chmod(path, 0o600)
}

// sinkType maps a DuckDB type name to the column type a sink takes.
func sinkType(t string) duckdb.ColType {
	switch u := strings.ToUpper(t); {
	case u == "BOOLEAN":
		return duckdb.Bool
	case u == "TIMESTAMP" || u == "DATE" || strings.HasPrefix(u, "TIMESTAMP"):
		return duckdb.Timestamp
	case strings.Contains(u, "INT"):
		return duckdb.Int
	case u == "DOUBLE" || u == "FLOAT" || u == "REAL" || strings.HasPrefix(u, "DECIMAL"):
		return duckdb.Float
	case strings.HasSuffix(u, "[]"):
		return duckdb.List
	}
	return duckdb.Text
}

// putCell writes one value of a result into a sink's row.
func putCell(rows duckdb.RowSink, typ duckdb.ColType, v any) {
	if v == nil {
		rows.Null()
		return
	}
	switch typ {
	case duckdb.Bool:
		b, _ := v.(bool)
		rows.Bool(b)
	case duckdb.Timestamp:
		tm, _ := v.(time.Time)
		rows.Time(tm)
	case duckdb.Int:
		f, _ := notebooks.Number(v)
		rows.Int(int(f))
	case duckdb.Float:
		f, _ := notebooks.Number(v)
		rows.Float(f)
	case duckdb.List:
		var xs []string
		if l, ok := v.([]any); ok {
			for _, x := range l {
				xs = append(xs, fmt.Sprint(x))
			}
		}
		rows.List(xs)
	default:
		rows.Text(fmt.Sprint(v))
	}
}
