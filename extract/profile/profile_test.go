package profile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadRefuses: a profile naming a file or column the contract does
// not have, an unknown setting or an item that is not Q1..Q27 is refused
// with what is wrong.
func TestReadRefuses(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, src, want string }{
		{"file", "[files.people]\nname = \"x.csv\"\n", "files.people: not a file of the contract"},
		{"column", "[files.persons.columns]\nshoe_size = \"Shoe\"\n", "shoe_size is not a column of persons"},
		{"setting", "colour = \"red\"\n", "unknown setting colour"},
		{"item", "[items]\n\"Q99 Other\" = \"Q99\"\n", "not an item id Q1..Q27"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := filepath.Join(t.TempDir(), "p.toml")
			os.WriteFile(p, []byte(c.src), 0o600)
			if _, err := Read(p); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}

// TestApplyRenamesAndMaps: headers renamed, codes mapped ignoring case and
// spacing, a DASH question column renamed to its item, an unknown value
// passed as it is, and every row kept.
func TestApplyRenamesAndMaps(t *testing.T) {
	t.Parallel()
	src, dst := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(src, "Forms.csv"), []byte("Ref,Grade,Q18 Strangled\nA1, std ,Y\nA2,Odd,Not Asked\n"), 0o600)
	p := &Profile{Files: map[string]File{"assessments": {Name: "Forms.csv", Columns: map[string]string{"assessment_id": "Ref", "officer_grade": "Grade"}}},
		Codes: map[string]map[string]string{"officer_grade": {"Std": "standard"}, "answer": {"Y": "yes", "Not Asked": "not_asked"}},
		Items: map[string]string{"Q18 Strangled": "Q18"}}
	if _, err := p.Apply(src, dst); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dst, "assessments.csv"))
	if want := "assessment_id,officer_grade,q18\nA1,standard,yes\nA2,Odd,not_asked\n"; string(b) != want {
		t.Errorf("got\n%s\nwant\n%s", b, want)
	}
}
