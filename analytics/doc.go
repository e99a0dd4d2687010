// Package analytics is tau's warehouse: it validates record extracts and
// loads them into Parquet tables with a DuckDB database of views over them,
// runs the SQL data checks in package queries, and gives the other packages
// read access. It reaches DuckDB only through internal/duckdb, the one
// package that imports the driver, so the domain packages stay pure Go.
//
// A warehouse is a folder:
//
//	DIR/.lock                 held by a load; a second load is refused
//	DIR/current               symlink to the generation in use
//	DIR/generations/<id>/     one complete load: tables/*.parquet,
//	                          manifest.json, tau.duckdb (views)
//	DIR/failed/<id>/          what a failed load found (rejects.csv, report)
//
// A load builds a new generation beside the current one and switches the
// symlink only when everything succeeded, so a failed load leaves the
// previous warehouse exactly as it was.
package analytics
