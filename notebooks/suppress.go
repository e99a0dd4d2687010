package notebooks

import "strings"

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

// integerTypes are the DuckDB types whose values are counts unless the
// notebook says otherwise.
var integerTypes = map[string]bool{"TINYINT": true, "SMALLINT": true, "INTEGER": true, "BIGINT": true, "HUGEINT": true,
	"UTINYINT": true, "USMALLINT": true, "UINTEGER": true, "UBIGINT": true}

// isCount says whether column j holds counts: an integer column not named
// in the notebook's not_counts.
func (r *Result) isCount(j int, notCounts map[string]bool) bool {
	return integerTypes[strings.ToUpper(r.Types[j])] && !notCounts[r.Columns[j]]
}

// suppress replaces every count under n with Suppressed (primary
// suppression), then, in any column or row with exactly one suppressed
// count, the smallest other count too (complementary suppression, as the
// ONS and the Home Office do for published tables), so a total shown on the
// same page cannot give the hidden value back by subtraction. It works on
// a copy and returns it.
func suppress(r *Result, n int, notCounts map[string]bool) *Result {
	out := &Result{Name: r.Name, Columns: r.Columns, Types: r.Types, Rows: make([][]any, len(r.Rows))}
	for i, row := range r.Rows {
		out.Rows[i] = append([]any(nil), row...)
	}
	if n <= 0 {
		return out
	}
	var counts []int
	for j := range r.Columns {
		if r.isCount(j, notCounts) {
			counts = append(counts, j)
		}
	}
	hidden := func(v any) bool { _, ok := v.(Suppressed); return ok }
	for _, j := range counts {
		for _, row := range out.Rows {
			if f, ok := toFloat(row[j]); ok && f < float64(n) {
				row[j] = Suppressed{n}
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
	return out
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
		if f, ok := toFloat(*c); ok && (best < 0 || f < bestV) {
			best, bestV = k, f
		}
	}
	if nHidden == 1 && best >= 0 {
		*cells[best] = Suppressed{n}
		return true
	}
	return false
}
