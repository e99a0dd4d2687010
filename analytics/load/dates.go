package load

import (
	"strings"

	"github.com/tau-da/tau/internal/param"
)

// The date formats an extract's dates may be in. ISO 8601 is tau's own;
// UK records systems and Excel write day first; some write month first;
// Excel may hand over serial numbers (days since 30 December 1899, with
// the time as the fraction). Every format takes an optional time of day.
const (
	DateISO   = "YYYY-MM-DD"
	DateDMY   = "DD/MM/YYYY"
	DateMDY   = "MM/DD/YYYY"
	DateExcel = "excel"
)

// DateFormats lists the formats, default first.
var DateFormats = []string{DateISO, DateDMY, DateMDY, DateExcel}

// ParseDateFormat checks a format's name (any case; "" is the default).
func ParseDateFormat(s string) (string, error) {
	if s == "" {
		return DateISO, nil
	}
	for _, f := range DateFormats {
		if strings.EqualFold(s, f) {
			return f, nil
		}
	}
	return "", param.Errorf("date-format", s, "is not a date format: use %s", strings.Join(DateFormats, ", "))
}

// dateMacro is the SQL of tau_ts for a format: the text of a date (and
// time) to a TIMESTAMP in UTC, NULL when it is not one. DuckDB's
// try_strptime takes the formats in turn; %d and %m accept one digit.
func dateMacro(format string) string {
	slashed := func(d, m string) string {
		return "CREATE OR REPLACE TEMP MACRO tau_ts(x) AS try_strptime(trim(x), ['" + d + "/" + m + "/%Y %H:%M:%S', '" + d + "/" + m + "/%Y %H:%M', '" + d + "/" + m + "/%Y'])"
	}
	switch format {
	case DateDMY:
		return slashed("%d", "%m")
	case DateMDY:
		return slashed("%m", "%d")
	case DateExcel:
		// Serial 1 is 1 January 1900; Excel's phantom 29 February 1900
		// makes the epoch 30 December 1899 for every date after it.
		return `CREATE OR REPLACE TEMP MACRO tau_ts(x) AS CASE WHEN try_cast(x AS DOUBLE) BETWEEN 1 AND 2958465
  THEN TIMESTAMP '1899-12-30' + to_microseconds(CAST(round(try_cast(x AS DOUBLE) * 86400000000) AS BIGINT)) END`
	}
	// ISO: the fast path for a date or a date-time with no offset; only a
	// value with an offset goes through time zones.
	return `CREATE OR REPLACE TEMP MACRO tau_ts(x) AS CASE
  WHEN length(x) = 10 THEN CAST(try_cast(x AS DATE) AS TIMESTAMP)
  WHEN regexp_matches(x, '[0-9][Zz]$|[0-9][+-][0-9:]+$') AND length(x) > 16 THEN CAST(try_cast(x AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS TIMESTAMP)
  WHEN regexp_matches(x, '^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}') THEN try_cast(x AS TIMESTAMP)
  END`
}

// dateReasonPrefix starts every reject reason for a date that does not
// read in the extract's format.
const dateReasonPrefix = "not a date in "

// dateReason is the reject reason for a date that does not read.
func dateReason(format string) string {
	if format == DateISO {
		return dateReasonPrefix + "YYYY-MM-DD (or YYYY-MM-DDTHH:MM:SS)"
	}
	return dateReasonPrefix + format
}
