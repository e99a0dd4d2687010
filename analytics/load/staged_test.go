package load

import (
	"database/sql"
	"testing"
)

// TestStagedText checks that the staged text of a value, which skips the
// trim when nothing could be trimmed, equals DuckDB's nullif(trim(x), ”)
// for every value: NULL, empty, spaces, each ASCII control character at
// either end, and the Unicode spaces trim also removes.
func TestStagedText(t *testing.T) {
	t.Parallel()
	db, err := sqlOpen()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	values := []sql.NullString{{}, {Valid: true, String: ""}, {Valid: true, String: " "}, {Valid: true, String: "   "}}
	for _, v := range []string{"a", " a", "a ", " a ", "a b", "P0000001", "  P1\t", "é", " é ", "\u00a0a", "a\u00a0", "\u2003x\u3000", "x\u200b", "\u00a0"} {
		values = append(values, sql.NullString{Valid: true, String: v})
	}
	for c := rune(1); c < 128; c++ {
		values = append(values, sql.NullString{Valid: true, String: string(c) + "a"}, sql.NullString{Valid: true, String: "a" + string(c)})
	}
	for _, v := range values {
		var got, want sql.NullString
		if err := db.QueryRow("SELECT "+stagedText("x")+", nullif(trim(x), '') FROM (SELECT CAST(? AS VARCHAR) AS x)", v).Scan(&got, &want); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("staged %q = %+v, trim gives %+v", v.String, got, want)
		}
	}
}
