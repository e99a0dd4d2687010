package scoring

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"testing"
	"time"
)

// sets turns raw answers to the canonical instrument into the answer sets
// the load would keep, one per assessment in order of date then id; items
// numbered 64 and over go as other answers.
func sets(raw []RawAnswer) []AnswerSet {
	byID := map[string]*AnswerSet{}
	var order []*AnswerSet
	for _, a := range raw {
		s := byID[a.AssessmentID]
		if s == nil {
			s = &AnswerSet{AssessmentID: a.AssessmentID, Date: a.Date, Instrument: "dash_police_2009", Grade: "standard"}
			byID[a.AssessmentID] = s
			order = append(order, s)
		}
		n, _ := strconv.Atoi(a.Item[1:])
		if n >= 64 {
			s.Others = append(s.Others, OtherAnswer{Item: a.Item, Answer: a.Answer})
			continue
		}
		bit := uint64(1) << n
		s.Answered |= bit
		switch a.Answer {
		case "yes":
			s.Yes |= bit
		case "no":
			s.No |= bit
		case "not_known":
			s.NotKnown |= bit
		}
	}
	sort.SliceStable(order, func(i, j int) bool {
		if !order[i].Date.Equal(order[j].Date) {
			return order[i].Date.Before(order[j].Date)
		}
		return order[i].AssessmentID < order[j].AssessmentID
	})
	out := make([]AnswerSet, len(order))
	for i, s := range order {
		out[i] = *s
	}
	return out
}

// TestFoldMatchesSummarise: folding answer sets gives, item by item, the
// histories Summarise gives from the same answers one by one (random
// relationships, conflicts and not-asked answers included).
func TestFoldMatchesSummarise(t *testing.T) {
	t.Parallel()
	cfg, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	f := NewFolder(cfg)
	rng := rand.New(rand.NewPCG(1, 2))
	answers := []string{"yes", "no", "not_known", "not_asked"}
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	checked, conflicts := 0, 0
	for r := range 200 {
		rel := fmt.Sprintf("r%d", r)
		var raw []RawAnswer
		for a := range 1 + rng.IntN(6) {
			id := fmt.Sprintf("%s-a%d", rel, a)
			// Two assessments may share a date: ids then order them.
			day := start.AddDate(0, 0, rng.IntN(40)*30)
			for _, n := range rng.Perm(27)[:1+rng.IntN(10)] {
				raw = append(raw, RawAnswer{AssessmentID: id, RelationshipID: rel, Date: day, Item: "Q" + strconv.Itoa(n+1), Answer: answers[rng.IntN(4)]})
			}
		}
		fold := f.NewFold(rel)
		for _, s := range sets(raw) {
			f.Add(fold, &s)
		}
		got := fold.Histories()
		want := Summarise(raw, start.AddDate(10, 0, 0))
		if len(got) != len(want) {
			t.Fatalf("%s: %d histories folded, %d summarised", rel, len(got), len(want))
		}
		for item, w := range want {
			g := got[item]
			if g == nil || !sameRef(g.FirstYes, w.FirstYes) || !sameRef(g.LastYes, w.LastYes) || !sameRef(g.Latest, w.Latest) || !sameRef(g.Conflict, w.Conflict) {
				t.Fatalf("%s %s: folded %+v, summarised %+v", rel, item, g, w)
			}
			if w.Conflict != nil {
				conflicts++
			}
			checked++
		}
		if fold.Latest == nil || fold.Grade != "standard" {
			t.Fatalf("%s: latest %v grade %q", rel, fold.Latest, fold.Grade)
		}
	}
	if checked < 1000 || conflicts < 50 {
		t.Fatalf("compared only %d histories (%d with a conflict)", checked, conflicts)
	}
}

func sameRef(a, b *Ref) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.AssessmentID == b.AssessmentID && a.Date.Equal(b.Date) && a.Answer == b.Answer && a.RelationshipID == b.RelationshipID
}

// itemOf returns a canonical item of the class and subject.
func itemOf(t *testing.T, cfg *Config, class, subject string) string {
	t.Helper()
	for _, id := range cfg.CanonicalItemIDs() {
		if it, _ := cfg.Canonical(id); it.Class == class && it.Subject == subject {
			return id
		}
	}
	t.Fatalf("no %s item about the %s", class, subject)
	return ""
}

