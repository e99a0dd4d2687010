package analytics

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tau-da/tau/internal/duckdb"
)

// resultsDir holds what scoring, evaluation and calibration write back:
// results that outlive warehouse generations.
const resultsDir = "results"

// spillDir is where DuckDB writes temporary files for readers of the
// warehouse.
const spillDir = ".spill"

// Warehouse is a handle on a warehouse folder. It holds nothing open: each
// Session reads the generation that is current when it starts, so a load
// can switch generations while handles are held.
type Warehouse struct {
	dir string
}

// Open returns a handle on the warehouse in dir; it fails with an error
// wrapping ErrNoWarehouse when dir holds no loaded warehouse.
func Open(dir string) (*Warehouse, error) {
	if dir == "" {
		return nil, ErrNoFolder
	}
	// Every path a session hands DuckDB is absolute and built from here,
	// so the warehouse reads the same from any working folder.
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	w := &Warehouse{dir: dir}
	if _, err := w.Generation(); err != nil {
		return nil, err
	}
	return w, nil
}

// Dir is the warehouse's folder.
func (w *Warehouse) Dir() string { return w.dir }

// Generation returns the folder of the warehouse's current generation.
func (w *Warehouse) Generation() (string, error) { return Generation(w.dir) }

// Manifest reads the current generation's load manifest.
func (w *Warehouse) Manifest() (*Manifest, error) {
	gen, err := w.Generation()
	if err != nil {
		return nil, err
	}
	return readManifest(w.dir, gen)
}

// readManifest reads a generation's manifest.
func readManifest(dir, gen string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(gen, manifestName))
	if err != nil {
		return nil, fmt.Errorf("open warehouse %s: %w", dir, err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("open warehouse %s: manifest: %w", dir, err)
	}
	return &m, nil
}

// Session is read access to one generation of the warehouse and to the
// results written so far: an in-memory DuckDB database with a view for
// every table of the generation and every results table (each the union of
// its runs, with their partition columns). Nothing is written to the
// warehouse through it; the tables a store creates (a scoring run's scope,
// a notebook's cells) live in memory and go with it.
type Session struct {
	// DB is the session's database: bulk reads take connections of their
	// own from it (DuckDB streams one result per connection).
	DB *sql.DB
	// Conn is the session's own connection.
	Conn *sql.Conn
	// Generation is the folder of the generation the session reads, and
	// Manifest its load manifest, read once.
	Generation string
	Manifest   *Manifest
	w          *Warehouse
	cleanup    func()
}

// Warehouse is the handle the session came from.
func (s *Session) Warehouse() *Warehouse { return s.w }

// Close releases the session.
func (s *Session) Close() error {
	s.Conn.Close()
	err := s.DB.Close()
	s.cleanup()
	return err
}

// sessionSpill returns the folder a session's DuckDB spills to and what
// removes it afterwards.
func (w *Warehouse) sessionSpill() (string, func(), error) {
	if Writable(w.dir) == nil {
		spill := filepath.Join(w.dir, spillDir)
		if err := os.MkdirAll(spill, privateDirMode); err == nil {
			return spill, func() {}, nil
		}
	}
	spill, err := os.MkdirTemp("", "tau-spill-")
	if err != nil {
		return "", nil, err
	}
	return spill, func() { os.RemoveAll(spill) }, nil
}

