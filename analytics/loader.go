package analytics

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tau-da/tau/extract"
)

// rejectsDDL is the table every rejected or dropped row goes to. kind is
// "rejected" or "duplicate" (an identical repeat, dropped).
const rejectsDDL = `CREATE TEMP TABLE rejects (
  file VARCHAR, line BIGINT, record BIGINT, "column" VARCHAR, value VARCHAR,
  reason VARCHAR, kind VARCHAR, "row" VARCHAR)`

// dupMarker starts the reason of an identical repeat so it is counted as a
// duplicate, not a reject (ASCII record separator).
const dupMarker = "chr(30)"

// referenced lists the files other files refer to; only these keep a key
// table during the load.
var referenced = map[string]bool{"persons": true, "assessments": true, "pmps": true}

// relationshipFiles get a relationship_id column derived from the pair.
var relationshipFiles = map[string]bool{"occurrences": true, "assessments": true, "pmps": true}

type loader struct {
	ctx       context.Context
	conn      *sql.Conn
	gen       string
	extractAt time.Time
	opt       LoadOptions
	tables    []string
}

func (l *loader) exec(q string, args ...any) error {
	start := time.Now()
	_, err := l.conn.ExecContext(l.ctx, q, args...)
	if trace {
		fmt.Fprintf(os.Stderr, "trace %6.0fms %s\n", time.Since(start).Seconds()*1000, strings.Join(strings.Fields(q), " ")[:min(100, len(strings.Join(strings.Fields(q), " ")))])
	}
	return err
}

// trace prints each statement's duration to standard error when the
// TAU_TRACE environment variable is set.
var trace = os.Getenv("TAU_TRACE") != ""

func (l *loader) count(q string, args ...any) (int64, error) {
	var n int64
	err := l.conn.QueryRowContext(l.ctx, q, args...).Scan(&n)
	return n, err
}

