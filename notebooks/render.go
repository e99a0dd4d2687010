package notebooks

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"fmt"
	"html"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tau-da/tau/internal/param"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// Querier runs a named SQL cell with bound parameters; the result is then
// available to later SQL cells under the same name.
type Querier interface {
	Query(ctx context.Context, name, sql string, args map[string]any) (*Result, error)
}

// Fact is one line of the report's provenance.
type Fact struct{ Name, Value string }

// Options control a render.
type Options struct {
	// Params override the front matter's parameters (from --param k=v);
	// each is converted to the type of the default it replaces.
	Params map[string]string
	// SuppressBelow hides every count under it (0 = publish as is).
	SuppressBelow int
	// Provenance describes what produced the report (warehouse, tool).
	Provenance []Fact
	Now        time.Time
	// Missing words, for a section whose results the warehouse does not
	// hold yet, what to do ("run tau evaluate first"); nil says only that
	// they are missing.
	Missing func(kind string) string
}

// ErrPersonLevel refuses to render a person-level notebook for
// publication: suppression hides small numbers, not the people a list
// names.
var ErrPersonLevel = errors.New("the notebook lists people or relationships (person_level), so it is never rendered for publication: suppression hides small counts, not the people a list names; publish an aggregate notebook instead")

// MissingResults is an error a Querier returns for a query over results
// of a kind the warehouse does not hold yet (scores, evaluations,
// calibrations): the cells that show it say so instead of the render
// failing.
type MissingResults interface {
	error
	MissingKind() string
}

var (
	inlineRe = regexp.MustCompile(`\{\{\s*([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\s*(?:\|\s*([a-z0-9]+)\s*)?\}\}`)
	paramRe  = regexp.MustCompile(`\$([a-z_][a-z0-9_]*)`)
)

// provenanceColumns are result columns whose values identify what a report
// rests on (evaluation and calibration runs, score configurations).
var provenanceColumns = map[string]string{"run_id": "run ids", "config_hash": "configuration hashes", "as_of": "score dates"}

// renderer holds a render's state.
type renderer struct {
	nb      *Notebook
	q       Querier
	opt     Options
	params  map[string]any
	results map[string]*Result
	roles   columnRoles
	seen    map[string]map[string]bool
	out     bytes.Buffer
	// missing maps a SQL cell whose results are missing to their kind.
	missing map[string]string
}

// Render runs the notebook's SQL cells through q and writes one
// self-contained HTML page: styles inline, charts as inline SVG, every
// table downloadable as CSV from a data: link, no request to anywhere.
// An error in a cell stops the render and names the file, line and cell.
func Render(ctx context.Context, nb *Notebook, q Querier, opt Options) ([]byte, error) {
	if nb.PersonLevel && opt.SuppressBelow > 0 {
		return nil, &ParseError{Path: nb.Path, Line: 1, Err: ErrPersonLevel}
	}
	r := &renderer{nb: nb, q: q, opt: opt, results: map[string]*Result{}, roles: newRoles(nb), seen: map[string]map[string]bool{}, missing: map[string]string{}}
	var err error
	if r.params, err = mergeParams(nb.Params, opt.Params); err != nil {
		return nil, &ParseError{Path: nb.Path, Line: 1, Err: err}
	}
	// Every query first, in order (a query may select from an earlier
	// one), so prose anywhere can show any result; then the page.
	var body bytes.Buffer
	for _, pass := range []bool{true, false} {
		for _, c := range nb.Cells {
			if (c.Kind == KindSQL) != pass {
				continue
			}
			if err := r.cell(ctx, &body, c); err != nil {
				return nil, &ParseError{Path: nb.Path, Line: c.Line, Cell: c.Name, Err: err}
			}
		}
	}
	r.page(body.Bytes())
	return r.out.Bytes(), nil
}

// mergeParams applies --param overrides, converting each to the type of
// the default it replaces; an unknown name is an error.
func mergeParams(defaults map[string]any, over map[string]string) (map[string]any, error) {
	out := map[string]any{}
	for k, v := range defaults {
		out[k] = v
	}
	for k, s := range over {
		def, ok := defaults[k]
		if !ok {
			names := make([]string, 0, len(defaults))
			for n := range defaults {
				names = append(names, n)
			}
			sort.Strings(names)
			return nil, param.Errorf("param", k, "the notebook has no such parameter (it has: %s)", strings.Join(names, ", "))
		}
		switch def.(type) {
		case int64:
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, param.Errorf("param", k+"="+s, "want a whole number")
			}
			out[k] = n
		case float64:
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, param.Errorf("param", k+"="+s, "want a number")
			}
			out[k] = f
		case bool:
			b, err := strconv.ParseBool(s)
			if err != nil {
				return nil, param.Errorf("param", k+"="+s, "want true or false")
			}
			out[k] = b
		default:
			out[k] = s
		}
	}
	return out, nil
}

