package scoring

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// Bands of the total score.
const (
	BandRed   = "red"
	BandAmber = "amber"
	BandGreen = "green"
)

// Days in the occurrence-count windows the practice reports.
const (
	window90  = 90
	window365 = 365
	// risingDays is the half-window of the rising-frequency fact: more
	// occurrences in the last 180 days than in the 180 before.
	risingDays = 180
)

// ActiveItem is an item that counts at the as-of date, with why.
type ActiveItem struct {
	Item    string `json:"item"`
	Label   string `json:"label"`
	Class   string `json:"class"`
	Subject string `json:"subject"`
	// Source is the answer that makes it active.
	Source Ref `json:"source"`
	// Reason says in words why it is active.
	Reason string `json:"reason"`
	// Sticky is set when a later answer said no or not known and the
	// sticky rule holds the yes; HeldAgainst is that later answer.
	Sticky      bool `json:"sticky"`
	HeldAgainst *Ref `json:"held_against,omitempty"`
	// FromOtherRelationship is set when the yes was given in another of the
	// perpetrator's relationships (perpetrator items roll up).
	FromOtherRelationship bool `json:"from_other_relationship"`
}

// ActiveCluster is a cluster whose rule holds.
type ActiveCluster struct {
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	Weight float64 `json:"weight"`
	Stage  int     `json:"stage"`
	Source string  `json:"source"`
	Legs   []Leg   `json:"legs"`
}

// StageEvidence is one reason for a timeline stage.
type StageEvidence struct {
	Stage int    `json:"stage"`
	By    string `json:"by"`
}

// Score is one relationship's threat score at an as-of date.
type Score struct {
	RelationshipID        string          `json:"relationship_id"`
	VictimID              string          `json:"victim_id"`
	PerpetratorID         string          `json:"perpetrator_id"`
	AsOf                  time.Time       `json:"as_of"`
	Total                 float64         `json:"total_score"`
	Rank                  int             `json:"rank"`
	Band                  string          `json:"band"`
	Stage                 int             `json:"stage"`
	ClusterScore          float64         `json:"cluster_score"`
	HarmScore             float64         `json:"harm_score"`
	RecencyFrequencyScore float64         `json:"recency_frequency_score"`
	Clusters              []string        `json:"clusters"`
	Items                 []string        `json:"items"`
	Occurrences90d        int             `json:"occurrences_90d"`
	Occurrences365d       int             `json:"occurrences_365d"`
	OccurrencesLookback   int             `json:"occurrences_lookback"`
	PctOccurrencesLast90d float64         `json:"pct_occurrences_last_90d"`
	DaysSinceLast         int             `json:"days_since_last_occurrence"`
	HarmCCHIDays          float64         `json:"harm_cchi_days"`
	Unscored              []string        `json:"unscored_offence_codes"`
	Serial                bool            `json:"serial"`
	OfficerGrade          string          `json:"officer_grade,omitempty"`
	ConfigHash            string          `json:"config_hash"`
	HarmEdition           string          `json:"harm_edition"`
	ActiveItems           []ActiveItem    `json:"-"`
	ActiveClusters        []ActiveCluster `json:"-"`
	StageEvidence         []StageEvidence `json:"-"`
}

// Scorer scores evidence with a configuration.
type Scorer struct{ cfg *Config }

// NewScorer returns a scorer for cfg.
func NewScorer(cfg *Config) *Scorer { return &Scorer{cfg: cfg} }

// Config returns the scorer's configuration.
func (s *Scorer) Config() *Config { return s.cfg }

// LookbackStart returns the first day counted for an as-of date.
func (s *Scorer) LookbackStart(asOf time.Time) time.Time {
	return asOf.AddDate(-s.cfg.Score.LookbackYears, 0, 0)
}

