// Package extract defines the record-extract contract that a force supplies to
// tau: which files an extract holds, their columns, which columns are required,
// the enumerations each column accepts and how rows refer to one another.
//
// The contract is data, not code: the loader (analytics/load) turns it into
// validating SQL, the synthetic force (package synth) writes
// extracts that follow it, and the README documents it. This package is pure
// Go, needs no cgo and imports nothing of tau's.
package extract