func (r *renderer) cell(ctx context.Context, w *bytes.Buffer, c Cell) error {
	switch c.Kind {
	case KindMarkdown:
		return r.markdown(w, c.Body)
	case KindSQL:
		args := map[string]any{}
		for _, m := range paramRe.FindAllStringSubmatch(c.Body, -1) {
			v, ok := r.params[m[1]]
			if !ok {
				return fmt.Errorf("$%s is not a parameter of the notebook; declare it under [params] in the front matter", m[1])
			}
			args[m[1]] = v
		}
		res, err := r.q.Query(ctx, c.Name, c.Body, args)
		if kind := r.missingKind(err); kind != "" {
			r.missing[c.Name] = kind
			return nil
		}
		if err != nil {
			return err
		}
		res.Name = c.Name
		r.note(res)
		r.results[c.Name] = suppress(res, r.opt.SuppressBelow, r.roles)
		return nil
	}
	if kind, ok := r.missing[c.Spec.Data]; ok {
		fmt.Fprintf(w, `<p class="missing">%s</p>`+"\n", html.EscapeString(r.missingText(kind)))
		return nil
	}
	res, ok := r.results[c.Spec.Data]
	if !ok {
		return fmt.Errorf("data %q has no result", c.Spec.Data)
	}
	switch c.Kind {
	case KindTable:
		return r.table(w, c, res)
	case KindValue:
		return r.value(w, c, res)
	}
	return r.chart(w, c, res)
}

// missingKind returns the kind of results a failed query lacked: the
// warehouse's own (MissingResults), or an earlier cell's that lacked them
// ("" for any other error).
func (r *renderer) missingKind(err error) string {
	if err == nil {
		return ""
	}
	var mr MissingResults
	if errors.As(err, &mr) {
		return mr.MissingKind()
	}
	for name, kind := range r.missing {
		if strings.Contains(err.Error(), "name "+name+" does not exist") {
			return kind
		}
	}
	return ""
}

// missingText says a section cannot be shown for want of results.
func (r *renderer) missingText(kind string) string {
	t := "Not shown: the warehouse holds no " + kind + " results yet."
	if r.opt.Missing != nil {
		t += " " + r.opt.Missing(kind)
	}
	return t
}

// note records the run ids, configuration hashes and score dates a result
// carries, for the provenance footer.
func (r *renderer) note(res *Result) {
	for j, col := range res.Columns {
		label, ok := provenanceColumns[col]
		if !ok {
			continue
		}
		if r.seen[label] == nil {
			r.seen[label] = map[string]bool{}
		}
		for _, row := range res.Rows {
			if v := formatValue(row[j], ""); v != "" && len(r.seen[label]) < 20 {
				r.seen[label][v] = true
			}
		}
	}
}

// markdown renders prose, with {{result.column | format}} replaced by the
// first row's value.
func (r *renderer) markdown(w *bytes.Buffer, src string) error {
	var values []string
	var ierr error
	text := inlineRe.ReplaceAllStringFunc(src, func(m string) string {
		sm := inlineRe.FindStringSubmatch(m)
		if _, ok := r.missing[sm[1]]; ok {
			values = append(values, "not available")
			return fmt.Sprintf("TAUVALUE%dEND", len(values)-1)
		}
		res, ok := r.results[sm[1]]
		if !ok {
			ierr = fmt.Errorf("%s: no sql cell named %s in this notebook", m, sm[1])
			return m
		}
		j := res.Col(sm[2])
		if j < 0 {
			ierr = fmt.Errorf("%s: the result %s has no column %s (columns: %v)", m, sm[1], sm[2], res.Columns)
			return m
		}
		if sm[3] != "" && !validFormat(sm[3]) {
			ierr = fmt.Errorf("%s: format %q: use %s", m, sm[3], strings.Join(formatNames, ", "))
			return m
		}
		// A result with no rows (a force with no plans yet, say) reads as
		// such in the prose instead of stopping the report.
		v := noRows
		if len(res.Rows) > 0 {
			v = formatValue(res.Rows[0][j], sm[3])
		}
		values = append(values, v)
		return fmt.Sprintf("TAUVALUE%dEND", len(values)-1)
	})
	if ierr != nil {
		return ierr
	}
	var buf bytes.Buffer
	md := goldmark.New(goldmark.WithExtensions(extension.Table))
	if err := md.Convert([]byte(text), &buf); err != nil {
		return err
	}
	out := buf.String()
	for i, v := range values {
		out = strings.ReplaceAll(out, fmt.Sprintf("TAUVALUE%dEND", i), `<span class="inline">`+html.EscapeString(v)+`</span>`)
	}
	w.WriteString(`<section class="prose">` + out + "</section>\n")
	return nil
}

