package scoring

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func d(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func mustDefault(t *testing.T) *Config {
	t.Helper()
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ans(id, date, item, answer string) RawAnswer {
	return RawAnswer{AssessmentID: id, RelationshipID: "r1", Date: d(date), Item: item, Answer: answer}
}

// evidence builds a relationship's evidence from raw answers as of asOf.
func evidence(asOf string, raw ...RawAnswer) *Evidence {
	ev := &Evidence{RelationshipID: "r1", VictimID: "V1", PerpetratorID: "P1", Items: Summarise(raw, d(asOf))}
	for _, a := range raw {
		if !a.Date.After(d(asOf)) && (ev.Latest == nil || a.Date.After(ev.Latest.Date) || (a.Date.Equal(ev.Latest.Date) && a.AssessmentID > ev.Latest.AssessmentID)) {
			ev.Latest = &Ref{AssessmentID: a.AssessmentID, Date: a.Date}
		}
	}
	return ev
}

func TestStickyRules(t *testing.T) {
	t.Parallel()
	s := NewScorer(mustDefault(t))
	tests := []struct {
		name       string
		asOf       string
		raw        []RawAnswer
		perpYes    map[string][]Ref
		item       string
		wantActive bool
		wantSticky bool
		wantSource string
	}{
		{"ever yes stays after a later no", "2024-12-31",
			[]RawAnswer{ans("A1", "2023-01-01", "Q18", "yes"), ans("A2", "2024-01-01", "Q18", "no")}, nil, "Q18", true, true, "A1"},
		{"ever yes stays after a later not known", "2024-12-31",
			[]RawAnswer{ans("A1", "2023-01-01", "Q18", "yes"), ans("A2", "2024-01-01", "Q18", "not_known")}, nil, "Q18", true, true, "A1"},
		{"ever never yes", "2024-12-31",
			[]RawAnswer{ans("A1", "2023-01-01", "Q18", "no"), ans("A2", "2024-01-01", "Q18", "not_known")}, nil, "Q18", false, false, ""},
		{"not known is never a yes", "2024-12-31",
			[]RawAnswer{ans("A1", "2023-01-01", "Q17", "not_known")}, nil, "Q17", false, false, ""},
		{"ever yes after the as-of date does not count", "2023-06-30",
			[]RawAnswer{ans("A1", "2023-01-01", "Q18", "no"), ans("A2", "2024-01-01", "Q18", "yes")}, nil, "Q18", false, false, ""},
		{"window yes within 12 months", "2024-06-30",
			[]RawAnswer{ans("A1", "2023-09-01", "Q6", "yes")}, nil, "Q6", true, false, "A1"},
		{"window yes expired after 12 months", "2024-09-02",
			[]RawAnswer{ans("A1", "2023-09-01", "Q6", "yes")}, nil, "Q6", false, false, ""},
		{"window counts from the latest yes", "2024-09-02",
			[]RawAnswer{ans("A1", "2023-01-01", "Q6", "yes"), ans("A2", "2024-01-01", "Q6", "yes")}, nil, "Q6", true, false, "A2"},
		{"window pregnancy 18 months", "2024-06-30",
			[]RawAnswer{ans("A1", "2023-01-15", "Q9", "yes")}, nil, "Q9", true, false, "A1"},
		{"current: latest assessment yes", "2024-12-31",
			[]RawAnswer{ans("A1", "2023-01-01", "Q15", "no"), ans("A2", "2024-01-01", "Q15", "yes")}, nil, "Q15", true, false, "A2"},
		{"current: earlier yes, latest no", "2024-12-31",
			[]RawAnswer{ans("A1", "2023-01-01", "Q15", "yes"), ans("A2", "2024-01-01", "Q15", "no")}, nil, "Q15", false, false, ""},
		{"current: latest assessment did not ask it", "2024-12-31",
			[]RawAnswer{ans("A1", "2023-01-01", "Q15", "yes"), ans("A2", "2024-01-01", "Q1", "no")}, nil, "Q15", false, false, ""},
		{"trend: latest only", "2024-12-31",
			[]RawAnswer{ans("A1", "2023-01-01", "Q14", "yes"), ans("A2", "2024-01-01", "Q14", "not_known")}, nil, "Q14", false, false, ""},
		{"perpetrator item rolls up from another relationship", "2024-12-31",
			[]RawAnswer{ans("A1", "2024-01-01", "Q21", "no")},
			map[string][]Ref{"Q21": {{AssessmentID: "B7", RelationshipID: "r2", Date: d("2022-05-01")}}}, "Q21", true, false, "B7"},
		{"dyad item from another relationship is not this dyad's", "2024-12-31",
			[]RawAnswer{ans("A1", "2024-01-01", "Q18", "no")},
			map[string][]Ref{"Q18": {{AssessmentID: "B7", RelationshipID: "r2", Date: d("2022-05-01")}}}, "Q18", false, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := evidence(tt.asOf, tt.raw...)
			ev.PerpYes = tt.perpYes
			var got *ActiveItem
			for _, a := range s.ActiveItems(ev, d(tt.asOf)) {
				if a.Item == tt.item {
					a := a
					got = &a
				}
			}
			if (got != nil) != tt.wantActive {
				t.Fatalf("%s active = %v, want %v", tt.item, got != nil, tt.wantActive)
			}
			if got == nil {
				return
			}
			if got.Sticky != tt.wantSticky || got.Source.AssessmentID != tt.wantSource {
				t.Errorf("%s = %+v; want sticky %v from %s", tt.item, got, tt.wantSticky, tt.wantSource)
			}
			if got.Sticky && (got.HeldAgainst == nil || !strings.Contains(got.Reason, "held by the sticky rule")) {
				t.Errorf("sticky item must name the answer it is held against: %+v", got)
			}
		})
	}
}

func TestRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule  string
		true_ []string
		want  bool
		by    []string
	}{
		{"Q6", []string{"Q6"}, true, []string{"Q6"}},
		{"all_of(Q6, any_of(Q15, Q4), any_of(Q18, violence_offence))", []string{"Q6", "Q4", "violence_offence"}, true, []string{"Q6", "Q4", "violence_offence"}},
		{"all_of(Q6, any_of(Q15, Q4), any_of(Q18, violence_offence))", []string{"Q6", "Q4"}, false, nil},
		{"at_least(2, Q4, Q15, Q19)", []string{"Q4"}, false, nil},
		{"at_least(2, Q4, Q15, Q19)", []string{"Q4", "Q19"}, true, []string{"Q4", "Q19"}},
		{"any_of(at_least(2, Q4, Q15), ccb_offence)", []string{"ccb_offence"}, true, []string{"ccb_offence"}},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			r, err := ParseRule(tt.rule)
			if err != nil {
				t.Fatal(err)
			}
			set := map[string]bool{}
			for _, a := range tt.true_ {
				set[a] = true
			}
			ok, by := r.Eval(func(a string) bool { return set[a] })
			if ok != tt.want || !reflect.DeepEqual(by, tt.by) {
				t.Errorf("Eval = %v %v, want %v %v", ok, by, tt.want, tt.by)
			}
			if again, err := ParseRule(r.String()); err != nil || again.String() != r.String() {
				t.Errorf("round trip %q -> %q (%v)", r.String(), again, err)
			}
		})
	}
	for _, bad := range []string{"", "all_of(Q1", "some_of(Q1)", "at_least(3, Q1, Q2)", "all_of(Q1,)", "Q1 Q2"} {
		if _, err := ParseRule(bad); err == nil {
			t.Errorf("ParseRule(%q) = nil error", bad)
		}
	}
}

