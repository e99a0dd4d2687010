package scoring

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

//go:embed default.toml
var defaultConfig []byte

//go:embed cchi-2020-excerpt.csv
var builtinCCHI []byte

// Temporal classes of an item (research notes, domain 1.2): how long a yes
// stays true.
const (
	ClassEver    = "ever"    // true once ever answered yes (sticky)
	ClassWindow  = "window"  // true for WindowMonths after the latest yes
	ClassCurrent = "current" // the latest assessment's answer only
	ClassTrend   = "trend"   // the latest assessment's answer only
	ClassContext = "context" // the latest assessment's answer only
)

// Subjects of an item: whose trait it describes.
const (
	SubjectVictim      = "victim"
	SubjectPerpetrator = "perpetrator"
	SubjectDyad        = "dyad"
)

// Item is one question of an instrument.
type Item struct {
	ID           string `toml:"id"`
	Label        string `toml:"label"`
	Class        string `toml:"class"`
	WindowMonths int    `toml:"window_months"`
	Subject      string `toml:"subject"`
	// SameAs names the canonical item this one asks (the crosswalk).
	SameAs string `toml:"same_as"`
}

// Instrument is a risk-assessment form.
type Instrument struct {
	ID        string `toml:"id"`
	Name      string `toml:"name"`
	Canonical bool   `toml:"canonical"`
	Items     []Item `toml:"items"`
}

// Cluster is a combination of answers and facts that research links to
// serious harm.
type Cluster struct {
	ID          string  `toml:"id"`
	Name        string  `toml:"name"`
	Description string  `toml:"description"`
	Source      string  `toml:"source"`
	Weight      float64 `toml:"weight"`
	Stage       int     `toml:"stage"`
	Rule        string  `toml:"rule"`
	// Evidence is written by tau calibrate beside a proposed weight.
	Evidence string `toml:"evidence,omitempty"`
	// Responses are the response options a planning meeting considers
	// when the cluster is active (shown in the PMP pack).
	Responses []string `toml:"responses"`
	rule      *Rule
}

// Legs evaluates the cluster's rule leg by leg, given which items and facts
// hold, and says what met each leg.
func (c *Cluster) Legs(holds func(atom string) bool) []Leg { return c.rule.Legs(holds) }

// StageRule places a relationship at a homicide-timeline stage that no
// cluster stands for (stage 7, planning), when every part of its rule is
// met by evidence of the time: items answered yes, offences or a rising
// frequency within the stage window (Config.Score.StageRecentMonths).
type StageRule struct {
	Stage  int    `toml:"stage"`
	Name   string `toml:"name"`
	Rule   string `toml:"rule"`
	Source string `toml:"source"`
	rule   *Rule
}

// Fact is a record-derived condition clusters can use: an offence by the
// perpetrator in the lookback whose class is in Codes.
type Fact struct {
	Description string   `toml:"description"`
	Codes       []string `toml:"codes"`
}

// DefaultStageRecentMonths is the stage window when a configuration gives
// none: a year, the window of the DASH items about what is happening now
// (separation, the perpetrator's problems in the past year).
const DefaultStageRecentMonths = 12

// DefaultEscalationSigns is how many escalation clusters (stage 5), each
// met by evidence of the time, place a relationship at escalation when a
// configuration gives no number: two, because escalation is a pattern
// ("more frequent or severe abuse; stalking; suicide threats; threats of
// violence", Monckton Smith 2020, stage 5), not one answer.
const DefaultEscalationSigns = 2

