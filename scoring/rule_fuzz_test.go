package scoring

import "testing"

// FuzzParseRule: any text either fails to parse with an error or parses to
// a rule whose printed form parses back to the same rule.
func FuzzParseRule(f *testing.F) {
	for _, s := range []string{"Q1", "all_of(Q6, any_of(Q15, Q4), at_least(2, Q1, Q2, Q3))", "any_of(", "at_least(0, Q1)", ")(", "all_of(Q1,,Q2)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRule(s)
		if err != nil {
			return
		}
		again, err := ParseRule(r.String())
		if err != nil {
			t.Fatalf("%q parsed, but its printed form %q does not: %v", s, r.String(), err)
		}
		if again.String() != r.String() {
			t.Fatalf("round trip changed %q to %q", r.String(), again.String())
		}
		// Evaluation never panics and an all-false world satisfies nothing.
		if ok, _ := r.Eval(func(string) bool { return false }); ok {
			t.Fatalf("%q holds with every atom false", r.String())
		}
	})
}
