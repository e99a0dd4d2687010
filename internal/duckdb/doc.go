// Package duckdb is tau's one door to the DuckDB driver: it opens databases
// with options, reads bulk rows into Go (through duckdb-go's Arrow interface
// when built with the duckdb_arrow tag, through database/sql otherwise),
// takes rows back in as tables (Arrow record batches or duckdb-go's
// appender), holds rows in Go to hand over in an order known only at the
// end (Held, ExecHeld), traces statements and quotes identifiers and
// literals.
//
// It is the only package of the module that imports
// github.com/duckdb/duckdb-go/v2 (an architecture test keeps it so); it
// imports nothing of tau's. The build-tagged twins (rows_arrow.go and
// rows_sql.go, sink_arrow.go and sink_appender.go, held_arrow.go and
// held_appender.go) give the same results; CI tests both.
package duckdb
