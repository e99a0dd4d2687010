package evaluation

import (
	"slices"
	"sort"
	"time"
)

// Span is a half-open window of days [From, To).
type Span struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Days is the span's length in days.
func (s Span) Days() float64 { return s.To.Sub(s.From).Hours() / 24 }

// Contains reports whether t falls in the span.
func (s Span) Contains(t time.Time) bool { return !t.Before(s.From) && t.Before(s.To) }

// Overlaps reports whether the span and [from, to) share a moment; a zero
// to means open-ended.
func (s Span) Overlaps(from, to time.Time) bool {
	return from.Before(s.To) && (to.IsZero() || to.After(s.From))
}

// monthDays is the mean Gregorian month in days (365.2425 / 12): the unit
// of the trend model's time axis and exposure.
const monthDays = 30.436875

// Pieces cuts a span into calendar-month pieces from its start (the last
// piece may be shorter), for the trend model's monthly series.
func (s Span) Pieces() []Span {
	var out []Span
	for from := s.From; from.Before(s.To); {
		to := from.AddDate(0, 1, 0)
		if to.After(s.To) {
			to = s.To
		}
		out = append(out, Span{From: from, To: to})
		from = to
	}
	return out
}

// monthOf places a piece on the time axis: months from origin to its
// midpoint, and its exposure in months.
func monthOf(p Span, origin time.Time) (t, exposure float64) {
	mid := p.From.Add(p.To.Sub(p.From) / 2)
	return mid.Sub(origin).Hours() / 24 / monthDays, p.Days() / monthDays
}

// Occurrences indexes occurrence times by a relationship key, sorted, so a
// window's count is two binary searches.
type Occurrences map[string][]time.Time

// Add records an occurrence.
func (o Occurrences) Add(key string, t time.Time) { o[key] = append(o[key], t) }

// Sort orders every key's times; call it once after adding.
// (The warehouse usually gives them in order, so most are only checked.)
func (o Occurrences) Sort() {
	for _, ts := range o {
		if !slices.IsSortedFunc(ts, time.Time.Compare) {
			slices.SortFunc(ts, time.Time.Compare)
		}
	}
}

// Count returns the number of occurrences of key in the span.
func (o Occurrences) Count(key string, s Span) int { return countIn(o[key], s) }

// countIn counts the sorted times in the span.
func countIn(ts []time.Time, s Span) int {
	lo := sort.Search(len(ts), func(i int) bool { return !ts[i].Before(s.From) })
	hi := sort.Search(len(ts), func(i int) bool { return !ts[i].Before(s.To) })
	return hi - lo
}

// CoupleKey is the key that counts a couple's occurrences in both
// directions: the two person ids in order.
func CoupleKey(a, b string) string {
	if b < a {
		a, b = b, a
	}
	return a + "\x1f" + b
}

// Engagement is a victim's episode with an agency (IDVA, MARAC...); a zero
// To is still open.
type Engagement struct {
	Agency   string
	From, To time.Time
}

// Engagements indexes episodes by victim id.
type Engagements map[string][]Engagement

// Share returns the fraction of the span's days in which the victim was
// engaged with any agency (episodes merged, an open episode running to the
// span's end): the part of a follow-up to which a reporting uplift applies.
func (e Engagements) Share(victim string, s Span) float64 {
	eps, days := e[victim], s.Days()
	if len(eps) == 0 || days <= 0 {
		return 0 // (most victims: nothing to merge or sort)
	}
	var cut []Span
	for _, g := range eps {
		if !s.Overlaps(g.From, g.To) {
			continue
		}
		c := Span{From: g.From, To: g.To}
		if c.From.Before(s.From) {
			c.From = s.From
		}
		if c.To.IsZero() || c.To.After(s.To) {
			c.To = s.To
		}
		cut = append(cut, c)
	}
	sort.Slice(cut, func(i, j int) bool { return cut[i].From.Before(cut[j].From) })
	covered := 0.0
	var end time.Time
	for _, c := range cut {
		if c.From.Before(end) {
			c.From = end
		}
		if c.To.After(c.From) {
			covered += c.Days()
			end = c.To
		}
	}
	return min(1, covered/days)
}

// During lists the agencies a victim was engaged with during the span.
func (e Engagements) During(victim string, s Span) []string {
	eps := e[victim]
	if len(eps) == 0 {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, g := range eps {
		if s.Overlaps(g.From, g.To) && !seen[g.Agency] {
			seen[g.Agency] = true
			out = append(out, g.Agency)
		}
	}
	sort.Strings(out)
	return out
}
