// Package evaldb is evaluation's store: over an analytics.Session it reads
// the plans, occurrences and engagement an evaluation needs, scores each
// plan's comparison shortlist (scoring/scoredb), runs package evaluation
// and writes the run to the warehouse's results (runs, pmps, reporting,
// matches and series tables).
//
// It may import analytics, evaluation, scoring, scoring/scoredb, queries,
// internal/duckdb and internal/period.
package evaldb
