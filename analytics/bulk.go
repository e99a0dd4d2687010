package analytics

// Bulk reads move many rows from DuckDB into Go. Built with the
// duckdb_arrow tag they go through duckdb-go's Arrow interface (columnar
// record batches, no per-value database/sql conversion); without it,
// through database/sql. Both give the same rows (TestBulkOccurrences).

// occurrenceQuery lists every occurrence with its relationship and people.
const occurrenceQuery = "SELECT relationship_id, victim_id, perpetrator_id, reported_at FROM occurrences"