// reader returns the SQL table expression that reads a source as text, with
// a record number in file order.
func (l *loader) reader(s *source) string {
	cols := make([]string, len(s.header))
	for i, h := range s.header {
		cols[i] = quote(h) + ": 'VARCHAR'"
	}
	var from string
	if s.format == "csv" {
		from = fmt.Sprintf("read_csv(%s, header = true, delim = ',', quote = '\"', escape = '\"', auto_detect = false, "+
			"columns = {%s}, store_rejects = true, rejects_table = %s, rejects_scan = %s)",
			quote(s.path), strings.Join(cols, ", "), quote("rj_"+s.spec.Name), quote("rs_"+s.spec.Name))
	} else {
		casts := make([]string, len(s.header))
		for i, h := range s.header {
			casts[i] = "CAST(" + ident(h) + " AS VARCHAR) AS " + ident(h)
		}
		from = fmt.Sprintf("(SELECT %s FROM read_parquet(%s))", strings.Join(casts, ", "), quote(s.path))
	}
	if !s.wide {
		return fmt.Sprintf("(SELECT row_number() OVER () AS rec, * FROM %s)", from)
	}
	items := make([]string, len(s.items))
	for i, it := range s.items {
		items[i] = ident(it)
	}
	// Each answer gets a record number of its own, ordered like the file:
	// (assessment record - 1) * items + the item's position.
	names := make([]string, len(s.items))
	for i, it := range s.items {
		names[i] = quote(it)
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
	x := "nullif(trim(src." + ident(c.Name) + "), '')"
	switch {
	case c.Kind == extract.KindID:
		return "tau_pseud(" + x + ")"
	case s.spec.Name == "answers" && c.Name == "item":
		return "CASE WHEN left(" + x + ", 1) = 'q' THEN 'Q' || substr(" + x + ", 2) ELSE " + x + " END"
	}
	return x
}

// keyExpr is the SQL of a file's row key over the staged columns.
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

func (l *loader) loadFile(s *source) (FileReport, error) {
	f := s.spec
	rep := FileReport{Name: f.Name, Format: s.format, Wide: s.wide}
	if s.path != "" {
		rep.Path = s.path
	}
	name := displayName(s)
	fail := func(step string, err error) (FileReport, error) {
		return rep, fmt.Errorf("load %s: %s: %w", name, step, err)
	}
	raw, errs, dups := "raw_"+f.Name, "e_"+f.Name, "d_"+f.Name

	// 1. Stage: parse every row once, as trimmed text (and dates as
	// timestamps), in file order. The record number is the row's position
	// (rowid + 1); a wide answers file numbers its answers in file order.
	var sel, outer []string
	for _, c := range f.Columns {
		sel = append(sel, staged(s, c)+" AS "+ident(c.Name))
		if c.Kind == extract.KindDate {
			outer = append(outer, "tau_ts("+ident(c.Name)+") AS "+ident(c.Name+tsSuffix))
		}
	}
	recExpr := "rowid + 1"
	from := "(SELECT 1) AS src WHERE false"
	if s.path != "" {
		from = l.reader(s) + " AS src"
	}
	if s.wide {
		sel = append([]string{"rec"}, sel...)
		recExpr = "rec"
	}
	stage := fmt.Sprintf("SELECT %s FROM %s", strings.Join(sel, ", "), from)
	if len(outer) > 0 {
		stage = fmt.Sprintf("SELECT *, %s FROM (%s)", strings.Join(outer, ", "), stage)
	}
	if f.Name == "answers" && s.path != "" {
		// Answers are compacted as they are staged: a DASH item as its
		// number and an answer as a code, keeping the text only where it is
		// unusual, so 135 million rows fit in memory. The common spellings
		// are matched before anything is trimmed.
		keep := ""
		if s.wide {
			keep = "rec, "
		}
		stage = fmt.Sprintf(`SELECT %[1]stau_pseud(nullif(trim(assessment_id), '')) AS assessment_id, item_no,
  CASE WHEN item_no IS NULL THEN nullif(trim(item), '') END AS item_other,
  code, CASE WHEN code IS NULL THEN nullif(trim(answer), '') END AS answer_bad
FROM (SELECT *, CASE WHEN n BETWEEN 1 AND 63 THEN n END AS item_no FROM (
  SELECT *, CASE WHEN item[1] IN ('Q', 'q') THEN try_cast(item[2:] AS UTINYINT) END AS n,
    CAST(CASE answer WHEN 'yes' THEN 1 WHEN 'no' THEN 2 WHEN 'not_known' THEN 3 WHEN 'not_asked' THEN 4
      ELSE tau_answer_code(nullif(trim(answer), '')) END AS UTINYINT) AS code
  FROM %[2]s AS src))`, keep, l.reader(s))
	} else if f.Name == "answers" {
		stage = "SELECT NULL::VARCHAR AS assessment_id, NULL::UTINYINT AS item_no, NULL::VARCHAR AS item_other, NULL::UTINYINT AS code, NULL::VARCHAR AS answer_bad WHERE false"
	}
	if err := l.exec(fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s AS %s", raw, stage)); err != nil {
		return fail("read", err)
	}
	numbered := fmt.Sprintf("(SELECT %s AS rec, * FROM %s)", recExpr, raw)
	if f.Name == "answers" {
		numbered = fmt.Sprintf(`(SELECT %s AS rec, assessment_id, coalesce('Q' || item_no, item_other) AS item,
  coalesce(answer_bad, %s[code]) AS answer, item_no, code FROM %s)`, recExpr, answerList, raw)
	}

	// 2. Validate. Answers are by far the largest file, so only the rows
	// that can fail are checked in full: those with a missing or unknown
	// value, and those of assessments that are missing or repeat an item.
	checked := numbered
	if f.Name == "answers" {
		if err := l.answerCandidates(raw, numbered); err != nil {
			return fail("validate", err)
		}
		checked = "cand_answers"
	}
	var rules []rule
	for _, c := range f.Columns {
		rules = append(rules, columnRules(f, c, l.extractAt)...)
	}
	rules = append(rules, fileRules(f)...)
	var joins []string
	refAlias := map[string]string{}
	for i, c := range f.Columns {
		if c.Ref == "" {
			continue
		}
		a, b := fmt.Sprintf("r%d", i), fmt.Sprintf("b%d", i)
		refAlias[c.Name] = a
		joins = append(joins,
			fmt.Sprintf("LEFT JOIN k_%s %s ON n.%s = %s.k", c.Ref, a, ident(c.Name), a),
			fmt.Sprintf("LEFT JOIN bad_%s %s ON n.%s = %s.k", c.Ref, b, ident(c.Name), b))
		rules = append(rules, refRule(f, c, a, b))
	}
	for _, pc := range f.BirthOf {
		for _, c := range f.Columns {
			if c.Kind == extract.KindDate && c.Required {
				rules = append(rules, birthRule(c.Name, pc, refAlias[pc]))
			}
		}
	}
	q := fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s AS SELECT * FROM (SELECT n.rec, %s AS err FROM %s AS n %s) WHERE err IS NOT NULL",
		errs, errExpr(rules), checked, strings.Join(joins, " "))
	if err := l.exec(q); err != nil {
		return fail("validate", err)
	}

	// 3. Duplicate keys among the valid rows: an identical repeat is
	// dropped, a conflict rejected (all its rows: which one is right cannot
	// be known).
	keys := keyCols(f)
	all := make([]string, len(f.Columns))
	for i, c := range f.Columns {
		all[i] = ident(c.Name)
	}
	kq := make([]string, len(keys))
	match := make([]string, len(keys))
	for i, k := range keys {
		kq[i] = ident(k)
		match[i] = fmt.Sprintf("v.%s IS NOT DISTINCT FROM d.%s", ident(k), ident(k))
	}
	// First the keys that repeat (one cheap aggregate), then the details
	// for those keys only.
	if err := l.exec(fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE %s AS SELECT %s, 0::BIGINT AS first_rec, 0::BIGINT AS n, 0::BIGINT AS variants
FROM %s AS v WHERE rec NOT IN (SELECT rec FROM %s) GROUP BY ALL HAVING count(*) > 1`,
		dups, strings.Join(kq, ", "), checked, errs)); err != nil {
		return fail("find duplicates", err)
	}
	if n, err := l.count("SELECT count(*) FROM " + dups); err != nil {
		return fail("find duplicates", err)
	} else if n > 0 {
		if err := l.exec(fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE %[1]s AS SELECT %[2]s, min(rec) AS first_rec, count(*) AS n, count(DISTINCT hash(%[3]s)) AS variants
FROM %[4]s AS v WHERE rec NOT IN (SELECT rec FROM %[5]s) AND (%[6]s) IN (SELECT (%[7]s) FROM %[1]s) GROUP BY ALL`,
			dups, strings.Join(kq, ", "), strings.Join(all, ", "), checked, errs, strings.Join(kq, ", "), strings.Join(kq, ", "))); err != nil {
			return fail("find duplicates", err)
		}
	}
	if n, err := l.count("SELECT count(*) FROM " + dups); err != nil {
		return fail("find duplicates", err)
	} else if n > 0 {
		keyName := strings.Join(keys, " + ")
		if len(f.Key) == 0 {
			keyName = "every column"
		}
		ins := fmt.Sprintf(`INSERT INTO %[1]s SELECT v.rec, CASE WHEN d.variants > 1
  THEN %[2]s || %[3]s || 'conflicting duplicate: ' || d.n || ' rows share this %[4]s with different values; all are rejected, correct the extract so one remains'
  ELSE %[2]s || %[3]s || %[5]s || 'identical repeat of record ' || d.first_rec || '; dropped' END
FROM %[7]s AS v JOIN %[8]s AS d ON %[6]s WHERE v.rec NOT IN (SELECT rec FROM %[1]s) AND (d.variants > 1 OR v.rec <> d.first_rec)`,
			errs, quote(keys[0]), sep, keyName, dupMarker, strings.Join(match, " AND "), checked, dups)
		if err := l.exec(ins); err != nil {
			return fail("mark duplicates", err)
		}
	}

	// 4. Counts.
	if n, err := l.count("SELECT count(*) FROM " + raw); err != nil {
		return fail("count", err)
	} else {
		rep.Read = n
	}
	err := l.conn.QueryRowContext(l.ctx, fmt.Sprintf(`SELECT count(*), count(*) FILTER (WHERE starts_with(split_part(err, chr(31), 2), chr(30))) FROM %s`, errs)).Scan(&rep.Rejected, &rep.Duplicates)
	if err != nil {
		return fail("count", err)
	}
	rep.Rejected -= rep.Duplicates
	rep.Loaded = rep.Read - rep.Rejected - rep.Duplicates

	// 5. Keep each rejected row, with every original value (ids as loaded).
	var valueCase, pack []string
	for _, c := range f.Columns {
		valueCase = append(valueCase, fmt.Sprintf("WHEN %s THEN v.%s", quote(c.Name), ident(c.Name)))
		pack = append(pack, fmt.Sprintf("%s := v.%s", ident(c.Name), ident(c.Name)))
	}
	recOut := "e.rec"
	if s.wide {
		// Report the record of the assessment row the answer came from.
		recOut = fmt.Sprintf("(e.rec - 1) // %d + 1", len(s.items))
	}
	ins := fmt.Sprintf(`INSERT INTO rejects SELECT %s, NULL, `+recOut+`, split_part(e.err, chr(31), 1),
  CASE split_part(e.err, chr(31), 1) %s END,
  ltrim(split_part(e.err, chr(31), 2), chr(30)),
  CASE WHEN starts_with(split_part(e.err, chr(31), 2), chr(30)) THEN 'duplicate' ELSE 'rejected' END,
  to_json(struct_pack(%s))::VARCHAR
FROM %s AS e JOIN %s AS v ON v.rec = e.rec`, quote(displayName(s)), strings.Join(valueCase, " "), strings.Join(pack, ", "), errs, numbered)
	if err := l.exec(ins); err != nil {
		return fail("keep rejects", err)
	}
	// Lines the CSV reader could not parse into the header's columns.
	if s.format == "csv" && !s.wide {
		row := "csv_line"
		if l.opt.PseudonymiseKey != nil {
			row = "'(withheld: the raw line holds ids and this load is pseudonymised)'"
		}
		q := fmt.Sprintf(`INSERT INTO rejects SELECT %s, line, NULL, column_name, NULL,
  CASE error_type WHEN 'TOO MANY COLUMNS' THEN 'the line has more fields than the header''s %d; quote values that contain commas'
                  WHEN 'MISSING COLUMNS' THEN 'the line has fewer fields than the header''s %d; fill in the missing values'
                  ELSE lower(CAST(error_type AS VARCHAR)) || ': ' || error_message END,
  'rejected', rtrim(ltrim(%s, chr(13) || chr(10)), chr(13) || chr(10)) FROM rj_%s`, quote(displayName(s)), len(s.header), len(s.header), row, f.Name)
		if err := l.exec(q); err != nil {
			return fail("keep unreadable lines", err)
		}
		n, err := l.count("SELECT count(*) FROM rj_" + f.Name)
		if err != nil {
			return fail("count unreadable lines", err)
		}
		rep.Read += n
		rep.Rejected += n
	}

	// 6. Keys for the files that come after.
	valid := numbered + " AS v"
	if rep.Rejected+rep.Duplicates > 0 {
		valid += " WHERE v.rec NOT IN (SELECT rec FROM " + errs + ")"
	}
	if referenced[f.Name] {
		extra := ""
		if f.Name == "persons" {
			extra = ", CAST(birth_year AS INTEGER) AS birth_year"
		}
		k := ident(f.Key[0])
		if err := l.exec(fmt.Sprintf("CREATE OR REPLACE TEMP TABLE k_%s AS SELECT %s AS k%s FROM %s", f.Name, k, extra, valid)); err != nil {
			return fail("index keys", err)
		}
		if err := l.exec(fmt.Sprintf("CREATE OR REPLACE TEMP TABLE bad_%[1]s AS SELECT DISTINCT v.%[2]s AS k FROM %[3]s AS v JOIN %[4]s AS e ON v.rec = e.rec WHERE v.%[2]s IS NOT NULL AND v.%[2]s NOT IN (SELECT k FROM k_%[1]s)",
			f.Name, k, numbered, errs)); err != nil {
			return fail("index keys", err)
		}
	}

	// 7. The loaded table, in file order.
	var out []string
	for _, c := range f.Columns {
		out = append(out, typedExpr(f, c)+" AS "+ident(c.Name))
	}
	if relationshipFiles[f.Name] {
		out = append([]string{"tau_relationship_id(victim_id, perpetrator_id) AS relationship_id"}, out...)
	}
	if f.Name == "answers" {
		out = []string{"assessment_id", "item", answerList + "[code] AS answer"}
	}
	if err := l.copyOut(f.Name, fmt.Sprintf("SELECT %s FROM %s", strings.Join(out, ", "), valid)); err != nil {
		return rep, err
	}
	if err := l.exec(fmt.Sprintf("DROP TABLE %s; DROP TABLE %s; DROP TABLE %s", raw, errs, dups)); err != nil {
		return fail("clean up", err)
	}
	return rep, nil
}

