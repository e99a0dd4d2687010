//go:build !unix

package analytics

// processCPU is not measured on this platform; the load trace shows 0.
func processCPU() float64 { return 0 }
