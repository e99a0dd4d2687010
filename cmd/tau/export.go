package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/xuri/excelize/v2"

	"github.com/tau-da/tau/analytics"
	"github.com/tau-da/tau/internal/duckdb"
)

type exportOptions struct {
	warehouse, format, out string
}

// xlsxMaxRows is Excel's limit of rows on a sheet, less the header.
const xlsxMaxRows = 1048576 - 1

func newExportCmd() *cobra.Command {
	o := &exportOptions{}
	c := &cobra.Command{
		Use:   "export [TABLE...] --warehouse DIR --out DIR",
		Short: "Write warehouse tables and results as CSV, Parquet or Excel files",
		Long: `export writes whole tables (persons, occurrences, ..., rejects) and results
views (scores_scores, evaluations_runs, ...) into a folder, one file each, as
the warehouse holds them: a pseudonymised warehouse exports pseudonyms. With no
TABLE, every table and results view is written. Excel sheets hold at most
1,048,575 rows; a larger table must go as CSV or Parquet.`,
		Example: `  tau export --warehouse ./wh --format xlsx --out ./for-excel
  tau export scores_scores rejects --warehouse ./wh --format csv --out ./csv`,
		RunE: func(c *cobra.Command, args []string) error { return runExport(c, o, args) },
	}
	warehouseFlag(c, &o.warehouse)
	c.Flags().StringVar(&o.format, "format", "csv", "csv, parquet or xlsx")
	c.Flags().StringVar(&o.out, "out", "", "folder for the files (made if missing, owner-only)")
	return c
}

func runExport(c *cobra.Command, o *exportOptions, names []string) error {
	if o.format != "csv" && o.format != "parquet" && o.format != "xlsx" {
		return &exitError{exitUsage, fmt.Errorf("export --format %s: use csv, parquet or xlsx", o.format)}
	}
	if o.out == "" {
		return &exitError{exitUsage, fmt.Errorf("export: give --out DIR")}
	}
	if err := requireWarehouse(o.warehouse); err != nil {
		return err
	}
	s, err := openSession(c.Context(), o.warehouse)
	if err != nil {
		return err
	}
	defer s.Close()
	have, err := exportable(c.Context(), s)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if len(names) == 0 {
		names = have
	}
	for _, n := range names {
		if !slices.Contains(have, n) {
			return &exitError{exitUsage, fmt.Errorf("export: the warehouse has no table %q (it has: %s)", n, strings.Join(have, ", "))}
		}
	}
	if err := os.MkdirAll(o.out, 0o700); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	bar := newBar(len(names), "export")
	defer barDone(bar)
	for i, n := range names {
		barSet(bar, i, "export "+n)
		path := filepath.Join(o.out, n+"."+o.format)
		var err error
		if o.format == "xlsx" {
			err = exportXLSX(c.Context(), s, n, path)
		} else {
			format := "(HEADER)"
			if o.format == "parquet" {
				format = "(FORMAT parquet, COMPRESSION zstd)"
			}
			_, err = s.Conn.ExecContext(c.Context(), "COPY (SELECT * FROM "+duckdb.Ident(n)+") TO "+duckdb.Quote(path)+" "+format)
		}
		if err != nil {
			return fmt.Errorf("export %s: %w", n, err)
		}
		os.Chmod(path, 0o600)
		fmt.Fprintf(c.OutOrStdout(), "wrote %s\n", path)
	}
	return nil
}

// exportable lists the session's tables and views, by name.
func exportable(ctx context.Context, s *analytics.Session) ([]string, error) {
	_, rows, err := analytics.QueryText(ctx, s.DB, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name")
	var out []string
	for _, r := range rows {
		out = append(out, r[0])
	}
	return out, err
}

// exportXLSX writes a table as one Excel sheet, streamed row by row
// (excelize's stream writer keeps memory flat), dates as dates and
// numbers as numbers.
func exportXLSX(ctx context.Context, s *analytics.Session, table, path string) error {
	var n int64
	if err := s.Conn.QueryRowContext(ctx, "SELECT count(*) FROM "+duckdb.Ident(table)).Scan(&n); err != nil {
		return err
	}
	if n > xlsxMaxRows {
		return fmt.Errorf("%d rows is more than an Excel sheet holds (%d); export it as csv or parquet", n, xlsxMaxRows)
	}
	rows, err := s.Conn.QueryContext(ctx, "SELECT * FROM "+duckdb.Ident(table))
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Sheet1"
	if len(table) <= 31 {
		f.SetSheetName(sheet, table)
		sheet = table
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	header := make([]any, len(cols))
	for i, c := range cols {
		header[i] = c
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	// Dates shown as tau writes them everywhere (unambiguous whatever the
	// machine's locale); Excel still holds them as dates.
	iso := "yyyy-mm-dd hh:mm"
	dateStyle, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &iso})
	r := 2
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		cells := make([]any, len(cols))
		for i, v := range vals {
			cells[i] = xlsxCell(v, dateStyle)
		}
		cell, _ := excelize.CoordinatesToCellName(1, r)
		if err := sw.SetRow(cell, cells); err != nil {
			return err
		}
		r++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.SaveAs(path)
}

// xlsxCell is a value as an Excel cell: numbers and booleans as they are,
// times as dates, lists joined, anything else as text (a text cell is never
// read as a formula).
func xlsxCell(v any, dateStyle int) any {
	switch x := v.(type) {
	case nil:
		return nil
	case time.Time:
		return excelize.Cell{StyleID: dateStyle, Value: x.UTC()}
	case int, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64, bool:
		return x
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = fmt.Sprint(e)
		}
		return strings.Join(parts, ", ")
	}
	return fmt.Sprint(v)
}
