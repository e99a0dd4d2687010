package main

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/tau-da/tau/internal/period"

	"github.com/spf13/cobra"
)

// dateFlag is an optional date flag: its name, its value and where the
// parsed date goes (left zero when the flag is empty).
type dateFlag struct {
	name, value string
	dst         *time.Time
}

// parseDates parses each non-empty date flag, as a usage error naming it.
func parseDates(flags ...dateFlag) error {
	for _, f := range flags {
		if f.value == "" {
			continue
		}
		t, err := period.ParseDate(f.value)
		if err != nil {
			return &exitError{exitUsage, fmt.Errorf("%s: %w", f.name, err)}
		}
		*f.dst = t
	}
	return nil
}

// lengthFlag is a window length flag (90d, 3m, 12m, 1y).
type lengthFlag struct {
	name, value string
	dst         *period.Length
}

// parseLengths parses each length flag, as a usage error naming it.
func parseLengths(flags ...lengthFlag) error {
	for _, f := range flags {
		l, err := period.ParseLength(f.value)
		if err != nil {
			return &exitError{exitUsage, fmt.Errorf("%s: %w", f.name, err)}
		}
		*f.dst = l
	}
	return nil
}

// writeReport writes a command's result to --out (or standard output): v as
// indented JSON, or the text followed by the footer line.
func writeReport(c *cobra.Command, path, format string, v any, text func(io.Writer) error, footer string) error {
	w, closeOut, err := output(c, path)
	if err != nil {
		return err
	}
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		err = enc.Encode(v)
	} else {
		err = text(w)
		if err == nil && footer != "" {
			_, err = fmt.Fprintln(w, "\n"+footer)
		}
	}
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	return err
}
