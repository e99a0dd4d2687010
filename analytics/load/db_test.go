package load

import (
	"database/sql"

	"github.com/tau-da/tau/internal/duckdb"
)

func sqlOpen() (*sql.DB, error) { return duckdb.Open(duckdb.Options{}) }
