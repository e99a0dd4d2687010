//go:build !unix

package duckdb

// processCPU is not measured on this platform; the load trace shows 0.
func ProcessCPU() float64 { return 0 }
