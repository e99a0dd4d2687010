package notebooks

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tau-da/tau/internal/golden"
)

func example(t *testing.T) *Notebook {
	t.Helper()
	path := filepath.Join("..", "testdata", "notebooks", "example", "notebook.md")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	nb, err := Parse("example/notebook.md", src)
	if err != nil {
		t.Fatal(err)
	}
	return nb
}

// TestParseGolden dumps the parsed example: every cell's kind, name, line
// and spec.
func TestParseGolden(t *testing.T) {
	t.Parallel()
	nb := example(t)
	var b strings.Builder
	fmt.Fprintf(&b, "title=%q audience=%q params=%v not_counts=%v\n", nb.Title, nb.Audience, nb.Params, nb.NotCounts)
	for _, c := range nb.Cells {
		fmt.Fprintf(&b, "%s %s line %d\n", c.Kind, c.Name, c.Line)
		switch c.Kind {
		case KindMarkdown, KindSQL:
			fmt.Fprintf(&b, "  body %q\n", c.Body)
		default:
			fmt.Fprintf(&b, "  spec %+v\n", c.Spec)
		}
	}
	golden.Check(t, filepath.Join("..", "testdata", "notebooks", "example", "parsed.txt"), b.String())
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	front := "+++\ntitle = \"T\"\n+++\n"
	tests := []struct {
		name, src, want string
	}{
		{"no title", "# hello\n", "x.md:1: no title"},
		{"unclosed front matter", "+++\ntitle = \"T\"\n", "x.md:1: front matter opened with +++ is never closed"},
		{"unclosed cell", front + "```sql a\nSELECT 1\n", "x.md:4: cell a: the sql cell is never closed"},
		{"sql without a name", front + "```sql\nSELECT 1\n```\n", "x.md:4: a sql cell needs a name"},
		{"duplicate name", front + "```sql a\nSELECT 1\n```\n```sql a\nSELECT 2\n```\n", "x.md:7: cell a: the name is already used by the cell at line 4"},
		{"unknown data", front + "```table t\ndata = \"nope\"\n```\n", "x.md:4: cell t: data \"nope\" is not a sql cell of this notebook"},
		{"unknown setting", front + "```sql a\nSELECT 1\n```\n```table t\ndata = \"a\"\ncolour = \"red\"\n```\n", "x.md:7: cell t: unknown setting colour"},
		{"bad chart type", front + "```sql a\nSELECT 1\n```\n```chart c\ndata = \"a\"\ntype = \"pie\"\nx = \"a\"\ny = [\"b\"]\n```\n", "x.md:7: cell c: type \"pie\""},
		{"bad format", front + "```sql a\nSELECT 1\n```\n```value v\ndata = \"a\"\ncolumn = \"x\"\nformat = \"money\"\n```\n", "x.md:7: cell v: format \"money\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.md", []byte(tt.src))
			var pe *ParseError
			if err == nil || !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// fake answers SQL cells from fixed results and records the arguments.
type fake struct {
	results map[string]*Result
	args    map[string]map[string]any
}

func (f *fake) Query(_ context.Context, name, sql string, args map[string]any) (*Result, error) {
	if f.args == nil {
		f.args = map[string]map[string]any{}
	}
	f.args[name] = args
	r, ok := f.results[name]
	if !ok {
		return nil, fmt.Errorf("sql: Catalog Error: Table with name %s does not exist", name)
	}
	return r, nil
}

func plansResult(observed ...int64) *Result {
	r := &Result{Columns: []string{"pmp_id", "observed", "expected", "stage"}, Types: []string{"VARCHAR", "BIGINT", "DOUBLE", "INTEGER"}}
	for i, o := range observed {
		r.Rows = append(r.Rows, []any{fmt.Sprintf("P%02d", i+1), o, float64(o) * 1.5, int32(i + 1)})
	}
	return r
}

var fixedTime = time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)

// mainPart returns the page's <main> with SVG bodies replaced by a marker
// (their drawing is gonum/plot's; the golden checks our markup).
func mainPart(html []byte) string {
	s := string(html)
	s = s[strings.Index(s, "<main>"):strings.Index(s, "</main>")]
	return regexp.MustCompile(`(?s)<svg.*?</svg>`).ReplaceAllString(s, "<svg>...</svg>")
}

// TestRenderGolden renders the example against fixed results; parameters
// are passed as bound values, with --param overriding the default.
func TestRenderGolden(t *testing.T) {
	t.Parallel()
	f := &fake{results: map[string]*Result{"plans": plansResult(3, 12, 40)}}
	html, err := Render(context.Background(), example(t), f, Options{Params: map[string]string{"top": "10"}, Now: fixedTime, Provenance: []Fact{{"warehouse generation", "g1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.args["plans"]; got["top"] != int64(10) || got["area"] != "north" {
		t.Errorf("bound parameters %v, want top=10 (overridden, as a number) and area=north", got)
	}
	golden.Check(t, filepath.Join("..", "testdata", "notebooks", "example", "main.html"), mainPart(html))
	for _, want := range []string{"<!DOCTYPE html>", "<title>Example</title>", "<dt>warehouse generation</dt><dd>g1</dd>", "<dt>parameters</dt><dd>area = north, top = 10</dd>", "@media print"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if refs := ExternalReferences(html); len(refs) > 0 {
		t.Errorf("external references: %v", refs)
	}
}

func TestRenderErrors(t *testing.T) {
	t.Parallel()
	front := "+++\ntitle = \"T\"\n[params]\nn = 1\n+++\n```sql a\nSELECT $n\n```\n"
	tests := []struct {
		name, src string
		params    map[string]string
		want      string
	}{
		{"bad sql", "+++\ntitle = \"T\"\n+++\n```sql missing\nSELECT\n```\n", nil, "x.md:4: cell missing: sql: Catalog Error"},
		{"unknown column", front + "```chart c\ndata = \"a\"\ntype = \"line\"\nx = \"nope\"\ny = [\"observed\"]\n```\n", nil, "x.md:9: cell c: x column \"nope\" is not in the result a"},
		{"unknown inline result", front + "Value {{b.observed}}\n", nil, "x.md:9: {{b.observed}}: no sql cell named b"},
		{"unknown param", front, map[string]string{"m": "2"}, "param m: the notebook has no such parameter (it has: n)"},
		{"param of the wrong type", front, map[string]string{"n": "two"}, "param n=two: want a whole number"},
		{"undeclared parameter", "+++\ntitle = \"T\"\n+++\n```sql a\nSELECT $x\n```\n", nil, "x.md:4: cell a: $x is not a parameter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nb, err := Parse("x.md", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			_, err = Render(context.Background(), nb, &fake{results: map[string]*Result{"a": plansResult(1, 2)}}, Options{Params: tt.params})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestSuppression renders counts 1..40 with --suppress-below 5 and reads
// every number back from the page: the table cells, the CSV downloads and
// the inline and single values. No count under 5 may remain, a lone small
// count in a column takes the next smallest with it (complementary
// suppression, marked [c], never a false "<5"), the shares of a row with a
// hidden count go with it, the counts shown are rounded to the nearest 5,
// and integers that are not counts (stage) are left alone.
func TestSuppression(t *testing.T) {
	t.Parallel()
	f := &fake{results: map[string]*Result{"plans": plansResult(3, 12, 40, 7)}}
	nb := example(t)
	html, err := Render(context.Background(), nb, f, Options{SuppressBelow: 5, Now: fixedTime})
	if err != nil {
		t.Fatal(err)
	}
	s := string(html)
	// Table cells of the observed column (second column of plan_table).
	cells := regexp.MustCompile(`<tr><td class="short">P\d+</td><td class="num">([^<]*)</td>`).FindAllStringSubmatch(s, -1)
	var observed []string
	for _, c := range cells {
		observed = append(observed, c[1])
	}
	if strings.Join(observed, ",") != "&lt;5,10,40,[c]" {
		t.Errorf("observed column %v: want 3 hidden (<5), 7 hidden with it ([c]), 12 and 40 shown rounded to 10 and 40", observed)
	}
	if strings.Count(s, `<td class="num">[c]</td>`) < 3 {
		t.Error("the expected values of the rows with a hidden count are not hidden with them")
	}
	var csvs []string
	for _, m := range regexp.MustCompile(`base64,([A-Za-z0-9+/=]+)`).FindAllStringSubmatch(s, -1) {
		b, _ := base64.StdEncoding.DecodeString(m[1])
		csvs = append(csvs, string(b))
	}
	for _, c := range csvs {
		for _, line := range strings.Split(strings.TrimSpace(c), "\n")[1:] {
			fields := strings.Split(line, ",")
			if n, err := strconv.Atoi(fields[1]); err == nil && n < 5 {
				t.Errorf("CSV download shows a count under 5: %q", line)
			}
		}
	}
	if !strings.Contains(s, `Prose with a value: <span class="inline">&lt;5</span>`) || !strings.Contains(s, `<span class="number">&lt;5</span>`) {
		t.Error("inline or single value not suppressed")
	}
	if !strings.Contains(s, "values are not drawn: hidden for publication") {
		t.Error("the chart does not say suppressed values were left out")
	}
	// Unsuppressed, the same page shows the small counts.
	html, _ = Render(context.Background(), nb, f, Options{Now: fixedTime})
	if !strings.Contains(string(html), `<td class="num">3</td>`) {
		t.Error("without suppression the count 3 should be shown")
	}
	// A count column whose every value is small is hidden whole; the
	// stage column (not a count) is not touched.
	r := suppress(plansResult(1, 2, 3), 5, columnRoles{notCounts: map[string]bool{"stage": true}})
	for _, row := range r.Rows {
		if _, ok := row[1].(Suppressed); !ok {
			t.Errorf("count %v not suppressed", row[1])
		}
		if _, ok := row[3].(Suppressed); ok {
			t.Errorf("stage %v suppressed though it is not a count", row[3])
		}
	}
}

func TestExternalReferences(t *testing.T) {
	t.Parallel()
	page := []byte(`<img src="https://x.example/a.png"><a href="#top">top</a><a download="a.csv" href="data:text/csv;base64,QQ==">d</a>` +
		`<link href="//cdn.example/s.css"><style>@import url("http://e.example/f.css");</style><svg xmlns="http://www.w3.org/2000/svg"></svg>`)
	got := ExternalReferences(page)
	if len(got) != 3 {
		t.Errorf("found %v, want the img, the protocol-relative link and the @import (not the anchor, the data link or the SVG namespace)", got)
	}
	if refs := ExternalReferences([]byte(`<a href="data:text/csv;base64,QQ==">x</a>`)); len(refs) != 0 {
		t.Errorf("data link flagged: %v", refs)
	}
	_ = bytes.MinRead
}

// TestReadmeExampleParses keeps the format documentation honest: the
// complete example in notebooks/README.md parses.
func TestReadmeExampleParses(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	start := strings.Index(s, "````markdown\n")
	end := strings.LastIndex(s, "\n````")
	if start < 0 || end < start {
		t.Fatal("README.md has no ````markdown example")
	}
	nb, err := Parse("README example", []byte(s[start+len("````markdown\n"):end]))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, c := range nb.Cells {
		kinds[c.Kind]++
	}
	if kinds[KindSQL] != 2 || kinds[KindChart] != 1 || kinds[KindTable] != 1 || kinds[KindValue] != 1 {
		t.Errorf("cells %v", kinds)
	}
}

// TestShippedNotebooksParse: every shipped notebook parses (rendering them
// needs the warehouse: cmd/tau's TestReportsOnSyntheticForce does that).
func TestShippedNotebooksParse(t *testing.T) {
	t.Parallel()
	names := Shipped()
	if len(names) != 5 {
		t.Errorf("shipped %v", names)
	}
	for _, n := range names {
		src, _ := ReadShipped(n)
		if _, err := Parse(n, src); err != nil {
			t.Error(err)
		}
	}
}

// TestSuppressionCannotBeUndone: a page showing counts by band, the total
// as a value and the same counts as a chart: the small band is hidden, the
// band hidden with it is marked [c] (not a false "<10"), every count shown
// is a multiple of 5, and so no subtraction of what the page shows gives
// the small band back (every value under 10 stays consistent with it).
func TestSuppressionCannotBeUndone(t *testing.T) {
	t.Parallel()
	src := "+++\ntitle = \"Bands\"\n+++\n\nAll: {{total.relationships | count}}.\n\n```sql by_band\nSELECT 1\n```\n\n```sql total\nSELECT 1\n```\n\n" +
		"```table t\ndata = \"by_band\"\n```\n\n```value v\ndata = \"total\"\ncolumn = \"relationships\"\n```\n\n" +
		"```chart c\ntype = \"bar\"\ndata = \"by_band\"\nx = \"band\"\ny = [\"relationships\"]\n```\n"
	nb, err := Parse("bands.md", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	byBand := &Result{Columns: []string{"band", "relationships"}, Types: []string{"VARCHAR", "BIGINT"},
		Rows: [][]any{{"red", int64(3)}, {"amber", int64(46)}, {"green", int64(951)}}}
	total := &Result{Columns: []string{"relationships"}, Types: []string{"BIGINT"}, Rows: [][]any{{int64(1000)}}}
	page, err := Render(context.Background(), nb, &fake{results: map[string]*Result{"by_band": byBand, "total": total}}, Options{SuppressBelow: 10, Now: fixedTime})
	if err != nil {
		t.Fatal(err)
	}
	s := mainPart(page)
	for _, want := range []string{`<td class="short">red</td><td class="num">&lt;10</td>`, `<td class="short">amber</td><td class="num">[c]</td>`, `<td class="short">green</td><td class="num">950</td>`, `<span class="number">1,000</span>`} {
		if !strings.Contains(s, want) {
			t.Errorf("page lacks %s:\n%s", want, s)
		}
	}
	if strings.Contains(s, "46") || strings.Contains(s, "951") {
		t.Error("an exact count is on the page")
	}
	// Every red count from 0 to 9 fits what the page shows: green and the
	// total are each within 2 of what is printed, amber is any size.
	fits := 0
	for red := 0; red < 10; red++ {
		ok := false
		for g := 948; g <= 952 && !ok; g++ {
			for tot := 998; tot <= 1002 && !ok; tot++ {
				ok = tot-g-red >= 0
			}
		}
		if ok {
			fits++
		}
	}
	if fits < 10 {
		t.Errorf("only %d values of the hidden count fit the page", fits)
	}
}

// stringer is a value the driver hands over as text (a DECIMAL).
type stringer string

func (s stringer) String() string { return string(s) }

// TestSuppressionOfTypedCounts: counts the notebook declares are
// suppressed whatever their type (DOUBLE, DECIMAL, VARCHAR), and an
// integer column not named as a count (hours per incident) is not.
func TestSuppressionOfTypedCounts(t *testing.T) {
	t.Parallel()
	r := &Result{Columns: []string{"d", "dec", "txt", "hours_per_incident"}, Types: []string{"DOUBLE", "DECIMAL(10,2)", "VARCHAR", "INTEGER"},
		Rows: [][]any{{3.0, stringer("4.00"), "2", int32(2)}, {30.0, stringer("40.00"), "20", int32(3)}, {31.0, stringer("41.00"), "21", int32(4)}}}
	out := suppress(r, 10, newRoles(&Notebook{Counts: []string{"d", "dec", "txt"}}))
	for j := 0; j < 3; j++ {
		if _, ok := out.Rows[0][j].(Suppressed); !ok {
			t.Errorf("%s (%s) 3-4 not suppressed: %v", r.Columns[j], r.Types[j], out.Rows[0][j])
		}
	}
	for i, want := range []int32{2, 3, 4} {
		if out.Rows[i][3] != any(want) {
			t.Errorf("hours per incident %v changed to %v", want, out.Rows[i][3])
		}
	}
}

// TestPersonLevelNotPublished: a notebook marked person_level renders for
// the unit but is refused for publication, saying why.
func TestPersonLevelNotPublished(t *testing.T) {
	t.Parallel()
	nb, err := Parse("list.md", []byte("+++\ntitle = \"List\"\nperson_level = true\n+++\n\n```sql a\nSELECT 1\n```\n\n```table t\ndata = \"a\"\n```\n"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fake{results: map[string]*Result{"a": plansResult(3, 12)}}
	if _, err := Render(context.Background(), nb, f, Options{Now: fixedTime}); err != nil {
		t.Errorf("for the unit: %v", err)
	}
	if _, err := Render(context.Background(), nb, f, Options{SuppressBelow: 5, Now: fixedTime}); !errors.Is(err, ErrPersonLevel) || !strings.Contains(err.Error(), "list.md:1") {
		t.Errorf("for publication: %v", err)
	}
}

// TestBandColours: whatever order the bands arrive in, and with one of
// them absent, each band's bars are drawn in that band's own colour: the
// tallest bar of each colour in the SVG has the height of that band's
// count, and no other series colour is used.
func TestBandColours(t *testing.T) {
	t.Parallel()
	value := map[string]int64{"red": 70, "amber": 50, "green": 30}
	colour := map[string]string{"red": "#B00020", "amber": "#F5B400", "green": "#2E7D32"}
	pathRe := regexp.MustCompile(`<path d="([^"]*)" style="fill:(#[0-9A-F]{6})"`)
	numRe := regexp.MustCompile(`[-0-9.]+`)
	orders := [][]string{{"red", "amber", "green"}, {"red", "green", "amber"}, {"amber", "red", "green"}, {"amber", "green", "red"},
		{"green", "red", "amber"}, {"green", "amber", "red"}, {"green", "red"}, {"red", "green"}, {"amber", "green"}, {"red", "amber"}}
	for _, kind := range []string{"stacked", "bar"} {
		for _, order := range orders {
			r := &Result{Name: "b", Columns: []string{"stage", "band", "relationships"}, Types: []string{"INTEGER", "VARCHAR", "BIGINT"}}
			for _, b := range order {
				r.Rows = append(r.Rows, []any{int32(5), b, value[b]})
			}
			svg, _, err := ChartSVG(Spec{Type: kind, X: "stage", Y: []string{"relationships"}, Series: "band"}, r)
			if err != nil {
				t.Fatal(err)
			}
			tallest := map[string]float64{}
			for _, m := range pathRe.FindAllStringSubmatch(string(svg), -1) {
				var ys []float64
				for k, n := range numRe.FindAllString(m[1], -1) {
					if k%2 == 1 {
						f, _ := strconv.ParseFloat(n, 64)
						ys = append(ys, f)
					}
				}
				if len(ys) == 0 {
					continue
				}
				lo, hi := ys[0], ys[0]
				for _, y := range ys {
					lo, hi = math.Min(lo, y), math.Max(hi, y)
				}
				tallest[m[2]] = math.Max(tallest[m[2]], hi-lo)
			}
			delete(tallest, "#FFFFFF")
			if len(tallest) != len(order) {
				t.Errorf("%s %v: colours %v, want one per band", kind, order, tallest)
				continue
			}
			// Heights in proportion to the counts: per unit of count, the
			// same for every band.
			unit := tallest[colour[order[0]]] / float64(value[order[0]])
			for _, b := range order {
				h, ok := tallest[colour[b]]
				if !ok || math.Abs(h/float64(value[b])-unit) > 0.02*unit {
					t.Errorf("%s %v: band %s drawn %.1f high in %s, want %.1f", kind, order, b, h, colour[b], unit*float64(value[b]))
				}
			}
		}
	}
}
