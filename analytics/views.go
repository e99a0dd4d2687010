package analytics

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tau-da/tau/internal/duckdb"
)

// resultsDir holds what scoring, evaluation and calibration write back:
// snapshots that outlive warehouse generations.
const resultsDir = "results"

// spillDir is where DuckDB writes temporary files for readers of the
// warehouse.
const spillDir = ".spill"

// OpenViews opens an in-memory DuckDB database with a view for every table
// of the warehouse's current generation and every results table written so
// far (each results table is the union of its snapshots, with their
// partition columns). Nothing is written to the warehouse through it.
func OpenViews(ctx context.Context, dir string) (*sql.DB, *sql.Conn, error) {
	gen, err := Generation(dir)
	if err != nil {
		return nil, nil, err
	}
	// DuckDB spills to disk beyond its memory limit; the spill files hold
	// warehouse data, so they go inside the warehouse (owner-only), never
	// into the working folder.
	spill := filepath.Join(dir, spillDir)
	if err := os.MkdirAll(spill, privateDirMode); err != nil {
		return nil, nil, fmt.Errorf("open warehouse %s: %w", dir, err)
	}
	db, err := duckdb.Open(duckdb.Options{MemoryLimit: DefaultMemoryLimit, TempDir: spill})
	if err != nil {
		return nil, nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	fail := func(err error) (*sql.DB, *sql.Conn, error) {
		conn.Close()
		db.Close()
		return nil, nil, fmt.Errorf("open warehouse %s: %w", dir, err)
	}
	tables, _ := filepath.Glob(filepath.Join(gen, tablesDir, "*.parquet"))
	for _, p := range tables {
		name := strings.TrimSuffix(filepath.Base(p), ".parquet")
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("CREATE VIEW %s AS SELECT * FROM read_parquet(%s)", duckdb.Ident(name), duckdb.Quote(p))); err != nil {
			return fail(err)
		}
	}
	kinds, _ := os.ReadDir(filepath.Join(dir, resultsDir))
	for _, k := range kinds {
		if !k.IsDir() {
			continue
		}
		files := map[string]bool{}
		filepath.Walk(filepath.Join(dir, resultsDir, k.Name()), func(p string, info os.FileInfo, err error) error {
			if err == nil && strings.HasSuffix(p, ".parquet") && !strings.Contains(p, "/.") {
				files[filepath.Base(p)] = true
			}
			return nil
		})
		for f := range files {
			name := k.Name() + "_" + strings.TrimSuffix(f, ".parquet")
			glob := filepath.Join(dir, resultsDir, k.Name(), "*", "*", f)
			if _, err := conn.ExecContext(ctx, fmt.Sprintf("CREATE VIEW %s AS SELECT * FROM read_parquet(%s, hive_partitioning = true, union_by_name = true)", duckdb.Ident(name), duckdb.Quote(glob))); err != nil {
				return fail(err)
			}
		}
	}
	return db, conn, nil
}
