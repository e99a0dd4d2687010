package notebooks

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// formatNames are the value formats a cell can ask for.
var formatNames = []string{"count", "number", "number1", "number2", "number4", "percent", "pct", "hours", "date", "month", "text"}

func validFormat(f string) bool {
	for _, n := range formatNames {
		if n == f {
			return true
		}
	}
	return false
}

// Suppressed stands for a hidden cell: a count under the publication
// threshold (primary), or a cell hidden so that a primary one cannot be
// worked out from it (complementary: a count, or a share or rate of a
// row with a hidden count).
type Suppressed struct {
	Below         int
	Complementary bool
}

// String shows a primary cell as "<N" (true: it is under N) and a
// complementary one as "[c]" (it may be any size).
func (s Suppressed) String() string {
	if s.Complementary {
		return "[c]"
	}
	return "<" + strconv.Itoa(s.Below)
}

// formatValue writes a value in a format: count (whole number with
// thousands separators), number / number1 / number2 / number4 (decimals), percent (a
// fraction shown as a percentage), pct (already a percentage), hours (a
// whole number of hours), date, month, text. An empty format picks one
// from the value's type.
func formatValue(v any, format string) string {
	switch x := v.(type) {
	case nil:
		return ""
	case Suppressed:
		return x.String()
	case time.Time:
		if format == "month" {
			return x.Format("2006-01")
		}
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 || format == "date" {
			return x.Format("2006-01-02")
		}
		return x.Format("2006-01-02 15:04")
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = formatValue(e, "")
		}
		return strings.Join(parts, ", ")
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case string:
		return x
	}
	f, ok := toFloat(v)
	if !ok {
		return fmt.Sprint(v)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "n/a"
	}
	switch format {
	case "count":
		return thousands(math.Round(f), 0)
	case "hours":
		return thousands(math.Round(f), 0) + " h"
	case "number1":
		return thousands(f, 1)
	case "number2":
		return thousands(f, 2)
	case "number4":
		return thousands(f, 4)
	case "percent":
		return strconv.FormatFloat(100*f, 'f', 0, 64) + "%"
	case "pct":
		return strconv.FormatFloat(f, 'f', 0, 64) + "%"
	case "number":
		return thousands(f, 1)
	}
	if isInt(v) {
		return thousands(f, 0)
	}
	return thousands(f, 2)
}

// thousands writes f with decimals and comma thousands separators.
func thousands(f float64, decimals int) string {
	s := strconv.FormatFloat(math.Abs(f), 'f', decimals, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := b.String()
	if frac != "" {
		out += "." + frac
	}
	if f < 0 && strings.Trim(out, "0.,") != "" {
		out = "-" + out
	}
	return out
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float32:
		return float64(x), true
	case float64:
		return x, true
	case time.Time:
		return float64(x.Unix()), true
	}
	return 0, false
}

func isInt(v any) bool {
	switch v.(type) {
	case int, int8, int16, int32, int64, uint8, uint16, uint32, uint64:
		return true
	}
	return false
}

// CSVText writes a result's value as a CSV cell: numbers in full, dates
// as YYYY-MM-DD (with the time when it has one), lists joined with ", ".
func CSVText(v any) string { return csvValue(v) }

// Number reads a result's value as a number (false when it is not one).
func Number(v any) (float64, bool) { return countOf(v) }
