package scoring

import (
	"math/bits"
	"sort"
	"strconv"
	"strings"
	"time"
)

// AnswerSet is one assessment's answers as the load keeps them
// (queries/warehouse/answer_sets.sql): the items Q1..Q63 of its
// instrument that it answered, and those answered yes, no and not known, as
// sets (bit n is item Qn), plus any answers to items outside Q1..Q63.
type AnswerSet struct {
	AssessmentID string
	Date         time.Time
	Instrument   string
	// Grade is the officer's grading of the assessment.
	Grade                       string
	Answered, Yes, No, NotKnown uint64
	Others                      []OtherAnswer
}

// OtherAnswer is an answer to an item outside Q1..Q63 (a force's own form),
// mapped through the configuration's crosswalk when folded.
type OtherAnswer struct{ Item, Answer string }

// Answer kinds of the item sets, in the order a fold looks them up.
const (
	ansYes = iota
	ansNo
	ansNotKnown
	ansNotAsked
)

var answerWords = [...]string{ansYes: "yes", ansNo: "no", ansNotKnown: "not_known", ansNotAsked: "not_asked"}

// Folder folds a relationship's assessments, in order of date then
// assessment id, into item histories indexed by canonical item, with the
// same sticky rules as Summarise (ItemHistory.Add); it maps each
// instrument's question numbers once. One Folder serves a whole run, on one goroutine.
type Folder struct {
	cfg      *Config
	ids      []string
	index    map[string]int
	byNumber map[string]*[64]int
	// rollUp lists the canonical items that roll up across a
	// perpetrator's relationships: ever items about him or the dyad.
	rollUp []int
	// refs and histories are taken from in turn by Add, a slab at a time
	// (nationally 4 million assessments make some 16 million answer
	// references and item histories; one allocation each was a tenth of
	// scoring's time).
	refs      []Ref
	histories []ItemHistory
	// items is taken from by NewFold, a fold's item slots at a time, for
	// the same reason.
	items []*ItemHistory
}

// foldSlab is how many references or item histories are allocated at
// once: enough that allocation costs nothing per answer, few enough that
// a slab kept alive by one live history holds little (a few tens of
// kilobytes).
const foldSlab = 512

// newRef returns a fresh reference from the folder's slab.
func (f *Folder) newRef(r Ref) *Ref {
	if len(f.refs) == 0 {
		f.refs = make([]Ref, foldSlab)
	}
	p := &f.refs[0]
	*p, f.refs = r, f.refs[1:]
	return p
}

// newHistory returns a fresh item history from the folder's slab.
func (f *Folder) newHistory(item string) *ItemHistory {
	if len(f.histories) == 0 {
		f.histories = make([]ItemHistory, foldSlab)
	}
	h := &f.histories[0]
	h.Item, f.histories = item, f.histories[1:]
	return h
}

// NewFolder returns a folder for the configuration's items.
func NewFolder(cfg *Config) *Folder {
	f := &Folder{cfg: cfg, ids: cfg.CanonicalItemIDs(), index: map[string]int{}, byNumber: map[string]*[64]int{}}
	for i, id := range f.ids {
		f.index[id] = i
		it, _ := cfg.Canonical(id)
		if it.Class == ClassEver && (it.Subject == SubjectPerpetrator || it.Subject == SubjectDyad) ||
			it.Class == ClassWindow && it.Subject == SubjectPerpetrator {
			f.rollUp = append(f.rollUp, i)
		}
	}
	return f
}

// numbers maps an instrument's items Q1..Q63 to canonical indexes (-1 where
// the crosswalk has none).
func (f *Folder) numbers(instrument string) *[64]int {
	if m := f.byNumber[instrument]; m != nil {
		return m
	}
	m := new([64]int)
	for n := range m {
		m[n] = -1
		if id := f.cfg.CanonicalItem(instrument, "Q"+strconv.Itoa(n)); id != "" && n > 0 {
			m[n] = f.index[id]
		}
	}
	f.byNumber[strings.Clone(instrument)] = m
	return m
}

// Fold is one relationship's fold: its item histories (one entry per
// canonical item, nil where never answered) and latest assessment.
type Fold struct {
	RelationshipID string
	Items          []*ItemHistory
	Latest         *Ref
	Grade          string
}

// NewFold starts the fold of a relationship.
func (f *Folder) NewFold(relationshipID string) *Fold {
	n := len(f.ids)
	if len(f.items) < n {
		f.items = make([]*ItemHistory, foldSlab*n)
	}
	// Capped at its own n slots, so an append never reaches the next
	// fold's.
	items := f.items[:n:n]
	f.items = f.items[n:]
	return &Fold{RelationshipID: relationshipID, Items: items}
}

// grade returns an officer grade as a string that outlives the row it was
// read from (the three grades without a copy each).
func grade(g string) string {
	switch g {
	case "":
		return ""
	case "standard":
		return "standard"
	case "medium":
		return "medium"
	case "high":
		return "high"
	}
	return strings.Clone(g)
}

