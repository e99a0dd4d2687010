package evaluation

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tau-da/tau/internal/param"

	"github.com/tau-da/tau/internal/period"
)

// PlanRecord is a problem-management plan as the warehouse holds it.
type PlanRecord struct {
	ID, RelationshipID, VictimID, PerpetratorID, Status string
	Opened                                              time.Time
	// Finalised is zero while the plan has no finalised date.
	Finalised time.Time
	// Stage is the homicide-timeline stage recorded at opening (0: none),
	// the plan's type for the exploratory estimates by type.
	Stage int
}

// Selection says which plans to evaluate.
type Selection struct {
	// Mode is "all" (every plan; those that cannot be evaluated are
	// listed as excluded), "finalised" (plans with a finalised date and a
	// status other than open) or "ids" (the plans in IDs, each of which
	// must be evaluable).
	Mode string   `json:"pmps"`
	IDs  []string `json:"ids,omitempty"`
	// FinalisedFrom and FinalisedTo keep plans finalised within the dates
	// (inclusive; zero = unbounded).
	FinalisedFrom time.Time `json:"finalised_from,omitzero"`
	FinalisedTo   time.Time `json:"finalised_to,omitzero"`
	// DipSample draws a simple random sample of this many of the eligible
	// plans (0 = all of them), reproducibly from the seed.
	DipSample int `json:"dip_sample,omitempty"`
}

