package load

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tau-da/tau/analytics"

	"github.com/tau-da/tau/internal/duckdb"

	"github.com/tau-da/tau/extract"
)

// rejectsDDL is the table every rejected or dropped row goes to. kind is
// "rejected" or "duplicate" (an identical repeat, dropped).
const rejectsDDL = `CREATE TEMP TABLE rejects (
  file VARCHAR, line BIGINT, record BIGINT, "column" VARCHAR, value VARCHAR,
  reason VARCHAR, kind VARCHAR, "row" VARCHAR)`

type loader struct {
	ctx       context.Context
	conn      *sql.Conn
	build     *analytics.Build
	extractAt time.Time
	// dateFormat is the extract's date format (DateISO, ...).
	dateFormat string
	opt        LoadOptions
	tables     []string
}

func (l *loader) exec(q string, args ...any) error {
	done := duckdb.Trace(q)
	_, err := l.conn.ExecContext(l.ctx, q, args...)
	done()
	return err
}

func (l *loader) count(q string, args ...any) (int64, error) {
	done := duckdb.Trace(q)
	var n int64
	err := l.conn.QueryRowContext(l.ctx, q, args...).Scan(&n)
	done()
	return n, err
}

// reader returns the SQL table expression that reads a source as text, with
// a record number in file order.
func (l *loader) reader(s *source) string {
	cols := make([]string, len(s.header))
	for i, h := range s.header {
		cols[i] = duckdb.Quote(h) + ": 'VARCHAR'"
	}
	var from string
	if s.format == "csv" {
		from = fmt.Sprintf("read_csv(%s, header = true, delim = ',', quote = '\"', escape = '\"', auto_detect = false, "+
			"columns = {%s}, store_rejects = true, rejects_table = %s, rejects_scan = %s)",
			duckdb.Quote(s.path), strings.Join(cols, ", "), duckdb.Quote("rj_"+s.spec.Name), duckdb.Quote("rs_"+s.spec.Name))
	} else {
		casts := make([]string, len(s.header))
		for i, h := range s.header {
			casts[i] = "CAST(" + duckdb.Ident(h) + " AS VARCHAR) AS " + duckdb.Ident(h)
		}
		from = fmt.Sprintf("(SELECT %s FROM read_parquet(%s))", strings.Join(casts, ", "), duckdb.Quote(s.path))
	}
	if !s.wide {
		return from
	}
	items := make([]string, len(s.items))
	for i, it := range s.items {
		items[i] = duckdb.Ident(it)
	}
	// Each answer gets a record number of its own, ordered like the file:
	// (assessment record - 1) * items + the item's position.
	names := make([]string, len(s.items))
	for i, it := range s.items {
		names[i] = duckdb.Quote(it)
	}
	return fmt.Sprintf("(SELECT (arec - 1) * %d + list_position([%s], item) AS rec, assessment_id, item, answer FROM "+
		"(SELECT row_number() OVER () AS arec, assessment_id, %s FROM %s) "+
		"UNPIVOT INCLUDE NULLS (answer FOR item IN (%s)))", len(s.items), strings.Join(names, ", "), strings.Join(items, ", "), from, strings.Join(items, ", "))
}

// staged returns the normalised text expression of a contract column.
func staged(s *source, c extract.Column) string {
	if !s.present[c.Name] {
		return "NULL::VARCHAR"
	}
	x := "src." + duckdb.Ident(c.Name)
	switch {
	case c.Kind == extract.KindID:
		return "tau_pseud(" + s.text(x) + ")"
	case s.spec.Name == "answers" && c.Name == "item":
		return stagedItem(x)
	}
	return s.text(x)
}

// text is stagedText of a value of the source, or the value itself when no
// value of the source would change.
func (s *source) text(x string) string {
	if s.trimmed {
		return x
	}
	return stagedText(x)
}

// idSuffix names the staged problem code of an id column: 0 none, 1 too
// long, 2 a control character (tau_id_problem).
const idSuffix = "__idp"

// checksID says an id column is checked for length and control characters
// as read: every id but the answers' assessment ids, which must match an
// assessment's, already checked (121 million of them nationally).
func checksID(f extract.File, c extract.Column) bool {
	return c.Kind == extract.KindID && f.Name != "answers"
}

