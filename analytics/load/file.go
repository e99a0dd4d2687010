package load

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tau-da/tau/analytics"

	"github.com/tau-da/tau/internal/duckdb"

	"github.com/tau-da/tau/extract"
)

// loadFile loads one file of the extract, step by step (fileLoad): its
// rows validated and written, its rejects kept with their reasons, its
// counts reconciled and, for the files referred to, its keys kept for the
// files after it.
func (l *loader) loadFile(s *source) (analytics.FileReport, error) {
	fl := &fileLoad{loader: l, s: s, f: s.spec, errs: "e_" + s.spec.Name, table: l.build.TablePath(s.spec.Name),
		rep: analytics.FileReport{Name: s.spec.Name, Format: s.format, Wide: s.wide, Path: s.path}}
	for _, step := range []struct {
		name string
		run  func() error
	}{
		{"read and validate", fl.pass},
		{"find rejects", fl.findRejects},
		{"find duplicates", fl.duplicates},
		{"count", fl.count},
		{"write answer sets", fl.answerSets},
		{"keep rejects", fl.keepRejects},
		{"keep unreadable lines", fl.keepUnreadable},
		{"index keys", fl.indexKeys},
	} {
		if err := step.run(); err != nil {
			var qe *QuoteError
			var rc *RecordCountError
			if errors.As(err, &qe) || errors.As(err, &rc) {
				return fl.rep, err // already names the file and line
			}
			return fl.rep, fmt.Errorf("load %s: %s: %w", displayName(s), step.name, err)
		}
	}
	return fl.rep, nil
}

// fileLoad is one file's load, step by step (loadFile runs the steps in
// order; each says what it does).
type fileLoad struct {
	*loader
	s *source
	f extract.File
	// rep is the file's report, filled as the steps go.
	rep analytics.FileReport
	// errs is the temporary table of failing records with their reasons;
	// table the Parquet file the rows are written to.
	errs, table string
	// records is how many records the pass read; kept how many passed the
	// checks on the row.
	records, kept int64
	// raw: the answers were written as read, to be normalised afterwards
	// only if the table shows they need it.
	raw bool
	// orphans counts what fails a reference to an earlier file.
	orphans int64
	// conflictKeys names the table of keys with conflicting copies ("" if
	// none).
	conflictKeys string
}

// answersFile reports whether this is a long answers file (answers read
// from the assessments' wide columns are checked as assessments are).
func (fl *fileLoad) answersFile() bool { return fl.f.Name == "answers" && fl.s.path != "" }

// pass streams the file: one pass reads, validates and writes every record
// in file order, a failing one with its first column (a required key, so
// never NULL otherwise) set to NULL. The rows written are then the records
// read, and a count of NULL keys in the table tells whether any failed;
// DuckDB answers it from the file's statistics. Only then is the file read
// again, with record numbers, to keep each failing row with its reason,
// and the table written again without them (the rare path, findRejects).
// Filtering in the pass and counting the records in a second read cost
// more: measured on 7 million occurrences, 2.4 s of CPU more. The
// references to earlier files are checked afterwards, against the written
// table (refProblems): joined inside this pass they cost twice as much.
// Answers (121 million rows nationally) are streamed with the checks on
// the row alone; their references to assessments are checked once per
// assessment, not once per answer.
func (fl *fileLoad) pass() error {
	f, s := fl.f, fl.s
	check := errExpr(fl.rowRules(s))
	key := f.Columns[0]
	if !key.Required {
		return fmt.Errorf("the contract's first column %s is not required; the loader marks failing rows with it", key.Name)
	}
	var out []string
	for i, c := range f.Columns {
		x := typedExpr(f, c)
		if i == 0 {
			x = fmt.Sprintf("CASE WHEN (%s) IS NULL THEN %s END", check, x)
		}
		out = append(out, x+" AS "+duckdb.Ident(c.Name))
	}
	if f.HasRelationship() {
		out = append([]string{"tau_relationship_id(n.victim_id, n.perpetrator_id) AS relationship_id"}, out...)
	}
	copyQ := fmt.Sprintf("SELECT %s FROM (%s) AS n", strings.Join(out, ", "), fl.staging(s, false))
	if f.HasRelationship() {
		// In relationship order: the app and tau explain read one
		// relationship's occurrences, assessments and plans, and a Parquet
		// file sorted by it lets that read skip every row group but one
		// (nationally 6 million occurrences: 165 ms to 10 ms a page).
		copyQ += " ORDER BY relationship_id"
	}
	if fl.answersFile() {
		var err error
		if fl.raw, err = fl.answersLookCanonical(s); err != nil {
			return fmt.Errorf("read the first answers: %w", err)
		}
		copyQ = answersNormalised(fl.reader(s))
		if fl.raw {
			copyQ = answersAsRead(fl.reader(s))
		}
	}
	n, err := fl.execCount(copyTo(copyQ, fl.table))
	if err != nil {
		return err
	}
	fl.tables = append(fl.tables, f.Name)
	// Every record read was written (answers too: their COPY has no
	// check, the ones that fail are found in the table by findRejects).
	fl.records, fl.kept = n, n
	if f.Name != "answers" && n > 0 {
		failing, err := fl.loader.count(fmt.Sprintf("SELECT count(*) FROM read_parquet(%s) WHERE %s IS NULL", duckdb.Quote(fl.table), duckdb.Ident(key.Name)))
		if err != nil {
			return fmt.Errorf("check rows: %w", err)
		}
		if failing > 0 {
			if err := fl.rewrite(fl.table, fmt.Sprintf("SELECT * FROM read_parquet(%s) WHERE %s IS NOT NULL", duckdb.Quote(fl.table), duckdb.Ident(key.Name))); err != nil {
				return fmt.Errorf("drop failing rows: %w", err)
			}
		}
		fl.kept -= failing
	}
	return nil
}

