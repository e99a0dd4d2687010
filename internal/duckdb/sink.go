package duckdb

import (
	"context"
	"database/sql"
	"time"
)

// RowSink takes a table's rows value by value, in column order; End closes
// a row.
type RowSink interface {
	Text(string)
	Null()
	Time(time.Time)
	Int(int)
	Float(float64)
	Bool(bool)
	List([]string)
	End()
}

// Sink holds tables that Go fills row by row in a DuckDB of its own. Built
// with duckdb_arrow the rows go in as Arrow record batches, on a goroutine
// while the caller works on; otherwise through duckdb-go's appender.
type Sink interface {
	// Table creates a table and returns what takes its rows.
	Table(t Table) (RowSink, error)
	// Err reports a failure while rows were taken.
	Err() error
	// Flush hands every row taken so far to DuckDB; after it the tables can
	// be queried on Conn, and tables made after it take rows to be handed
	// over by the next Flush (give no more rows to a table made before it:
	// the appender build refuses them).
	Flush() error
	// Conn is the sink's connection.
	Conn() *sql.Conn
	// Close releases the sink and its database.
	Close()
}

// openSink opens the DuckDB a sink fills.
func openSink(o Options) (*sql.DB, *sql.Conn, error) {
	db, err := Open(o)
	if err != nil {
		return nil, nil, err
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, conn, nil
}