// Config is a scoring configuration.
type Config struct {
	Version     string `toml:"version"`
	Description string `toml:"description"`
	Score       struct {
		LookbackYears int `toml:"lookback_years"`
		// StageRecentMonths is how recent a cluster's evidence must be for
		// it to place a relationship at stage 4 or above (trigger,
		// escalation, planning: what is happening now); a cluster met by
		// older evidence only places it at stage 3 at most. 0 means
		// DefaultStageRecentMonths.
		StageRecentMonths int `toml:"stage_recent_months"`
		// EscalationSigns is how many escalation clusters (configured at
		// stage 5 or above), each met by evidence of the time, a
		// relationship needs to be at stage 5; with fewer, those clusters
		// place no stage. 0 means DefaultEscalationSigns; 1 turns the rule
		// off.
		EscalationSigns int `toml:"escalation_signs"`
		Clusters        struct {
			RestFactor float64 `toml:"rest_factor"`
			Cap        float64 `toml:"cap"`
		} `toml:"clusters"`
		Harm struct {
			PointsPerLogDay float64 `toml:"points_per_log_day"`
		} `toml:"harm"`
		RecencyFrequency struct {
			RecencyPoints   float64 `toml:"recency_points"`
			RecencyTauDays  float64 `toml:"recency_tau_days"`
			FrequencyPoints float64 `toml:"frequency_points"`
		} `toml:"recency_frequency"`
	} `toml:"score"`
	Bands struct {
		Red   float64 `toml:"red"`
		Amber float64 `toml:"amber"`
	} `toml:"bands"`
	Harm struct {
		Table   string `toml:"table"`
		Edition string `toml:"edition"`
	} `toml:"harm"`
	// StageRules are the stages placed by rules of their own.
	StageRules []StageRule `toml:"stage_rules"`
	// Evaluation holds a force's own evaluation settings. Hours per
	// incident has no default: a force that sets it states its source.
	Evaluation struct {
		HoursPerIncident float64 `toml:"hours_per_incident"`
		HoursSource      string  `toml:"hours_source"`
	} `toml:"evaluation"`
	Facts       map[string]Fact `toml:"facts"`
	Instruments []Instrument    `toml:"instruments"`
	Clusters    []Cluster       `toml:"clusters"`

	// Hash is the SHA-256 of the configuration file's bytes (first 12 hex
	// digits), recorded on every score.
	Hash string `toml:"-"`
	// Raw is the file as read and Name where it came from, so a proposed
	// revision can keep its comments.
	Raw  []byte `toml:"-"`
	Name string `toml:"-"`
	// HarmTable maps offence class to CCHI days, and HarmNames to the
	// offence's name where the table has an offence column.
	HarmTable map[string]float64 `toml:"-"`
	HarmNames map[string]string  `toml:"-"`
	// canonical items by id; crosswalk (instrument, item) -> canonical id.
	canonical map[string]Item
	crosswalk map[[2]string]string
	// atoms gives each atom of the clusters' rules its bit in an atomSet.
	atoms map[string]int
}

// Built-in facts computed from occurrences rather than offence codes.
const (
	FactRisingFrequency = "rising_frequency"
	FactOtherVictimDA   = "other_victim_da"
)

// Default returns the shipped configuration.
func Default() (*Config, error) { return Parse(defaultConfig, "default.toml") }

// Load reads a configuration file.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scoring config %s: %w", path, err)
	}
	return Parse(b, path)
}

