package nbdb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/tau-da/tau/analytics"

	"github.com/tau-da/tau/internal/duckdb"

	"github.com/tau-da/tau/notebooks"
)

// Session runs notebook SQL cells over the warehouse's views in a
// sandbox: the session reads the warehouse's tables and results and no
// other file, cannot attach, install, load or reconfigure anything, and
// each cell must be one SELECT (checked before it runs). Each cell's
// result is kept as a temporary table under the cell's name, so later
// cells can select from it.
type Session struct {
	db   *sql.DB
	conn *sql.Conn
	man  *analytics.Manifest
	sess *analytics.Session
}

// Open opens a warehouse session for rendering notebooks.
func Open(ctx context.Context, w *analytics.Warehouse) (*Session, error) {
	sess, err := w.Session(ctx)
	if err != nil {
		return nil, err
	}
	if err := sess.Sandbox(ctx); err != nil {
		sess.Close()
		return nil, err
	}
	return &Session{db: sess.DB, conn: sess.Conn, man: sess.Manifest, sess: sess}, nil
}

// Close releases the session.
func (s *Session) Close() error { return s.sess.Close() }

// Provenance describes the warehouse for a report's footer.
func (s *Session) Provenance(toolVersion string) []notebooks.Fact {
	return []notebooks.Fact{
		{Name: "warehouse generation", Value: s.man.Generation},
		{Name: "extract date", Value: s.man.ExtractDate.Format("2006-01-02")},
		{Name: "loaded at", Value: s.man.LoadedAt.UTC().Format("2006-01-02 15:04 UTC")},
		{Name: "pseudonymised ids", Value: fmt.Sprint(s.man.Pseudonymised)},
		{Name: "tool version", Value: toolVersion},
	}
}

// Query runs a SQL cell with its parameters bound (never pasted into the
// text) and returns its result.
func (s *Session) Query(ctx context.Context, name, query string, args map[string]any) (*notebooks.Result, error) {
	var named []any
	for k, v := range args {
		named = append(named, sql.Named(k, v))
	}
	q := strings.TrimRight(strings.TrimSpace(query), "; \t\n")
	if err := duckdb.OneSelect(ctx, s.conn, q); err != nil {
		return nil, fmt.Errorf("sql: %w", err)
	}
	if _, err := s.conn.ExecContext(ctx, fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s AS %s", duckdb.Ident(name), q), named...); err != nil {
		if kind := missingResults(err); kind != "" {
			return nil, &MissingResultsError{Kind: kind, Err: err}
		}
		return nil, fmt.Errorf("sql: %w", err)
	}
	rows, err := s.conn.QueryContext(ctx, "SELECT * FROM "+duckdb.Ident(name))
	if err != nil {
		return nil, fmt.Errorf("sql: %w", err)
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	res := &notebooks.Result{Name: name}
	for _, c := range cts {
		res.Columns = append(res.Columns, c.Name())
		res.Types = append(res.Types, c.DatabaseTypeName())
	}
	for rows.Next() {
		vals := make([]any, len(cts))
		ptrs := make([]any, len(cts))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for i, v := range vals {
			if t, ok := v.(time.Time); ok {
				vals[i] = t.UTC()
			}
		}
		res.Rows = append(res.Rows, vals)
	}
	return res, rows.Err()
}

// resultsKinds are the kinds of results table, by the prefix of their
// names.
var resultsKinds = []string{"scores", "evaluations", "calibrations"}

// MissingResultsError is a notebook query over results of a kind the
// warehouse does not hold yet (no run of that kind was written).
type MissingResultsError struct {
	// Kind is scores, evaluations or calibrations.
	Kind string
	Err  error
}

func (e *MissingResultsError) Error() string {
	return fmt.Sprintf("sql: the warehouse has no %s results yet: %v", e.Kind, e.Err)
}

func (e *MissingResultsError) Unwrap() error { return e.Err }

// MissingKind names the kind of results missing (notebooks.MissingResults).
func (e *MissingResultsError) MissingKind() string { return e.Kind }

// missingResults returns the kind of results a "table ... does not exist"
// error names, or "".
func missingResults(err error) string {
	msg := err.Error()
	if !strings.Contains(msg, "does not exist") {
		return ""
	}
	for _, kind := range resultsKinds {
		if strings.Contains(msg, "name "+kind+"_") {
			return kind
		}
	}
	return ""
}