func (r *renderer) columns(c Cell, res *Result) ([]int, error) {
	if len(c.Spec.Columns) == 0 {
		idx := make([]int, len(res.Columns))
		for j := range idx {
			idx[j] = j
		}
		return idx, nil
	}
	var idx []int
	for _, name := range c.Spec.Columns {
		j := res.Col(name)
		if j < 0 {
			return nil, fmt.Errorf("column %q is not in the result %s (columns: %v)", name, res.Name, res.Columns)
		}
		idx = append(idx, j)
	}
	return idx, nil
}

// table writes an HTML table of the result with a CSV download of the same
// (suppressed) values.
func (r *renderer) table(w *bytes.Buffer, c Cell, res *Result) error {
	idx, err := r.columns(c, res)
	if err != nil {
		return err
	}
	rows := res.Rows
	more := 0
	if c.Spec.Limit > 0 && len(rows) > c.Spec.Limit {
		more = len(rows) - c.Spec.Limit
		rows = rows[:c.Spec.Limit]
	}
	r.tableHTML(w, c, res, idx, rows, more)
	return nil
}

// shortCell is the longest text without a space kept on one line (an id,
// a reference, a code); longer text wraps.
const shortCell = 24

func (r *renderer) tableHTML(w *bytes.Buffer, c Cell, res *Result, idx []int, rows [][]any, more int) {
	w.WriteString(`<figure class="table">`)
	if c.Spec.Title != "" {
		fmt.Fprintf(w, "<figcaption>%s</figcaption>", html.EscapeString(c.Spec.Title))
	}
	w.WriteString(`<div class="scroll"><table><thead><tr>`)
	for _, j := range idx {
		fmt.Fprintf(w, "<th>%s</th>", html.EscapeString(strings.ReplaceAll(res.Columns[j], "_", " ")))
	}
	w.WriteString("</tr></thead><tbody>\n")
	var csvBuf bytes.Buffer
	cw := csv.NewWriter(&csvBuf)
	head := make([]string, len(idx))
	for k, j := range idx {
		head[k] = res.Columns[j]
	}
	cw.Write(head)
	for _, row := range rows {
		w.WriteString("<tr>")
		rec := make([]string, len(idx))
		for k, j := range idx {
			v := formatValue(row[j], c.Spec.Formats[res.Columns[j]])
			rec[k] = csvValue(row[j])
			class := ""
			switch {
			case isNumber(row[j]):
				class = ` class="num"`
			case len(v) <= shortCell && !strings.ContainsRune(v, ' '):
				// An id or a code: never broken across lines.
				class = ` class="short"`
			}
			fmt.Fprintf(w, "<td%s>%s</td>", class, html.EscapeString(v))
		}
		cw.Write(rec)
		w.WriteString("</tr>\n")
	}
	cw.Flush()
	w.WriteString("</tbody></table></div>")
	if more > 0 {
		fmt.Fprintf(w, `<p class="note">%d more rows not shown.</p>`, more)
	}
	fmt.Fprintf(w, `<p class="download"><a download="%s.csv" href="data:text/csv;base64,%s">Download %s.csv</a> (%d rows)</p>`,
		c.Name, base64.StdEncoding.EncodeToString(csvBuf.Bytes()), c.Name, len(rows))
	if c.Spec.Caption != "" {
		fmt.Fprintf(w, `<p class="note">%s</p>`, html.EscapeString(c.Spec.Caption))
	}
	w.WriteString("</figure>\n")
}