// checksIDs says a file has ids checksID checks.
func checksIDs(f extract.File) bool {
	for _, c := range f.Columns {
		if checksID(f, c) {
			return true
		}
	}
	return false
}

// keyCols returns the columns that identify a file's row: its key, or
// every column for a file without one.
func keyCols(f extract.File) []string {
	if len(f.Key) > 0 {
		return f.Key
	}
	cols := make([]string, len(f.Columns))
	for i, c := range f.Columns {
		cols[i] = c.Name
	}
	return cols
}

// staging returns the SELECT that reads a source as normalised text (and
// dates as timestamps, in columns named with tsSuffix), with a record number
// column rec when numbered (a streaming window: only the rare path asks).
func (l *loader) staging(s *source, numbered bool) string {
	f := s.spec
	var sel, outer []string
	for _, c := range f.Columns {
		sel = append(sel, staged(s, c)+" AS "+duckdb.Ident(c.Name))
		if checksID(f, c) {
			// The raw id's problem, judged before any hashing.
			raw := "NULL::VARCHAR"
			if s.present[c.Name] {
				raw = s.text("src." + duckdb.Ident(c.Name))
			}
			check := "tau_id_problem"
			if s.plain {
				check = "tau_id_long"
			}
			sel = append(sel, check+"("+raw+") AS "+duckdb.Ident(c.Name+idSuffix))
		}
		if c.Kind == extract.KindDate {
			outer = append(outer, "tau_ts("+duckdb.Ident(c.Name)+") AS "+duckdb.Ident(c.Name+tsSuffix))
		}
	}
	from := "(SELECT 1) AS src WHERE false"
	if s.path != "" {
		from = l.reader(s) + " AS src"
	}
	switch {
	case s.wide:
		sel = append([]string{"rec"}, sel...)
	case numbered:
		sel = append([]string{"row_number() OVER () AS rec"}, sel...)
	}
	q := fmt.Sprintf("SELECT %s FROM %s", strings.Join(sel, ", "), from)
	if len(outer) > 0 {
		q = fmt.Sprintf("SELECT *, %s FROM (%s)", strings.Join(outer, ", "), q)
	}
	return q
}

// rules returns a file's validation as one SQL expression (NULL when the
// row is valid, else column<US>reason) and the joins it needs.
func (l *loader) rules(s *source) (string, string) {
	local := l.rowRules(s)
	refs, joins := l.refRules(s)
	return errExpr(append(local, refs...)), joins
}

// rowRules returns the checks on a row alone: values, dates and the order
// of dates within the row.
func (l *loader) rowRules(s *source) []rule {
	f := s.spec
	var rules []rule
	for _, c := range f.Columns {
		rules = append(rules, columnRules(f, c, l.extractAt, l.dateFormat)...)
	}
	return append(rules, fileRules(f)...)
}

// refRules returns the checks against the files loaded before (the
// referenced key exists; a date is not before a person's birth year) and
// the joins to their key tables they need.
func (l *loader) refRules(s *source) ([]rule, string) {
	rules, keys, bad := l.refRulesJoins(s)
	return rules, keys + " " + bad
}

// refRulesJoins is refRules with its joins in two parts: to the key tables
// (enough to test the rules) and to the tables of rejected keys (needed only
// for the reasons).
func (l *loader) refRulesJoins(s *source) (rules []rule, keyJoins, badJoins string) {
	f := s.spec
	var keys, bad []string
	refAlias := map[string]string{}
	for i, c := range f.Columns {
		if c.Ref == "" {
			continue
		}
		a, b := fmt.Sprintf("r%d", i), fmt.Sprintf("b%d", i)
		refAlias[c.Name] = a
		keys = append(keys, fmt.Sprintf("LEFT JOIN k_%s %s ON n.%s = %s.k", c.Ref, a, duckdb.Ident(c.Name), a))
		bad = append(bad, fmt.Sprintf("LEFT JOIN bad_%s %s ON n.%s = %s.k", c.Ref, b, duckdb.Ident(c.Name), b))
		rules = append(rules, refRule(f, c, a, b))
	}
	for _, pc := range f.BirthOf {
		for _, d := range requiredDates(f) {
			rules = append(rules, birthRule(d, pc, refAlias[pc]))
		}
	}
	return rules, strings.Join(keys, " "), strings.Join(bad, " ")
}

