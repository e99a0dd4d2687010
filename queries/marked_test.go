package queries

import (
	"database/sql"
	"reflect"
	"testing"
)

// TestMarkedLines: a line marked "only with $x" is kept (without its mark)
// only when x holds, one marked "only without $x" only when it does not,
// unmarked lines always, and the named arguments the kept text no longer names are
// dropped (DuckDB refuses an argument a statement does not use).
func TestMarkedLines(t *testing.T) {
	t.Parallel()
	q := "SELECT 1\nWHERE a = $a -- only with $a\n  AND b = $b -- only without $a\n  AND c = $c"
	args := []any{sql.Named("a", 1), sql.Named("b", 2), sql.Named("c", 3)}
	for _, c := range []struct {
		holds    bool
		want     string
		wantArgs []string
	}{
		{true, "SELECT 1\nWHERE a = $a\n  AND c = $c", []string{"a", "c"}},
		{false, "SELECT 1\n  AND b = $b\n  AND c = $c", []string{"b", "c"}},
	} {
		got, kept := Marked(q, map[string]bool{"$a": c.holds}, args)
		var names []string
		for _, a := range kept {
			names = append(names, a.(sql.NamedArg).Name)
		}
		if got != c.want || !reflect.DeepEqual(names, c.wantArgs) {
			t.Errorf("holds %v: %q with %v; want %q with %v", c.holds, got, names, c.want, c.wantArgs)
		}
	}
}
