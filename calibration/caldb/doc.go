// Package caldb is calibration's store: over an analytics.Session it scores
// every relationship at a series of as-of dates (scoring/scoredb; past a
// sample budget every positive and a hashed share of the negatives,
// weighted by its inverse: case-control sampling), labels
// each with the outcome in the horizon after it (serious harm or
// revictimisation), reads the protected characteristics used only for the
// fairness table, runs package calibration and writes the run to the
// warehouse's results.
//
// It may import analytics, calibration, scoring, scoring/scoredb, queries
// and internal/period.
package caldb