// ActiveItems applies the sticky rules (research notes, domain 6.1):
//   - ever items: true once any assessment up to the as-of date said yes; a
//     later no or not known does not clear it (kept as HeldAgainst);
//   - window items: true while the as-of date is within the window after the
//     latest yes;
//   - current, trend and context items: the latest assessment's answer only;
//   - not known is never a yes and never clears one;
//   - perpetrator items roll up from his other relationships.
func (s *Scorer) ActiveItems(ev *Evidence, asOf time.Time) []ActiveItem {
	var out []ActiveItem
	for _, inst := range s.cfg.Instruments {
		if !inst.Canonical {
			continue
		}
		for _, it := range inst.Items {
			a := ActiveItem{Item: it.ID, Label: it.Label, Class: it.Class, Subject: it.Subject}
			h := ev.Items[it.ID]
			switch it.Class {
			case ClassEver:
				if h != nil && h.FirstYes != nil {
					a.Source = *h.FirstYes
					a.Reason = fmt.Sprintf("yes in assessment %s on %s", h.FirstYes.AssessmentID, day(h.FirstYes.Date))
					if h.Conflict != nil {
						a.Sticky, a.HeldAgainst = true, h.Conflict
						a.Reason += fmt.Sprintf("; held by the sticky rule although assessment %s on %s said %s",
							h.Conflict.AssessmentID, day(h.Conflict.Date), words(h.Conflict.Answer))
					}
					out = append(out, a)
					continue
				}
				if it.Subject == SubjectPerpetrator {
					if refs := ev.PerpYes[it.ID]; len(refs) > 0 {
						a.Source, a.FromOtherRelationship = refs[0], true
						a.Reason = fmt.Sprintf("yes about the same perpetrator in another relationship (%s), assessment %s on %s",
							refs[0].RelationshipID, refs[0].AssessmentID, day(refs[0].Date))
						out = append(out, a)
					}
				}
			case ClassWindow:
				if h != nil && h.LastYes != nil && !asOf.After(h.LastYes.Date.AddDate(0, it.WindowMonths, 0)) {
					a.Source = *h.LastYes
					a.Reason = fmt.Sprintf("yes in assessment %s on %s, within its %d-month window", h.LastYes.AssessmentID, day(h.LastYes.Date), it.WindowMonths)
					out = append(out, a)
				}
			default: // current, trend, context
				if h != nil && h.Latest != nil && h.Latest.Answer == "yes" && ev.Latest != nil && h.Latest.AssessmentID == ev.Latest.AssessmentID {
					a.Source = *h.Latest
					a.Reason = fmt.Sprintf("yes in the latest assessment %s on %s", h.Latest.AssessmentID, day(h.Latest.Date))
					out = append(out, a)
				}
			}
		}
	}
	return out
}

