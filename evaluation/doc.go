// Package evaluation measures what problem-management plans achieved, and
// how sure anyone can be: the unit's own dip-sample arithmetic (baseline
// count, a projection, the observed follow-up, the reduction and the hours
// it implies) beside an exposure-adjusted rate ratio with an exact
// conditional confidence interval, so the before and after windows can never
// be compared as if they were the same length.
//
// This package is pure Go (statistics with gonum); it may import
// extract, internal/period and internal/param. Its store, evaluation/evaldb, reads
// the warehouse and writes runs back.
package evaluation