// findRejects counts what fails a reference to an earlier file (answers'
// assessments not loaded; other files' rows, already out of the table)
// and, when anything failed, reads the file again with record numbers to
// keep each failing record with its reason; answers that fail are dropped
// from the table.
func (fl *fileLoad) findRejects() error {
	f, s := fl.f, fl.s
	if err := fl.exec(fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s (rec BIGINT, err %s, %s)", fl.errs, problemType, textColumnsDDL(f))); err != nil {
		return err
	}
	var err error
	if fl.answersFile() {
		// Every record was written; the ones that fail are found in the
		// table (none, when all were canonical as read), and the references
		// are checked once per assessment.
		canonical := false
		if fl.raw {
			odd, err := fl.normaliseAnswers(fl.table, fl.reader(s))
			if err != nil {
				return fmt.Errorf("normalise answers: %w", err)
			}
			canonical = odd == 0
		}
		if !canonical {
			bad, err := fl.loader.count(answerProblems(fl.table))
			if err != nil {
				return fmt.Errorf("check answers: %w", err)
			}
			fl.kept = fl.records - bad
		}
		if fl.orphans, err = fl.answerOrphans(fl.table); err != nil {
			return fmt.Errorf("check references: %w", err)
		}
	} else if f.Name != "answers" {
		if fl.orphans, err = fl.refProblems(s, fl.table); err != nil {
			return fmt.Errorf("check references: %w", err)
		}
	}
	if fl.records == fl.kept && fl.orphans == 0 {
		return nil
	}
	// Rare path: number the records and keep the failing ones.
	full, fullJoins := fl.rules(s)
	if err := fl.exec(fmt.Sprintf("INSERT INTO %s SELECT * FROM (SELECT n.rec, %s AS err, %s FROM (%s) AS n %s) WHERE err IS NOT NULL",
		fl.errs, full, textColumns(f, "n."), fl.staging(s, true), fullJoins)); err != nil {
		return err
	}
	if f.Name == "answers" {
		if err := fl.rewrite(fl.table, fmt.Sprintf(`SELECT * FROM read_parquet(%s) WHERE assessment_id NOT IN (SELECT assessment_id FROM orphan_answers WHERE assessment_id IS NOT NULL)
  AND assessment_id IS NOT NULL AND item IS NOT NULL AND answer IS NOT NULL AND length(assessment_id) <= %d`, duckdb.Quote(fl.table), maxIDLength)); err != nil {
			return fmt.Errorf("drop answers to missing assessments: %w", err)
		}
	}
	return nil
}

// duplicates finds duplicate keys in the written table: an identical
// repeat is dropped, a conflict rejected (every copy: which is right
// cannot be known).
func (fl *fileLoad) duplicates() error {
	var err error
	fl.conflictKeys, err = fl.loader.duplicates(fl.s, fl.table)
	return err
}

// count fills the report: records read, rejects (validation, conflicts),
// identical repeats, and what the table finally holds.
func (fl *fileLoad) count() error {
	fl.rep.Read = fl.records
	if err := fl.conn.QueryRowContext(fl.ctx, fmt.Sprintf(`SELECT count(*) FILTER (WHERE NOT err.duplicate), count(*) FILTER (WHERE err.duplicate) FROM %s`,
		fl.errs)).Scan(&fl.rep.Rejected, &fl.rep.Duplicates); err != nil {
		return err
	}
	var err error
	fl.rep.Loaded, err = fl.loader.count("SELECT count(*) FROM read_parquet(" + duckdb.Quote(fl.table) + ")")
	return err
}

// answerSets writes the answer sets of the answers loaded.
func (fl *fileLoad) answerSets() error {
	if fl.f.Name != "answers" {
		return nil
	}
	return fl.loader.answerSets(fl.table, fl.s.path != "" && fl.rep.Loaded == fl.records)
}

