package scoring

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// Rule is a cluster's condition: a small expression over items and facts.
//
//	rule   = atom | all_of(rule, ...) | any_of(rule, ...) | at_least(n, rule, ...)
//	atom   = an item id (Q6) or a fact name (violence_offence)
type Rule struct {
	Op   string // "atom", "all_of", "any_of", "at_least"
	Atom string
	N    int
	Args []*Rule
	// bit is an atom's place in its configuration's atom set (atomSet),
	// set when the configuration indexes its rules.
	bit int
}

// ParseRule parses a rule expression.
func ParseRule(s string) (*Rule, error) {
	p := &ruleParser{s: s}
	r, err := p.rule()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("rule %q: unexpected %q at position %d", s, p.s[p.i:], p.i+1)
	}
	return r, nil
}

type ruleParser struct {
	s string
	i int
}

func (p *ruleParser) space() {
	for p.i < len(p.s) && unicode.IsSpace(rune(p.s[p.i])) {
		p.i++
	}
}

func (p *ruleParser) word() string {
	p.space()
	start := p.i
	for p.i < len(p.s) && (p.s[p.i] == '_' || unicode.IsLetter(rune(p.s[p.i])) || unicode.IsDigit(rune(p.s[p.i]))) {
		p.i++
	}
	return p.s[start:p.i]
}

func (p *ruleParser) rule() (*Rule, error) {
	w := p.word()
	if w == "" {
		return nil, fmt.Errorf("rule %q: expected an item, a fact or all_of/any_of/at_least at position %d", p.s, p.i+1)
	}
	p.space()
	if p.i >= len(p.s) || p.s[p.i] != '(' {
		return &Rule{Op: "atom", Atom: w}, nil
	}
	switch w {
	case "all_of", "any_of", "at_least":
	default:
		return nil, fmt.Errorf("rule %q: unknown operator %q; use all_of, any_of or at_least", p.s, w)
	}
	p.i++ // (
	r := &Rule{Op: w}
	if w == "at_least" {
		n, err := strconv.Atoi(p.word())
		if err != nil || n < 1 {
			return nil, fmt.Errorf("rule %q: at_least needs a count of 1 or more first", p.s)
		}
		r.N = n
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ',' {
			return nil, fmt.Errorf("rule %q: expected a comma after the count of at_least", p.s)
		}
		p.i++
	}
	for {
		a, err := p.rule()
		if err != nil {
			return nil, err
		}
		r.Args = append(r.Args, a)
		p.space()
		if p.i >= len(p.s) {
			return nil, fmt.Errorf("rule %q: missing )", p.s)
		}
		if p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.s[p.i] == ')' {
			p.i++
			break
		}
		return nil, fmt.Errorf("rule %q: expected , or ) at position %d", p.s, p.i+1)
	}
	if w == "at_least" && r.N > len(r.Args) {
		return nil, fmt.Errorf("rule %q: at_least(%d, ...) has only %d conditions", p.s, r.N, len(r.Args))
	}
	return r, nil
}