// Parse reads a configuration from bytes; name is used in errors.
func Parse(b []byte, name string) (*Config, error) {
	var c Config
	md, err := toml.Decode(string(b), &c)
	if err != nil {
		return nil, fmt.Errorf("scoring config %s: %w", name, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, fmt.Errorf("scoring config %s: unknown setting %q; check its spelling against the default configuration", name, und[0].String())
	}
	h := sha256.Sum256(b)
	c.Hash = hex.EncodeToString(h[:])[:12]
	c.Raw, c.Name = b, name
	if err := c.prepare(name); err != nil {
		return nil, err
	}
	return &c, nil
}

func (c *Config) prepare(name string) error {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("scoring config %s: "+format, append([]any{name}, a...)...)
	}
	if c.Score.LookbackYears < 1 {
		return fail("score.lookback_years must be at least 1")
	}
	if c.Score.RecencyFrequency.RecencyTauDays <= 0 {
		return fail("score.recency_frequency.recency_tau_days must be positive")
	}
	if c.Bands.Red <= c.Bands.Amber {
		return fail("bands.red (%v) must be above bands.amber (%v)", c.Bands.Red, c.Bands.Amber)
	}
	if e := c.Evaluation; e.HoursPerIncident < 0 || (e.HoursPerIncident > 0 && strings.TrimSpace(e.HoursSource) == "") {
		return fail("evaluation.hours_per_incident needs a positive value and evaluation.hours_source saying where it comes from")
	}
	c.canonical = map[string]Item{}
	c.crosswalk = map[[2]string]string{}
	var canon *Instrument
	for i := range c.Instruments {
		if c.Instruments[i].Canonical {
			if canon != nil {
				return fail("two canonical instruments (%s, %s); mark one", canon.ID, c.Instruments[i].ID)
			}
			canon = &c.Instruments[i]
		}
	}
	if canon == nil {
		return fail("no instrument is marked canonical = true")
	}
	for _, it := range canon.Items {
		switch it.Class {
		case ClassEver, ClassCurrent, ClassTrend, ClassContext:
		case ClassWindow:
			if it.WindowMonths < 1 {
				return fail("item %s: a window item needs window_months", it.ID)
			}
		default:
			return fail("item %s: class %q is not ever, window, current, trend or context", it.ID, it.Class)
		}
		switch it.Subject {
		case SubjectVictim, SubjectPerpetrator, SubjectDyad:
		default:
			return fail("item %s: subject %q is not victim, perpetrator or dyad", it.ID, it.Subject)
		}
		c.canonical[it.ID] = it
		c.crosswalk[[2]string{canon.ID, it.ID}] = it.ID
	}
	for _, in := range c.Instruments {
		if in.Canonical {
			continue
		}
		for _, it := range in.Items {
			if _, ok := c.canonical[it.SameAs]; !ok {
				return fail("instrument %s item %s: same_as %q is not an item of %s", in.ID, it.ID, it.SameAs, canon.ID)
			}
			c.crosswalk[[2]string{in.ID, it.ID}] = it.SameAs
		}
	}
	seen := map[string]bool{}
	c.atoms = map[string]int{}
	for i := range c.Clusters {
		cl := &c.Clusters[i]
		if seen[cl.ID] {
			return fail("cluster %s appears twice", cl.ID)
		}
		seen[cl.ID] = true
		if cl.Source == "" {
			return fail("cluster %s has no source; every weight cites its evidence", cl.ID)
		}
		if cl.Stage < 0 || cl.Stage > 8 {
			return fail("cluster %s: stage %d is not 0-8", cl.ID, cl.Stage)
		}
		r, err := c.parseRule("cluster "+cl.ID, cl.Rule, canon.ID)
		if err != nil {
			return fail("%v", err)
		}
		cl.rule = r
		r.index(c.atoms)
	}
	for i := range c.StageRules {
		sr := &c.StageRules[i]
		if sr.Source == "" {
			return fail("stage rule %q has no source; every rule cites its evidence", sr.Name)
		}
		if sr.Stage < 4 || sr.Stage > 7 {
			return fail("stage rule %q: stage %d is not 4-7 (a rule of the time; history is placed by clusters)", sr.Name, sr.Stage)
		}
		r, err := c.parseRule("stage rule "+sr.Name, sr.Rule, canon.ID)
		if err != nil {
			return fail("%v", err)
		}
		sr.rule = r
	}
	table, names, err := c.readHarmTable()
	if err != nil {
		return fail("harm table %s: %v", c.Harm.Table, err)
	}
	c.HarmTable, c.HarmNames = table, names
	return nil
}

// parseRule parses a cluster's or stage rule's rule and checks that every
// atom it names is an item of the canonical instrument or a fact.
func (c *Config) parseRule(what, rule, instrument string) (*Rule, error) {
	r, err := ParseRule(rule)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	for _, a := range r.Atoms() {
		if _, ok := c.canonical[a]; ok {
			continue
		}
		if _, ok := c.Facts[a]; ok || a == FactRisingFrequency || a == FactOtherVictimDA {
			continue
		}
		return nil, fmt.Errorf("%s: rule names %q, which is neither an item of %s nor a fact", what, a, instrument)
	}
	return r, nil
}

