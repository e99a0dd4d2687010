package analytics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/tau-da/tau/internal/duckdb"
)

// resultTable is a results table written as CSV (name.csv in a folder)
// and its DuckDB column definitions; lists (TYPE[]) are written joined
// with |.
type resultTable struct {
	name, columns string
}

// csvToParquet turns each table's CSV file in folder tmp into Parquet with
// the declared types, and removes the CSV. dir is the warehouse, whose
// spill folder DuckDB may use.
func csvToParquet(dir, tmp string, tables []resultTable) error {
	ctx := context.Background()
	db, err := duckdb.Open(duckdb.Options{MemoryLimit: DefaultMemoryLimit, TempDir: filepath.Join(dir, spillDir)})
	if err != nil {
		return err
	}
	defer db.Close()
	// The tables convert side by side, each on its own connection.
	errs := make([]error, len(tables))
	var wg sync.WaitGroup
	for i, t := range tables {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = convertTable(ctx, db, tmp, t)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// convertTable turns one table's CSV file into Parquet.
func convertTable(ctx context.Context, db *sql.DB, tmp string, t resultTable) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("CREATE TABLE %s (%s)", duckdb.Ident(t.name), t.columns)); err != nil {
		return err
	}
	// The table's own column types drive the CSV reader; lists are
	// written joined with | and split here.
	rows, err := conn.QueryContext(ctx, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position", t.name)
	if err != nil {
		return err
	}
	var cols, sel []string
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			rows.Close()
			return err
		}
		csvType := typ
		if strings.HasSuffix(typ, "[]") {
			csvType = "VARCHAR"
			sel = append(sel, fmt.Sprintf("CASE WHEN %[1]s IS NULL OR %[1]s = '' THEN []::%[2]s ELSE string_split(%[1]s, '|')::%[2]s END AS %[1]s", duckdb.Ident(name), typ))
		} else {
			sel = append(sel, duckdb.Ident(name))
		}
		cols = append(cols, fmt.Sprintf("%s: %s", duckdb.Quote(name), duckdb.Quote(csvType)))
	}
	rows.Close()
	src := filepath.Join(tmp, t.name+".csv")
	q := fmt.Sprintf("COPY (SELECT %s FROM read_csv(%s, header = false, auto_detect = false, columns = {%s})) TO %s (FORMAT parquet, COMPRESSION zstd)",
		strings.Join(sel, ", "), duckdb.Quote(src), strings.Join(cols, ", "), duckdb.Quote(filepath.Join(tmp, t.name+".parquet")))
	if _, err := conn.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("%s: %w", t.name, err)
	}
	return os.Remove(src)
}

// publish moves a finished results folder into place, replacing an earlier
// one of the same name in two renames, so a reader sees the old or the new
// folder, never a half-written one, and a failure leaves the old in place.
func publish(tmp, final string) error {
	restrict(tmp)
	if err := os.MkdirAll(filepath.Dir(final), privateDirMode); err != nil {
		return err
	}
	old := final + ".old"
	os.RemoveAll(old)
	if _, err := os.Stat(final); err == nil {
		if err := os.Rename(final, old); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, final); err != nil {
		return err
	}
	os.RemoveAll(old)
	return nil
}
