package extract

import (
	"strings"
	"testing"
)

func TestNormaliseAnswer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"yes", "yes", true}, {"Y", "yes", true}, {" y ", "yes", true}, {"YES", "yes", true},
		{"no", "no", true}, {"n", "no", true},
		{"NK", "not_known", true}, {"dk", "not_known", true}, {"not_known", "not_known", true},
		{"", "not_asked", true}, {"  ", "not_asked", true}, {"Not_Asked", "not_asked", true},
		{"maybe", "", false}, {"yess", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := NormaliseAnswer(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("NormaliseAnswer(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestWideItemColumn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"q1", "Q1", true}, {"Q27", "Q27", true}, {" q9 ", "Q9", true},
		{"q0", "", false}, {"q28", "", false}, {"q05", "", false}, {"qa", "", false}, {"item", "", false},
	}
	for _, tt := range tests {
		got, ok := WideItemColumn(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("WideItemColumn(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestPseudonymiseRFC4231 checks the HMAC against RFC 4231 test case 2
// (key "Jefe", data "what do ya want for nothing?"), whose HMAC-SHA-256 is
// 5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843.
func TestPseudonymiseRFC4231(t *testing.T) {
	t.Parallel()
	got := Pseudonymise([]byte("Jefe"), "what do ya want for nothing?")
	if want := "5bdcc146bf60754e6a042426"; got != want {
		t.Errorf("Pseudonymise = %s, want %s (first 24 hex digits of RFC 4231 case 2)", got, want)
	}
}

// TestRelationshipID: stable, ordered, unambiguous.
func TestRelationshipID(t *testing.T) {
	t.Parallel()
	a := RelationshipID("V1", "P1")
	if a != RelationshipID("V1", "P1") {
		t.Error("not stable")
	}
	if a == RelationshipID("P1", "V1") {
		t.Error("the pair is ordered: (V1,P1) and (P1,V1) are different relationships")
	}
	if RelationshipID("ab", "c") == RelationshipID("a", "bc") {
		t.Error("ids must not run into each other")
	}
	if !strings.HasPrefix(a, RelationshipIDPrefix) || len(a) != len(RelationshipIDPrefix)+16 {
		t.Errorf("RelationshipID = %q", a)
	}
	// MD5("V1\x1fP1") computed independently with `printf 'V1\x1fP1' | md5sum`.
	if a != "r-ebfa7fa47b933a80" {
		t.Errorf("RelationshipID(V1, P1) = %s, want r-ebfa7fa47b933a80", a)
	}
}

// TestContract: keys and references point at real columns and files.
func TestContract(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, f := range Files {
		for _, k := range f.Key {
			if _, ok := f.Column(k); !ok {
				t.Errorf("%s: key %s is not a column", f.Name, k)
			}
		}
		for _, c := range f.Columns {
			if c.Ref != "" && !seen[c.Ref] {
				t.Errorf("%s.%s refers to %s, which is not loaded before it", f.Name, c.Name, c.Ref)
			}
			if c.Kind == KindEnum && len(c.Enum) == 0 && c.Pattern == "" && !(f.Name == "answers" && c.Name == "answer") {
				t.Errorf("%s.%s: an enum with no values", f.Name, c.Name)
			}
		}
		for _, o := range f.Orders {
			if _, ok := f.Column(o.Earlier); !ok {
				t.Errorf("%s: order column %s missing", f.Name, o.Earlier)
			}
		}
		seen[f.Name] = true
	}
	for _, name := range []string{"persons", "occurrences", "assessments", "answers"} {
		if f, err := Lookup(name); err != nil || !f.Required {
			t.Errorf("%s must be a required file", name)
		}
	}
	p, _ := Lookup("persons")
	for _, c := range []string{"sex", "ethnicity", "birth_year"} {
		if col, _ := p.Column(c); !col.Protected {
			t.Errorf("persons.%s must be marked protected", c)
		}
	}
}

// FuzzNormaliseAnswer: any accepted spelling maps to a canonical answer,
// and normalising is idempotent.
func FuzzNormaliseAnswer(f *testing.F) {
	for _, s := range []string{"yes", "N", "dk", "", " NK ", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := NormaliseAnswer(s)
		if !ok {
			return
		}
		canon := false
		for _, a := range Answers {
			canon = canon || a == v
		}
		if !canon {
			t.Fatalf("NormaliseAnswer(%q) = %q, not a canonical answer", s, v)
		}
		if again, ok := NormaliseAnswer(v); !ok || again != v {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, v, again)
		}
	})
}

// TestDerivedRoles: which files are referenced and which name a
// relationship follow from the contract.
func TestDerivedRoles(t *testing.T) {
	t.Parallel()
	var referenced, relationships []string
	for _, f := range Files {
		if Referenced(f.Name) {
			referenced = append(referenced, f.Name)
		}
		if f.HasRelationship() {
			relationships = append(relationships, f.Name)
		}
	}
	if got := strings.Join(referenced, ","); got != "persons,assessments,pmps" {
		t.Errorf("referenced files %s", got)
	}
	if got := strings.Join(relationships, ","); got != "occurrences,assessments,pmps" {
		t.Errorf("files naming a relationship %s", got)
	}
}

// TestActionLabels: every action type of the contract has a label in words.
func TestActionLabels(t *testing.T) {
	t.Parallel()
	for _, a := range ActionTypes {
		if l := ActionLabel(a); l == a || l == "" {
			t.Errorf("action type %s has no label", a)
		}
	}
	if ActionLabel("force_own") != "force_own" {
		t.Error("an unknown type is not shown as it is")
	}
}

// TestStageName: each of the eight stages has its name; others say none
// was recorded.
func TestStageName(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		n    int
		want string
	}{{1, "stage 1, pre-relationship history"}, {5, "stage 5, escalation"}, {8, "stage 8, homicide"}, {0, "no stage recorded"}, {9, "no stage recorded"}} {
		if got := StageName(c.n); got != c.want {
			t.Errorf("StageName(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}
