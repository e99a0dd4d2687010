// Package scoring turns a relationship's records into a threat score with
// the source of every point: sticky items from years of risk assessments,
// clusters of risk, the harm of the perpetrator's offending (Cambridge Crime
// Harm Index), the recency and frequency of occurrences, and the
// relationship's stage on the intimate-partner homicide timeline
// (Monckton Smith 2020).
//
// Everything here is pure Go: its store, scoring/scoredb, does the set work
// in SQL and hands this package one relationship's evidence at a time,
// with the answer sets this package folds (Folder). It may import
// internal/period and the standard library and modules only.
// The configuration (default.toml, replaceable) holds every weight, each a
// starting value to calibrate with its research source.
package scoring