// TestClusterC1 checks the trigger cluster leg by leg: separation within the
// window, a control item, and violence from an item or an offence.
func TestClusterC1(t *testing.T) {
	t.Parallel()
	s := NewScorer(mustDefault(t))
	ev := evidence("2024-06-30", ans("A1", "2023-01-01", "Q18", "yes"), ans("A2", "2024-03-01", "Q6", "yes"),
		ans("A2", "2024-03-01", "Q15", "yes"), ans("A3", "2024-05-01", "Q18", "no"))
	sc := s.Score(ev, d("2024-06-30"))
	var c1 *ActiveCluster
	for i := range sc.ActiveClusters {
		if sc.ActiveClusters[i].ID == "C1" {
			c1 = &sc.ActiveClusters[i]
		}
	}
	// Q15 is a current item and the latest assessment A3 did not ask it, so
	// the control leg fails: C1 must not fire.
	if c1 != nil {
		t.Fatalf("C1 fired without a current control item: %+v", c1)
	}
	ev = evidence("2024-06-30", ans("A1", "2023-01-01", "Q18", "yes"), ans("A2", "2024-03-01", "Q6", "yes"),
		ans("A3", "2024-05-01", "Q15", "yes"), ans("A3", "2024-05-01", "Q18", "no"))
	sc = s.Score(ev, d("2024-06-30"))
	for i := range sc.ActiveClusters {
		if sc.ActiveClusters[i].ID == "C1" {
			c1 = &sc.ActiveClusters[i]
		}
	}
	if c1 == nil {
		t.Fatalf("C1 did not fire; clusters %v items %v", sc.Clusters, sc.Items)
	}
	if len(c1.Legs) != 3 || !c1.Legs[0].Met || c1.Legs[2].By[0] != "Q18" {
		t.Errorf("C1 legs = %+v", c1.Legs)
	}
	if sc.Stage != 4 {
		t.Errorf("stage = %d, want 4 (trigger) from C1", sc.Stage)
	}
}

