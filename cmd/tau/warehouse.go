package main

import (
	"context"

	"github.com/tau-da/tau/analytics"
	"github.com/tau-da/tau/notebooks/nbdb"
)

// openWarehouse checks that a warehouse folder was given and opens it.
func openWarehouse(dir string) (*analytics.Warehouse, error) {
	if err := requireWarehouse(dir); err != nil {
		return nil, err
	}
	return analytics.Open(dir)
}

// openSession opens a session over the warehouse in dir; the caller closes
// it.
func openSession(ctx context.Context, dir string) (*analytics.Session, error) {
	w, err := openWarehouse(dir)
	if err != nil {
		return nil, err
	}
	return w.Session(ctx)
}

// openWriteSession opens a session for a command that writes results
// back, refusing at once (not after the work) when the warehouse is
// read-only.
func openWriteSession(ctx context.Context, dir string) (*analytics.Session, error) {
	if err := requireWarehouse(dir); err != nil {
		return nil, err
	}
	if err := analytics.Writable(dir); err != nil {
		return nil, err
	}
	return openSession(ctx, dir)
}

// openNotebook opens the warehouse in dir for rendering notebooks.
func openNotebook(ctx context.Context, dir string) (*nbdb.Session, error) {
	w, err := openWarehouse(dir)
	if err != nil {
		return nil, err
	}
	return nbdb.Open(ctx, w)
}

// readManifest reads the load manifest of the warehouse in dir.
func readManifest(dir string) (*analytics.Manifest, error) {
	w, err := openWarehouse(dir)
	if err != nil {
		return nil, err
	}
	return w.Manifest()
}
