package scoring

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// evalPlain is the rules' meaning written plainly (every argument
// evaluated, atoms gathered as it goes): what Holds and Eval, which
// gather only for a rule that holds, must agree with.
func evalPlain(r *Rule, true_ func(string) bool) (bool, []string) {
	if r.Op == "atom" {
		if true_(r.Atom) {
			return true, []string{r.Atom}
		}
		return false, nil
	}
	need := 1
	switch r.Op {
	case "all_of":
		need = len(r.Args)
	case "at_least":
		need = r.N
	}
	var ev []string
	n := 0
	for _, a := range r.Args {
		if ok, e := evalPlain(a, true_); ok {
			n++
			ev = append(ev, e...)
		}
	}
	if n >= need {
		return true, ev
	}
	return false, nil
}

// TestHoldsAgreesWithEval: Holds and Eval say what the plain evaluation
// says (whether the rule holds, and Eval's atoms) for the default
// configuration's cluster and stage rules and for hand-written edge
// cases, over random true atoms; so does holdsIn, given the same atoms as
// a set, and atomsIn its atoms, for every rule indexed (the clusters', by
// the configuration).
func TestHoldsAgreesWithEval(t *testing.T) {
	t.Parallel()
	cfg, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string]*Rule{}
	// Each rule's atom bits: the configuration's for its clusters, a map
	// of the test's own for the rest.
	bits := map[*Rule]map[string]int{}
	for i := range cfg.Clusters {
		rules["cluster "+cfg.Clusters[i].ID] = cfg.Clusters[i].rule
		bits[cfg.Clusters[i].rule] = cfg.atoms
	}
	for i := range cfg.StageRules {
		rules["stage rule "+cfg.StageRules[i].Name] = cfg.StageRules[i].rule
	}
	for _, s := range []string{"Q1", "all_of(Q1, Q2)", "any_of(Q1, Q2, Q3)", "at_least(2, Q1, Q2, Q3)", "at_least(3, Q1, Q2, Q3)",
		"all_of(Q6, any_of(Q15, Q4), at_least(2, Q1, Q2, Q3))"} {
		r, err := ParseRule(s)
		if err != nil {
			t.Fatal(err)
		}
		rules[s] = r
		bits[r] = map[string]int{}
		r.index(bits[r])
	}
	if len(rules) < 10 {
		t.Fatalf("only %d rules to check", len(rules))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for name, r := range rules {
		t.Run(name, func(t *testing.T) {
			held := 0
			for trial := range 2000 {
				p := float64(trial%10) / 10 // from no atom true to most
				truth := map[string]bool{}
				true_ := func(a string) bool {
					v, ok := truth[a]
					if !ok {
						v = rng.Float64() < p
						truth[a] = v
					}
					return v
				}
				want, atoms := evalPlain(r, true_)
				if got := r.Holds(true_); got != want {
					t.Fatalf("%s with %v: Holds %v, want %v", r, truth, got, want)
				}
				if got, gotAtoms := r.Eval(true_); got != want || !slices.Equal(gotAtoms, atoms) {
					t.Fatalf("%s with %v: Eval %v %v, want %v %v", r, truth, got, gotAtoms, want, atoms)
				}
				if bitOf, ok := bits[r]; ok {
					set := make(atomSet, (len(bitOf)+63)/64)
					for a, v := range truth {
						if v {
							set.set(bitOf[a])
						}
					}
					if got := r.holdsIn(set); got != want {
						t.Fatalf("%s with %v: holdsIn %v, want %v", r, truth, got, want)
					}
					if want && !slices.Equal(r.atomsIn(set), atoms) {
						t.Fatalf("%s with %v: atomsIn %v, want %v", r, truth, r.atomsIn(set), atoms)
					}
				}
				if want {
					held++
				}
			}
			if held == 0 {
				t.Errorf("%s never held in 2000 trials: the check saw only one side", r)
			}
		})
	}
}
