// Package period owns tau's dates and windows: reading the dates a user
// types, the end of an as-of day, and window lengths in days, months or
// years. It is pure Go and imports nothing of tau's.
package period

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Length is a window length in whole days, months or years ("90d", "3m",
// "12m", "1y"). Months are calendar months, so a 3-month window after 30
// November ends on 28 or 29 February; the window's exact length in days is
// what every rate is divided by.
type Length struct {
	N    int
	Unit byte // 'd', 'm' or 'y'
}

// ParseLength reads a window length such as "90d", "3m" or "12m".
func ParseLength(s string) (Length, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if len(s) < 2 {
		return Length{}, fmt.Errorf("window %q: give a number and a unit, such as 90d, 3m or 12m", s)
	}
	u := s[len(s)-1]
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n <= 0 || (u != 'd' && u != 'm' && u != 'y') {
		return Length{}, fmt.Errorf("window %q: give a positive number and a unit d, m or y, such as 90d, 3m or 12m", s)
	}
	return Length{N: n, Unit: u}, nil
}

// String writes the length the way it is parsed.
func (l Length) String() string { return strconv.Itoa(l.N) + string(l.Unit) }

// MarshalText writes the length as text in JSON.
func (l Length) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// After returns the day the length after t.
func (l Length) After(t time.Time) time.Time {
	switch l.Unit {
	case 'd':
		return t.AddDate(0, 0, l.N)
	case 'm':
		return t.AddDate(0, l.N, 0)
	}
	return t.AddDate(l.N, 0, 0)
}

// Before returns the day the length before t.
func (l Length) Before(t time.Time) time.Time {
	switch l.Unit {
	case 'd':
		return t.AddDate(0, 0, -l.N)
	case 'm':
		return t.AddDate(0, -l.N, 0)
	}
	return t.AddDate(-l.N, 0, 0)
}

// Day truncates a time to its UTC day.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// EndOfDay returns the last second of a date: an as-of date includes
// everything recorded that day.
func EndOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 23, 59, 59, 0, time.UTC)
}

// ParseDate reads a date as a user types it: YYYY-MM-DD, or a date-time in
// RFC 3339 or with a space or T between date and time.
func ParseDate(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02", time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date: %q; use YYYY-MM-DD", s)
}

// Days makes a window length of n days.
func Days(n int) Length { return Length{N: n, Unit: 'd'} }

// Months makes a window length of n calendar months.
func Months(n int) Length { return Length{N: n, Unit: 'm'} }

// Years makes a window length of n years.
func Years(n int) Length { return Length{N: n, Unit: 'y'} }
