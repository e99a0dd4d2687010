package analytics

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/tau-da/tau/queries"
)

// sampleRows is how many failing rows a check result shows.
const sampleRows = 5

// CheckResult is the outcome of one data check.
type CheckResult struct {
	Name     string     `json:"name"`
	Purpose  string     `json:"purpose"`
	Severity string     `json:"severity"`
	Source   string     `json:"source"`
	Failing  int64      `json:"failing_rows"`
	Columns  []string   `json:"columns,omitempty"`
	Sample   [][]string `json:"sample,omitempty"`
}

// Failed reports whether the check found rows.
func (c CheckResult) Failed() bool { return c.Failing > 0 }

// RunChecks runs every data check in package queries against the
// warehouse's current generation, read-only.
func RunChecks(ctx context.Context, dir string) ([]CheckResult, error) {
	checks, err := queries.Checks()
	if err != nil {
		return nil, err
	}
	db, closer, err := readDB(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer closer()
	var out []CheckResult
	for _, c := range checks {
		r := CheckResult{Name: c.Name(), Purpose: c.Header["purpose"], Severity: c.Header["severity"], Source: c.Header["source"]}
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM ("+c.SQL+")").Scan(&r.Failing); err != nil {
			return nil, fmt.Errorf("check %s (%s): %w", r.Name, c.Path, err)
		}
		if r.Failing > 0 {
			r.Columns, r.Sample, err = QueryText(ctx, db, fmt.Sprintf("SELECT * FROM (%s) LIMIT %d", c.SQL, sampleRows))
			if err != nil {
				return nil, fmt.Errorf("check %s (%s): %w", r.Name, c.Path, err)
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// QueryText runs a query and returns its columns and rows as text (NULL
// as empty, midnight timestamps as dates), for samples and test dumps.
func QueryText(ctx context.Context, db *sql.DB, q string, args ...any) ([]string, [][]string, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, nil, err
	}
	var out [][]string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = formatValue(v)
		}
		out = append(out, row)
	}
	return cols, out, rows.Err()
}

func formatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case []byte:
		return string(x)
	case fmt.Stringer:
		return x.String()
	}
	s := fmt.Sprint(v)
	return strings.TrimSuffix(s, " 00:00:00 +0000 UTC")
}

// Rejects returns up to limit rejected rows of the current generation, for
// the load summary.
func Rejects(ctx context.Context, dir string, limit int) ([]string, [][]string, error) {
	db, closer, err := readDB(ctx, dir)
	if err != nil {
		return nil, nil, err
	}
	defer closer()
	return QueryText(ctx, db, `SELECT file, line, "column", value, reason, kind FROM rejects ORDER BY kind DESC, file, line LIMIT ?`, limit)
}

// readDB opens a session over the warehouse in dir for a read-only query
// and returns its database and what closes it.
func readDB(ctx context.Context, dir string) (*sql.DB, func(), error) {
	w, err := Open(dir)
	if err != nil {
		return nil, nil, err
	}
	s, err := w.Session(ctx)
	if err != nil {
		return nil, nil, err
	}
	return s.DB, func() { s.Close() }, nil
}