// TestScoreArithmetic recomputes one score by hand from the configuration.
func TestScoreArithmetic(t *testing.T) {
	t.Parallel()
	cfg := mustDefault(t)
	s := NewScorer(cfg)
	ev := evidence("2024-06-30", ans("A1", "2024-06-01", "Q18", "yes"), ans("A1", "2024-06-01", "Q17", "yes"))
	ev.Occurrences = []time.Time{d("2024-06-01"), d("2023-01-01"), d("2020-01-01")}
	ev.HarmDays = 20
	sc := s.Score(ev, d("2024-06-30"))
	// C2 (weight 9) and C4 (weight 7): 9 + 0.5*7 = 12.5.
	if sc.ClusterScore != 12.5 {
		t.Errorf("cluster score = %v, want 12.5 (clusters %v)", sc.ClusterScore, sc.Clusters)
	}
	wantHarm := 2 * math.Log1p(20)
	// Two occurrences in the 3-year lookback, the last 29 days ago.
	wantRF := 10*math.Exp(-29.0/180) + 4*math.Log1p(2)
	if math.Abs(sc.HarmScore-wantHarm) > 0.01 || math.Abs(sc.RecencyFrequencyScore-wantRF) > 0.01 {
		t.Errorf("harm %v rf %v, want %v %v", sc.HarmScore, sc.RecencyFrequencyScore, wantHarm, wantRF)
	}
	if sc.OccurrencesLookback != 2 || sc.Occurrences90d != 1 || sc.PctOccurrencesLast90d != 50 || sc.DaysSinceLast != 29 {
		t.Errorf("counts = %d %d %v %d", sc.OccurrencesLookback, sc.Occurrences90d, sc.PctOccurrencesLast90d, sc.DaysSinceLast)
	}
	if sc.ConfigHash != cfg.Hash || sc.HarmEdition == "" {
		t.Errorf("score does not record the configuration: %q %q", sc.ConfigHash, sc.HarmEdition)
	}
}

func TestRankDeterministic(t *testing.T) {
	t.Parallel()
	scores := []Score{{RelationshipID: "b", Total: 10}, {RelationshipID: "a", Total: 10}, {RelationshipID: "c", Total: 12}}
	Rank(scores)
	got := []string{scores[0].RelationshipID, scores[1].RelationshipID, scores[2].RelationshipID}
	if !reflect.DeepEqual(got, []string{"c", "a", "b"}) || scores[0].Rank != 1 || scores[2].Rank != 3 {
		t.Errorf("rank order = %v", got)
	}
}

