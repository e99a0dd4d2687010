package calibration

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/tau-da/tau/internal/period"
)

// The outcomes a score is calibrated against.
const (
	// OutcomeSeriousHarm is an offence by the perpetrator against the
	// victim that is serious (SeriousCodes) in the horizon.
	OutcomeSeriousHarm = "serious_harm"
	// OutcomeRevictimisation is a further DA occurrence in the
	// relationship in the horizon.
	OutcomeRevictimisation = "revictimisation"
)

// OutcomeLabel describes an outcome in words: serious harm at minDays CCHI
// days or more (or of the extra classes given), or revictimisation.
func OutcomeLabel(outcome string, minDays float64, codes []string) string {
	if outcome == OutcomeRevictimisation {
		return "a further DA occurrence in the relationship (revictimisation)"
	}
	s := fmt.Sprintf("serious harm (an offence by the perpetrator against the victim with CCHI %g days or more", minDays)
	if len(codes) > 0 {
		s += ", or of class " + strings.Join(codes, ", ")
	}
	return s + ")"
}

// SeriousCodes lists the offence classes that count as serious harm: those
// whose Cambridge Crime Harm Index days (harm) are minDays or more (365, a
// year's custody, is the research notes' threshold for the gravest DA
// outcomes short of homicide), and the extra classes given (the
// configuration's strangulation codes among them). Sorted.
func SeriousCodes(harm map[string]float64, minDays float64, extra ...[]string) []string {
	serious := map[string]bool{}
	for code, days := range harm {
		if days >= minDays {
			serious[code] = true
		}
	}
	for _, cs := range extra {
		for _, c := range cs {
			serious[c] = true
		}
	}
	out := make([]string, 0, len(serious))
	for c := range serious {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// Dates returns the as-of dates a calibration samples at: month ends
// every `every` from from to to (for a length in days, every so many days
// from from).
func Dates(from, to time.Time, every period.Length) []time.Time {
	var out []time.Time
	first := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	for k := 0; ; k++ {
		var next time.Time
		switch every.Unit {
		case 'm':
			next = first.AddDate(0, k*every.N+1, -1)
		case 'y':
			next = first.AddDate(k*every.N, 1, -1)
		default:
			next = period.Day(from).AddDate(0, 0, k*every.N)
		}
		if next.Before(period.Day(from)) {
			continue
		}
		if next.After(to) {
			return out
		}
		out = append(out, next)
	}
}