// csvValue writes a value for CSV: machine-readable numbers and dates,
// "<N" for suppressed counts.
func csvValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case Suppressed:
		return x.String()
	case time.Time:
		return formatValue(x, "")
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	}
	if f, ok := toFloat(v); ok && isInt(v) {
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	return formatValue(v, "")
}

// value writes one highlighted number.
func (r *renderer) value(w *bytes.Buffer, c Cell, res *Result) error {
	j := res.Col(c.Spec.Column)
	if j < 0 {
		return fmt.Errorf("column %q is not in the result %s (columns: %v)", c.Spec.Column, res.Name, res.Columns)
	}
	label := c.Spec.Label
	if label == "" {
		label = strings.ReplaceAll(c.Spec.Column, "_", " ")
	}
	v := noRows
	if len(res.Rows) > 0 {
		v = formatValue(res.Rows[0][j], c.Spec.Format)
	}
	fmt.Fprintf(w, `<div class="value"><span class="number">%s</span><span class="label">%s</span></div>`+"\n",
		html.EscapeString(v), html.EscapeString(label))
	return nil
}

// noRows stands for a value whose query returned no rows.
const noRows = "none (no rows)"

// chart writes a chart as inline SVG; with a facet, one chart (and its
// rows as a table) per value of the facet column, each in its own section.
func (r *renderer) chart(w *bytes.Buffer, c Cell, res *Result) error {
	if c.Spec.Facet == "" {
		return r.oneChart(w, c, res, c.Spec.Title)
	}
	fi := res.Col(c.Spec.Facet)
	if fi < 0 {
		return fmt.Errorf("facet column %q is not in the result %s", c.Spec.Facet, res.Name)
	}
	var keys []string
	parts := map[string]*Result{}
	for _, row := range res.Rows {
		k := formatValue(row[fi], "")
		if parts[k] == nil {
			keys = append(keys, k)
			parts[k] = &Result{Name: res.Name, Columns: res.Columns, Types: res.Types}
		}
		parts[k].Rows = append(parts[k].Rows, row)
	}
	for _, k := range keys {
		fmt.Fprintf(w, `<section class="facet"><h3>%s %s</h3>`+"\n", html.EscapeString(strings.ReplaceAll(c.Spec.Facet, "_", " ")), html.EscapeString(k))
		if err := r.oneChart(w, c, parts[k], c.Spec.Title); err != nil {
			return err
		}
		if len(c.Spec.FacetTable) > 0 {
			tc := c
			tc.Name = c.Name + "_" + safeName(k)
			tc.Spec.Columns, tc.Spec.Title, tc.Spec.Caption = c.Spec.FacetTable, "", ""
			idx, err := r.columns(tc, parts[k])
			if err != nil {
				return err
			}
			r.tableHTML(w, tc, parts[k], idx, parts[k].Rows, 0)
		}
		w.WriteString("</section>\n")
	}
	return nil
}

func (r *renderer) oneChart(w *bytes.Buffer, c Cell, res *Result, title string) error {
	spec := c.Spec
	spec.Title = ""
	svg, skipped, err := ChartSVG(spec, res)
	if errors.Is(err, ErrNoData) {
		w.WriteString(`<figure class="chart">`)
		if title != "" {
			fmt.Fprintf(w, "<figcaption>%s</figcaption>", html.EscapeString(title))
		}
		w.WriteString(`<p class="note">Nothing to draw: the query returned no rows.</p></figure>` + "\n")
		return nil
	}
	if err != nil {
		return err
	}
	w.WriteString(`<figure class="chart">`)
	if title != "" {
		fmt.Fprintf(w, "<figcaption>%s</figcaption>", html.EscapeString(title))
	}
	// Drop the XML prolog: the SVG sits inside HTML.
	s := string(svg)
	if i := strings.Index(s, "<svg"); i > 0 {
		s = s[i:]
	}
	w.WriteString(s)
	if skipped > 0 {
		fmt.Fprintf(w, `<p class="note">%d values are not drawn: hidden for publication (under %d, or hidden with one that is).</p>`, skipped, r.opt.SuppressBelow)
	}
	if c.Spec.Caption != "" {
		fmt.Fprintf(w, `<p class="note">%s</p>`, html.EscapeString(c.Spec.Caption))
	}
	w.WriteString("</figure>\n")
	return nil
}

func safeName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}