// requiredDates names a file's required date columns: the dates that may
// not precede the birth year of the persons in its BirthOf.
func requiredDates(f extract.File) []string {
	var ds []string
	for _, c := range f.Columns {
		if c.Kind == extract.KindDate && c.Required {
			ds = append(ds, c.Name)
		}
	}
	return ds
}

// writtenRows returns a SELECT over a written table in the shape the rules
// expect: every column, with each date also under its staged name.
func writtenRows(f extract.File, table string) string {
	cols := []string{"*"}
	for _, c := range f.Columns {
		if c.Kind == extract.KindDate {
			cols = append(cols, duckdb.Ident(c.Name)+" AS "+duckdb.Ident(c.Name+tsSuffix))
		}
	}
	return fmt.Sprintf("SELECT %s FROM read_parquet(%s)", strings.Join(cols, ", "), duckdb.Quote(table))
}

// textColumnsDDL declares a file's columns as text.
func textColumnsDDL(f extract.File) string {
	cols := make([]string, len(f.Columns))
	for i, c := range f.Columns {
		cols[i] = duckdb.Ident(c.Name) + " VARCHAR"
	}
	return strings.Join(cols, ", ")
}

// textColumns lists a file's staged text columns with a prefix.
func textColumns(f extract.File, prefix string) string {
	cols := make([]string, len(f.Columns))
	for i, c := range f.Columns {
		cols[i] = prefix + duckdb.Ident(c.Name)
	}
	return strings.Join(cols, ", ")
}

// tableParquet is how every table of a load is written (and the bare
// copy, the benchmark's floor, writes the same way): Parquet with zstd at
// level 1, not DuckDB's default 3. Measured on the national extract, three
// alternated pairs on one machine: the load 36.2, 33.8 and 33.2 s against
// 36.8, 41.9 and 35.6 s, its tables 391 MB against 402 MB (the files
// sorted by relationship, whose hex ids level 3 works hardest on, shrink;
// the others grow by at most 5%); the bare copy's time did not move
// (22.5, 21.8, 23.5 s against 22.7, 23.4, 22.5 s). What reads the tables
// is no slower: the national score took 18.7-23.3 s on them in six runs,
// against 18.7-24.4 s on level 3's in six (BENCHMARKS.md, runs 1-12).
const tableParquet = "FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1"

// copyTo is the statement that writes a query's result to a Parquet file
// at path, as tableParquet says.
func copyTo(query, path string) string {
	return fmt.Sprintf("COPY (%s) TO %s (%s)", query, duckdb.Quote(path), tableParquet)
}

// rewrite replaces a written table by a query's result (which may read the
// table itself), through a temporary file renamed over it.
func (l *loader) rewrite(table, query string) error {
	tmp := table + ".rewrite"
	if err := l.exec(copyTo(query, tmp)); err != nil {
		return err
	}
	return os.Rename(tmp, table)
}

// execCount runs a statement and returns the rows it affected.
func (l *loader) execCount(q string) (int64, error) {
	done := duckdb.Trace(q)
	res, err := l.conn.ExecContext(l.ctx, q)
	done()
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// copyOut writes a query's result as a Parquet table of the generation.
func (l *loader) copyOut(table, query string) error {
	p := l.build.TablePath(table)
	if err := l.exec(copyTo(query, p)); err != nil {
		return fmt.Errorf("load: write table %s: %w", table, err)
	}
	l.tables = append(l.tables, table)
	return nil
}

// parquetHeader reads the column names of a Parquet extract file.
func parquetHeader(ctx context.Context, path string, file extract.File) ([]string, error) {
	// Reading a Parquet schema needs no memory to speak of; the limit keeps
	// DuckDB from ever spilling into the working folder.
	db, err := duckdb.Open(duckdb.Options{MemoryLimit: "256MB"})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet("+duckdb.Quote(path)+"))")
	if err != nil {
		return nil, fmt.Errorf("load %s: cannot read the Parquet file: %w", filepath.Base(path), err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n, typ string
		if err := rows.Scan(&n, &typ); err != nil {
			return nil, err
		}
		n = extract.NormaliseHeader(n)
		if err := checkParquetType(file, path, n, typ); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
