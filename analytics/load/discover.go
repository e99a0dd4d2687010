package load

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tau-da/tau/extract"
)

// source is one extract file found on disk.
type source struct {
	spec    extract.File
	path    string // empty when an optional file is absent
	format  string // "csv" or "parquet"
	header  []string
	wide    bool     // answers taken from q1..q27 columns of assessments
	items   []string // the wide item columns, as named in the header
	present map[string]bool
	// plain: no value in the file can hold a control character, so its
	// ids' check needs no regular expression; trimmed: no value would
	// change if trimmed, so none is (both found by reading its bytes,
	// byteScan).
	plain, trimmed bool
	// uniqueKeys: no two records share a key (keyScan), so there are no
	// duplicates to look for.
	uniqueKeys bool
}

// discover finds each contract file in dir, reads its header and checks the
// required columns. It returns a clear error for a missing required file or
// column.
func discover(dir string, readParquetHeader func(path string, f extract.File) ([]string, error)) ([]*source, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("load %s: not a folder; give the folder that holds persons.csv, occurrences.csv and the other extract files", dir)
	}
	var out []*source
	byName := map[string]*source{}
	for _, f := range extract.Files {
		s := &source{spec: f}
		for _, ext := range []string{"csv", "parquet"} {
			p := filepath.Join(dir, f.Name+"."+ext)
			ok, err := extractFile(dir, p)
			if err != nil {
				return nil, err
			}
			if ok {
				if s.path != "" {
					return nil, fmt.Errorf("load %s: both %s.csv and %s.parquet are present; keep one", dir, f.Name, f.Name)
				}
				s.path, s.format = p, ext
			}
		}
		out = append(out, s)
		byName[f.Name] = s
		if s.path == "" {
			continue
		}
		var err error
		if s.format == "csv" {
			s.header, err = readCSVHeader(s.path)
		} else {
			s.header, err = readParquetHeader(s.path, f)
		}
		if err != nil {
			return nil, err
		}
		s.present = map[string]bool{}
		for _, h := range s.header {
			s.present[h] = true
		}
	}
	// answers may come wide, as q1..q27 columns of assessments, or long,
	// as answers.csv: never both (one would be silently ignored).
	ans, as := byName["answers"], byName["assessments"]
	if ans.path != "" && as.path != "" {
		for _, h := range as.header {
			if _, ok := extract.WideItemColumn(h); ok {
				return nil, fmt.Errorf("load %s: answers come both as %s and as answer columns of %s (%s...); give one or the other",
					dir, filepath.Base(ans.path), filepath.Base(as.path), h)
			}
		}
	}
	if ans.path == "" && as.path != "" {
		for _, h := range as.header {
			if _, ok := extract.WideItemColumn(h); ok {
				ans.items = append(ans.items, h)
			}
		}
		if len(ans.items) > 0 {
			ans.wide, ans.path, ans.format, ans.header = true, as.path, as.format, as.header
			ans.present = map[string]bool{"assessment_id": true, "item": true, "answer": true}
		}
	}
	for _, s := range out {
		if s.path == "" {
			if s.spec.Required {
				hint := ""
				if s.spec.Name == "answers" {
					hint = " (or q1..q27 columns in assessments.csv)"
				}
				return nil, fmt.Errorf("load %s: required file %s.csv%s is missing; add it (see the extract contract in the README)", dir, s.spec.Name, hint)
			}
			continue
		}
		for _, c := range s.spec.RequiredColumns() {
			if !s.present[c] {
				where := filepath.Base(s.path) + " line 1"
				if s.format == "parquet" {
					where = filepath.Base(s.path)
				}
				return nil, fmt.Errorf("load %s: required column %q is missing (the header has: %s); add or rename the column",
					where, c, strings.Join(s.header, ", "))
			}
		}
	}
	return out, nil
}

// extractFile reports whether an extract file is present, refusing what
// it must not read: a link to nothing, a link out of the extract folder
// (never followed, so nothing outside is read or echoed), and anything but
// a regular file (a pipe would hang the load while it holds the lock).
func extractFile(dir, p string) (bool, error) {
	fi, err := os.Lstat(p)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("load %s: %w", p, err)
	}
	name := filepath.Base(p)
	if fi.Mode()&os.ModeSymlink != 0 {
		target, err := filepath.EvalSymlinks(p)
		if err != nil {
			return false, fmt.Errorf("load %s: %s is a link to nothing; replace it with the file", dir, name)
		}
		root, err := filepath.EvalSymlinks(dir)
		if err != nil {
			return false, fmt.Errorf("load %s: %w", dir, err)
		}
		if rel, err := filepath.Rel(root, target); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return false, fmt.Errorf("load %s: %s is a link to a file outside the extract folder; copy the file in", dir, name)
		}
		if fi, err = os.Stat(target); err != nil {
			return false, fmt.Errorf("load %s: %s: %w", dir, name, err)
		}
	}
	if !fi.Mode().IsRegular() {
		return false, fmt.Errorf("load %s: %s is not a regular file (a pipe, a device or a folder); give the file itself", dir, name)
	}
	return true, nil
}

// readCSVHeader reads and normalises the header row of a CSV file.
func readCSVHeader(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w; check the file exists and is readable", filepath.Base(path), err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.FieldsPerRecord = -1
	rec, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("load %s line 1: the file is empty; it needs at least a header row", filepath.Base(path))
	}
	if err != nil {
		return nil, fmt.Errorf("load %s line 1: cannot read the header: %w", filepath.Base(path), err)
	}
	seen := map[string]bool{}
	for i := range rec {
		rec[i] = extract.NormaliseHeader(rec[i])
		if rec[i] == "" {
			return nil, fmt.Errorf("load %s line 1: column %d has no name; name it or delete it", filepath.Base(path), i+1)
		}
		if seen[rec[i]] {
			return nil, fmt.Errorf("load %s line 1: column %q appears twice; keep one", filepath.Base(path), rec[i])
		}
		seen[rec[i]] = true
	}
	return rec, nil
}

// csvLines maps record numbers (1-based, counting only records with the
// header's number of fields, as DuckDB's reader numbers them) to the line
// each starts on. Only the records in want are kept.
func csvLines(path string, nfields int, want map[int64]bool) (map[int64]int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	out := make(map[int64]int64, len(want))
	if _, err := r.Read(); err != nil {
		return nil, err
	}
	var rec int64
	for len(out) < len(want) {
		fields, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return out, err
		}
		if len(fields) != nfields {
			continue
		}
		rec++
		if want[rec] {
			line, _ := r.FieldPos(0)
			out[rec] = int64(line)
		}
	}
	return out, nil
}
