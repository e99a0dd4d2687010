package notebooks

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"
)

// Notebook is a parsed Markdown notebook.
type Notebook struct {
	Path        string
	Title       string         `toml:"title"`
	Audience    string         `toml:"audience"`
	Description string         `toml:"description"`
	Params      map[string]any `toml:"params"`
	// Counts names the columns that hold counts, whatever their type
	// (publication suppresses and rounds them); integer columns named as
	// counts are counts too (countNames) unless NotCounts names them.
	// Derived names columns computed from a row's counts (shares, rates,
	// categories), hidden wherever a count of their row is. PersonLevel
	// marks a notebook that lists people or relationships: it is never
	// rendered for publication.
	Counts      []string `toml:"counts"`
	NotCounts   []string `toml:"not_counts"`
	Derived     []string `toml:"derived"`
	PersonLevel bool     `toml:"person_level"`
	Cells       []Cell
}

// Cell kinds.
const (
	KindMarkdown = "markdown"
	KindSQL      = "sql"
	KindChart    = "chart"
	KindTable    = "table"
	KindValue    = "value"
)

// Cell is one piece of a notebook: prose, or a fenced cell.
type Cell struct {
	Kind string
	Name string
	// Line is the 1-based line of the cell's first line in the file.
	Line int
	Body string
	// Spec is the parsed body of chart, table and value cells.
	Spec Spec
}

// Spec is the TOML body of a chart, table or value cell.
type Spec struct {
	// Data names the SQL cell whose result the cell shows.
	Data string `toml:"data"`
	// Chart: type is line, bar, stacked, scatter or timeline; x and y name
	// columns (y one or several); series names a column whose values split
	// the rows into separate lines or bars; hlines and vlines draw
	// reference lines; facet draws one chart (and its rows as a table,
	// with facet_table) per value of a column.
	Type   string    `toml:"type"`
	X      string    `toml:"x"`
	Y      []string  `toml:"y"`
	Series string    `toml:"series"`
	Label  string    `toml:"label"`
	Title  string    `toml:"title"`
	XLabel string    `toml:"x_label"`
	YLabel string    `toml:"y_label"`
	HLines []float64 `toml:"hlines"`
	VLines []float64 `toml:"vlines"`
	// Colors names a series' colour ("#0072B2"); series named red, amber
	// or green are always drawn in that band's colour. YZoom lets a line
	// chart's y axis start above zero (for a rate or share, never a
	// count; the axis label says so). Diagonal draws y = x (a reliability
	// diagram's perfect calibration).
	Colors     map[string]string `toml:"colors"`
	YZoom      bool              `toml:"y_zoom"`
	Diagonal   bool              `toml:"diagonal"`
	Facet      string            `toml:"facet"`
	FacetTable []string          `toml:"facet_table"`
	// Table: the columns to show (all when empty), their formats and a row
	// limit.
	Columns []string          `toml:"columns"`
	Formats map[string]string `toml:"formats"`
	Limit   int               `toml:"limit"`
	// Value: the column of the first row and its format.
	Column  string `toml:"column"`
	Format  string `toml:"format"`
	Caption string `toml:"caption"`
}

// ParseError is an error at a line of a notebook, in a named cell.
type ParseError struct {
	Path string
	Line int
	Cell string
	Err  error
}

// Error writes "file:line: cell name: what went wrong".
func (e *ParseError) Error() string {
	if e.Cell != "" {
		return fmt.Sprintf("%s:%d: cell %s: %v", e.Path, e.Line, e.Cell, e.Err)
	}
	return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err)
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

var (
	fenceRe = regexp.MustCompile("^```+")
	nameRe  = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)
)

