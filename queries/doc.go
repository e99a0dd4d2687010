// Package queries holds tau's SQL, embedded in the binary: data checks in
// checks/ (dbt-style tests: each a SELECT that returns the failing rows),
// the tables a load derives in warehouse/, and each feature's queries in a
// folder of its own (scoring/, ...). It imports nothing of tau's.
//
// Every file starts with a header of "-- key: value" lines: name, purpose,
// inputs, outputs, severity (checks only: error or warn) and source (where
// the rule comes from), like the entries of a definitions library.
package queries
