// Package analytics is tau's warehouse, and only that: the folder layout,
// the lock, generations and their manifests, a handle (Open) and read-only
// sessions over the current generation's views and the results written so
// far (Warehouse.Session), the one results writer that scoring, evaluation
// and calibration publish through (Warehouse.NewResults), and the SQL data
// checks in package queries. The validating loader is analytics/load.
//
// It may import internal/duckdb (its one door to DuckDB), queries and the
// standard library; it imports no feature package (scoring, evaluation,
// calibration, notebooks, app or their stores): they build on it. An
// architecture test keeps it so.
//
// A warehouse is a folder:
//
//	DIR/.lock                 held by a load; a second load is refused
//	DIR/current               symlink to the generation in use
//	DIR/generations/<id>/     one complete load: tables/*.parquet,
//	                          manifest.json, tau.duckdb (views)
//	DIR/failed/<id>/          what a failed load found (rejects.csv, report)
//	DIR/results/<kind>/       runs of scoring, evaluation and calibration
//
// A load builds a new generation beside the current one (Begin) and switches
// the symlink only when everything succeeded (Build.Commit), so a failed
// load leaves the previous warehouse exactly as it was.
package analytics
