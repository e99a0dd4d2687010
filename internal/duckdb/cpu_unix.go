//go:build unix

package duckdb

import "syscall"

// ProcessCPU returns the CPU time the process has used, user and system, in
// seconds (for the load trace).
func ProcessCPU() float64 {
	var r syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &r) != nil {
		return 0
	}
	return float64(r.Utime.Nano()+r.Stime.Nano()) / 1e9
}