// answerCandidates builds cand_answers: the answer rows that might fail a
// check. A row is a candidate when a value is missing or not a known
// answer, or when its assessment is not loaded or has more rows than
// distinct items (found with one aggregate per assessment: the count of rows
// against the number of distinct DASH items in a bit set).
func (l *loader) answerCandidates(raw, numbered string) error {
	// DASH items Q1..Q63 fit a 64-bit set; any other item id counts as
	// "other" and sends its assessment to the full check.
	stmts := []string{
		fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE agg_answers AS SELECT assessment_id, count(*) AS n,
  bit_or(CASE WHEN item_no IS NOT NULL THEN 1::UBIGINT << item_no ELSE 0::UBIGINT END) AS bits,
  count(*) FILTER (WHERE item_no IS NULL) AS other
FROM %s GROUP BY ALL`, raw),
		`CREATE OR REPLACE TEMP TABLE suspect_answers AS SELECT assessment_id FROM agg_answers
WHERE assessment_id IS NULL OR other > 0 OR n <> bit_count(bits) OR assessment_id NOT IN (SELECT k FROM k_assessments)`,
		fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE cand_answers AS SELECT * FROM %s AS n
WHERE n.assessment_id IS NULL OR n.item IS NULL OR n.code IS NULL OR length(n.assessment_id) > %d
   OR n.assessment_id IN (SELECT assessment_id FROM suspect_answers)`, numbered, maxIDLength),
	}
	for _, q := range stmts {
		if err := l.exec(q); err != nil {
			return err
		}
	}
	return nil
}

