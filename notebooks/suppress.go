package notebooks

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Result is a SQL cell's result.
type Result struct {
	Name    string
	Columns []string
	// Types are the DuckDB type names of the columns.
	Types []string
	Rows  [][]any
}

// Col returns the index of a column, or -1.
func (r *Result) Col(name string) int {
	for j, c := range r.Columns {
		if c == name {
			return j
		}
	}
	return -1
}

// integerTypes are the DuckDB integer types.
var integerTypes = map[string]bool{"TINYINT": true, "SMALLINT": true, "INTEGER": true, "BIGINT": true, "HUGEINT": true,
	"UTINYINT": true, "USMALLINT": true, "UINTEGER": true, "UBIGINT": true}

// countNames are the column names that are counts by default when the
// column is an integer (a notebook declares any other): a count is named
// for what it counts, never guessed from its values.
var countNames = map[string]bool{"n": true, "count": true, "relationships": true, "occurrences": true, "crimes": true, "incidents": true,
	"plans": true, "victims": true, "perpetrators": true, "persons": true, "samples": true, "positives": true, "outcomes": true,
	"assessments": true, "actions": true, "offences": true, "observed": true, "baseline": true, "followup": true, "matches": true}

// columnRoles says, for a notebook, which columns are counts and which are
// derived from them.
type columnRoles struct {
	counts, notCounts, derived map[string]bool
}

// newRoles reads a notebook's declarations.
func newRoles(nb *Notebook) columnRoles {
	set := func(xs []string) map[string]bool {
		m := map[string]bool{}
		for _, x := range xs {
			m[x] = true
		}
		return m
	}
	return columnRoles{counts: set(nb.Counts), notCounts: set(nb.NotCounts), derived: set(nb.Derived)}
}

// isCount says whether column j holds counts: declared, or an integer
// column named as a count (countNames, or n_... and ..._count), and not
// declared otherwise.
func (c columnRoles) isCount(r *Result, j int) bool {
	name := r.Columns[j]
	if c.notCounts[name] {
		return false
	}
	if c.counts[name] {
		return true
	}
	named := countNames[name] || strings.HasPrefix(name, "n_") || strings.HasSuffix(name, "_count") || strings.HasSuffix(name, "_n")
	return named && integerTypes[strings.ToUpper(r.Types[j])]
}

// roundBase is the base publication rounds counts to (the ONS's rounding
// to the nearest 5: with it, no hidden cell can be worked out exactly by
// subtracting the others from a total shown anywhere on the page).
const roundBase = 5

// countOf reads a count cell of any type: integer, floating, decimal or
// text.
func countOf(v any) (float64, bool) {
	if f, ok := toFloat(v); ok {
		return f, true
	}
	switch x := v.(type) {
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	case fmt.Stringer:
		f, err := strconv.ParseFloat(x.String(), 64)
		return f, err == nil
	}
	return 0, false
}

// suppress prepares a result for publication (n > 0; otherwise it is
// returned as it is, copied): every count under n is hidden (primary,
// shown "<n"); in any column or row with exactly one hidden count the
// smallest other is hidden too (complementary, shown "[c]", as the ONS
// marks it, never a false "<n"); in a row with a hidden count its derived
// columns and its other fractional numbers (shares, rates) are hidden
// with it; and
// every count still shown is rounded to the nearest roundBase, so totals
// elsewhere on the page cannot give a hidden one back (ONS, "Statistical
// disclosure control for tables", 2019: suppression with rounding).
func suppress(r *Result, n int, roles columnRoles) *Result {
	out := &Result{Name: r.Name, Columns: r.Columns, Types: r.Types, Rows: make([][]any, len(r.Rows))}
	for i, row := range r.Rows {
		out.Rows[i] = append([]any(nil), row...)
	}
	if n <= 0 {
		return out
	}
	var counts []int
	isCount := map[int]bool{}
	for j := range r.Columns {
		if roles.isCount(r, j) {
			counts = append(counts, j)
			isCount[j] = true
		}
	}
	hidden := func(v any) bool { _, ok := v.(Suppressed); return ok }
	for _, j := range counts {
		for _, row := range out.Rows {
			if f, ok := countOf(row[j]); ok && f < float64(n) {
				row[j] = Suppressed{Below: n}
			}
		}
	}
	// Complementary suppression until no line has a single hidden count.
	for changed := true; changed; {
		changed = false
		for _, j := range counts {
			var cells []*any
			for _, row := range out.Rows {
				cells = append(cells, &row[j])
			}
			changed = complement(cells, hidden, n) || changed
		}
		if len(counts) > 1 {
			for _, row := range out.Rows {
				var cells []*any
				for _, j := range counts {
					cells = append(cells, &row[j])
				}
				changed = complement(cells, hidden, n) || changed
			}
		}
	}
	for _, row := range out.Rows {
		rowHidden := false
		for _, j := range counts {
			rowHidden = rowHidden || hidden(row[j])
		}
		for j := range row {
			switch {
			case isCount[j] && !hidden(row[j]):
				if f, ok := countOf(row[j]); ok {
					row[j] = int64(math.Round(f/roundBase) * roundBase)
				}
			case rowHidden && !isCount[j] && (roles.derived[r.Columns[j]] || isFraction(row[j]) && !roles.notCounts[r.Columns[j]]):
				row[j] = Suppressed{Below: n, Complementary: true}
			}
		}
	}
	return out
}

// isFraction says a cell holds a number that is not a whole-number type
// (a share, rate or mean, as a row's derived numbers are; whole numbers
// that are not counts, such as a stage or a parameter, stay).
func isFraction(v any) bool {
	switch v.(type) {
	case float32, float64:
		return true
	}
	return false
}

// complement hides the smallest visible count of a line that has exactly
// one hidden count and at least one other, and reports whether it did.
func complement(cells []*any, hidden func(any) bool, n int) bool {
	nHidden, best := 0, -1
	bestV := 0.0
	for k, c := range cells {
		if hidden(*c) {
			nHidden++
			continue
		}
		if f, ok := countOf(*c); ok && (best < 0 || f < bestV) {
			best, bestV = k, f
		}
	}
	if nHidden == 1 && best >= 0 {
		*cells[best] = Suppressed{Below: n, Complementary: true}
		return true
	}
	return false
}
