package analytics

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Build is a new generation being written by a load: it holds the
// warehouse's lock from Begin to Close, and the generation becomes current
// only in Commit, so a load that fails leaves the previous warehouse
// exactly as it was.
type Build struct {
	// ID names the generation (its start time, to the millisecond).
	ID string
	// Dir is the generation's folder.
	Dir       string
	warehouse string
	unlock    func()
	committed bool
}

// Begin takes the warehouse's lock (failing with an error wrapping
// ErrLocked when another load holds it, or ErrReadOnly when its owner made
// it read-only) and makes the new generation's
// folder; the warehouse folder is made if it does not exist.
func Begin(dir string, started time.Time) (*Build, error) {
	if err := Writable(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, generationsDir), privateDirMode); err != nil {
		return nil, fmt.Errorf("create warehouse %s: %w", dir, err)
	}
	os.Chmod(dir, privateDirMode)
	unlock, err := lock(dir)
	if err != nil {
		return nil, err
	}
	id := strings.ReplaceAll(started.UTC().Format("20060102T150405.000Z"), ".", "")
	b := &Build{ID: id, Dir: filepath.Join(dir, generationsDir, id), warehouse: dir, unlock: unlock}
	if err := os.MkdirAll(filepath.Join(b.Dir, tablesDir), privateDirMode); err != nil {
		unlock()
		return nil, fmt.Errorf("create generation: %w", err)
	}
	return b, nil
}

// TablePath is where the generation keeps a table's Parquet file.
func (b *Build) TablePath(table string) string {
	return filepath.Join(b.Dir, tablesDir, table+".parquet")
}

// TablePath is where a generation of the warehouse keeps a table's
// Parquet file.
func (w *Warehouse) TablePath(generation, table string) string {
	return filepath.Join(w.dir, generationsDir, generation, tablesDir, table+".parquet")
}

// ResultFile is where a published run of a results kind keeps a table:
// DIR/results/KIND/PARTITION.../TABLE.parquet (partitions as given to
// Results.Publish, "as_of=2025-12-31" and so on).
func (w *Warehouse) ResultFile(kind string, partitions []string, table string) string {
	return filepath.Join(append(append([]string{w.dir, resultsDir, kind}, partitions...), table+".parquet")...)
}

// DatabasePath is the generation's DuckDB database of views.
func (b *Build) DatabasePath() string { return filepath.Join(b.Dir, databaseName) }

// TempDir is where DuckDB may spill while the generation is written; it is
// removed when the generation is committed.
func (b *Build) TempDir() string { return filepath.Join(b.Dir, ".tmp") }

// Failed keeps what a failed load found in DIR/failed/<id>/: write puts
// its files in the folder, then the manifest is written beside them. It
// returns the folder.
func (b *Build) Failed(man *Manifest, write func(dir string) error) (string, error) {
	dir := filepath.Join(b.warehouse, failedDir, b.ID)
	if err := os.MkdirAll(dir, privateDirMode); err != nil {
		return "", err
	}
	if err := write(dir); err != nil {
		return "", err
	}
	if err := writeJSON(filepath.Join(dir, manifestName), man); err != nil {
		return "", err
	}
	pruneFailed(filepath.Join(b.warehouse, failedDir), keepFailed)
	return dir, restrict(dir)
}

// keepFailed is how many failed loads' rejects are kept: enough to compare
// a few attempts at fixing an extract; each holds rows of the force's data,
// so they are not kept for ever.
const keepFailed = 5

// pruneFailed removes all but the newest keep failed loads (their folders
// are named by start time, so they sort in time order).
func pruneFailed(dir string, keep int) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for i := 0; i+keep < len(names); i++ {
		os.RemoveAll(filepath.Join(dir, names[i]))
	}
}

// Commit writes the manifest, makes the generation owner-only, switches the
// warehouse to it atomically and prunes generations older than the one it
// replaced.
func (b *Build) Commit(man *Manifest) error {
	os.RemoveAll(b.TempDir())
	if err := writeJSON(filepath.Join(b.Dir, manifestName), man); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	if err := restrict(b.Dir); err != nil {
		return fmt.Errorf("set permissions: %w", err)
	}
	previous, _ := Generation(b.warehouse)
	if err := switchCurrent(b.warehouse, b.Dir); err != nil {
		return fmt.Errorf("switch to the new warehouse: %w", err)
	}
	b.committed = true
	pruneGenerations(b.warehouse, b.Dir, previous)
	return nil
}

// Close removes the generation unless it was committed and releases the
// lock.
func (b *Build) Close() {
	if !b.committed {
		os.RemoveAll(b.Dir)
	}
	b.unlock()
}

// writeJSON writes v as indented JSON, owner-only.
func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), privateFileMode)
}