// Parse reads a notebook: TOML front matter between +++ lines, then
// Markdown with fenced cells whose info string is the kind and a name
// ("```sql plans"). Other fenced blocks (```go, plain ```) stay prose.
func Parse(path string, src []byte) (*Notebook, error) {
	nb := &Notebook{Path: path}
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var lines []string
	for sc.Scan() {
		lines = append(lines, strings.TrimRight(sc.Text(), "\r"))
	}
	fail := func(line int, cell string, format string, a ...any) error {
		return &ParseError{Path: path, Line: line, Cell: cell, Err: fmt.Errorf(format, a...)}
	}
	i := 0
	if len(lines) > 0 && strings.TrimSpace(lines[0]) == "+++" {
		end := -1
		for j := 1; j < len(lines); j++ {
			if strings.TrimSpace(lines[j]) == "+++" {
				end = j
				break
			}
		}
		if end < 0 {
			return nil, fail(1, "", "front matter opened with +++ is never closed")
		}
		if _, err := toml.Decode(strings.Join(lines[1:end], "\n"), nb); err != nil {
			return nil, fail(2, "", "front matter: %v", err)
		}
		i = end + 1
	}
	if nb.Title == "" {
		return nil, fail(1, "", "no title: start the file with +++, title = \"...\", +++")
	}
	names := map[string]int{}
	var prose []string
	proseLine := i + 1
	flush := func() {
		if strings.TrimSpace(strings.Join(prose, "\n")) != "" {
			nb.Cells = append(nb.Cells, Cell{Kind: KindMarkdown, Line: proseLine, Body: strings.Join(prose, "\n")})
		}
		prose = nil
	}
	for ; i < len(lines); i++ {
		l := lines[i]
		fence := fenceRe.FindString(l)
		info := strings.Fields(strings.TrimPrefix(l, fence))
		if fence == "" || len(info) == 0 || !isKind(info[0]) {
			if fence != "" {
				// A plain code block: keep it whole as prose.
				if len(prose) == 0 {
					proseLine = i + 1
				}
				prose = append(prose, l)
				for i++; i < len(lines); i++ {
					prose = append(prose, lines[i])
					if strings.HasPrefix(lines[i], fence) {
						break
					}
				}
				continue
			}
			if len(prose) == 0 {
				proseLine = i + 1
			}
			prose = append(prose, l)
			continue
		}
		flush()
		c := Cell{Kind: info[0], Line: i + 1}
		if len(info) > 1 {
			c.Name = info[1]
		}
		var body []string
		closed := false
		for i++; i < len(lines); i++ {
			if strings.TrimSpace(lines[i]) == fence {
				closed = true
				break
			}
			body = append(body, lines[i])
		}
		if !closed {
			return nil, fail(c.Line, c.Name, "the %s cell is never closed with %s", c.Kind, fence)
		}
		c.Body = strings.Join(body, "\n")
		if c.Name == "" {
			if c.Kind == KindSQL {
				return nil, fail(c.Line, "", "a sql cell needs a name (```sql plans) so later cells can use its result")
			}
			c.Name = fmt.Sprintf("%s_%d", c.Kind, c.Line)
		}
		if !nameRe.MatchString(c.Name) {
			return nil, fail(c.Line, c.Name, "cell names are lower-case letters, digits and _, starting with a letter")
		}
		if prev, ok := names[c.Name]; ok {
			return nil, fail(c.Line, c.Name, "the name is already used by the cell at line %d", prev)
		}
		names[c.Name] = c.Line
		if c.Kind != KindSQL {
			md, err := toml.Decode(c.Body, &c.Spec)
			if err != nil {
				return nil, fail(c.Line, c.Name, "%v", err)
			}
			if und := md.Undecoded(); len(und) > 0 {
				return nil, fail(c.Line, c.Name, "unknown setting %s", und[0])
			}
			if err := c.check(); err != nil {
				return nil, fail(c.Line, c.Name, "%v", err)
			}
		} else if strings.TrimSpace(c.Body) == "" {
			return nil, fail(c.Line, c.Name, "the sql cell is empty")
		}
		nb.Cells = append(nb.Cells, c)
	}
	flush()
	// Display cells name a sql cell anywhere in the notebook: every query
	// runs before anything is shown.
	sqlCells := map[string]bool{}
	for _, c := range nb.Cells {
		if c.Kind == KindSQL {
			sqlCells[c.Name] = true
		}
	}
	for _, c := range nb.Cells {
		if c.Kind != KindSQL && c.Kind != KindMarkdown && !sqlCells[c.Spec.Data] {
			return nil, fail(c.Line, c.Name, "data %q is not a sql cell of this notebook", c.Spec.Data)
		}
	}
	return nb, nil
}

func isKind(s string) bool {
	switch s {
	case KindSQL, KindChart, KindTable, KindValue:
		return true
	}
	return false
}

// check validates a cell's spec where it can be checked without data.
func (c *Cell) check() error {
	s := &c.Spec
	if s.Data == "" {
		return fmt.Errorf("no data: name the sql cell whose result it shows (data = \"...\")")
	}
	switch c.Kind {
	case KindChart:
		switch s.Type {
		case "line", "bar", "stacked", "scatter", "timeline":
		default:
			return fmt.Errorf("type %q: use line, bar, stacked, scatter or timeline", s.Type)
		}
		if s.X == "" || len(s.Y) == 0 {
			return fmt.Errorf("a chart needs x and y columns")
		}
	case KindValue:
		if s.Column == "" {
			return fmt.Errorf("a value cell needs a column")
		}
	}
	for col, f := range s.Formats {
		if !validFormat(f) {
			return fmt.Errorf("format %q for %s: use %s", f, col, strings.Join(formatNames, ", "))
		}
	}
	if s.Format != "" && !validFormat(s.Format) {
		return fmt.Errorf("format %q: use %s", s.Format, strings.Join(formatNames, ", "))
	}
	return nil
}
