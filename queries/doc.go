// Package queries holds tau's SQL, embedded in the binary: data checks in
// checks/ (dbt-style tests: each a SELECT that returns the failing rows) and,
// as later packages need them, the set-based models they run.
//
// Every file starts with a header of "-- key: value" lines: name, purpose,
// inputs, outputs, severity (checks only: error or warn) and source (where
// the rule comes from), like the entries of a definitions library.
package queries
