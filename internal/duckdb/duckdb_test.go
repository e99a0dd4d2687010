package duckdb

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRowsAndSink: rows written through a sink read back through Query with
// every column type, NULLs included, in this build's bulk path (.ci/run
// runs it with and without the duckdb_arrow tag).
func TestRowsAndSink(t *testing.T) {
	t.Parallel()
	sink, err := NewSink(Options{MemoryLimit: "256MB", TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	tab := Table{Name: "t", Cols: Columns("s:text ts:time n:int x:float b:bool l:list")}
	rs, err := sink.Table(tab)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)
	const n = 1000
	for i := range n {
		rs.Text("row" + string(rune('a'+i%26)))
		if i%7 == 0 {
			rs.Null()
		} else {
			rs.Time(day.AddDate(0, 0, i))
		}
		rs.Int(i)
		rs.Float(float64(i) / 4)
		rs.Bool(i%2 == 0)
		rs.List([]string{"x", "y"}[:i%3%2+1])
		rs.End()
	}
	if err := sink.Flush(); err != nil {
		t.Fatal(err)
	}
	var count int
	if err := sink.Conn().QueryRowContext(context.Background(), "SELECT count(*) FROM t").Scan(&count); err != nil || count != n {
		t.Fatalf("sink holds %d rows (%v), want %d", count, err, n)
	}
	// A table made after a flush takes rows, handed over by the next.
	later, err := sink.Table(Table{Name: "later", Cols: Columns("n:int")})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		later.Int(i)
		later.End()
	}
	if err := sink.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := sink.Conn().QueryRowContext(context.Background(), "SELECT count(*) FROM later").Scan(&count); err != nil || count != n {
		t.Fatalf("%s: a table made after a flush holds %d rows (%v), want %d", BulkPath, count, err, n)
	}
	// Query reads through a database handle; copy the table to a file one
	// can open.
	path := t.TempDir() + "/t.parquet"
	if _, err := sink.Conn().ExecContext(context.Background(), "COPY t TO "+Quote(path)+" (FORMAT parquet)"); err != nil {
		t.Fatal(err)
	}
	db, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := Query(context.Background(), db, "SELECT s, ts, n, x, b, l FROM read_parquet("+Quote(path)+") ORDER BY n")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		if got, want := rows.Keep(0), "row"+string(rune('a'+i%26)); got != want {
			t.Errorf("%s row %d: text %q, want %q", BulkPath, i, got, want)
		}
		if i%7 == 0 {
			if rows.Valid(1) || !rows.Time(1).IsZero() {
				t.Errorf("%s row %d: a NULL time reads as %v", BulkPath, i, rows.Time(1))
			}
		} else if got := rows.Time(1); !got.Equal(day.AddDate(0, 0, i)) {
			t.Errorf("%s row %d: time %v", BulkPath, i, got)
		}
		if rows.Int(2) != int64(i) || rows.Uint(2) != uint64(i) || rows.Float(3) != float64(i)/4 || rows.Bool(4) != (i%2 == 0) {
			t.Errorf("%s row %d: %d %d %g %v", BulkPath, i, rows.Int(2), rows.Uint(2), rows.Float(3), rows.Bool(4))
		}
		if got, want := rows.Strs(5), []string{"x", "y"}[:i%3%2+1]; !slices.Equal(got, want) {
			t.Errorf("%s row %d: list %v, want %v", BulkPath, i, got, want)
		}
		i++
	}
	if err := rows.Err(); err != nil || i != n {
		t.Fatalf("%s: read %d rows (%v), want %d", BulkPath, i, err, n)
	}
}

// TestOptionsDSN: the options become duckdb-go's connection string.
func TestOptionsDSN(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{}, ""},
		{Options{Path: "/w/tau.duckdb", ReadOnly: true}, "/w/tau.duckdb?access_mode=read_only"},
		{Options{MemoryLimit: "4GB", TempDir: "/w/.spill", Threads: 2}, "?memory_limit=4GB&temp_directory=/w/.spill&threads=2"},
	} {
		want := c.want
		if len(bulkSettings) > 0 {
			// This build's bulk settings follow the options.
			sep := "?"
			if strings.Contains(want, "?") {
				sep = "&"
			}
			want += sep + "produce_arrow_string_view=" + bulkSettings["produce_arrow_string_view"]
		}
		if got := c.o.dsn(); got != want {
			t.Errorf("%+v: dsn %q, want %q", c.o, got, want)
		}
	}
}

// TestQuoting: identifiers and literals with quotes inside stay one token.
func TestQuoting(t *testing.T) {
	t.Parallel()
	if got := Ident(`a"b`); got != `"a""b"` {
		t.Errorf("Ident: %s", got)
	}
	if got := Quote(`it's`); got != `'it''s'` {
		t.Errorf("Quote: %s", got)
	}
}
