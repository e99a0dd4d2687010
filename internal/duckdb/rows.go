package duckdb

import "time"

// Bulk reads move many rows from DuckDB into Go. Built with the
// duckdb_arrow tag they go through duckdb-go's Arrow interface (columnar
// record batches, no per-value database/sql conversion: national scoring
// needs it); without it, through database/sql. Both give the same rows
// (TestRows; .ci/run tests both builds).

// Rows reads one query's rows in order, a column at a time. A string read
// with Str is valid until the next call of Next; Keep returns a copy that
// lasts.
type Rows interface {
	Next() bool
	Err() error
	Close()
	// Valid reports whether column i holds a value (not NULL).
	Valid(i int) bool
	// Str, Keep, Time, Int, Uint, Float and Bool read column i of the current
	// row; NULL reads as the zero value.
	Str(i int) string
	Keep(i int) string
	Time(i int) time.Time
	Int(i int) int64
	Uint(i int) uint64
	Float(i int) float64
	Bool(i int) bool
	// Strs reads a list of strings (a copy).
	Strs(i int) []string
}

// BulkPath names how this build moves bulk data between DuckDB and Go:
// "arrow" when built with -tags duckdb_arrow, else "database/sql".
const BulkPath = bulkPath