// Atoms returns the item ids and fact names a rule uses, sorted.
func (r *Rule) Atoms() []string {
	set := map[string]bool{}
	var walk func(*Rule)
	walk = func(x *Rule) {
		if x.Op == "atom" {
			set[x.Atom] = true
		}
		for _, a := range x.Args {
			walk(a)
		}
	}
	walk(r)
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// String renders the rule in its source syntax.
func (r *Rule) String() string {
	if r.Op == "atom" {
		return r.Atom
	}
	parts := make([]string, 0, len(r.Args)+1)
	if r.Op == "at_least" {
		parts = append(parts, strconv.Itoa(r.N))
	}
	for _, a := range r.Args {
		parts = append(parts, a.String())
	}
	return r.Op + "(" + strings.Join(parts, ", ") + ")"
}

// Holds reports whether the rule holds given the true atoms, without
// gathering the atoms (most rules do not hold for most relationships).
func (r *Rule) Holds(true_ func(string) bool) bool {
	return r.holds(func(a *Rule) bool { return true_(a.Atom) })
}

// holds is Holds with each atom asked of atom (by its text or its bit).
func (r *Rule) holds(atom func(*Rule) bool) bool {
	switch r.Op {
	case "atom":
		return atom(r)
	case "all_of":
		for _, a := range r.Args {
			if !a.holds(atom) {
				return false
			}
		}
		return true
	default: // any_of, at_least
		need := 1
		if r.Op == "at_least" {
			need = r.N
		}
		n := 0
		for i, a := range r.Args {
			if n+len(r.Args)-i < need {
				return false
			}
			if a.holds(atom) {
				if n++; n >= need {
					return true
				}
			}
		}
		return n >= need
	}
}

// index gives each atom of the rule its place in atoms, adding those not
// yet there.
func (r *Rule) index(atoms map[string]int) {
	if r.Op == "atom" {
		b, ok := atoms[r.Atom]
		if !ok {
			b = len(atoms)
			atoms[r.Atom] = b
		}
		r.bit = b
	}
	for _, a := range r.Args {
		a.index(atoms)
	}
}

// atomSet holds which of a configuration's atoms are true, a bit each
// (Config.atoms gives each atom its bit).
type atomSet []uint64

func (s atomSet) set(b int)      { s[b/64] |= 1 << (b % 64) }
func (s atomSet) has(b int) bool { return s[b/64]&(1<<(b%64)) != 0 }

// atomSet is the set of the configuration's atoms among the true items
// and facts.
func (c *Config) atomSet(items, facts []string) atomSet {
	s := make(atomSet, (len(c.atoms)+63)/64)
	for _, list := range [][]string{items, facts} {
		for _, a := range list {
			if b, ok := c.atoms[a]; ok {
				s.set(b)
			}
		}
	}
	return s
}

// holdsIn is Holds with the true atoms as a set: what bulk scoring asks
// of every cluster of every relationship (a bit test per atom instead of
// a map lookup; the rule must have been indexed).
func (r *Rule) holdsIn(s atomSet) bool { return r.holds(s.hasAtom) }

// hasAtom says whether an indexed atom's bit is in the set.
func (s atomSet) hasAtom(a *Rule) bool { return s.has(a.bit) }

// atomsIn is atoms with the true atoms as a set (holdsIn).
func (r *Rule) atomsIn(s atomSet) []string { return r.gather(s.hasAtom) }

// Eval reports whether the rule holds given the true atoms, and returns the
// atoms that made it hold (for an any_of, every true argument is listed, so
// an officer sees all the evidence). The atoms are gathered only for a
// rule that holds.
func (r *Rule) Eval(true_ func(string) bool) (bool, []string) {
	if !r.Holds(true_) {
		return false, nil
	}
	return true, r.atoms(true_)
}

// atoms gathers the true atoms of a rule that holds: every argument's of
// an all_of, each holding argument's of an any_of or at_least.
func (r *Rule) atoms(true_ func(string) bool) []string {
	return r.gather(func(a *Rule) bool { return true_(a.Atom) })
}

// gather is atoms with each atom asked of atom.
func (r *Rule) gather(atom func(*Rule) bool) []string {
	if r.Op == "atom" {
		return []string{r.Atom}
	}
	var ev []string
	for _, a := range r.Args {
		if r.Op == "all_of" || a.holds(atom) {
			ev = append(ev, a.gather(atom)...)
		}
	}
	return ev
}

// Legs returns, for an all_of rule, each leg's text and whether and by what
// it was met; for other rules one leg, the rule itself.
func (r *Rule) Legs(true_ func(string) bool) []Leg {
	args := []*Rule{r}
	if r.Op == "all_of" {
		args = r.Args
	}
	out := make([]Leg, len(args))
	for i, a := range args {
		ok, ev := a.Eval(true_)
		out[i] = Leg{Rule: a.String(), Met: ok, By: ev}
	}
	return out
}

// Leg is one part of a cluster's rule and the evidence that met it.
type Leg struct {
	Rule string   `json:"rule"`
	Met  bool     `json:"met"`
	By   []string `json:"by,omitempty"`
}

// LegsText words a cluster's legs for a reader: "rule: met by A, B; rule:
// not met".
func LegsText(legs []Leg) string {
	var b strings.Builder
	for i, l := range legs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(l.Rule)
		switch {
		case l.Met && len(l.By) > 0:
			b.WriteString(": met by ")
			for j, by := range l.By {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString(by)
			}
		case l.Met:
			b.WriteString(": met")
		default:
			b.WriteString(": not met")
		}
	}
	return b.String()
}
