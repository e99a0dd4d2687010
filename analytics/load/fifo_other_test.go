//go:build !unix

package load

import "errors"

// syscallMkfifo is unavailable here; the pipe case is skipped.
func syscallMkfifo(string) error { return errors.New("no named pipes") }
