// Package profile maps a force's own export onto tau's extract contract:
// its file names, column names and codes, its date format and its DASH
// question columns. Apply rewrites an export into a contract extract (one
// row out for every row in, so lines and counts still reconcile); Draft
// writes a starting profile from an export's headers and values. It may
// import extract and the standard library only.
package profile

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/tau-da/tau/extract"
)

// Profile is a force's mapping onto the contract.
type Profile struct {
	// Force names the force or records system the profile is for.
	Force string `toml:"force"`
	// DateFormat is the export's date format (load.DateFormats).
	DateFormat string `toml:"date_format"`
	// Files maps a contract file (persons, occurrences, ...) to the
	// force's file and its columns.
	Files map[string]File `toml:"files"`
	// Codes maps a contract column (sex, kind, answer, officer_grade,
	// status, owner, agency, instrument, ...) to the force's values and
	// the contract's (matched ignoring case and surrounding spaces).
	Codes map[string]map[string]string `toml:"codes"`
	// Items maps the force's DASH question columns of its assessments
	// file to item ids (Q1..Q27), for an export with answers in columns.
	Items map[string]string `toml:"items"`
}

// File is one contract file's source in the force's export.
type File struct {
	// Name is the force's file name in the export folder.
	Name string `toml:"name"`
	// Columns maps a contract column to the force's column name.
	Columns map[string]string `toml:"columns"`
}

// Read reads a profile.
func Read(path string) (*Profile, error) {
	var p Profile
	md, err := toml.DecodeFile(path, &p)
	if err != nil {
		return nil, fmt.Errorf("profile %s: %w", path, err)
	}
	if un := md.Undecoded(); len(un) > 0 {
		return nil, fmt.Errorf("profile %s: unknown setting %s", path, un[0])
	}
	for name, f := range p.Files {
		spec, err := extract.Lookup(name)
		if err != nil {
			return nil, fmt.Errorf("profile %s: files.%s: not a file of the contract", path, name)
		}
		for col := range f.Columns {
			if !hasColumn(spec, col) {
				return nil, fmt.Errorf("profile %s: files.%s.columns: %s is not a column of %s", path, name, col, name)
			}
		}
	}
	for item, id := range p.Items {
		if _, ok := extract.WideItemColumn(id); !ok {
			return nil, fmt.Errorf("profile %s: items: %q maps to %q, not an item id Q1..Q27", path, item, id)
		}
	}
	return &p, nil
}

func hasColumn(f extract.File, col string) bool {
	for _, c := range f.Columns {
		if c.Name == col {
			return true
		}
	}
	return false
}

// Apply writes the export in src as a contract extract in dst: each file
// the profile names (or that is already named as the contract's) with its
// columns renamed, codes mapped and DASH columns renamed q1..q27, every
// row kept (a value the profile does not know passes as it is, for the
// load to reject with its line). It returns the contract files written.
func (p *Profile) Apply(src, dst string) ([]string, error) {
	if err := os.MkdirAll(dst, 0o700); err != nil {
		return nil, err
	}
	var written []string
	for _, spec := range extract.Files {
		f := p.Files[spec.Name]
		name := f.Name
		if name == "" {
			name = spec.Name + ".csv"
		}
		in := filepath.Join(src, name)
		if _, err := os.Stat(in); errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err := p.rewrite(spec, f, in, filepath.Join(dst, spec.Name+".csv")); err != nil {
			return nil, fmt.Errorf("profile: %s: %w", name, err)
		}
		written = append(written, spec.Name)
	}
	if b, err := os.ReadFile(filepath.Join(src, "extract.json")); err == nil {
		os.WriteFile(filepath.Join(dst, "extract.json"), b, 0o600)
	}
	return written, nil
}

// rewrite copies one file with the profile's names and codes.
func (p *Profile) rewrite(spec extract.File, f File, in, out string) error {
	r, err := os.Open(in)
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer w.Close()
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("line 1: %w", err)
	}
	// The force's column -> the contract's, and the codes of each.
	rename := map[string]string{}
	for contract, force := range f.Columns {
		rename[norm(force)] = contract
	}
	for force, item := range p.Items {
		if spec.Name == "assessments" {
			rename[norm(force)] = strings.ToLower(item)
		}
	}
	codes := make([]map[string]string, len(header))
	outHeader := make([]string, len(header))
	for i, h := range header {
		name := strings.TrimPrefix(h, "\ufeff")
		if c, ok := rename[norm(name)]; ok {
			name = c
		}
		outHeader[i] = name
		key := name
		if _, ok := extract.WideItemColumn(name); ok && spec.Name == "assessments" {
			key = "answer"
		}
		if m := p.Codes[key]; m != nil {
			codes[i] = map[string]string{}
			for from, to := range m {
				codes[i][norm(from)] = to
			}
		}
	}
	cw := csv.NewWriter(w)
	cw.Write(outHeader)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// csv.ParseError names the line; the export is the analyst's
			// to fix there.
			return fmt.Errorf("%w; fix the export there (a quote that does not close?)", err)
		}
		for i := range rec {
			if i < len(codes) && codes[i] != nil {
				if to, ok := codes[i][norm(rec[i])]; ok {
					rec[i] = to
				}
			}
		}
		cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

// norm compares names and codes ignoring case, spaces and punctuation.
func norm(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
