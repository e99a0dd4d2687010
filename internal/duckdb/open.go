package duckdb

import (
	"database/sql"
	"fmt"
	"net/url"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" database/sql driver
)

// Options are the settings a database is opened with; the zero value is an
// in-memory database with DuckDB's defaults.
type Options struct {
	// Path is the database file; "" is in memory.
	Path string
	// ReadOnly opens the file read-only, so any number of readers can work
	// beside a writer of other files.
	ReadOnly bool
	// MemoryLimit bounds DuckDB's memory ("4GB"); beyond it DuckDB spills
	// to TempDir.
	MemoryLimit string
	// TempDir is where DuckDB spills.
	TempDir string
	// Threads is DuckDB's worker count (0: DuckDB's default).
	Threads int
}

// dsn is the options as duckdb-go's connection string.
func (o Options) dsn() string {
	q := url.Values{}
	if o.ReadOnly {
		q.Set("access_mode", "read_only")
	}
	if o.MemoryLimit != "" {
		q.Set("memory_limit", o.MemoryLimit)
	}
	if o.TempDir != "" {
		q.Set("temp_directory", o.TempDir)
	}
	if o.Threads > 0 {
		q.Set("threads", fmt.Sprint(o.Threads))
	}
	for k, v := range bulkSettings {
		q.Set(k, v)
	}
	if len(q) == 0 {
		return o.Path
	}
	// duckdb-go reads the options unescaped after the '?'.
	var parts []string
	for _, k := range []string{"access_mode", "memory_limit", "temp_directory", "threads", "produce_arrow_string_view"} {
		if v := q.Get(k); v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	return o.Path + "?" + strings.Join(parts, "&")
}

// Open opens a DuckDB database and checks that it answers.
func Open(o Options) (*sql.DB, error) {
	db, err := sql.Open("duckdb", o.dsn())
	if err != nil {
		return nil, err
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Ident quotes an SQL identifier.
func Ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Quote quotes an SQL string literal.
func Quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
