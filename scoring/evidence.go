package scoring

import (
	"sort"
	"time"
)

// Ref points at one answer of one assessment.
type Ref struct {
	AssessmentID   string    `json:"assessment_id"`
	Date           time.Time `json:"date"`
	RelationshipID string    `json:"relationship_id,omitempty"`
	Answer         string    `json:"answer,omitempty"`
}

// ItemHistory summarises a relationship's answers to one canonical item up to
// the as-of date: what the sticky rules need and nothing more.
type ItemHistory struct {
	Item string
	// FirstYes and LastYes are the earliest and latest yes answers.
	FirstYes, LastYes *Ref
	// Latest is the latest answer of any value.
	Latest *Ref
	// Conflict is the latest no or not_known after FirstYes (kept for audit:
	// the sticky rule holds the yes despite it).
	Conflict *Ref
	// NoBefore is the latest no before FirstYes: what was asked about
	// ever happened between the two, which dates it ("ever" answers
	// otherwise say nothing of when).
	NoBefore *Ref
}

// RawAnswer is one answer as loaded, mapped to its canonical item.
type RawAnswer struct {
	AssessmentID   string
	RelationshipID string
	Date           time.Time
	Item           string
	Answer         string
}

// Summarise builds item histories from raw answers up to asOf, answer by
// answer with ItemHistory.Add, as the warehouse folds every relationship's
// answer sets at once (a test keeps the two equal). Answers on the same date
// are ordered by assessment id.
func Summarise(answers []RawAnswer, asOf time.Time) map[string]*ItemHistory {
	sorted := append([]RawAnswer(nil), answers...)
	sort.SliceStable(sorted, func(i, j int) bool {
		if !sorted[i].Date.Equal(sorted[j].Date) {
			return sorted[i].Date.Before(sorted[j].Date)
		}
		return sorted[i].AssessmentID < sorted[j].AssessmentID
	})
	out := map[string]*ItemHistory{}
	for _, a := range sorted {
		if a.Date.After(asOf) || a.Item == "" {
			continue
		}
		h := out[a.Item]
		if h == nil {
			h = &ItemHistory{Item: a.Item}
			out[a.Item] = h
		}
		h.Add(&Ref{AssessmentID: a.AssessmentID, Date: a.Date, RelationshipID: a.RelationshipID, Answer: a.Answer})
	}
	return out
}

// Add folds the next answer to the item (answers come in order of date,
// then assessment id): it becomes the latest; a yes is the first yes if
// there was none, and the last yes; a no or not known after a yes is the
// conflict the sticky rule holds the yes against, a no before any yes the
// one that dates it. not_asked changes only the latest.
func (h *ItemHistory) Add(ref *Ref) {
	h.Latest = ref
	switch ref.Answer {
	case "yes":
		if h.FirstYes == nil {
			h.FirstYes = ref
		}
		h.LastYes = ref
	case "no", "not_known":
		if h.FirstYes != nil {
			h.Conflict = ref
		} else if ref.Answer == "no" {
			h.NoBefore = ref
		}
	}
}

// Offence is one offence counted in harm.
type Offence struct {
	OffenceID string    `json:"offence_id"`
	Code      string    `json:"offence_code"`
	Date      time.Time `json:"committed_at"`
	VictimID  string    `json:"victim_id,omitempty"`
	Days      float64   `json:"cchi_days"`
	Scored    bool      `json:"scored"`
}

// Evidence is everything known about one relationship at the as-of date,
// as the warehouse hands it to the scorer.
type Evidence struct {
	RelationshipID string
	VictimID       string
	PerpetratorID  string
	// Area is the victim's area as the persons file records it ("" when
	// it records none), carried to the score for reports by area; it is
	// never a score input.
	Area string
	// Items are the relationship's own item histories. Bulk scoring may
	// give them instead as Indexed: one entry per canonical item, in the
	// order of Config.CanonicalItemIDs, nil where there is none.
	Items   map[string]*ItemHistory
	Indexed []*ItemHistory
	// Latest is the relationship's latest assessment up to the as-of date.
	Latest *Ref
	// OfficerGrade is the latest assessment's grading (baseline only).
	OfficerGrade string
	// PerpYes lists, per canonical item, yes answers about the same
	// perpetrator given in his other relationships (ever items about the
	// perpetrator or the dyad): the first yes in each other relationship.
	PerpYes map[string][]Ref
	// Occurrences are the relationship's occurrence dates in the lookback
	// up to the as-of date; Counts, when set, replaces them with the counts
	// the score needs (the warehouse computes them in SQL for bulk scoring).
	Occurrences []time.Time
	Counts      *OccurrenceCounts
	// OtherVictims is the number of other victims with a DA occurrence by
	// the same perpetrator in the lookback.
	OtherVictims int
	// HarmDays is the sum of CCHI days of the perpetrator's offences in the
	// lookback; HarmOffences their number; Unscored the codes with no CCHI
	// value (listed, never counted as zero silently).
	HarmDays     float64
	HarmOffences int
	Unscored     []string
	// Offences, when filled (explain), lists the offences counted.
	Offences []Offence
	// Facts are the offence facts that hold, by fact name, each with the
	// date of the latest offence that evidences it. They are the
	// perpetrator's, so his relationships may share them: read, never
	// written, once gathered.
	Facts []FactEvidence
}

// FactEvidence is one offence fact that holds, with the date of the
// latest offence in the lookback that evidences it (the stage's recency).
type FactEvidence struct {
	Fact string
	Last time.Time
}

// fact returns the evidence of fact name, if it holds.
func (ev *Evidence) fact(name string) (FactEvidence, bool) {
	for _, f := range ev.Facts {
		if f.Fact == name {
			return f, true
		}
	}
	return FactEvidence{}, false
}

// OccurrenceCounts are a relationship's occurrence counts at an as-of date.
type OccurrenceCounts struct {
	Lookback, Last90d, Last365d int
	// Last180d and Prior180d count the last 180 days and the 180 before
	// (the rising-frequency fact).
	Last180d, Prior180d int
	// LastAt is the latest occurrence (zero if none).
	LastAt time.Time
}