// keepRejects keeps each rejected row in the rejects table, with every
// original value (ids as loaded).
func (fl *fileLoad) keepRejects() error {
	s, f := fl.s, fl.f
	recOut := "e.rec"
	if s.wide {
		// Report the record of the assessment row the answer came from.
		recOut = fmt.Sprintf("(e.rec - 1) // %d + 1", len(s.items))
	}
	var valueCase, pack []string
	for _, c := range f.Columns {
		valueCase = append(valueCase, fmt.Sprintf("WHEN %s THEN e.%s", duckdb.Quote(c.Name), duckdb.Ident(c.Name)))
		pack = append(pack, fmt.Sprintf("%s := e.%s", duckdb.Ident(c.Name), duckdb.Ident(c.Name)))
	}
	return fl.exec(fmt.Sprintf(`INSERT INTO rejects SELECT %s, NULL, %s, e.err."column",
  CASE e.err."column" %s END,
  e.err.reason,
  CASE WHEN e.err.duplicate THEN 'duplicate' ELSE 'rejected' END,
  to_json(struct_pack(%s))::VARCHAR
FROM %s AS e`, duckdb.Quote(displayName(s)), recOut, strings.Join(valueCase, " "), strings.Join(pack, ", "), fl.errs))
}

// keepUnreadable keeps the lines the CSV reader could not parse into the
// header's columns (both passes record them; each line is kept once) and
// counts them as read and rejected.
func (fl *fileLoad) keepUnreadable() error {
	s, f := fl.s, fl.f
	if s.format != "csv" || s.wide {
		return nil
	}
	row := "csv_line"
	if fl.opt.PseudonymiseKey != nil {
		row = "'(withheld: the raw line holds ids and this load is pseudonymised)'"
	}
	q := fmt.Sprintf(`INSERT INTO rejects SELECT %s, line, NULL::BIGINT, any_value(column_name), NULL::VARCHAR,
  any_value(CASE error_type WHEN 'TOO MANY COLUMNS' THEN 'the line has more fields than the header''s %d; quote values that contain commas'
                  WHEN 'MISSING COLUMNS' THEN 'the line has fewer fields than the header''s %d; fill in the missing values'
                  ELSE lower(CAST(error_type AS VARCHAR)) || ': ' || error_message END),
  'rejected', any_value(rtrim(ltrim(%s, chr(13) || chr(10)), chr(13) || chr(10))) FROM rj_%s GROUP BY line`, duckdb.Quote(displayName(s)), len(s.header), len(s.header), row, f.Name)
	if err := fl.exec(q); err != nil {
		return err
	}
	n, err := fl.loader.count("SELECT count(DISTINCT line) FROM rj_" + f.Name)
	if err != nil {
		return err
	}
	fl.rep.Read += n
	fl.rep.Rejected += n
	if n > 0 {
		return fl.reconcileRecords()
	}
	return nil
}

// reconcileRecords counts, by the CSV rules, the records of a file the
// reader could not read in full, and refuses it if they differ from what
// was read: a quote left open (the records after it would be one value)
// or a reader that lost its place would otherwise drop records without a
// count.
func (fl *fileLoad) reconcileRecords() error {
	sh, err := scanCSV(fl.s.path)
	if err != nil {
		return err
	}
	name := displayName(fl.s)
	if sh.OpenQuote > 0 {
		return &QuoteError{File: name, Line: sh.OpenQuote, Lines: sh.Lines - sh.OpenQuote + 1}
	}
	if sh.Records != fl.rep.Read {
		var first int64
		fl.conn.QueryRowContext(fl.ctx, "SELECT min(line) FROM rj_"+fl.f.Name).Scan(&first)
		return &RecordCountError{File: name, Records: sh.Records, Read: fl.rep.Read, FirstUnreadable: first}
	}
	return nil
}

// indexKeys keeps, for the files that come after, the keys loaded and the
// ones rejected (so a reference to them says so).
func (fl *fileLoad) indexKeys() error {
	f := fl.f
	if !extract.Referenced(f.Name) {
		return nil
	}
	extra := ""
	if f.Name == "persons" {
		extra = ", CAST(birth_year AS INTEGER) AS birth_year"
	}
	k := duckdb.Ident(f.Key[0])
	if err := fl.exec(fmt.Sprintf("CREATE OR REPLACE TEMP TABLE k_%s AS SELECT %s AS k%s FROM read_parquet(%s)", f.Name, k, extra, duckdb.Quote(fl.table))); err != nil {
		return err
	}
	bad := fmt.Sprintf("SELECT %s AS k FROM %s WHERE %s IS NOT NULL", k, fl.errs, k)
	if fl.conflictKeys != "" {
		bad += " UNION SELECT k FROM " + fl.conflictKeys
	}
	q := fmt.Sprintf("CREATE OR REPLACE TEMP TABLE bad_%[1]s AS SELECT DISTINCT k FROM (%[2]s) WHERE k NOT IN (SELECT k FROM k_%[1]s)", f.Name, bad)
	if n, err := fl.loader.count("SELECT count(*) FROM " + fl.errs); err != nil {
		return err
	} else if n == 0 && fl.conflictKeys == "" {
		// Nothing rejected: skip hashing every loaded key for an empty
		// answer (half a second for 3.6 million persons).
		q = fmt.Sprintf("CREATE OR REPLACE TEMP TABLE bad_%s (k VARCHAR)", f.Name)
	}
	return fl.exec(q)
}
