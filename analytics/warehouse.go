package analytics

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Names of the files and folders inside a warehouse.
const (
	lockName        = ".lock"
	currentLink     = "current"
	currentPointer  = "current.txt"
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

// ErrReadOnly is returned when a warehouse's owner has removed write
// permission from its folder: tau then changes nothing in it.
var ErrReadOnly = errors.New("the warehouse is read-only (its owner removed write permission)")

// ErrLocked is returned when another load holds the warehouse.
var ErrLocked = errors.New("another load is running on this warehouse")

// Generation returns the folder of the warehouse's current generation. The
// symlink DIR/current names it; where the symlink is missing or was turned
// into a folder (a copy that follows links, a file system without
// symlinks), the pointer file DIR/current.txt does, and failing that a
// folder named current is the generation itself.
func Generation(dir string) (string, error) {
	link := filepath.Join(dir, currentLink)
	fi, err := os.Lstat(link)
	if err == nil && fi.Mode()&os.ModeSymlink != 0 {
		target, err := os.Readlink(link)
		if err != nil {
			return "", fmt.Errorf("open warehouse %s: %w", dir, err)
		}
		return inside(dir, target), nil
	}
	if b, perr := os.ReadFile(filepath.Join(dir, currentPointer)); perr == nil {
		target := strings.TrimSpace(string(b))
		if target == "" || filepath.IsAbs(target) || strings.HasPrefix(filepath.Clean(target), "..") {
			return "", fmt.Errorf("open warehouse %s: %s names %q, not a generation of this warehouse", dir, currentPointer, target)
		}
		return filepath.Join(dir, target), nil
	}
	if err == nil && fi.IsDir() {
		return link, nil
	}
	if err == nil || errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("open warehouse %s: %w", dir, ErrNoWarehouse)
	}
	return "", fmt.Errorf("open warehouse %s: %w", dir, err)
}

// inside resolves a link target written by an earlier tau (absolute in
// very old warehouses) against the warehouse folder, so that a copy reads
// its own generation, never the original's.
func inside(dir, target string) string {
	if !filepath.IsAbs(target) {
		return filepath.Join(dir, target)
	}
	i := strings.LastIndex(target, string(filepath.Separator)+generationsDir+string(filepath.Separator))
	if i < 0 {
		return target
	}
	return filepath.Join(dir, target[i+1:])
}

// Writable returns an error wrapping ErrReadOnly when the warehouse's owner
// has removed write permission from its folder (checked on the mode bits,
// so it holds for root too). A folder that does not exist yet is writable.
func Writable(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil
	}
	if fi.Mode().Perm()&0o200 == 0 {
		return fmt.Errorf("warehouse %s: %w", dir, ErrReadOnly)
	}
	return nil
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

// switchCurrent points the warehouse at gen: first the symlink DIR/current
// (a new link under a temporary name renamed over the old one: rename(2)
// is atomic), then the pointer file DIR/current.txt the same way, for
// copies and file systems that lose the link. Both name gen relative to
// the warehouse, so a copied warehouse reads its own files.
func switchCurrent(dir, gen string) error {
	rel, err := filepath.Rel(dir, gen)
	if err != nil {
		return err
	}
	link := filepath.Join(dir, currentLink)
	if fi, err := os.Lstat(link); err == nil && fi.Mode()&os.ModeSymlink == 0 {
		// A folder or file named current (left by a copy that followed
		// the link) cannot be renamed over; readers fall back to the
		// pointer file until the new link is in place.
		if err := os.RemoveAll(link); err != nil {
			return err
		}
	}
	tmp := link + ".new"
	os.Remove(tmp)
	if os.Symlink(rel, tmp) == nil {
		if err := os.Rename(tmp, link); err != nil {
			return err
		}
	}
	ptr := filepath.Join(dir, currentPointer)
	if err := os.WriteFile(ptr+".new", []byte(filepath.ToSlash(rel)+"\n"), privateFileMode); err != nil {
		return err
	}
	return os.Rename(ptr+".new", ptr)
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
