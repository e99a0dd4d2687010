package main

import (
	"encoding/csv"
	"os"
)

// writeCSVFile writes a header and the rows rows(emit) emits to path,
// readable by its owner only (the rows may be person-level).
func writeCSVFile(path string, header []string, rows func(emit func([]string))) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(f)
	cw.Write(header)
	rows(func(r []string) { cw.Write(r) })
	cw.Flush()
	if err := cw.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
