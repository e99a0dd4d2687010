package analytics

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tau-da/tau/internal/duckdb"
)

// ResultTable declares one results table once, beside the Go that fills
// it: its name and DuckDB column definitions, from which its Parquet types
// come. Lists (TYPE[]) are handed over joined with |.
type ResultTable struct {
	Name, Columns string
}

// Results is one run's results folder being written under
// DIR/results/<kind>/: its files are written into a hidden temporary
// folder and published in two renames, so a reader sees the old run or the
// new one, never half of one, and a failed run leaves earlier results
// intact. Scoring, evaluation and calibration all write through it.
type Results struct {
	w           *Warehouse
	parent, tmp string
	published   bool
}

// NewResults starts a results folder of the given kind ("scores",
// "evaluations", "calibrations"); it fails with an error wrapping
// ErrReadOnly when the warehouse's owner made it read-only.
func (w *Warehouse) NewResults(kind string) (*Results, error) {
	if err := Writable(w.dir); err != nil {
		return nil, err
	}
	parent := filepath.Join(w.dir, resultsDir, kind)
	if err := os.MkdirAll(parent, privateDirMode); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(parent, ".tmp-")
	if err != nil {
		return nil, err
	}
	return &Results{w: w, parent: parent, tmp: tmp}, nil
}

// Dir is the folder the run's files are written into before publishing:
// TABLE.parquet for each table.
func (r *Results) Dir() string { return r.tmp }

// SpillDir returns a folder inside the warehouse (owner-only) where a
// DuckDB holding warehouse data may spill.
func (w *Warehouse) SpillDir(name string) (string, error) {
	if err := Writable(w.dir); err != nil {
		return "", err
	}
	p := filepath.Join(w.dir, spillDir, name)
	if err := os.MkdirAll(p, privateDirMode); err != nil {
		return "", err
	}
	return p, nil
}

// WriteTables writes each table's rows (text, in the declared column order;
// "" is NULL) as Parquet with the declared types.
func (r *Results) WriteTables(tables []ResultTable, rows map[string][][]string) error {
	for _, t := range tables {
		if err := writeCSV(filepath.Join(r.tmp, t.Name+".csv"), rows[t.Name]); err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
	}
	return csvToParquet(r.w.dir, r.tmp, tables)
}

// Publish moves the run into place at DIR/results/<kind>/<partition...>,
// replacing an earlier run of the same partition, and returns its folder.
func (r *Results) Publish(partition ...string) (string, error) {
	final := filepath.Join(append([]string{r.parent}, partition...)...)
	if err := publish(r.tmp, final); err != nil {
		return "", err
	}
	r.published = true
	return final, nil
}

// Abort removes an unpublished run's files; after Publish it does nothing.
func (r *Results) Abort() {
	if !r.published {
		os.RemoveAll(r.tmp)
	}
}

// FormatFloat writes a number as results text: the shortest decimal that
// reads back the same.
func FormatFloat(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// FormatNumber is FormatFloat for a value that may be undefined: "" (NULL)
// for NaN and for infinities (and magnitudes beyond 1e300, which only an
// infinity's arithmetic reaches).
func FormatNumber(x float64) string {
	if math.IsNaN(x) || math.Abs(x) > 1e300 {
		return ""
	}
	return FormatFloat(x)
}

// writeCSV writes rows to an owner-only CSV file.
func writeCSV(path string, rows [][]string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, privateFileMode)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(rows); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// csvToParquet turns each table's CSV file in folder tmp into Parquet with
// the declared types, and removes the CSV. dir is the warehouse, whose
// spill folder DuckDB may use.
func csvToParquet(dir, tmp string, tables []ResultTable) error {
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
func convertTable(ctx context.Context, db *sql.DB, tmp string, t ResultTable) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("CREATE TABLE %s (%s)", duckdb.Ident(t.Name), t.Columns)); err != nil {
		return err
	}
	// The table's own column types drive the CSV reader; lists are
	// written joined with | and split here.
	rows, err := conn.QueryContext(ctx, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position", t.Name)
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
	if err := rows.Err(); err != nil {
		rows.Close()
		return err
	}
	rows.Close()
	src := filepath.Join(tmp, t.Name+".csv")
	q := fmt.Sprintf("COPY (SELECT %s FROM read_csv(%s, header = false, auto_detect = false, columns = {%s})) TO %s (FORMAT parquet, COMPRESSION zstd)",
		strings.Join(sel, ", "), duckdb.Quote(src), strings.Join(cols, ", "), duckdb.Quote(filepath.Join(tmp, t.Name+".parquet")))
	if _, err := conn.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("%s: %w", t.Name, err)
	}
	return os.Remove(src)
}

// publish moves a finished results folder into place, replacing an earlier
// one of the same name, so a reader sees the old or the new folder, never
// a half-written one and never both (which would show every row twice),
// and a failure leaves the old in place.
func publish(tmp, final string) error {
	if err := restrict(tmp); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(final), privateDirMode); err != nil {
		return err
	}
	if _, err := os.Stat(final); err != nil {
		return os.Rename(tmp, final)
	}
	// Swap the new run and the old in one step where the system can, so
	// a reader's glob sees one or the other, never both and never neither.
	// The old run stays, hidden, for oldRunGrace: a reader that opened its
	// folder just before the swap still lists its files.
	if exchange(tmp, final) == nil {
		removeOldRuns(filepath.Dir(tmp), time.Now())
		return os.Rename(tmp, fmt.Sprintf("%s.old-%d", tmp, time.Now().UnixNano()))
	}
	// Otherwise move the old run out of the results' glob first (a hidden
	// folder beside the kind's runs): for a moment there is none, never
	// two.
	old := tmp + ".old"
	if err := os.Rename(final, old); err != nil {
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		return err
	}
	return os.RemoveAll(old)
}

// oldRunGrace is how long a replaced run's folder is kept, hidden, after
// the swap: far longer than a reader takes between listing a folder and
// opening its files.
const oldRunGrace = time.Minute

// removeOldRuns removes the replaced runs in a kind's folder older than
// oldRunGrace.
func removeOldRuns(parent string, now time.Time) {
	olds, _ := filepath.Glob(filepath.Join(parent, ".tmp-*.old-*"))
	for _, o := range olds {
		if fi, err := os.Stat(o); err == nil && now.Sub(fi.ModTime()) > oldRunGrace {
			os.RemoveAll(o)
		}
	}
}

// Progress is told, as a long step goes, what it is doing and how far it
// has gone (done of total); commands draw it as a progress bar. A nil
// Progress is silent.
type Progress func(step string, done, total int)

// Report tells p, if set.
func (p Progress) Report(step string, done, total int) {
	if p != nil {
		p(step, done, total)
	}
}