// AtomWords says a rule's atom in words: an item by its id and paraphrased
// label ("Q8 (stalking or harassment)"), a fact by its description.
func (c *Config) AtomWords(a string) string {
	switch a {
	case FactRisingFrequency:
		return "more occurrences in the last 180 days than in the 180 before"
	case FactOtherVictimDA:
		return "the perpetrator has domestic-abuse occurrences with another victim in the lookback"
	}
	if it, ok := c.Canonical(a); ok && it.Label != "" {
		return a + " (" + strings.ToLower(it.Label[:1]) + it.Label[1:] + ")"
	}
	if f, ok := c.Facts[a]; ok && f.Description != "" {
		return f.Description
	}
	return a
}

// readHarmTable loads the harm CSV (columns home_office_class and cchi_days,
// and offence for the names where it has one; others ignored).
func (c *Config) readHarmTable() (map[string]float64, map[string]string, error) {
	var r io.Reader
	if c.Harm.Table == "builtin:cchi-2020-excerpt.csv" || c.Harm.Table == "" {
		r = bytes.NewReader(builtinCCHI)
	} else {
		f, err := os.Open(c.Harm.Table)
		if err != nil {
			return nil, nil, err
		}
		defer f.Close()
		r = f
	}
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, nil, err
	}
	if len(recs) < 2 {
		return nil, nil, fmt.Errorf("no rows")
	}
	code, days, name := -1, -1, -1
	for i, h := range recs[0] {
		switch strings.TrimSpace(strings.ToLower(h)) {
		case "home_office_class":
			code = i
		case "cchi_days":
			days = i
		case "offence":
			name = i
		}
	}
	if code < 0 || days < 0 {
		return nil, nil, fmt.Errorf("the header needs home_office_class and cchi_days columns")
	}
	out, names := map[string]float64{}, map[string]string{}
	for n, rec := range recs[1:] {
		d, err := strconv.ParseFloat(strings.TrimSpace(rec[days]), 64)
		if err != nil || d < 0 {
			return nil, nil, fmt.Errorf("line %d: cchi_days %q is not a number of days", n+2, rec[days])
		}
		k := strings.TrimSpace(rec[code])
		out[k] = d
		if name >= 0 && strings.TrimSpace(rec[name]) != "" {
			names[k] = strings.TrimSpace(rec[name])
		}
	}
	return out, names, nil
}

// Cluster returns the configuration's cluster of that id (nil if none).
func (c *Config) Cluster(id string) *Cluster {
	for i := range c.Clusters {
		if c.Clusters[i].ID == id {
			return &c.Clusters[i]
		}
	}
	return nil
}

// Heaviest returns the configuration's clusters of the ids given, heaviest
// first (ties by id); an unknown id is left out.
func (c *Config) Heaviest(ids []string) []*Cluster {
	var out []*Cluster
	for _, id := range ids {
		if cl := c.Cluster(id); cl != nil {
			out = append(out, cl)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Weight != out[j].Weight {
			return out[i].Weight > out[j].Weight
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Canonical returns the canonical item with the given id.
func (c *Config) Canonical(id string) (Item, bool) {
	it, ok := c.canonical[id]
	return it, ok
}

// CanonicalItem maps an instrument's item to the canonical item id, or ""
// when the instrument or item has no crosswalk entry.
func (c *Config) CanonicalItem(instrument, item string) string {
	return c.crosswalk[[2]string{instrument, item}]
}

// FactCodes maps each offence code to the facts it evidences.
func (c *Config) FactCodes() map[string][]string {
	out := map[string][]string{}
	for name, f := range c.Facts {
		for _, code := range f.Codes {
			out[code] = append(out[code], name)
		}
	}
	for k := range out {
		sort.Strings(out[k])
	}
	return out
}

// CanonicalItemIDs lists the canonical instrument's items in file order.
func (c *Config) CanonicalItemIDs() []string {
	var out []string
	for _, in := range c.Instruments {
		if in.Canonical {
			for _, it := range in.Items {
				out = append(out, it.ID)
			}
		}
	}
	return out
}
