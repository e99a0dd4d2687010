package appdb

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tau-da/tau/app"
	"github.com/tau-da/tau/scoring"
)

// longDay writes a date as an officer reads it: "6 June 2023".
func longDay(t time.Time) string { return t.Format("2 January 2006") }

// sources says what met each atom of a cluster's rule, in words: the items
// with the assessment and date they come from, the facts with the offence
// that evidences them.
type sources struct {
	cfg      *scoring.Config
	items    map[string]app.Item
	offences []app.Offence
}

// atom words one atom that met a rule. short leaves out the item's label.
func (s sources) atom(a string, short bool) string {
	if it, ok := s.items[a]; ok {
		name := a
		if !short {
			name = s.cfg.AtomWords(a) // "Q18 (strangulation)"
		}
		w := fmt.Sprintf("%s answered yes on %s in assessment %s", name, longDay(it.SourceDate), it.SourceAssessment)
		if it.FromOther {
			w += fmt.Sprintf(" (about the same perpetrator, in relationship %s)", it.SourceRelation)
		}
		return w
	}
	if a == scoring.FactRisingFrequency || a == scoring.FactOtherVictimDA {
		return s.cfg.AtomWords(a)
	}
	f, ok := s.cfg.Facts[a]
	if !ok {
		return a
	}
	if short || len(s.offences) == 0 {
		if strings.Contains(f.Description, "lookback") {
			return f.Description
		}
		return f.Description + " on record"
	}
	codes := map[string]bool{}
	for _, c := range f.Codes {
		codes[c] = true
	}
	// The latest offence that evidences the fact.
	for i := len(s.offences) - 1; i >= 0; i-- {
		if o := s.offences[i]; codes[o.Code] {
			name := o.Name
			if name == "" {
				name = "class " + o.Code
			}
			return fmt.Sprintf("the perpetrator's offence %s on %s (%s)", o.ID, longDay(o.Date), name)
		}
	}
	return f.Description
}

// evidence words what met a cluster: each leg's sources, joined.
func (s sources) evidence(c *scoring.Cluster, holds func(string) bool, short bool) string {
	var legs []string
	for _, l := range c.Legs(holds) {
		if !l.Met {
			continue
		}
		var by []string
		for _, a := range l.By {
			by = append(by, s.atom(a, short))
		}
		legs = append(legs, strings.Join(by, ", "))
	}
	return strings.Join(legs, "; and ")
}

// itemOrder sorts item ids as officers number them: Q8 before Q10.
func itemOrder(items []app.Item) {
	sort.SliceStable(items, func(i, j int) bool { return itemLess(items[i].Item, items[j].Item) })
}

// itemLess compares two item ids by their letters, then their number.
func itemLess(a, b string) bool {
	pa, na := splitID(a)
	pb, nb := splitID(b)
	if pa != pb {
		return pa < pb
	}
	if na != nb {
		return na < nb
	}
	return a < b
}

// splitID splits "Q18" into "Q" and 18 (-1 if it has no number).
func splitID(id string) (string, int) {
	i := strings.IndexFunc(id, func(r rune) bool { return r >= '0' && r <= '9' })
	if i < 0 {
		return id, -1
	}
	n, err := strconv.Atoi(id[i:])
	if err != nil {
		return id, -1
	}
	return id[:i], n
}
