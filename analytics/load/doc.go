// Package load is tau's validating loader: it reads an extract (CSV or
// Parquet files that follow the contract in package extract), checks every
// row (types, enumerations, dates, references, duplicates), keeps every
// rejected row with its file, line, column and reason, reconciles the
// counts with each file's records, derives the relationships and answer
// sets, and writes a new warehouse generation through analytics.Begin, made
// current only when the whole load succeeded.
//
// It may import analytics, extract, queries, internal/duckdb and
// internal/period; nothing else of tau's.
package load
