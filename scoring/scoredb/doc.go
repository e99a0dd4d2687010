// Package scoredb is scoring's store: over an analytics.Session it runs the
// evidence queries in queries/scoring (sorted by perpetrator, read as bulk
// rows), hands each relationship's evidence to package scoring, writes the
// ranked snapshot to the warehouse's results (scores and items tables) and
// reads it back; it also scores at a list of dates for evaluation and
// calibration (ScoreDates), explains one relationship, and runs the scoring
// benchmark's reference.
//
// The rules themselves (sticky items, the fold of answer sets, the
// perpetrator roll-up, clusters, harm, stage, ranks) are pure Go in package
// scoring. It may import analytics, scoring, queries, internal/duckdb and
// internal/period.
package scoredb
