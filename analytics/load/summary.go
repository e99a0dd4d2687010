package load

import (
	"database/sql"
	"fmt"
	"strings"
)

// RejectReason is one of a failed file's commonest reasons for rejecting
// rows: how many, and the first few lines with the value that failed.
type RejectReason struct {
	Column, Reason string
	Count          int64
	Samples        []RejectSample
}

// RejectSample is one rejected line and its value.
type RejectSample struct {
	Line  int64
	Value string
}

// DateGuess is what a column of dates that did not read looks like: the
// format the values fit (DateDMY, DateMDY, or "" when they fit both, and
// then Ambiguous is set), with the line of a value that proves it (a day
// over 12), or of one that fits both.
type DateGuess struct {
	Column    string
	Format    string
	Ambiguous bool
	Line      int64
	Value     string
}

// topReasons is how many reasons a failed load names.
const topReasons = 3

// summarise reads a failed file's commonest reject reasons, and, when the
// commonest is a date that did not read, what format its dates are in.
func (l *loader) summarise(file string) ([]RejectReason, *DateGuess, error) {
	rows, err := l.conn.QueryContext(l.ctx, `SELECT "column", reason, count(*) AS n,
  list(line ORDER BY line)[1:3], list(coalesce(value, '') ORDER BY line)[1:3]
FROM rejects WHERE file = ? AND kind = 'rejected' GROUP BY ALL ORDER BY n DESC, "column" LIMIT ?`, file, topReasons)
	if err != nil {
		return nil, nil, err
	}
	var out []RejectReason
	for rows.Next() {
		var r RejectReason
		var col sql.NullString
		var lines, values []any
		if err := rows.Scan(&col, &r.Reason, &r.Count, &lines, &values); err != nil {
			rows.Close()
			return nil, nil, err
		}
		r.Column = col.String
		for k := range lines {
			s := RejectSample{Value: fmt.Sprint(values[k])}
			if n, ok := lines[k].(int64); ok {
				s.Line = n
			}
			r.Samples = append(r.Samples, s)
		}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	// Only dates read as ISO are guessed at: a format the force gave is
	// theirs to correct.
	if len(out) == 0 || l.dateFormat != DateISO || !strings.HasPrefix(out[0].Reason, dateReasonPrefix) {
		return out, nil, nil
	}
	g, err := l.guessDates(file, out[0].Column)
	return out, g, err
}

// guessDates looks at a column's rejected dates written n/n/yyyy: a first
// part over 12 proves day first, a second part over 12 month first; when
// neither does, the values fit both and only the force can say.
func (l *loader) guessDates(file, column string) (*DateGuess, error) {
	const parts = `WITH v AS (
  SELECT line, value, try_cast(regexp_extract(value, '^\s*([0-9]{1,2})/', 1) AS INTEGER) AS a,
         try_cast(regexp_extract(value, '^\s*[0-9]{1,2}/([0-9]{1,2})/[0-9]{4}', 1) AS INTEGER) AS b
  FROM rejects WHERE file = ? AND "column" = ? AND kind = 'rejected')
SELECT count(*) FILTER (WHERE a IS NOT NULL AND b IS NOT NULL),
  min(line) FILTER (WHERE a > 12), arg_min(value, line) FILTER (WHERE a > 12),
  min(line) FILTER (WHERE b > 12), arg_min(value, line) FILTER (WHERE b > 12),
  min(line) FILTER (WHERE a IS NOT NULL AND b IS NOT NULL), arg_min(value, line) FILTER (WHERE a IS NOT NULL AND b IS NOT NULL)
FROM v`
	var n int64
	var dLine, mLine, anyLine sql.NullInt64
	var dVal, mVal, anyVal sql.NullString
	if err := l.conn.QueryRowContext(l.ctx, parts, file, column).Scan(&n, &dLine, &dVal, &mLine, &mVal, &anyLine, &anyVal); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, nil
	}
	g := &DateGuess{Column: column}
	switch {
	case dLine.Valid && !mLine.Valid:
		g.Format, g.Line, g.Value = DateDMY, dLine.Int64, dVal.String
	case mLine.Valid && !dLine.Valid:
		g.Format, g.Line, g.Value = DateMDY, mLine.Int64, mVal.String
	case !dLine.Valid && !mLine.Valid:
		g.Ambiguous, g.Line, g.Value = true, anyLine.Int64, anyVal.String
	default:
		// Both a day over 12 first and one second: a mixed column.
		return nil, nil
	}
	return g, nil
}
