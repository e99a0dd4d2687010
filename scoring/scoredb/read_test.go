package scoredb

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/tau-da/tau/scoring"
)

// TestFormattedRowsAcrossChunks: rows kept in chunks come back whole and
// in the order asked, including rows on both sides of a chunk boundary.
func TestFormattedRowsAcrossChunks(t *testing.T) {
	t.Parallel()
	var f formattedRows
	format := func(b []byte, s *scoring.Score) []byte {
		return fmt.Appendf(b, "%s,%0120d\n", s.RelationshipID, s.Rank)
	}
	n := 3 * rowChunk / 130
	for i := 0; i < n; i++ {
		f.add(format, &scoring.Score{RelationshipID: "r" + strconv.Itoa(i), Rank: i})
	}
	if len(f.chunks) < 3 {
		t.Fatalf("%d rows in %d chunks, want at least 3", n, len(f.chunks))
	}
	for _, i := range []int{0, 1, n / 3, n/3 + 1, n - 1} {
		want := fmt.Sprintf("r%d,%0120d\n", i, i)
		if got := string(f.row(i)); got != want {
			t.Fatalf("row %d = %q, want %q", i, got, want)
		}
	}
	for i := 1; i < n; i++ {
		if f.at[i].chunk != f.at[i-1].chunk {
			if got, want := string(f.row(i)), fmt.Sprintf("r%d,%0120d\n", i, i); got != want {
				t.Fatalf("first row of a chunk %d = %q, want %q", i, got, want)
			}
		}
	}
}
