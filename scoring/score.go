package scoring

import (
	"cmp"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
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
	// NewSince, for an "ever" item, is the relationship's latest no before
	// its first yes: the thing happened between the two.
	NewSince *Ref `json:"new_since,omitempty"`
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
	RelationshipID string `json:"relationship_id"`
	VictimID       string `json:"victim_id"`
	PerpetratorID  string `json:"perpetrator_id"`
	// Area is the victim's area (Evidence.Area): reports group by it; it
	// plays no part in the score.
	Area                  string    `json:"area,omitempty"`
	AsOf                  time.Time `json:"as_of"`
	Total                 float64   `json:"total_score"`
	Rank                  int       `json:"rank"`
	Band                  string    `json:"band"`
	Stage                 int       `json:"stage"`
	ClusterScore          float64   `json:"cluster_score"`
	HarmScore             float64   `json:"harm_score"`
	RecencyFrequencyScore float64   `json:"recency_frequency_score"`
	Clusters              []string  `json:"clusters"`
	// ClusterStages is the stage each active cluster counted at, in the
	// order of Clusters: its configured stage, or less where the evidence
	// of the time did not support it.
	ClusterStages []int    `json:"cluster_stages"`
	Items         []string `json:"items"`
	// Facts are the record-derived facts that hold (offence facts, rising
	// frequency, other victims), sorted: with Items, what the cluster rules
	// were given.
	Facts                 []string        `json:"facts"`
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
type Scorer struct {
	cfg *Config
	// Terse leaves out the words: each active item's Reason, the active
	// clusters' legs and the stage evidence (bulk scoring: the snapshot
	// keeps the items with their sources and the facts, from which Reason
	// and Cluster.Legs word them when shown).
	Terse bool
}

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
	var room [activeItemsRoom]ActiveItem
	out := room[:0]
	k := 0
	for _, inst := range s.cfg.Instruments {
		if !inst.Canonical {
			continue
		}
		for i := range inst.Items {
			it := &inst.Items[i]
			var h *ItemHistory
			if ev.Indexed != nil {
				h = ev.Indexed[k]
			} else {
				h = ev.Items[it.ID]
			}
			k++
			rolls := it.Subject == SubjectPerpetrator && (it.Class == ClassEver || it.Class == ClassWindow)
			if h == nil && !rolls {
				continue // nothing answered, nothing rolled up
			}
			// The item is built only once it is known to be active (of
			// the 63 items a relationship is asked, nationally four on
			// average are).
			var source, newSince, heldAgainst *Ref
			other := false
			switch it.Class {
			case ClassEver:
				if h != nil && h.FirstYes != nil {
					source, newSince, heldAgainst = h.FirstYes, h.NoBefore, h.Conflict
				} else if refs := ev.PerpYes[it.ID]; it.Subject == SubjectPerpetrator && len(refs) > 0 {
					source, other = &refs[0], true
				} else {
					continue
				}
			case ClassWindow:
				// The latest yes, here or (an item about him) in another of
				// his relationships, within its window.
				if h != nil && h.LastYes != nil {
					source = h.LastYes
				}
				if refs := ev.PerpYes[it.ID]; it.Subject == SubjectPerpetrator && len(refs) > 0 {
					if r := &refs[len(refs)-1]; source == nil || r.Date.After(source.Date) {
						source, other = r, true
					}
				}
				if source == nil || asOf.After(source.Date.AddDate(0, it.WindowMonths, 0)) {
					continue
				}
			default: // current, trend, context
				if h == nil || h.Latest == nil || h.Latest.Answer != "yes" || ev.Latest == nil || h.Latest.AssessmentID != ev.Latest.AssessmentID {
					continue
				}
				source = h.Latest
			}
			out = append(out, ActiveItem{Item: it.ID, Label: it.Label, Class: it.Class, Subject: it.Subject, Source: *source, NewSince: newSince,
				Sticky: heldAgainst != nil, HeldAgainst: heldAgainst, FromOtherRelationship: other})
			if !s.Terse {
				out[len(out)-1].Reason = s.Reason(out[len(out)-1])
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return slices.Clone(out)
}

// activeItemsRoom is how many active items are gathered on the stack
// before the relationship's are copied out in one allocation of their own
// size: nationally four are active on average (184 bytes each), and
// giving each relationship room for eight on the heap allocated 2.4 GB.
const activeItemsRoom = 16

// stageMonths is the configuration's stage window.
func stageMonths(c *Config) int {
	if c.Score.StageRecentMonths > 0 {
		return c.Score.StageRecentMonths
	}
	return DefaultStageRecentMonths
}

// StageNote says why a cluster counted below its configured stage ("" when
// it did not): met by history only, so stage 3 at most, or the only sign
// of escalation of the time, so no stage. Scoring, the app and explain all
// say it so.
func (c *Config) StageNote(counted, configured int) string {
	switch {
	case counted >= configured:
		return ""
	case counted == 0:
		return fmt.Sprintf("the only sign of escalation in the last %d months, so it places no stage, since escalation needs %d; configured at stage %d",
			stageMonths(c), escalationSigns(c), configured)
	}
	return fmt.Sprintf("met by history only (\"ever\" answers that date nothing, or evidence older than %d months), so stage %d at most; configured at stage %d",
		stageMonths(c), counted, configured)
}

// escalationSigns is the configuration's number of escalation clusters a
// stage of 5 or above needs.
func escalationSigns(c *Config) int {
	if c.Score.EscalationSigns > 0 {
		return c.Score.EscalationSigns
	}
	return DefaultEscalationSigns
}

// anyRecent reports whether any atom that met a rule is evidence of the
// time (atomRecent).
func anyRecent(atoms []string, items []ActiveItem, ev *Evidence, since time.Time) bool {
	return slices.ContainsFunc(atoms, func(a string) bool { return atomRecent(a, items, ev, since) })
}

// atomRecent reports whether an atom is evidence of the time: an item
// about what is happening now (window or current) answered yes since; an
// "ever" item only when this relationship said no since and yes after it
// (it happened between the two), since a yes to "ever" dates nothing (ever
// breached an order: perhaps in 2015); an offence fact with an offence
// since; or a rising frequency. A perpetrator's other victims are history.
func atomRecent(a string, items []ActiveItem, ev *Evidence, since time.Time) bool {
	// A relationship has a handful of active items: a scan costs less
	// than a map built for every score.
	if i := slices.IndexFunc(items, func(it ActiveItem) bool { return it.Item == a }); i >= 0 {
		it := items[i]
		if it.Class == ClassEver {
			return it.NewSince != nil && !it.NewSince.Date.Before(since)
		}
		// Said in the window: a "current" item of a latest assessment
		// three years old is history too.
		return !it.Source.Date.Before(since)
	}
	switch a {
	case FactRisingFrequency:
		return true
	case FactOtherVictimDA:
		return false
	}
	f, ok := ev.fact(a)
	return ok && !f.Last.Before(since)
}

// Reason says in words why an active item is active, from its class, source
// and the answer a sticky yes is held against.
func (s *Scorer) Reason(a ActiveItem) string {
	src := a.Source
	switch {
	case a.FromOtherRelationship:
		return fmt.Sprintf("yes about the same perpetrator in another relationship (%s), assessment %s on %s",
			src.RelationshipID, src.AssessmentID, day(src.Date))
	case a.Class == ClassEver:
		r := fmt.Sprintf("yes in assessment %s on %s", src.AssessmentID, day(src.Date))
		if a.HeldAgainst != nil {
			r += fmt.Sprintf("; held by the sticky rule although assessment %s on %s said %s",
				a.HeldAgainst.AssessmentID, day(a.HeldAgainst.Date), words(a.HeldAgainst.Answer))
		}
		return r
	case a.Class == ClassWindow:
		it, _ := s.cfg.Canonical(a.Item)
		return fmt.Sprintf("yes in assessment %s on %s, within its %d-month window", src.AssessmentID, day(src.Date), it.WindowMonths)
	}
	return fmt.Sprintf("yes in the latest assessment %s on %s", src.AssessmentID, day(src.Date))
}

// Score computes one relationship's score at asOf.
func (s *Scorer) Score(ev *Evidence, asOf time.Time) Score {
	c := s.cfg
	sc := Score{RelationshipID: ev.RelationshipID, VictimID: ev.VictimID, PerpetratorID: ev.PerpetratorID, Area: ev.Area, AsOf: asOf,
		ConfigHash: c.Hash, HarmEdition: c.Harm.Edition, OfficerGrade: ev.OfficerGrade, Unscored: ev.Unscored,
		Serial: ev.OtherVictims > 0, HarmCCHIDays: ev.HarmDays}
	sc.ActiveItems = s.ActiveItems(ev, asOf)
	if len(sc.ActiveItems) > 0 {
		sc.Items = make([]string, len(sc.ActiveItems))
		for i, a := range sc.ActiveItems {
			sc.Items[i] = a.Item
		}
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
	sc.Facts = factsOf(ev, oc)
	// The items and facts are a few each (nationally four items on
	// average): a look along them costs less than a map built for them.
	truth := func(atom string) bool { return slices.Contains(sc.Items, atom) || slices.Contains(sc.Facts, atom) }
	// The clusters' rules are asked of the true atoms as a set (a map
	// lookup per atom of every rule was a fifth of scoring's time).
	holds := c.atomSet(sc.Items, sc.Facts)
	// Clusters.
	var weights []float64
	recentSince := asOf.AddDate(0, -stageMonths(c), 0)
	type met struct {
		cl     *Cluster
		recent bool
	}
	var metsRoom [16]met // more clusters met than this are rare
	mets := metsRoom[:0]
	signs := 0 // escalation clusters (stage 5 and above) met by evidence of the time
	for i := range c.Clusters {
		cl := &c.Clusters[i]
		if !cl.rule.holdsIn(holds) {
			continue
		}
		// Only a cluster of stage 4 and above asks whether its evidence is
		// of the time, so only its atoms are gathered.
		m := met{cl: cl, recent: cl.Stage > 3 && anyRecent(cl.rule.atomsIn(holds), sc.ActiveItems, ev, recentSince)}
		if m.recent && cl.Stage >= 5 {
			signs++
		}
		mets = append(mets, m)
	}
	need := escalationSigns(c)
	if len(mets) > 0 {
		sc.Clusters, sc.ClusterStages, weights = make([]string, 0, len(mets)), make([]int, 0, len(mets)), make([]float64, 0, len(mets))
	}
	for _, m := range mets {
		cl := m.cl
		sc.Clusters = append(sc.Clusters, cl.ID)
		weights = append(weights, cl.Weight)
		// Stage 4 and above are what is happening now: a cluster met by
		// old evidence only (a sticky "ever" yes from years ago) places a
		// relationship at stage 3 at most; escalation needs signs from
		// more than one cluster (a frightened victim alone is not a
		// pattern of intensification).
		stage := cl.Stage
		switch {
		case stage > 3 && !m.recent:
			stage = 3
		case stage >= 5 && signs < need:
			stage = 0
		}
		sc.Stage = max(sc.Stage, stage)
		sc.ClusterStages = append(sc.ClusterStages, stage)
		if s.Terse {
			continue
		}
		sc.ActiveClusters = append(sc.ActiveClusters, ActiveCluster{ID: cl.ID, Name: cl.Name, Weight: cl.Weight, Stage: stage,
			Source: cl.Source, Legs: cl.rule.Legs(truth)})
		if why := c.StageNote(stage, cl.Stage); stage > 0 || why != "" {
			by := "cluster " + cl.ID + " (" + cl.Name + ")"
			if why != "" {
				by += ": " + why
			}
			sc.StageEvidence = append(sc.StageEvidence, StageEvidence{Stage: stage, By: by})
		}
	}
	sc.ClusterScore = combineClusters(weights, c.Score.Clusters.RestFactor, c.Score.Clusters.Cap)
	// Stages no cluster stands for (planning): every part met by evidence
	// of the time.
	recentTruth := func(atom string) bool { return truth(atom) && atomRecent(atom, sc.ActiveItems, ev, recentSince) }
	for _, sr := range c.StageRules {
		ok, atoms := sr.rule.Eval(recentTruth)
		if !ok {
			continue
		}
		sc.Stage = max(sc.Stage, sr.Stage)
		if s.Terse {
			continue
		}
		said := make([]string, len(atoms))
		for i, a := range atoms {
			said[i] = c.AtomWords(a)
		}
		sc.StageEvidence = append(sc.StageEvidence, StageEvidence{Stage: sr.Stage,
			By: fmt.Sprintf("%s: %s, all within %d months", sr.Name, strings.Join(said, " with "), stageMonths(c))})
	}
	// Dyad items from the perpetrator's other relationships evidence stage 1
	// (pre-relationship history), not this relationship's own items.
	for _, it := range sortedKeys(ev.PerpYes) {
		if ci, ok := c.Canonical(it); ok && ci.Subject == SubjectDyad && !slices.Contains(sc.Items, it) {
			sc.Stage = max(sc.Stage, 1)
			if !s.Terse {
				r := ev.PerpYes[it][0]
				sc.StageEvidence = append(sc.StageEvidence, StageEvidence{Stage: 1,
					By: fmt.Sprintf("%s (%s) with another victim: relationship %s, assessment %s on %s", it, ci.Label, r.RelationshipID, r.AssessmentID, day(r.Date))})
			}
		}
	}
	if ev.OtherVictims > 0 {
		sc.Stage = max(sc.Stage, 1)
		if !s.Terse {
			sc.StageEvidence = append(sc.StageEvidence, StageEvidence{Stage: 1, By: fmt.Sprintf("DA occurrences with %d other victim(s) in the lookback", ev.OtherVictims)})
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

// factsOf lists, sorted, the record-derived facts that hold for a
// relationship: its offence facts, rising frequency (more occurrences in
// the last 180 days than in the 180 before, and at least two) and other
// victims.
func factsOf(ev *Evidence, oc *OccurrenceCounts) []string {
	var out []string
	if len(ev.Facts) > 0 {
		out = make([]string, 0, len(ev.Facts)+2)
		for _, f := range ev.Facts {
			out = append(out, f.Fact)
		}
	}
	recent, prev := oc.Last180d, oc.Prior180d
	if recent > prev && recent >= 2 && !slices.Contains(out, FactRisingFrequency) {
		out = append(out, FactRisingFrequency)
	}
	if ev.OtherVictims > 0 && !slices.Contains(out, FactOtherVictimDA) {
		out = append(out, FactOtherVictimDA)
	}
	sort.Strings(out)
	return out
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
	keys := make([]RankKey, len(scores))
	for i := range scores {
		keys[i] = scores[i].RankKey()
	}
	order := RankOrder(keys)
	// Put each score in place by following the cycles of the permutation
	// (a score is too large to move at every comparison).
	done := make([]bool, len(scores))
	for start := range order {
		if done[start] {
			continue
		}
		tmp := scores[start]
		k := start
		for {
			done[k] = true
			from := order[k]
			if from == start {
				scores[k] = tmp
				break
			}
			scores[k] = scores[from]
			k = from
		}
	}
	for i := range scores {
		scores[i].Rank = i + 1
	}
}

// RankKey is what ranks a score: totals, highest first, ties broken by the
// cluster score, then the harm score, then the relationship id.
type RankKey struct {
	Total, Cluster, Harm float64
	RelationshipID       string
}

// RankKey returns the score's rank key.
func (s *Score) RankKey() RankKey {
	return RankKey{Total: s.Total, Cluster: s.ClusterScore, Harm: s.HarmScore, RelationshipID: s.RelationshipID}
}

// RankOrder returns the indexes of keys in rank order: element r is the
// index of the key ranked r+1. The keys are sorted with their indexes
// beside them, not through the indexes (reaching each key through its
// index was a cache miss per comparison), in as many parts as there are
// cores, merged after (nationally 1.6 million keys: 0.9 s to 0.4 s on two
// cores). The order is total (relationship ids are unique), so it is the
// same however the keys were split.
func RankOrder(keys []RankKey) []int { return rankOrder(keys, runtime.GOMAXPROCS(0)) }

// rankOrder is RankOrder in at most n parts.
func rankOrder(keys []RankKey, n int) []int {
	all := make([]rankedKey, len(keys))
	for i, k := range keys {
		all[i] = rankedKey{k, i}
	}
	parts := rankParts(all, n)
	var wg sync.WaitGroup
	for _, p := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slices.SortFunc(p, compareRanked)
		}()
	}
	wg.Wait()
	for len(parts) > 1 {
		var merged [][]rankedKey
		for i := 0; i < len(parts); i += 2 {
			if i+1 == len(parts) {
				merged = append(merged, parts[i])
				continue
			}
			merged = append(merged, mergeRanked(parts[i], parts[i+1]))
		}
		parts = merged
	}
	order := make([]int, 0, len(keys))
	for _, p := range parts {
		for _, k := range p {
			order = append(order, k.i)
		}
	}
	return order
}

// rankedKey is a rank key with the index it came at.
type rankedKey struct {
	RankKey
	i int
}

func compareRanked(x, y rankedKey) int { return compareRank(&x.RankKey, &y.RankKey) }

// rankMinPart is the fewest keys worth sorting on a goroutine of their own.
const rankMinPart = 1 << 15

// rankParts splits keys into at most n parts of at least rankMinPart keys.
func rankParts(keys []rankedKey, n int) [][]rankedKey {
	n = max(1, min(n, len(keys)/rankMinPart))
	var parts [][]rankedKey
	for i := range n {
		parts = append(parts, keys[i*len(keys)/n:(i+1)*len(keys)/n])
	}
	return parts
}

// mergeRanked merges two sorted runs of keys into a new one.
func mergeRanked(a, b []rankedKey) []rankedKey {
	out := make([]rankedKey, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if compareRank(&b[0].RankKey, &a[0].RankKey) < 0 {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}

// compareRank orders two rank keys: the higher total first, then the
// higher cluster score, the higher harm, and the relationship id.
func compareRank(a, b *RankKey) int {
	switch {
	case a.Total != b.Total:
		return cmp.Compare(b.Total, a.Total)
	case a.Cluster != b.Cluster:
		return cmp.Compare(b.Cluster, a.Cluster)
	case a.Harm != b.Harm:
		return cmp.Compare(b.Harm, a.Harm)
	}
	return strings.Compare(a.RelationshipID, b.RelationshipID)
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