// TestAttachRollsUp: a perpetrator's ever items (about him or the dyad)
// reach his other relationships, from relationships out of scope too,
// earliest first; items about the victim stay where they were answered.
func TestAttachRollsUp(t *testing.T) {
	t.Parallel()
	cfg, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	perp := itemOf(t, cfg, ClassEver, SubjectPerpetrator)
	dyad := itemOf(t, cfg, ClassEver, SubjectDyad)
	victim := itemOf(t, cfg, ClassCurrent, SubjectVictim)
	n := func(id string) uint64 { k, _ := strconv.Atoi(id[1:]); return 1 << k }
	day := func(m int) time.Time { return time.Date(2024, time.Month(m), 1, 0, 0, 0, 0, time.UTC) }
	f := NewFolder(cfg)
	folds := map[string]*Fold{}
	for _, c := range []struct {
		rel   string
		month int
		yes   uint64
	}{
		{"r-in", 5, 0},
		{"r-late", 9, n(perp) | n(victim) | n(dyad)},
		{"r-early", 2, n(perp)},
		{"r-none", 3, 0},
	} {
		fold := f.NewFold(c.rel)
		f.Add(fold, &AnswerSet{AssessmentID: c.rel + "-a", Date: day(c.month), Instrument: "dash_police_2009", Answered: c.yes | n(perp), Yes: c.yes, No: n(perp) &^ c.yes})
		folds[c.rel] = fold
	}
	in, late := &Evidence{RelationshipID: "r-in"}, &Evidence{RelationshipID: "r-late"}
	f.Attach([]*Evidence{in, late}, []*Fold{folds["r-in"], folds["r-late"], folds["r-early"], folds["r-none"]}, false)
	refs := in.PerpYes[perp]
	if len(refs) != 2 || refs[0].RelationshipID != "r-early" || refs[1].RelationshipID != "r-late" {
		t.Fatalf("r-in's %s rolled up from %+v, want r-early then r-late", perp, refs)
	}
	if len(in.PerpYes[victim]) != 0 {
		t.Errorf("a victim item rolled up: %+v", in.PerpYes)
	}
	if d := in.PerpYes[dyad]; len(d) != 1 || d[0].RelationshipID != "r-late" {
		t.Errorf("the dyad item %s rolled up as %+v, want from r-late", dyad, d)
	}
	if got := late.PerpYes[perp]; len(got) != 1 || got[0].RelationshipID != "r-early" {
		t.Errorf("r-late's own yes rolled up to itself, or r-early's did not: %+v", got)
	}
	if in.Items == nil || in.Latest == nil || in.Latest.AssessmentID != "r-in-a" {
		t.Errorf("r-in's fold not attached: items %v latest %+v", in.Items, in.Latest)
	}
	if h := late.Items[victim]; h == nil || h.FirstYes == nil {
		t.Errorf("r-late keeps its own victim item: %+v", late.Items)
	}
	// Indexed runs hand over the slice instead of a map.
	ix := &Evidence{RelationshipID: "r-in"}
	f.Attach([]*Evidence{ix}, []*Fold{folds["r-in"]}, true)
	if ix.Items != nil || len(ix.Indexed) != len(cfg.CanonicalItemIDs()) {
		t.Errorf("indexed attach: items %v, %d indexed", ix.Items, len(ix.Indexed))
	}
}

// TestFoldOtherAnswers: answers outside the item sets fold through the
// crosswalk; items the crosswalk does not know are left out.
func TestFoldOtherAnswers(t *testing.T) {
	t.Parallel()
	cfg, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	f := NewFolder(cfg)
	fold := f.NewFold("r")
	f.Add(fold, &AnswerSet{AssessmentID: "a", Date: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Instrument: "dash_police_2009",
		Others: []OtherAnswer{{Item: "Q18", Answer: "yes"}, {Item: "Q99", Answer: "yes"}}})
	h := fold.Histories()
	if len(h) != 1 || h["Q18"] == nil || h["Q18"].FirstYes == nil {
		t.Fatalf("histories %+v, want Q18 answered yes only", h)
	}
}

// TestWindowItemRollsUp: a window item about the perpetrator (Q24, his
// drink, drugs or mental health in the past year) answered yes in one of
// his relationships is active in his other relationship within its
// window, with that relationship as its source, by the latest yes; past
// the window it is not; a current item about the victim never rolls up.
func TestWindowItemRollsUp(t *testing.T) {
	t.Parallel()
	cfg, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	q24, _ := cfg.Canonical("Q24")
	if q24.Class != ClassWindow || q24.Subject != SubjectPerpetrator || q24.WindowMonths != 12 {
		t.Fatalf("Q24 is %+v", q24)
	}
	victim := itemOf(t, cfg, ClassCurrent, SubjectVictim)
	n := func(id string) uint64 { k, _ := strconv.Atoi(id[1:]); return 1 << k }
	day := func(y, m int) time.Time { return time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC) }
	f := NewFolder(cfg)
	other, here := f.NewFold("r-other"), f.NewFold("r-here")
	f.Add(other, &AnswerSet{AssessmentID: "a1", Date: day(2024, 1), Instrument: "dash_police_2009", Answered: n("Q24"), Yes: n("Q24")})
	f.Add(other, &AnswerSet{AssessmentID: "a2", Date: day(2024, 3), Instrument: "dash_police_2009", Answered: n("Q24") | n(victim), Yes: n("Q24") | n(victim)})
	f.Add(here, &AnswerSet{AssessmentID: "b1", Date: day(2024, 6), Instrument: "dash_police_2009", Answered: n(victim), No: n(victim)})
	ev := &Evidence{RelationshipID: "r-here"}
	f.Attach([]*Evidence{ev}, []*Fold{other, here}, false)
	s := NewScorer(cfg)
	find := func(asOf time.Time, item string) *ActiveItem {
		for _, a := range s.ActiveItems(ev, asOf) {
			if a.Item == item {
				return &a
			}
		}
		return nil
	}
	a := find(day(2024, 12), "Q24")
	if a == nil || !a.FromOtherRelationship || a.Source.RelationshipID != "r-other" || a.Source.AssessmentID != "a2" {
		t.Fatalf("Q24 in December: %+v, want it from r-other's latest yes (a2)", a)
	}
	if a := find(day(2025, 4), "Q24"); a != nil {
		t.Errorf("Q24 13 months after its latest yes: %+v", a)
	}
	if a := find(day(2024, 12), victim); a != nil {
		t.Errorf("the victim's current item %s rolled up: %+v", victim, a)
	}
}
