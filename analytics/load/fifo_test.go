//go:build unix

package load

import "syscall"

// syscallMkfifo makes a named pipe (a test's hostile extract file).
func syscallMkfifo(path string) error { return syscall.Mkfifo(path, 0o600) }