// TestRankOrderInParts: keys enough to be sorted in parts on several
// goroutines and merged, with many ties on every score, come out in the
// order one plain sort of them gives.
func TestRankOrderInParts(t *testing.T) {
	t.Parallel()
	const n = 5*rankMinPart + 17
	keys := make([]RankKey, n)
	for i := range keys {
		// Few distinct totals, cluster and harm scores: ties fall to the
		// later comparisons and to the id.
		keys[i] = RankKey{Total: float64(i * 7 % 13), Cluster: float64(i * 3 % 5), Harm: float64(i % 2), RelationshipID: fmt.Sprintf("r%07d", i*7919%n)}
	}
	want := make([]int, n)
	for i := range want {
		want[i] = i
	}
	slices.SortFunc(want, func(a, b int) int { return compareRank(&keys[a], &keys[b]) })
	for _, procs := range []int{1, 2, 3, 8} {
		if parts := rankParts(make([]rankedKey, n), procs); len(parts) != min(procs, n/rankMinPart) {
			t.Errorf("%d cores: %d parts", procs, len(parts))
		}
		if got := rankOrder(keys, procs); !reflect.DeepEqual(got, want) {
			t.Errorf("%d cores: rank order in parts differs from one sort (first place %d, want %d)", procs, got[0], want[0])
		}
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	c := mustDefault(t)
	if len(c.Clusters) != 17 {
		t.Errorf("%d clusters, want the 17 of the default library", len(c.Clusters))
	}
	if got := c.CanonicalItem("dash_safelives_24", "Q15"); got != "Q18" {
		t.Errorf("SafeLives Q15 maps to %q, want police Q18 (strangulation)", got)
	}
	if got := c.CanonicalItem("dash_safelives_24", "Q27"); got != "" {
		t.Errorf("SafeLives has no Q27, got %q", got)
	}
	if c.HarmTable["008/06"] != 10 || c.HarmTable["005/01"] != 1460 {
		t.Errorf("harm table = %v", c.HarmTable)
	}
	if got := c.HarmNames["008/06"]; got != "Assault occasioning actual bodily harm (s47)" {
		t.Errorf("008/06 is named %q", got)
	}
	for _, bad := range []struct{ from, to string }{
		{`lookback_years = 3`, `lookback_years = 0`},
		{`rule = "Q9"`, `rule = "Q99"`},
		{`red = 45.0`, `red = 1.0`},
		{`source = "DASH design (Richards 2009)"`, `source = ""`},
		{`points_per_log_day = 2.0`, `points_per_log_day = 2.0` + "\nmystery = 1"},
	} {
		text := strings.Replace(string(defaultConfig), bad.from, bad.to, 1)
		if text == string(defaultConfig) {
			t.Fatalf("test edit %q not applied", bad.from)
		}
		if _, err := Parse([]byte(text), "bad.toml"); err == nil {
			t.Errorf("config with %q accepted", bad.to)
		}
	}
}

// TestStageFromEvidenceOfTheTime: a threat to kill (Q12, an "ever" item,
// sticky) keeps its cluster active but places the relationship at stage 3
// at most, saying why, unless the records date it to the window: said
// three years ago, or said last month in the relationship's first
// assessment (it may have happened years before), it is history; said
// last month after a no three months ago, it happened since, but one sign
// of escalation is not a pattern and places no stage of its own (its
// cluster says why); with occurrences rising in the last six months too
// (a second escalation cluster), the relationship is at escalation.
func TestStageFromEvidenceOfTheTime(t *testing.T) {
	t.Parallel()
	s, asOf := defaultScorer(t)
	said := func(no *time.Time, yes time.Time) *Evidence {
		var answers []RawAnswer
		if no != nil {
			answers = append(answers, RawAnswer{AssessmentID: "A0", RelationshipID: "r-1", Date: *no, Item: "Q12", Answer: "no"})
		}
		answers = append(answers, RawAnswer{AssessmentID: "A1", RelationshipID: "r-1", Date: yes, Item: "Q12", Answer: "yes"})
		return &Evidence{RelationshipID: "r-1", VictimID: "V1", PerpetratorID: "P1", Latest: &Ref{AssessmentID: "A1", Date: yes},
			Items: Summarise(answers, asOf), Occurrences: []time.Time{yes}}
	}
	lastMonth, threeMonths := asOf.AddDate(0, -1, 0), asOf.AddDate(0, -3, 0)
	old := said(nil, time.Date(2022, 11, 1, 0, 0, 0, 0, time.UTC))
	sc := s.Score(old, asOf)
	if !slices.Contains(sc.Clusters, "C4") || sc.Stage != 3 {
		t.Errorf("an old threat to kill: clusters %v, stage %d, want C4 at stage 3", sc.Clusters, sc.Stage)
	}
	if why := fmt.Sprint(sc.StageEvidence); !strings.Contains(why, "met by history only") || !strings.Contains(why, "so stage 3 at most") {
		t.Errorf("the capped stage does not say why: %s", why)
	}
	if sc := s.Score(said(nil, lastMonth), asOf); sc.Stage != 3 {
		t.Errorf("a threat to kill first asked about last month: stage %d, want 3 (undated history)", sc.Stage)
	}
	dated := said(&threeMonths, lastMonth)
	if sc := s.Score(dated, asOf); sc.Stage >= 5 || !strings.Contains(fmt.Sprint(sc.StageEvidence), "the only sign of escalation in the last 12 months") {
		t.Errorf("a threat to kill last month after a no three months ago, alone: stage %d, want below 5, saying why (%v)", sc.Stage, sc.StageEvidence)
	}
	dated.Occurrences = append(dated.Occurrences, asOf.AddDate(0, -2, 0), asOf.AddDate(0, -3, 0))
	if sc := s.Score(dated, asOf); sc.Stage != 5 || !slices.Contains(sc.Clusters, "C7") {
		t.Errorf("a dated threat to kill with rising occurrences: clusters %v, stage %d, want escalation (%v)", sc.Clusters, sc.Stage, sc.StageEvidence)
	}
	longAgo := asOf.AddDate(-3, 0, 0)
	if sc := s.Score(said(&longAgo, lastMonth), asOf); sc.Stage != 3 {
		t.Errorf("a threat to kill last month after a no three years ago: stage %d, want 3 (it may be years old)", sc.Stage)
	}
	rising := said(nil, time.Date(2022, 11, 1, 0, 0, 0, 0, time.UTC))
	rising.Occurrences = append(rising.Occurrences, asOf.AddDate(0, -1, 0), asOf.AddDate(0, -2, 0), asOf.AddDate(0, -3, 0))
	if sc := s.Score(rising, asOf); sc.Stage >= 5 || !slices.Contains(sc.Clusters, "C7") {
		t.Errorf("an old threat with rising occurrences (one sign of the time): clusters %v, stage %d, want below escalation", sc.Clusters, sc.Stage)
	}
}

// TestPlanningStage: stalking (Q8, a current item) with weapons (Q16, an
// "ever" item) both of the time is stage 7, planning, with the rule's
// evidence in words; weapons said yes without an earlier no in the window
// is history, so not planning, and neither is either alone.
func TestPlanningStage(t *testing.T) {
	t.Parallel()
	s, asOf := defaultScorer(t)
	recent, before := asOf.AddDate(0, -2, 0), asOf.AddDate(0, -6, 0)
	ev := func(answers ...RawAnswer) *Evidence {
		for i := range answers {
			answers[i].RelationshipID = "r-1"
		}
		return &Evidence{RelationshipID: "r-1", VictimID: "V1", PerpetratorID: "P1", Latest: &Ref{AssessmentID: "A2", Date: recent},
			Items: Summarise(answers, asOf), Occurrences: []time.Time{recent}}
	}
	yes := func(item string) RawAnswer {
		return RawAnswer{AssessmentID: "A2", Date: recent, Item: item, Answer: "yes"}
	}
	noEarlier := RawAnswer{AssessmentID: "A1", Date: before, Item: "Q16", Answer: "no"}
	tests := []struct {
		name     string
		ev       *Evidence
		planning bool
	}{
		{"stalking with weapons, both of the time", ev(noEarlier, yes("Q8"), yes("Q16")), true},
		{"weapons not dated by an earlier no", ev(yes("Q8"), yes("Q16")), false},
		{"stalking alone", ev(yes("Q8")), false},
		{"weapons alone", ev(noEarlier, yes("Q16")), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc := s.Score(tt.ev, asOf)
			if got := sc.Stage == 7; got != tt.planning {
				t.Fatalf("stage %d, want planning %v (evidence %v)", sc.Stage, tt.planning, sc.StageEvidence)
			}
			if tt.planning {
				why := fmt.Sprint(sc.StageEvidence)
				if !strings.Contains(why, "Planning: stalking with weapons: Q8 (") || !strings.Contains(why, "within 12 months") {
					t.Errorf("stage 7 evidence in words: %s", why)
				}
			}
		})
	}
}

// TestHeaviest: clusters by id, heaviest first, ties by id, unknown ids
// left out.
func TestHeaviest(t *testing.T) {
	t.Parallel()
	cfg, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cfg.Heaviest([]string{"C17", "C4", "C5", "C99", "C1"}) {
		got = append(got, c.ID)
	}
	// C1 10, then C4 and C5 both 7 (by id), then C17 1.
	if strings.Join(got, " ") != "C1 C4 C5 C17" {
		t.Errorf("heaviest %v", got)
	}
	if cfg.Cluster("C99") != nil || cfg.Cluster("C2").Name != "Non-fatal strangulation" {
		t.Error("Cluster lookup")
	}
}

// defaultScorer is a scorer of the default configuration and the as-of
// date the stage tests score at.
func defaultScorer(t *testing.T) (*Scorer, time.Time) {
	t.Helper()
	cfg, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return NewScorer(cfg), time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC)
}