// copyOut writes a query's result as a Parquet table of the generation.
func (l *loader) copyOut(table, query string) error {
	p := filepath.Join(l.gen, tablesDir, table+".parquet")
	if err := l.exec(fmt.Sprintf("COPY (%s) TO %s (FORMAT parquet, COMPRESSION zstd)", query, quote(p))); err != nil {
		return fmt.Errorf("load: write table %s: %w", table, err)
	}
	l.tables = append(l.tables, table)
	return nil
}

// fixRejectLines fills in the line number of each rejected CSV record by
// reading the file in Go (DuckDB numbers records, not lines; quoted line
// breaks, blank lines and unreadable lines make the two differ).
func (l *loader) fixRejectLines(srcs []*source) error {
	for _, s := range srcs {
		if s.format != "csv" {
			continue
		}
		rows, err := l.conn.QueryContext(l.ctx, "SELECT DISTINCT record FROM rejects WHERE file = ? AND line IS NULL", displayName(s))
		if err != nil {
			return fmt.Errorf("load: locate rejects: %w", err)
		}
		want := map[int64]bool{}
		for rows.Next() {
			var r int64
			if err := rows.Scan(&r); err != nil {
				rows.Close()
				return fmt.Errorf("load: locate rejects: %w", err)
			}
			want[r] = true
		}
		rows.Close()
		if len(want) == 0 {
			continue
		}
		lines, err := csvLines(s.path, len(s.header), want)
		if err != nil && len(lines) == 0 {
			continue // records keep their record number; the line stays unknown
		}
		tmp := filepath.Join(l.gen, ".lines-"+s.spec.Name+".csv")
		f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, privateFileMode)
		if err != nil {
			return fmt.Errorf("load: locate rejects: %w", err)
		}
		w := bufio.NewWriter(f)
		fmt.Fprintln(w, "record,line")
		for r, ln := range lines {
			fmt.Fprintf(w, "%d,%d\n", r, ln)
		}
		w.Flush()
		f.Close()
		err = l.exec(fmt.Sprintf(`UPDATE rejects SET line = m.line FROM read_csv(%s, columns = {'record': 'BIGINT', 'line': 'BIGINT'}, header = true, auto_detect = false) AS m
WHERE rejects.file = %s AND rejects.record = m.record AND rejects.line IS NULL`, quote(tmp), quote(displayName(s))))
		os.Remove(tmp)
		if err != nil {
			return fmt.Errorf("load: locate rejects: %w", err)
		}
	}
	return nil
}

