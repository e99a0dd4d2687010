package queries

import (
	"database/sql"
	"strings"
)

// Marked picks a query's optional lines: a line ending "-- only with $x"
// is kept (without the mark) when holds["$x"], one ending "-- only
// without $x" when it does not; the named arguments the kept text no
// longer uses are dropped.
func Marked(q string, holds map[string]bool, args []any) (string, []any) {
	var lines []string
	for _, l := range strings.Split(q, "\n") {
		keep := true
		for _, m := range []struct {
			mark string
			when bool
		}{{"-- only with ", true}, {"-- only without ", false}} {
			if i := strings.Index(l, m.mark); i >= 0 {
				keep = holds[strings.TrimSpace(l[i+len(m.mark):])] == m.when
				l = strings.TrimRight(l[:i], " ")
			}
		}
		if keep {
			lines = append(lines, l)
		}
	}
	q = strings.Join(lines, "\n")
	var kept []any
	for _, a := range args {
		if n, ok := a.(sql.NamedArg); ok && !strings.Contains(q, "$"+n.Name) {
			continue
		}
		kept = append(kept, a)
	}
	return q, kept
}