// Score computes one relationship's score at asOf.
func (s *Scorer) Score(ev *Evidence, asOf time.Time) Score {
	c := s.cfg
	sc := Score{RelationshipID: ev.RelationshipID, VictimID: ev.VictimID, PerpetratorID: ev.PerpetratorID, AsOf: asOf,
		ConfigHash: c.Hash, HarmEdition: c.Harm.Edition, OfficerGrade: ev.OfficerGrade, Unscored: ev.Unscored,
		Serial: ev.OtherVictims > 0, HarmCCHIDays: ev.HarmDays}
	sc.ActiveItems = s.ActiveItems(ev, asOf)
	active := map[string]bool{}
	for _, a := range sc.ActiveItems {
		active[a.Item] = true
		sc.Items = append(sc.Items, a.Item)
	}
	// Occurrence counts.
	oc := ev.Counts
	if oc == nil {
		oc = countOccurrences(ev.Occurrences, s.LookbackStart(asOf), asOf)
	}
	sc.OccurrencesLookback, sc.Occurrences90d, sc.Occurrences365d = oc.Lookback, oc.Last90d, oc.Last365d
	if oc.Lookback > 0 {
		sc.PctOccurrencesLast90d = 100 * float64(oc.Last90d) / float64(oc.Lookback)
		sc.DaysSinceLast = int(asOf.Sub(oc.LastAt).Hours() / 24)
	} else {
		sc.DaysSinceLast = -1
	}
	recent, prev := oc.Last180d, oc.Prior180d
	facts := map[string]bool{
		FactRisingFrequency: recent > prev && recent >= 2,
		FactOtherVictimDA:   ev.OtherVictims > 0,
	}
	for f := range ev.Facts {
		facts[f] = true
	}
	truth := func(atom string) bool { return active[atom] || facts[atom] }
	// Clusters.
	var weights []float64
	for _, cl := range c.Clusters {
		ok, _ := cl.rule.Eval(truth)
		if !ok {
			continue
		}
		sc.ActiveClusters = append(sc.ActiveClusters, ActiveCluster{ID: cl.ID, Name: cl.Name, Weight: cl.Weight, Stage: cl.Stage,
			Source: cl.Source, Legs: cl.rule.Legs(truth)})
		sc.Clusters = append(sc.Clusters, cl.ID)
		weights = append(weights, cl.Weight)
		if cl.Stage > 0 {
			sc.StageEvidence = append(sc.StageEvidence, StageEvidence{Stage: cl.Stage, By: "cluster " + cl.ID + " (" + cl.Name + ")"})
		}
	}
	sc.ClusterScore = combineClusters(weights, c.Score.Clusters.RestFactor, c.Score.Clusters.Cap)
	// Dyad items from the perpetrator's other relationships evidence stage 1
	// (pre-relationship history), not this relationship's own items.
	for _, it := range sortedKeys(ev.PerpYes) {
		if ci, ok := c.Canonical(it); ok && ci.Subject == SubjectDyad && !active[it] {
			r := ev.PerpYes[it][0]
			sc.StageEvidence = append(sc.StageEvidence, StageEvidence{Stage: 1,
				By: fmt.Sprintf("%s (%s) with another victim: relationship %s, assessment %s on %s", it, ci.Label, r.RelationshipID, r.AssessmentID, day(r.Date))})
		}
	}
	if ev.OtherVictims > 0 {
		sc.StageEvidence = append(sc.StageEvidence, StageEvidence{Stage: 1, By: fmt.Sprintf("DA occurrences with %d other victim(s) in the lookback", ev.OtherVictims)})
	}
	for _, e := range sc.StageEvidence {
		if e.Stage > sc.Stage {
			sc.Stage = e.Stage
		}
	}
	// Harm (CCHI, log scale) and recency-frequency.
	sc.HarmScore = c.Score.Harm.PointsPerLogDay * math.Log1p(ev.HarmDays)
	rf := c.Score.RecencyFrequency
	if sc.OccurrencesLookback > 0 {
		sc.RecencyFrequencyScore = rf.RecencyPoints*math.Exp(-float64(sc.DaysSinceLast)/rf.RecencyTauDays) +
			rf.FrequencyPoints*math.Log1p(float64(sc.OccurrencesLookback))
	}
	sc.Total = round2(sc.ClusterScore + sc.HarmScore + sc.RecencyFrequencyScore)
	sc.ClusterScore, sc.HarmScore, sc.RecencyFrequencyScore = round2(sc.ClusterScore), round2(sc.HarmScore), round2(sc.RecencyFrequencyScore)
	switch {
	case sc.Total >= c.Bands.Red:
		sc.Band = BandRed
	case sc.Total >= c.Bands.Amber:
		sc.Band = BandAmber
	default:
		sc.Band = BandGreen
	}
	return sc
}

// countOccurrences counts occurrence dates in [start, asOf].
func countOccurrences(dates []time.Time, start, asOf time.Time) *OccurrenceCounts {
	oc := &OccurrenceCounts{}
	for _, t := range dates {
		if t.After(asOf) || t.Before(start) {
			continue
		}
		oc.Lookback++
		age := asOf.Sub(t).Hours() / 24
		if age < window90 {
			oc.Last90d++
		}
		if age < window365 {
			oc.Last365d++
		}
		if age < risingDays {
			oc.Last180d++
		} else if age < 2*risingDays {
			oc.Prior180d++
		}
		if t.After(oc.LastAt) {
			oc.LastAt = t
		}
	}
	return oc
}

// combineClusters adds overlapping cluster weights without double counting:
// the largest weight plus restFactor times the others, capped.
func combineClusters(w []float64, restFactor, cap float64) float64 {
	if len(w) == 0 {
		return 0
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(w)))
	total := w[0]
	for _, x := range w[1:] {
		total += restFactor * x
	}
	return math.Min(total, cap)
}

// Rank orders scores by total (highest first) and numbers them 1, 2, ...;
// ties are broken by cluster score, then harm, then relationship id, so the
// order is the same every run.
func Rank(scores []Score) {
	sort.SliceStable(scores, func(i, j int) bool {
		a, b := scores[i], scores[j]
		if a.Total != b.Total {
			return a.Total > b.Total
		}
		if a.ClusterScore != b.ClusterScore {
			return a.ClusterScore > b.ClusterScore
		}
		if a.HarmScore != b.HarmScore {
			return a.HarmScore > b.HarmScore
		}
		return a.RelationshipID < b.RelationshipID
	})
	for i := range scores {
		scores[i].Rank = i + 1
	}
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

func day(t time.Time) string { return t.Format("2006-01-02") }

func words(answer string) string {
	if answer == "not_known" {
		return "not known"
	}
	return answer
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