// Session opens a session over the current generation.
func (w *Warehouse) Session(ctx context.Context) (*Session, error) {
	gen, err := w.Generation()
	if err != nil {
		return nil, err
	}
	man, err := readManifest(w.dir, gen)
	if err != nil {
		return nil, err
	}
	// DuckDB spills to disk beyond its memory limit; the spill files hold
	// warehouse data, so they go inside the warehouse (owner-only), never
	// into the working folder, unless the warehouse is read-only: then
	// into a private folder of their own, removed with the session.
	spill, cleanup, err := w.sessionSpill()
	if err != nil {
		return nil, fmt.Errorf("open warehouse %s: %w", w.dir, err)
	}
	db, err := duckdb.Open(duckdb.Options{MemoryLimit: DefaultMemoryLimit, TempDir: spill})
	if err != nil {
		cleanup()
		return nil, fmt.Errorf("open warehouse %s: %w", w.dir, err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		cleanup()
		return nil, fmt.Errorf("open warehouse %s: %w", w.dir, err)
	}
	s := &Session{DB: db, Conn: conn, Generation: gen, Manifest: man, w: w, cleanup: cleanup}
	if err := s.views(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open warehouse %s: %w", w.dir, err)
	}
	return s, nil
}

// partitionTypes are the types of each results kind's partition columns,
// declared rather than guessed from the folder names: a snapshot's as_of
// is the TIMESTAMP its files hold too (guessed from one folder it would be
// a DATE and clash with the files' column), the others a day and a run id
// ("" is for any other kind).
var partitionTypes = map[string]string{
	"scores": "{'as_of': 'TIMESTAMP', 'config': 'VARCHAR'}",
	"":       "{'date': 'DATE', 'run': 'VARCHAR'}",
}

// views creates the session's views.
func (s *Session) views(ctx context.Context) error {
	tables, _ := filepath.Glob(filepath.Join(s.Generation, tablesDir, "*.parquet"))
	for _, p := range tables {
		name := strings.TrimSuffix(filepath.Base(p), ".parquet")
		if err := s.view(ctx, name, fmt.Sprintf("read_parquet(%s)", duckdb.Quote(p))); err != nil {
			return err
		}
	}
	results := filepath.Join(s.w.dir, resultsDir)
	kinds, _ := os.ReadDir(results)
	for _, k := range kinds {
		if !k.IsDir() {
			continue
		}
		files := map[string]bool{}
		root := filepath.Join(results, k.Name())
		filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
			// Runs being written or replaced are in hidden folders below
			// the kind; the folders above it may be hidden too
			// (~/.local/share/...), so only the part below counts.
			rel, _ := filepath.Rel(root, p)
			if err == nil && strings.HasSuffix(p, ".parquet") && !hidden(rel) {
				files[filepath.Base(p)] = true
			}
			return nil
		})
		for f := range files {
			name := k.Name() + "_" + strings.TrimSuffix(f, ".parquet")
			glob := filepath.Join(results, k.Name(), "*", "*", f)
			types := partitionTypes[k.Name()]
			if types == "" {
				types = partitionTypes[""]
			}
			if err := s.view(ctx, name, fmt.Sprintf("read_parquet(%s, hive_partitioning = true, union_by_name = true, hive_types = %s)", duckdb.Quote(glob), types)); err != nil {
				return err
			}
		}
	}
	return nil
}

// laterColumns are columns added after warehouses and results were first
// written, with their types: optional contract columns (an offence's
// recorded date) and snapshot columns (the facts, clusters' stages, the
// victim's area and an item's score's rank). A
// view over files written before them reads them as NULL, so the queries
// that use them work on older warehouses unchanged.
var laterColumns = map[string][][2]string{
	"offences":      {{"recorded_at", "TIMESTAMP"}},
	"scores_scores": {{"facts", "VARCHAR[]"}, {"cluster_stages", "VARCHAR[]"}, {"area", "VARCHAR"}},
	"scores_items":  {{"rank", "INTEGER"}},
}

// view creates the session's view name over a table expression, with any
// of its later columns that the files lack added as NULL.
func (s *Session) view(ctx context.Context, name, from string) error {
	create := func(tail string) error {
		_, err := s.Conn.ExecContext(ctx, fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT *%s FROM %s", duckdb.Ident(name), tail, from))
		return err
	}
	if err := create(""); err != nil || len(laterColumns[name]) == 0 {
		return err
	}
	var tail string
	for _, c := range laterColumns[name] {
		var has bool
		if err := s.Conn.QueryRowContext(ctx, "SELECT count(*) > 0 FROM duckdb_columns() WHERE table_name = ? AND column_name = ?", name, c[0]).Scan(&has); err != nil {
			return err
		}
		if !has {
			tail += fmt.Sprintf(", NULL::%s AS %s", c[1], duckdb.Ident(c[0]))
		}
	}
	if tail == "" {
		return nil
	}
	return create(tail)
}

// hidden reports whether any element of a relative path starts with a dot.
func hidden(rel string) bool {
	for _, e := range strings.Split(filepath.ToSlash(rel), "/") {
		if strings.HasPrefix(e, ".") && e != "." {
			return true
		}
	}
	return false
}

// HasTable reports whether the session has a table or view of that name
// (a results table exists once a run of its kind has been written).
func (s *Session) HasTable(ctx context.Context, name string) (bool, error) {
	var n int
	err := s.DB.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", name).Scan(&n)
	return n > 0, err
}

// Sandbox locks the session so that SQL run on it reads the current
// generation's tables and the results and nothing else (duckdb.Sandbox):
// for SQL that users or notebooks supply. Queries must also pass
// duckdb.OneSelect, since writing is refused only outside those folders.
func (s *Session) Sandbox(ctx context.Context) error {
	return duckdb.Sandbox(ctx, s.Conn, []string{filepath.Join(s.Generation, tablesDir), filepath.Join(s.w.dir, resultsDir)})
}
