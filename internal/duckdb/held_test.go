package duckdb

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestExecHeld: held rows of every column type, NULLs included, over more
// than one chunk of held bytes and several batches handed over, come out of a COPY in exactly the order given, with
// the extra column beside them and only the columns asked for, in this
// build's hand-over (.ci/run runs it with and without duckdb_arrow).
func TestExecHeld(t *testing.T) {
	t.Parallel()
	const n = 3*orderedBatchRows + orderedBatchRows/3
	// step is prime and does not divide n, so p -> p*step mod n is a
	// permutation that sends neighbours far apart.
	const step = 7919
	day := time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)
	h := NewHeld(Table{Name: "held", Cols: Columns("src:int s:text ts:time x:float b:bool l:list unused:text")})
	defer h.Release()
	for i := range n {
		h.Int(i)
		if i%5 == 0 {
			h.Null()
		} else {
			h.Text(fmt.Sprint("row", i))
		}
		if i%7 == 0 {
			h.Null()
		} else {
			h.Time(day.Add(time.Duration(i) * time.Second))
		}
		h.Float(float64(i) / 4)
		h.Bool(i%2 == 0)
		h.List([]string{"x", "y", "z"}[:i%3])
		h.Text(strings.Repeat("never asked for ", 12))
		h.End()
	}
	if h.Len() != n || len(h.chunks) < 2 {
		t.Fatalf("held %d rows in %d chunks, want %d rows in more than one", h.Len(), len(h.chunks), n)
	}
	order := Order{Rows: make([]int32, n), Cols: []string{"src", "s", "ts", "x", "b", "l"}, Extra: []IntColumn{{Name: "pos", Values: make([]int32, n)}}}
	for p := range n {
		order.Rows[p] = int32(p * step % n)
		order.Extra[0].Values[p] = int32(p + 1)
	}
	db, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	path := t.TempDir() + "/held.parquet"
	if err := ExecHeld(ctx, conn, h, order, "COPY (SELECT * FROM held) TO "+Quote(path)+" (FORMAT parquet)"); err != nil {
		t.Fatal(err)
	}
	// Each row of the file, by its place in it, against the row it must be.
	var rows, wrong, cols int
	err = conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*), count(*) FILTER (WHERE NOT (
  src = file_row_number * %[1]d %% %[2]d AND pos = file_row_number + 1
  AND s IS NOT DISTINCT FROM CASE WHEN src %% 5 = 0 THEN NULL ELSE 'row' || src END
  AND ts IS NOT DISTINCT FROM CASE WHEN src %% 7 = 0 THEN NULL ELSE TIMESTAMP '2024-03-04 05:06:07' + to_seconds(src) END
  AND x = src / 4 AND b = (src %% 2 = 0) AND l = ['x', 'y', 'z'][1:src %% 3])),
  (SELECT count(*) FROM (DESCRIBE SELECT * FROM read_parquet(%[3]s)))
FROM read_parquet(%[3]s, file_row_number = true)`, step, n, Quote(path))).Scan(&rows, &wrong, &cols)
	if err != nil {
		t.Fatal(err)
	}
	if rows != n || wrong != 0 || cols != 7 {
		t.Fatalf("%s: the file has %d rows (want %d), %d of them not the row given there, %d columns (want 7)", BulkPath, rows, n, wrong, cols)
	}
	// A table of that name is gone after (the appender build makes one).
	var left int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'held'").Scan(&left); err != nil || left != 0 {
		t.Errorf("%s: a table of the held rows is left behind (%d, %v)", BulkPath, left, err)
	}
	// Every row as taken, when no order is given.
	if err := ExecHeld(ctx, conn, h, Order{Cols: []string{"src"}}, "COPY (SELECT * FROM held) TO "+Quote(path)+" (FORMAT parquet)"); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRowContext(ctx, "SELECT count(*), count(*) FILTER (WHERE src <> file_row_number) FROM read_parquet("+Quote(path)+", file_row_number = true)").Scan(&rows, &wrong); err != nil || rows != n || wrong != 0 {
		t.Fatalf("%s: unordered hand-over: %d rows, %d out of place (%v)", BulkPath, rows, wrong, err)
	}
	for name, bad := range map[string]Order{
		"a row beyond the table":    {Rows: []int32{int32(n)}},
		"a column it does not have": {Cols: []string{"src", "nope"}},
		"an extra column too short": {Extra: []IntColumn{{Name: "pos", Values: []int32{1}}}},
	} {
		if err := ExecHeld(ctx, conn, h, bad, "SELECT 1"); err == nil {
			t.Errorf("%s: an order with %s was taken", BulkPath, name)
		}
	}
}

// BenchmarkHeldReorder decodes a million held rows shaped like a score
// snapshot's (ids, numbers, lists) in a random order, as a snapshot is
// written in rank order: how long the hand-over's Go side takes.
func BenchmarkHeldReorder(b *testing.B) {
	const n = 1 << 20
	h := NewHeld(Table{Name: "scores", Cols: Columns("a:text b:text c:text x:float y:float band:text stage:int l:list m:list k:int when:time")})
	defer h.Release()
	day := time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)
	for i := range n {
		h.Text(fmt.Sprintf("r-%016x", i*7919))
		h.Text(fmt.Sprintf("V%08d-0", i))
		h.Text(fmt.Sprintf("P%08d", i/2))
		h.Float(float64(i) / 3)
		h.Float(float64(i) / 7)
		h.Text("amber")
		h.Int(i % 9)
		h.List([]string{"C1", "C4", "C7", "C11"}[:i%5])
		h.List([]string{"Q1", "Q2", "Q11", "Q24", "Q27", "Q30"}[:i%7])
		h.Int(i)
		h.Time(day)
		h.End()
	}
	order := Order{Rows: make([]int32, n)}
	for p := range n {
		order.Rows[p] = int32(p * 7919 % n)
	}
	b.ResetTimer()
	for range b.N {
		r, err := newOrdered(h, order)
		if err != nil {
			b.Fatal(err)
		}
		rows := 0
		for r.Next() {
			rows += int(r.RecordBatch().NumRows())
		}
		r.Release()
		if rows != n {
			b.Fatalf("%d rows, want %d", rows, n)
		}
	}
}