// Add folds the relationship's next assessment. The assessment id must
// outlive the call; the instrument and grade may not (they are copied when
// kept).
func (f *Folder) Add(rf *Fold, a *AnswerSet) {
	rf.Latest = f.newRef(Ref{AssessmentID: a.AssessmentID, Date: a.Date, RelationshipID: rf.RelationshipID})
	rf.Grade = grade(a.Grade)
	var refs [4]*Ref
	ref := func(k int) *Ref {
		if refs[k] == nil {
			refs[k] = f.newRef(Ref{AssessmentID: a.AssessmentID, Date: a.Date, RelationshipID: rf.RelationshipID, Answer: answerWords[k]})
		}
		return refs[k]
	}
	step := func(i, k int) {
		h := rf.Items[i]
		if h == nil {
			h = f.newHistory(f.ids[i])
			rf.Items[i] = h
		}
		h.Add(ref(k))
	}
	if a.Answered != 0 {
		m := f.numbers(a.Instrument)
		for b := a.Answered; b != 0; b &= b - 1 {
			n := bits.TrailingZeros64(b)
			i := m[n]
			if i < 0 {
				continue
			}
			bit := uint64(1) << n
			k := ansNotAsked
			switch {
			case a.Yes&bit != 0:
				k = ansYes
			case a.No&bit != 0:
				k = ansNo
			case a.NotKnown&bit != 0:
				k = ansNotKnown
			}
			step(i, k)
		}
	}
	for _, o := range a.Others {
		i, ok := f.index[f.cfg.CanonicalItem(a.Instrument, o.Item)]
		if !ok {
			continue
		}
		k := ansNotAsked
		for j, w := range answerWords {
			if w == o.Answer {
				k = j
			}
		}
		step(i, k)
	}
}

// Histories returns the fold's item histories keyed by canonical item.
func (rf *Fold) Histories() map[string]*ItemHistory {
	out := make(map[string]*ItemHistory, 8)
	for _, h := range rf.Items {
		if h != nil {
			out[h.Item] = h
		}
	}
	return out
}

// attachMapped is the most relationships in scope a perpetrator can have
// before Attach finds them by a map rather than by a look along them:
// most perpetrators have one or two (nationally 1.6 million relationships
// in scope), and a map for each was an allocation per perpetrator.
const attachMapped = 16

// inScopeOf finds a perpetrator's relationship in scope by its id (nil if
// it is not in scope).
func inScopeOf(group []*Evidence) func(string) *Evidence {
	if len(group) <= attachMapped {
		return func(id string) *Evidence {
			for _, ev := range group {
				if ev.RelationshipID == id {
					return ev
				}
			}
			return nil
		}
	}
	byRel := make(map[string]*Evidence, len(group))
	for _, ev := range group {
		byRel[ev.RelationshipID] = ev
	}
	return func(id string) *Evidence { return byRel[id] }
}

// Attach gives one perpetrator's relationships in scope (group) their folds
// and rolls his items up: each ever item about him or the dyad, and each
// window item about him, that one of his relationships answered yes
// reaches his other relationships' PerpYes (ever items by their first yes,
// window items by their latest), earliest first. folds holds every relationship of his with an
// assessment, in scope or not. With indexed, item histories are handed over
// as Evidence.Indexed (bulk runs), else as Evidence.Items.
func (f *Folder) Attach(group []*Evidence, folds []*Fold, indexed bool) {
	inScope := inScopeOf(group)
	for _, rf := range folds {
		if ev := inScope(rf.RelationshipID); ev != nil {
			ev.Latest, ev.OfficerGrade = rf.Latest, rf.Grade
			if indexed {
				ev.Indexed = rf.Items
			} else {
				ev.Items = rf.Histories()
			}
		}
		for _, i := range f.rollUp {
			h := rf.Items[i]
			if h == nil || h.FirstYes == nil {
				continue
			}
			// An ever item rolls up by its first yes; a window item (about
			// him, in the past N months) by its latest, so its window runs
			// from when it was last said.
			yes := h.FirstYes
			if it, _ := f.cfg.Canonical(h.Item); it.Class == ClassWindow {
				yes = h.LastYes
			}
			for _, ev := range group {
				if ev.RelationshipID != rf.RelationshipID {
					if ev.PerpYes == nil {
						ev.PerpYes = map[string][]Ref{}
					}
					ev.PerpYes[h.Item] = append(ev.PerpYes[h.Item], *yes)
				}
			}
		}
	}
	for _, ev := range group {
		if ev.Items == nil && !indexed {
			ev.Items = map[string]*ItemHistory{}
		}
		for _, refs := range ev.PerpYes {
			sort.Slice(refs, func(i, j int) bool {
				if !refs[i].Date.Equal(refs[j].Date) {
					return refs[i].Date.Before(refs[j].Date)
				}
				return refs[i].RelationshipID < refs[j].RelationshipID
			})
		}
	}
}
