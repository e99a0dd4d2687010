//go:build !linux

package analytics

import "errors"

// exchange is unavailable here: publish falls back to two renames.
func exchange(a, b string) error { return errors.New("no atomic exchange on this system") }
