package analytics

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/tau-da/tau/internal/duckdb"
)

// Names of the files and folders inside a warehouse.
const (
	lockName        = ".lock"
	currentLink     = "current"
	generationsDir  = "generations"
	failedDir       = "failed"
	tablesDir       = "tables"
	manifestName    = "manifest.json"
	databaseName    = "tau.duckdb"
	privateDirMode  = 0o700
	privateFileMode = 0o600
)

// ErrNoWarehouse is returned when a folder holds no loaded warehouse.
var ErrNoWarehouse = errors.New("no loaded warehouse here")

// ErrNoFolder is returned when no warehouse folder was given.
var ErrNoFolder = errors.New("no warehouse folder given")

// ErrLocked is returned when another load holds the warehouse.
var ErrLocked = errors.New("another load is running on this warehouse")

// Generation returns the folder of the warehouse's current generation.
func Generation(dir string) (string, error) {
	target, err := os.Readlink(filepath.Join(dir, currentLink))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("open warehouse %s: %w", dir, ErrNoWarehouse)
		}
		return "", fmt.Errorf("open warehouse %s: %w", dir, err)
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(dir, target)
	}
	return target, nil
}

// OpenReadOnly opens the current generation's DuckDB database read-only, so
// any number of readers can work beside a running load.
func OpenReadOnly(dir string) (*sql.DB, error) {
	gen, err := Generation(dir)
	if err != nil {
		return nil, err
	}
	db, err := duckdb.Open(duckdb.Options{Path: filepath.Join(gen, databaseName), ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("open warehouse %s: %w", dir, err)
	}
	return db, nil
}

// lock takes the warehouse's exclusive lock without waiting. The lock is an
// flock(2) on DIR/.lock, released by the kernel if the process dies.
func lock(dir string) (release func(), err error) {
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_CREATE|os.O_RDWR, privateFileMode)
	if err != nil {
		return nil, fmt.Errorf("lock warehouse %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("lock warehouse %s: %w", dir, ErrLocked)
		}
		return nil, fmt.Errorf("lock warehouse %s: %w", dir, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// switchCurrent points DIR/current at gen atomically: it makes a new symlink
// under a temporary name and renames it over the old one (rename(2) is
// atomic on POSIX file systems).
func switchCurrent(dir, gen string) error {
	rel, err := filepath.Rel(dir, gen)
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, currentLink+".new")
	os.Remove(tmp)
	if err := os.Symlink(rel, tmp); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, currentLink))
}

// pruneGenerations removes every generation but the current one and the one
// before it (kept so an operator can roll back by hand).
func pruneGenerations(dir, current, previous string) error {
	entries, err := os.ReadDir(filepath.Join(dir, generationsDir))
	if err != nil {
		return err
	}
	for _, e := range entries {
		p := filepath.Join(dir, generationsDir, e.Name())
		if p == current || p == previous || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if err := os.RemoveAll(p); err != nil {
			return err
		}
	}
	return nil
}

// restrict makes every file under root readable only by its owner.
func restrict(root string) error {
	return filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.Mode()&os.ModeSymlink != 0 {
			return nil
		}
		mode := os.FileMode(privateFileMode)
		if info.IsDir() {
			mode = privateDirMode
		}
		return os.Chmod(p, mode)
	})
}