// ParseSelection reads a plan selection: all, finalised or a list of ids.
func ParseSelection(s string) (Selection, error) {
	switch s = strings.TrimSpace(s); s {
	case "all", "finalised":
		return Selection{Mode: s}, nil
	case "":
		return Selection{}, param.Errorf("pmps", "", "give all, finalised or a comma-separated list of plan ids")
	}
	var ids []string
	for _, id := range strings.Split(s, ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	return Selection{Mode: "ids", IDs: ids}, nil
}

// Params are everything an evaluation run depends on; with the warehouse
// generation they reproduce it exactly.
type Params struct {
	Selection
	// Baseline is the window before the plan opened; Followup the window
	// after the day it was finalised.
	Baseline period.Length `json:"baseline"`
	Followup period.Length `json:"followup"`
	Project  Projection    `json:"projection"`
	// HoursPerIncident has no default: it comes with its source.
	HoursPerIncident float64 `json:"hours_per_incident"`
	HoursSource      string  `json:"hours_source"`
	// EngagedUplift divides the follow-up counts of plans whose victim was
	// engaged with an agency during follow-up (1 = no adjustment).
	EngagedUplift float64 `json:"engaged_reporting_uplift"`
	// Comparison matches each plan to relationships without a plan.
	Comparison         bool `json:"comparison"`
	ComparisonsPerPlan int  `json:"comparisons_per_plan"`
	// WithoutReplacement matches each comparison to one plan at most
	// (plans take their nearest in order of id), so no relationship stands
	// for several plans; by default matching is with replacement.
	WithoutReplacement bool `json:"without_replacement"`
	// BothDirections counts the couple's occurrences in both directions
	// instead of the ordered victim/perpetrator pair.
	BothDirections bool `json:"both_directions"`
	// Seed drives the dip sample and every bootstrap.
	Seed       uint64  `json:"seed"`
	Replicates int     `json:"bootstrap_replicates"`
	Level      float64 `json:"confidence_level"`
}

// Defaults fills the values a run has unless told otherwise: a 12-month
// baseline and 3-month follow-up (the unit's published follow-up), the
// trend projection, no reporting adjustment, five comparisons per plan,
// 2,000 bootstrap replicates and 95% intervals.
func (p *Params) Defaults() {
	if p.Mode == "" {
		p.Mode = "finalised"
	}
	if p.Baseline.N == 0 {
		p.Baseline = period.Months(12)
	}
	if p.Followup.N == 0 {
		p.Followup = period.Months(3)
	}
	if p.Project.Kind == "" {
		// The unit's method projects the baseline level: the trend
		// carries a pre-plan spike forward (research notes, section 7).
		p.Project.Kind = "level"
	}
	if p.EngagedUplift == 0 {
		p.EngagedUplift = 1
	}
	if p.ComparisonsPerPlan == 0 {
		p.ComparisonsPerPlan = 5
	}
	if p.Replicates == 0 {
		p.Replicates = 2000
	}
	if p.Level == 0 {
		p.Level = 0.95
	}
}

// ParseProjection reads --projection: trend, level or growth:G (G a
// proportion such as 0.40).
func ParseProjection(s string) (Projection, error) {
	switch s = strings.TrimSpace(s); {
	case s == "trend" || s == "level":
		return Projection{Kind: s}, nil
	case strings.HasPrefix(s, "growth:"):
		g, err := strconv.ParseFloat(strings.TrimPrefix(s, "growth:"), 64)
		if err != nil || g <= -1 {
			return Projection{}, param.Errorf("projection", s, "the growth must be a proportion above -1, such as growth:0.40 for +40%%")
		}
		return Projection{Kind: "growth", Growth: g}, nil
	}
	return Projection{}, param.Errorf("projection", s, "use trend, level or growth:G (such as growth:0.40)")
}

// ErrSampleTooLarge is returned when a dip sample asks for more plans than
// are eligible.
var ErrSampleTooLarge = errors.New("sample larger than the eligible plans")

// PlanWindows is a selected plan with its windows.
type PlanWindows struct {
	PlanRecord
	Key      string // the occurrence key counted (relationship or couple)
	Baseline Span
	// Recent is the 90 days before opening, a matching covariate.
	Recent   Span
	Followup Span
}

// Exclusion is a plan left out of the run and why.
type Exclusion struct {
	PMPID  string `json:"pmp_id"`
	Reason string `json:"reason"`
}

// Design is the set of plans an evaluation covers, with their windows.
type Design struct {
	Params   Params
	Plans    []PlanWindows
	Excluded []Exclusion
	// Eligible counts the plans that could have been sampled; Drawn lists
	// the dip sample's ids when one was drawn.
	Eligible int
	Drawn    []string
	// ExtractEnd is the last day of the extract; DataFrom its first
	// occurrence.
	ExtractEnd, DataFrom time.Time
	// Stopped, when set, is asked between plans in the long steps
	// (matching): true stops them, so a signal ends a national run
	// promptly; the caller then reports why. Plans are matched on every
	// core at once, so it may be asked from several goroutines together.
	Stopped func() bool
	// Progress, when set, is told how many plans have been matched (from
	// one goroutine at a time).
	Progress func(done, total int)
}

// stopped reports whether the caller asked the long steps to stop.
func (d *Design) stopped() bool { return d.Stopped != nil && d.Stopped() }

// recentDays is the 90-day window the practice reports ("the percentage of
// a relationship's occurrences reported in the last 90 days"), used as a
// matching covariate that captures the spike a plan is opened after.
const recentDays = 90

// Key is the occurrence key a plan or relationship is counted under.
func (p Params) Key(relationshipID, victimID, perpetratorID string) string {
	if p.BothDirections {
		return CoupleKey(victimID, perpetratorID)
	}
	return relationshipID
}

// windows places a plan's windows: the baseline ends the day before the
// plan opened; the follow-up starts the day after it was finalised.
func (p Params) windows(r PlanRecord) PlanWindows {
	opened := period.Day(r.Opened)
	w := PlanWindows{PlanRecord: r, Key: p.Key(r.RelationshipID, r.VictimID, r.PerpetratorID)}
	w.Baseline = Span{From: p.Baseline.Before(opened), To: opened}
	w.Recent = Span{From: opened.AddDate(0, 0, -recentDays), To: opened}
	if !r.Finalised.IsZero() {
		start := period.Day(r.Finalised).AddDate(0, 0, 1)
		w.Followup = Span{From: start, To: p.Followup.After(start)}
	}
	return w
}

const dayLayout = "2006-01-02"

// NewDesign selects the plans to evaluate and places their windows.
// extractEnd is the extract's date (the last day it covers) and dataFrom
// its first occurrence. A plan named by id that cannot be evaluated, an
// empty selection and a sample larger than the eligible set are errors
// that say what to do; with all or finalised, plans that cannot be
// evaluated are listed in Excluded.
func NewDesign(plans []PlanRecord, extractEnd, dataFrom time.Time, p Params) (*Design, error) {
	p.Defaults()
	d := &Design{Params: p, ExtractEnd: period.Day(extractEnd), DataFrom: period.Day(dataFrom)}
	byID := map[string]PlanRecord{}
	for _, r := range plans {
		byID[r.ID] = r
	}
	var chosen []PlanRecord
	switch p.Mode {
	case "all", "finalised":
		for _, r := range plans {
			if p.Mode == "finalised" && (r.Finalised.IsZero() || r.Status == "open") {
				continue
			}
			chosen = append(chosen, r)
		}
	case "ids":
		if len(p.IDs) == 0 {
			return nil, fmt.Errorf("evaluate: %w", param.Errorf("pmps", "", "names no plan; give all, finalised or plan ids separated by commas"))
		}
		for _, id := range p.IDs {
			r, ok := byID[id]
			if !ok {
				return nil, fmt.Errorf("evaluate: %w", param.Errorf("pmps", id, "no such plan in the warehouse's pmps table; check the id"))
			}
			chosen = append(chosen, r)
		}
	default:
		return nil, fmt.Errorf("evaluate: %w", param.Errorf("pmps", p.Mode, "use all, finalised or plan ids"))
	}
	sort.Slice(chosen, func(i, j int) bool { return chosen[i].ID < chosen[j].ID })
	var eligible []PlanWindows
	for _, r := range chosen {
		w := p.windows(r)
		// Dates select plans before anything is said about them; a plan
		// with no finalised date is outside any finalised range.
		if (!p.FinalisedFrom.IsZero() || !p.FinalisedTo.IsZero()) && (r.Finalised.IsZero() || !inRange(r.Finalised, p.FinalisedFrom, p.FinalisedTo)) {
			continue
		}
		reason := d.unevaluable(w)
		if reason != "" {
			if p.Mode == "ids" {
				return nil, fmt.Errorf("evaluate: plan %s %s", r.ID, reason)
			}
			d.Excluded = append(d.Excluded, Exclusion{PMPID: r.ID, Reason: reason})
			continue
		}
		eligible = append(eligible, w)
	}
	d.Eligible = len(eligible)
	if len(eligible) == 0 {
		msg := fmt.Sprintf("evaluate: no plan to evaluate: %d selected (%s)", len(chosen), p.Mode)
		if !p.FinalisedFrom.IsZero() || !p.FinalisedTo.IsZero() {
			msg += fmt.Sprintf(" between %s and %s", fmtDay(p.FinalisedFrom), fmtDay(p.FinalisedTo))
		}
		if len(d.Excluded) > 0 {
			msg += fmt.Sprintf(", %d excluded (first: %s %s)", len(d.Excluded), d.Excluded[0].PMPID, d.Excluded[0].Reason)
		}
		return nil, errors.New(msg + "; widen the dates, shorten the follow-up window or load a later extract")
	}
	if p.DipSample > 0 {
		if p.DipSample > len(eligible) {
			return nil, fmt.Errorf("evaluate: a dip sample of %d was asked for but only %d plans are eligible; ask for %d or fewer, or widen the finalised dates: %w", p.DipSample, len(eligible), len(eligible), ErrSampleTooLarge)
		}
		// A simple random sample without replacement: a seeded shuffle of
		// the eligible plans in id order, the first N kept.
		r := rand.New(rand.NewPCG(p.Seed, 0xd1b5))
		perm := r.Perm(len(eligible))
		sample := make([]PlanWindows, p.DipSample)
		for i := range sample {
			sample[i] = eligible[perm[i]]
		}
		sort.Slice(sample, func(i, j int) bool { return sample[i].ID < sample[j].ID })
		for _, s := range sample {
			d.Drawn = append(d.Drawn, s.ID)
		}
		eligible = sample
	}
	d.Plans = eligible
	return d, nil
}

// unevaluable says why a plan's windows cannot be counted, or "".
func (d *Design) unevaluable(w PlanWindows) string {
	switch {
	case w.Finalised.IsZero():
		return "has no finalised date (status " + orDash(w.Status) + "), so its follow-up window cannot be placed; leave it out or wait until it is finalised"
	case w.Followup.To.After(d.ExtractEnd.AddDate(0, 0, 1)):
		return fmt.Sprintf("has a follow-up window running to %s, past the extract's end on %s; shorten the follow-up window or load a later extract",
			fmtDay(w.Followup.To.AddDate(0, 0, -1)), fmtDay(d.ExtractEnd))
	case !d.DataFrom.IsZero() && w.Baseline.From.Before(d.DataFrom):
		return fmt.Sprintf("has a baseline window starting %s, before the extract's first occurrence on %s; shorten the baseline window",
			fmtDay(w.Baseline.From), fmtDay(d.DataFrom))
	}
	return ""
}

func inRange(t, from, to time.Time) bool {
	if !from.IsZero() && period.Day(t).Before(period.Day(from)) {
		return false
	}
	if !to.IsZero() && period.Day(t).After(period.Day(to)) {
		return false
	}
	return true
}

func fmtDay(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(dayLayout)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// ScoreDate is the as-of date whose score a plan is matched on: the last
// day of the month before it opened, so only what was known before the plan
// counts, and plans opened in the same month share one scoring run.
func ScoreDate(opened time.Time) time.Time {
	y, m, _ := opened.UTC().Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
}