// relationships writes one row per ordered (victim, perpetrator) pair seen in
// occurrences, assessments or plans.
func (l *loader) relationships() (int64, error) {
	t := func(name string) string { return quote(filepath.Join(l.gen, tablesDir, name+".parquet")) }
	q := fmt.Sprintf(`SELECT relationship_id, any_value(victim_id) AS victim_id, any_value(perpetrator_id) AS perpetrator_id,
  min(seen_at) AS first_seen, max(seen_at) AS last_seen,
  CAST(sum(o) AS BIGINT) AS occurrences, CAST(sum(a) AS BIGINT) AS assessments, CAST(sum(p) AS BIGINT) AS pmps
FROM (
  SELECT relationship_id, victim_id, perpetrator_id, reported_at AS seen_at, 1 AS o, 0 AS a, 0 AS p FROM read_parquet(%s)
  UNION ALL SELECT relationship_id, victim_id, perpetrator_id, completed_at, 0, 1, 0 FROM read_parquet(%s)
  UNION ALL SELECT relationship_id, victim_id, perpetrator_id, opened_at, 0, 0, 1 FROM read_parquet(%s)
) GROUP BY relationship_id ORDER BY relationship_id`, t("occurrences"), t("assessments"), t("pmps"))
	if err := l.copyOut("relationships", q); err != nil {
		return 0, err
	}
	return l.count("SELECT count(*) FROM read_parquet(" + t("relationships") + ")")
}

