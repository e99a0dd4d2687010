package analytics

import "database/sql"

func sqlOpen() (*sql.DB, error) { return sql.Open("duckdb", "") }
