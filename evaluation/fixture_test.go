package evaluation

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// readFixture reads a fixture folder's CSV file (its rows, header first)
// and decodes its expected.json into want; the folder is under
// testdata/evaluate.
func readFixture(t *testing.T, folder, csvName string, want any) [][]string {
	t.Helper()
	dir := filepath.Join("..", "testdata", "evaluate", folder)
	f, err := os.Open(filepath.Join(dir, csvName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, want); err != nil {
		t.Fatal(err)
	}
	return rows
}
