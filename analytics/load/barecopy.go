package load

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/tau-da/tau/analytics"

	"github.com/tau-da/tau/internal/duckdb"
)

// BareCopy copies every CSV file of an extract into Parquet with DuckDB and
// nothing else: no validation, no reject handling, the reader's own type
// detection, and the same Parquet settings the loader uses (tableParquet).
// It is the benchmark floor: no loader that reads CSV and writes Parquet
// with DuckDB can be faster. It returns the number of rows copied.
func BareCopy(ctx context.Context, extractDir, outDir string) (int64, error) {
	if err := os.MkdirAll(outDir, 0o700); err != nil {
		return 0, err
	}
	db, err := duckdb.Open(duckdb.Options{MemoryLimit: analytics.DefaultMemoryLimit, Threads: runtime.NumCPU(), TempDir: filepath.Join(outDir, ".tmp")})
	if err != nil {
		return 0, err
	}
	defer db.Close()
	entries, err := os.ReadDir(extractDir)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".csv") {
			continue
		}
		in := filepath.Join(extractDir, e.Name())
		out := filepath.Join(outDir, strings.TrimSuffix(e.Name(), ".csv")+".parquet")
		res, err := db.ExecContext(ctx, copyTo("SELECT * FROM read_csv("+duckdb.Quote(in)+")", out))
		if err != nil {
			return total, fmt.Errorf("bare copy %s: %w", e.Name(), err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	os.RemoveAll(filepath.Join(outDir, ".tmp"))
	return total, nil
}
