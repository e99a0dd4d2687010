package load

import (
	"fmt"
	"strings"

	"github.com/tau-da/tau/internal/duckdb"

	"github.com/tau-da/tau/queries"
)

// answerSniffRows is how many answers are read before the load chooses how
// to write them: if these are all in canonical form (an id with no
// surrounding spaces, an item Q1 to Q63, an answer spelled yes, no,
// not_known or not_asked), the file is written as it is read, which costs
// a third less than normalising each row (121 million rows nationally); a
// force whose export spells answers Y or N is seen at once and normalised
// as it is read. Either way the written table is checked afterwards, and a
// late odd row sends the file through normalising after all.
// (LoadOptions.asRead, for tests, skips the look and writes them as read.)
const answerSniffRows = 10000

// answerOdd holds the SQL tests, on columns assessment_id, item and answer,
// that a row is not already as normalising would leave it (canonical: an
// id with no surrounding spaces, an item starting with Q, an answer spelled
// yes, no, not_known or not_asked). They are three, each in the form DuckDB pushes
// into a Parquet scan and tests against the file's dictionaries: counting
// them over 121 million written answers takes 0.3 s, where one combined
// test under NOT takes 3.5 s.
var answerOdd = [3]string{
	fmt.Sprintf("assessment_id IS NULL OR assessment_id = '' OR length(assessment_id) > %d OR starts_with(assessment_id, ' ') OR ends_with(assessment_id, ' ')", maxIDLength),
	"item IS NULL OR NOT starts_with(item, 'Q') OR ends_with(item, ' ')",
	"answer IS NULL OR answer NOT IN ('yes', 'no', 'not_known', 'not_asked')",
}

// anyAnswerOdd is true for a row that is not canonical.
var anyAnswerOdd = fmt.Sprintf("(%s) OR (%s) OR (%s)", answerOdd[0], answerOdd[1], answerOdd[2])

// answersLookCanonical reports whether answers can be written as read: no
// pseudonymisation (ids must be hashed), a long file (not wide), and the
// first answerSniffRows rows all canonical.
func (l *loader) answersLookCanonical(s *source) (bool, error) {
	if l.opt.PseudonymiseKey != nil || s.wide {
		return false, nil
	}
	if l.opt.asRead {
		return true, nil
	}
	var odd int64
	err := l.conn.QueryRowContext(l.ctx, fmt.Sprintf("SELECT count(*) FROM (SELECT * FROM %s LIMIT %d) WHERE %s",
		l.reader(s), answerSniffRows, anyAnswerOdd)).Scan(&odd)
	return odd == 0, err
}

// answerTypes are the enumerated types answers are written with: the items
// numbered Q1 to Q63 (the answer sets' numbering, answer_sets.sql) and the
// four canonical answers. Cast to one of these a value is written to
// Parquet as an index into a dictionary DuckDB already has, where a text
// value is looked up in one it builds; the file is the same (text columns
// with the same values, read back as VARCHAR) and its writing 3 s quicker
// for 121 million answers (15.0 s against 18.0 s, measured on this
// machine). A value outside a type casts to NULL, so only the canonical
// values are written this way.
var answerTypes = []string{
	"CREATE TYPE tau_item AS ENUM (SELECT 'Q' || i FROM range(1, 64) AS r(i) ORDER BY i)",
	"CREATE TYPE tau_answer_value AS ENUM ('yes', 'no', 'not_known', 'not_asked')",
}

// answersAsRead returns the query that writes answers as they are read:
// the id as it is, the item and answer cast to their types (NULL for any
// other value, which the check afterwards finds).
func answersAsRead(from string) string {
	return "SELECT assessment_id, try_cast(item AS tau_item) AS item, try_cast(answer AS tau_answer_value) AS answer FROM " + from
}

// normaliseAnswers checks answers written as read and, if any row is not in
// canonical form, writes the table again from the source (reader),
// normalised: written as read, an item or answer outside its type was kept
// as NULL, so the table no longer holds what was there.
// It returns how many rows were not canonical.
func (l *loader) normaliseAnswers(table, source string) (int64, error) {
	var parts []string
	for _, c := range answerOdd {
		parts = append(parts, fmt.Sprintf("(SELECT count(*) FROM read_parquet(%s) WHERE %s)", duckdb.Quote(table), c))
	}
	odd, err := l.count("SELECT " + strings.Join(parts, " + "))
	if err != nil || odd == 0 {
		return odd, err
	}
	return odd, l.rewrite(table, answersNormalised(source))
}

