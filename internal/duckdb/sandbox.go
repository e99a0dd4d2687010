package duckdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// Sandbox locks a database so that SQL run on it can read files under
// dirs and nothing else: external access off (no other file, no network,
// no ATTACH of another database, no COPY outside dirs), extensions neither
// installed nor loaded, and the configuration locked so no later SET can
// undo it (DuckDB's securing guide: enable_external_access,
// allowed_directories, lock_configuration). The views a session made
// before keep working. It cannot be undone for the database.
func Sandbox(ctx context.Context, conn *sql.Conn, dirs []string) error {
	list := "["
	for i, d := range dirs {
		if i > 0 {
			list += ", "
		}
		list += Quote(d + "/")
	}
	list += "]"
	for _, q := range []string{
		"SET GLOBAL allowed_directories = " + list,
		"SET GLOBAL autoinstall_known_extensions = false",
		"SET GLOBAL autoload_known_extensions = false",
		"SET GLOBAL enable_external_access = false",
		"SET GLOBAL lock_configuration = true",
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("sandbox: %s: %w", q, err)
		}
	}
	return nil
}

// ErrNotSelect is returned for SQL that is not a single SELECT statement.
var ErrNotSelect = errors.New("only one SELECT statement (or WITH ... SELECT) may be run here")

// StatementError says what a piece of SQL given as one query was instead:
// more than one statement, or a statement other than SELECT.
type StatementError struct {
	// Statements is how many statements the text holds (0 when it could
	// not be told, as for a statement other than SELECT).
	Statements int
	Reason     string
}

func (e *StatementError) Error() string {
	if e.Statements > 1 {
		return fmt.Sprintf("%d statements in one: %v", e.Statements, ErrNotSelect)
	}
	return fmt.Sprintf("%s: %v", e.Reason, ErrNotSelect)
}

func (e *StatementError) Unwrap() error { return ErrNotSelect }

// OneSelect checks, without running it, that q is exactly one SELECT
// statement: DuckDB's parser serialises SELECT statements only, so
// anything else (COPY, ATTACH, SET, INSTALL, CREATE, a second statement
// after a semicolon) is refused before it can run. A parse error is
// returned as it is.
func OneSelect(ctx context.Context, conn *sql.Conn, q string) error {
	var out string
	if err := conn.QueryRowContext(ctx, "SELECT json_serialize_sql(?::VARCHAR)::VARCHAR", q).Scan(&out); err != nil {
		return fmt.Errorf("check sql: %w", err)
	}
	var parsed struct {
		Error      bool              `json:"error"`
		Message    string            `json:"error_message"`
		Type       string            `json:"error_type"`
		Statements []json.RawMessage `json:"statements"`
	}
	if err := json.Unmarshal([]byte(out), &parsed); err != nil {
		return fmt.Errorf("check sql: %w", err)
	}
	switch {
	case parsed.Error && parsed.Type == "not implemented":
		return &StatementError{Reason: "a statement other than SELECT"}
	case parsed.Error:
		return fmt.Errorf("%s", parsed.Message)
	case len(parsed.Statements) != 1:
		return &StatementError{Statements: len(parsed.Statements), Reason: "not one statement"}
	}
	return nil
}
