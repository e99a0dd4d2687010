package load

import (
	"os"
	"path/filepath"
	"testing"
)

// TestScanCSV counts records and finds open quotes by the CSV rules the
// loader reads with.
func TestScanCSV(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
		want       csvShape
	}{
		{"plain", "a,b\n1,2\n3,4\n", csvShape{Records: 2, Lines: 3}},
		{"no final line break", "a,b\n1,2\n3,4", csvShape{Records: 2, Lines: 3}},
		{"crlf and blank lines", "a,b\r\n1,2\r\n\r\n3,4\r\n\n", csvShape{Records: 2, Lines: 5}},
		{"quoted line break", "a,b\n\"1\n2\",3\n4,5\n", csvShape{Records: 2, Lines: 4}},
		{"doubled quote", "a,b\n\"say \"\"hi\"\"\",3\n", csvShape{Records: 1, Lines: 2}},
		{"quote inside a value is a character", "a,b\nx\"y,3\n4,5\n", csvShape{Records: 2, Lines: 3}},
		{"open quote", "a,b\n1,2\n\"3,4\n5,6\n7,8\n", csvShape{Records: 2, Lines: 5, OpenQuote: 3}},
		{"open quote, no final break", "a,b\n\"1,2\n3,4", csvShape{Records: 1, Lines: 3, OpenQuote: 2}},
		{"header only", "a,b\n", csvShape{Records: 0, Lines: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := filepath.Join(t.TempDir(), "f.csv")
			if err := os.WriteFile(p, []byte(tt.text), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := scanCSV(p)
			if err != nil || got != tt.want {
				t.Errorf("scanCSV = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}