// answersNormalised returns the query that normalises answers read from a
// table expression. A row already in canonical form is written as it is;
// only the others go through normalising and the full row check, so the
// common case costs a few comparisons.
func answersNormalised(from string) string {
	ok := "NOT (" + anyAnswerOdd + ")"
	id := "tau_pseud(CASE WHEN ok THEN src.assessment_id ELSE " + stagedText("src.assessment_id") + " END)"
	item := "CASE WHEN ok THEN src.item ELSE " + stagedItem("src.item") + " END"
	answer := "try_cast(CASE WHEN ok THEN src.answer ELSE tau_answer(" + stagedText("src.answer") + ") END AS tau_answer_value)"
	// No filter here: a filtered COPY costs twice an unfiltered one. A row
	// that fails a check is written with a NULL where the failing value
	// was, found afterwards in the table (answerProblems) and removed on the
	// rare path.
	return fmt.Sprintf(`SELECT %s AS assessment_id, %s AS item, %s AS answer
FROM (SELECT *, %s AS ok FROM %s AS src) AS src`, id, item, answer, ok, from)
}

// answerProblems counts the written answers that fail a check on the row:
// a missing id, item or answer (an unknown answer is written as NULL), or an
// id that is too long.
func answerProblems(table string) string {
	return fmt.Sprintf("SELECT count(*) FROM read_parquet(%s) WHERE assessment_id IS NULL OR item IS NULL OR answer IS NULL OR length(assessment_id) > %d",
		duckdb.Quote(table), maxIDLength)
}

// stagedText is the normalised text of a raw value: trimmed, empty as NULL.
// Only a value that could change is trimmed: one that is empty, starts or
// ends with a space, or is not plain ASCII (DuckDB's trim also removes
// Unicode spaces such as U+00A0; of ASCII it removes only the space).
// Trimming every value costs three times as much (measured on 5 million
// assessments: 1.2 s against 0.4 s for six columns); TestStagedText checks
// the two agree.
func stagedText(x string) string {
	return fmt.Sprintf("CASE WHEN %[1]s LIKE ' %%' OR %[1]s LIKE '%% ' OR %[1]s = '' OR strlen(%[1]s) <> length(%[1]s) THEN nullif(trim(%[1]s), '') ELSE %[1]s END", x)
}

// stagedItem normalises an item id: trimmed, a lower-case q raised.
func stagedItem(x string) string {
	t := stagedText(x)
	return "CASE WHEN left(" + t + ", 1) = 'q' THEN 'Q' || substr(" + t + ", 2) ELSE " + t + " END"
}

// answerOrphans aggregates the written answers once per assessment into the
// answer_sets table (queries/warehouse/answer_sets.sql: its rows and item
// sets, written straight to Parquet and read back as agg_answers) and lists
// in orphan_answers the assessment ids that were not loaded. It returns how
// many there are.
func (l *loader) answerOrphans(table string) (int64, error) {
	q, err := queries.Warehouse("answer_sets")
	if err != nil {
		return 0, err
	}
	sets := l.build.TablePath("answer_sets")
	stmts := []string{
		fmt.Sprintf("CREATE OR REPLACE TEMP VIEW answers AS SELECT * FROM read_parquet(%s)", duckdb.Quote(table)),
		copyTo(q.SQL, sets),
		fmt.Sprintf("CREATE OR REPLACE TEMP VIEW agg_answers AS SELECT * FROM read_parquet(%s)", duckdb.Quote(sets)),
		"CREATE OR REPLACE TEMP TABLE orphan_answers AS " + queries.Must("warehouse", "orphan_answers"),
	}
	for _, q := range stmts {
		if err := l.exec(q); err != nil {
			return 0, err
		}
	}
	return l.count("SELECT count(*) FROM orphan_answers")
}

// answerSets adds the answer_sets table to the generation: each loaded
// assessment's answers as item sets, which scoring folds instead of reading
// every answer. When every record was loaded as it was read, the table is
// the one the checks already wrote; otherwise it is built again from the
// answers as finally written.
func (l *loader) answerSets(table string, unchanged bool) error {
	if unchanged {
		l.tables = append(l.tables, "answer_sets")
		return nil
	}
	q, err := queries.Warehouse("answer_sets")
	if err != nil {
		return err
	}
	if err := l.exec(fmt.Sprintf("CREATE OR REPLACE TEMP VIEW answers AS SELECT * FROM read_parquet(%s)", duckdb.Quote(table))); err != nil {
		return err
	}
	return l.copyOut("answer_sets", q.SQL)
}
