package queries

import (
	"bufio"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed checks/*.sql scoring/*.sql warehouse/*.sql app/*.sql evaluation/*.sql calibration/*.sql
var files embed.FS

// File is one embedded SQL file with its header.
type File struct {
	// Path inside the package, such as "checks/answers_unique.sql".
	Path string
	// Header holds the "-- key: value" lines at the top of the file.
	Header map[string]string
	// SQL is the statement after the header.
	SQL string
}

// Name returns the file's name header, or its base name without ".sql".
func (f File) Name() string {
	if n := f.Header["name"]; n != "" {
		return n
	}
	return strings.TrimSuffix(path.Base(f.Path), ".sql")
}

// headerKeys are required in every file's header.
var headerKeys = []string{"name", "purpose", "inputs", "outputs", "source"}

// Parse reads a SQL file's header and body. It fails when a required header
// key is missing or the body is empty.
func Parse(p string, text string) (File, error) {
	f := File{Path: p, Header: map[string]string{}}
	sc := bufio.NewScanner(strings.NewReader(text))
	var body strings.Builder
	inHeader := true
	line := 0
	for sc.Scan() {
		line++
		t := sc.Text()
		if inHeader {
			if strings.HasPrefix(t, "--") {
				kv := strings.TrimSpace(strings.TrimPrefix(t, "--"))
				if k, v, ok := strings.Cut(kv, ":"); ok && !strings.Contains(k, " ") {
					f.Header[strings.ToLower(k)] = strings.TrimSpace(v)
				}
				continue
			}
			inHeader = false
		}
		body.WriteString(t)
		body.WriteByte('\n')
	}
	for _, k := range headerKeys {
		if f.Header[k] == "" {
			return f, fmt.Errorf("queries %s: header has no %q line; start the file with \"-- %s: ...\"", p, k, k)
		}
	}
	f.SQL = strings.TrimSpace(body.String())
	if f.SQL == "" {
		return f, fmt.Errorf("queries %s: no SQL after the header", p)
	}
	return f, nil
}

// Checks returns the data checks, sorted by name.
func Checks() ([]File, error) { return dir("checks") }

// Areas are the folders of queries, one per feature (checks are read with
// Checks).
var Areas = []string{"warehouse", "scoring", "evaluation", "calibration", "app"}

// Get returns the named query of an area (AREA/NAME.sql).
func Get(area, name string) (File, error) {
	p := area + "/" + name + ".sql"
	b, err := files.ReadFile(p)
	if err != nil {
		return File{}, fmt.Errorf("queries: no %s query %q", area, name)
	}
	return Parse(p, string(b))
}

// Must returns the SQL of the named query of an area. The files are
// embedded and every one is parsed by the package's tests, so a missing or
// malformed one is a programming error: it panics.
func Must(area, name string) string {
	f, err := Get(area, name)
	if err != nil {
		panic(err)
	}
	return f.SQL
}

// Scoring returns the named scoring query (scoring/NAME.sql).
func Scoring(name string) (File, error) { return Get("scoring", name) }

// Warehouse returns the named query that derives a warehouse table at load
// (warehouse/NAME.sql).
func Warehouse(name string) (File, error) { return Get("warehouse", name) }

// Area returns every query of an area, sorted by name.
func Area(area string) ([]File, error) { return dir(area) }

func dir(d string) ([]File, error) {
	entries, err := fs.ReadDir(files, d)
	if err != nil {
		return nil, err
	}
	var out []File
	for _, e := range entries {
		p := path.Join(d, e.Name())
		b, err := files.ReadFile(p)
		if err != nil {
			return nil, err
		}
		f, err := Parse(p, string(b))
		if err != nil {
			return nil, err
		}
		if d == "checks" {
			if s := f.Header["severity"]; s != "error" && s != "warn" {
				return nil, fmt.Errorf("queries %s: severity must be error or warn, got %q", p, s)
			}
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}