// writeManifest stores the manifest as two warehouse tables.
func (l *loader) writeManifest(m *Manifest) error {
	stmts := []string{
		`CREATE OR REPLACE TEMP TABLE load_manifest (generation VARCHAR, extract_dir VARCHAR, extract_date TIMESTAMP, loaded_at TIMESTAMP,
  tool_version VARCHAR, pseudonymised BOOLEAN, key_fingerprint VARCHAR, max_reject_rate DOUBLE, relationships BIGINT)`,
		`CREATE OR REPLACE TEMP TABLE load_files (generation VARCHAR, file VARCHAR, path VARCHAR, format VARCHAR, wide BOOLEAN, sha256 VARCHAR,
  bytes BIGINT, rows_read BIGINT, rows_loaded BIGINT, rows_rejected BIGINT, rows_duplicate BIGINT)`,
	}
	for _, s := range stmts {
		if err := l.exec(s); err != nil {
			return fmt.Errorf("load: write manifest: %w", err)
		}
	}
	if err := l.exec("INSERT INTO load_manifest VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", m.Generation, m.ExtractDir, m.ExtractDate,
		m.LoadedAt, m.ToolVersion, m.Pseudonymised, m.KeyFingerprint, m.MaxRejectRate, m.Relationships); err != nil {
		return fmt.Errorf("load: write manifest: %w", err)
	}
	for _, f := range m.Files {
		if err := l.exec("INSERT INTO load_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", m.Generation, f.Name, f.Path, f.Format, f.Wide,
			f.SHA256, f.Bytes, f.Read, f.Loaded, f.Rejected, f.Duplicates); err != nil {
			return fmt.Errorf("load: write manifest: %w", err)
		}
	}
	if err := l.copyOut("load_manifest", "SELECT * FROM load_manifest"); err != nil {
		return err
	}
	return l.copyOut("load_files", "SELECT * FROM load_files ORDER BY file")
}

// writeViews creates the generation's DuckDB database with one view per
// Parquet table.
func (l *loader) writeViews() error {
	db := filepath.Join(l.gen, databaseName)
	if err := l.exec("ATTACH " + quote(db) + " AS wh"); err != nil {
		return fmt.Errorf("load: create %s: %w", db, err)
	}
	for _, t := range l.tables {
		p := filepath.Join(l.gen, tablesDir, t+".parquet")
		if err := l.exec(fmt.Sprintf("CREATE OR REPLACE VIEW wh.main.%s AS SELECT * FROM read_parquet(%s)", ident(t), quote(p))); err != nil {
			return fmt.Errorf("load: create view %s: %w", t, err)
		}
	}
	return l.exec("DETACH wh")
}

// parquetHeader reads the column names of a Parquet extract file.
func parquetHeader(ctx context.Context, path string) ([]string, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet("+quote(path)+"))")
	if err != nil {
		return nil, fmt.Errorf("load %s: cannot read the Parquet file: %w", filepath.Base(path), err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, extract.NormaliseHeader(n))
	}
	return out, rows.Err()
}
