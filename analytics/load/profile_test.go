package load

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/tau-da/tau/extract/profile"
	"github.com/tau-da/tau/internal/golden"
)

// northshire is the invented force export and its profile.
const northshire = "../../testdata/profile/northshire"

// TestProfileLoadsLikeTheContract: the invented Northshire export (the
// golden extract re-shaped: its own file names, headers, codes and UK
// dates), loaded through its profile, gives the warehouse the golden
// extract gives.
func TestProfileLoadsLikeTheContract(t *testing.T) {
	t.Parallel()
	iso := t.TempDir()
	mustLoad(t, goldenExtract, iso, LoadOptions{})
	p, err := profile.Read(filepath.Join(northshire, "profile.toml"))
	if err != nil {
		t.Fatal(err)
	}
	ex := t.TempDir()
	files, err := p.Apply(filepath.Join(northshire, "export"), ex)
	if err != nil || len(files) != 8 {
		t.Fatalf("apply: %v %v", files, err)
	}
	wh := t.TempDir()
	mustLoad(t, ex, wh, LoadOptions{DateFormat: p.DateFormat})
	if want, got := dumpTables(t, iso), dumpTables(t, wh); got != want {
		t.Errorf("through the profile the warehouse differs:\n%s", golden.Diff("golden", want, got))
	}
}

// TestProfileDraft: the draft of the Northshire export maps every file,
// column, code and item as the finished profile does (the analyst adds
// only the force's name and its date format).
func TestProfileDraft(t *testing.T) {
	t.Parallel()
	draft, err := profile.Draft(filepath.Join(northshire, "export"))
	if err != nil {
		t.Fatal(err)
	}
	var got, want profile.Profile
	if _, err := toml.Decode(draft, &got); err != nil {
		t.Fatalf("the draft is not TOML: %v\n%s", err, draft)
	}
	b, _ := os.ReadFile(filepath.Join(northshire, "profile.toml"))
	if _, err := toml.Decode(string(b), &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Files, want.Files) || !reflect.DeepEqual(got.Codes, want.Codes) || !reflect.DeepEqual(got.Items, want.Items) {
		t.Errorf("draft:\n%s", draft)
	}
	if got.DateFormat != "" || got.Force != "" {
		t.Error("the draft guesses what only the force can say")
	}
}
