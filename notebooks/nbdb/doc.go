// Package nbdb runs notebooks' SQL cells over an analytics session (it is
// the notebooks.Querier the renderer is given), keeps each cell's result
// as a table later cells can select from, and gives a report's provenance
// from the manifest.
//
// It may import analytics, notebooks and internal/duckdb.
package nbdb
