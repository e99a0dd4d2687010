package evaluation

import (
	"sort"
	"strconv"
	"time"

	"github.com/tau-da/tau/extract"
)

// Action is one action of a plan, as the extract records it.
type Action struct {
	Type              string
	Raised, Completed time.Time
}

// Outcome is an offence by the perpetrator with its recorded outcome
// (charge, caution, ...).
type Outcome struct {
	At      time.Time
	Outcome string
}

// ActionCount counts one type of action: raised and completed.
type ActionCount struct {
	Type      string `json:"type"`
	Label     string `json:"label"`
	Raised    int    `json:"raised"`
	Completed int    `json:"completed"`
	// Plans counts the plans with at least one (totals only).
	Plans int `json:"plans,omitempty"`
}

// OutcomeCount counts the perpetrators' offences in the follow-up windows
// by recorded outcome.
type OutcomeCount struct {
	Outcome  string `json:"outcome"`
	Offences int    `json:"offences"`
	Plans    int    `json:"plans"`
}

// Outputs is what the plans did, beside what they achieved and never added
// to it: actions raised and completed by type, and the perpetrators'
// offences in the follow-up by recorded outcome.
type Outputs struct {
	Actions  []ActionCount  `json:"actions"`
	Outcomes []OutcomeCount `json:"followup_outcomes"`
}

// countActions counts a plan's actions by type, in the contract's order of
// types (a force's own types after them, by name).
func countActions(actions []Action) []ActionCount {
	by := map[string]*ActionCount{}
	for _, a := range actions {
		c := by[a.Type]
		if c == nil {
			c = &ActionCount{Type: a.Type, Label: extract.ActionLabel(a.Type)}
			by[a.Type] = c
		}
		c.Raised++
		if !a.Completed.IsZero() {
			c.Completed++
		}
	}
	return sortedActions(by)
}

// sortedActions lists counts in the contract's order of action types.
func sortedActions(by map[string]*ActionCount) []ActionCount {
	rank := map[string]int{}
	for i, t := range extract.ActionTypes {
		rank[t] = i + 1
	}
	out := make([]ActionCount, 0, len(by))
	for _, c := range by {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		ri, rj := rank[out[i].Type], rank[out[j].Type]
		if ri == 0 {
			ri = len(rank) + 1
		}
		if rj == 0 {
			rj = len(rank) + 1
		}
		if ri != rj {
			return ri < rj
		}
		return out[i].Type < out[j].Type
	})
	return out
}

// totalOutputs adds the plans' outputs up: each action type with the plans
// that had one, and the follow-up outcomes of each plan's perpetrator.
func totalOutputs(plans []Plan, outcomes [][]Outcome) Outputs {
	by := map[string]*ActionCount{}
	for _, p := range plans {
		for _, a := range p.Actions {
			c := by[a.Type]
			if c == nil {
				c = &ActionCount{Type: a.Type, Label: a.Label}
				by[a.Type] = c
			}
			c.Raised += a.Raised
			c.Completed += a.Completed
			c.Plans++
		}
	}
	out := Outputs{Actions: sortedActions(by), Outcomes: []OutcomeCount{}}
	oc := map[string]*OutcomeCount{}
	for _, os := range outcomes {
		seen := map[string]bool{}
		for _, o := range os {
			c := oc[o.Outcome]
			if c == nil {
				c = &OutcomeCount{Outcome: o.Outcome}
				oc[o.Outcome] = c
			}
			c.Offences++
			if !seen[o.Outcome] {
				seen[o.Outcome] = true
				c.Plans++
			}
		}
	}
	for _, c := range oc {
		out.Outcomes = append(out.Outcomes, *c)
	}
	sort.Slice(out.Outcomes, func(i, j int) bool { return out.Outcomes[i].Outcome < out.Outcomes[j].Outcome })
	return out
}

// minActionPlans is the fewest plans with an action for its estimate to be
// shown: below it a group says it is too small instead of showing a number
// (an interval over a handful of plans says little and invites reading
// noise as a finding).
const minActionPlans = 10

// ActionEffect is the primary estimate among the plans that had one type
// of action.
type ActionEffect struct {
	Type  string `json:"type"`
	Label string `json:"label"`
	Plans int    `json:"plans"`
	// Fit is nil when the group is too small or cannot be fitted; Note says
	// why, or that the estimate is exploratory.
	Fit  *StackedFit `json:"fit"`
	Note string      `json:"note"`
}

// byAction fits the stacked model among the plans with each type of
// action. plans[i] is treated[i]'s plan.
func byAction(treated []Unit, matches map[string][]Unit, plans []Plan, p Params) []ActionEffect {
	has := map[string][]int{}
	labels := map[string]string{}
	for i, pl := range plans {
		for _, a := range pl.Actions {
			if n := has[a.Type]; len(n) == 0 || n[len(n)-1] != i {
				has[a.Type] = append(has[a.Type], i)
			}
			labels[a.Type] = a.Label
		}
	}
	by := map[string]*ActionCount{}
	for t := range has {
		by[t] = &ActionCount{Type: t}
	}
	var order []string
	for _, c := range sortedActions(by) {
		order = append(order, c.Type)
	}
	return byGroup(treated, matches, order, has, labels, p)
}

// byStage fits the stacked model among the plans opened at each
// homicide-timeline stage (the contract's only classification of a plan).
func byStage(treated []Unit, matches map[string][]Unit, windows []PlanWindows, p Params) []ActionEffect {
	has := map[string][]int{}
	labels := map[string]string{}
	var order []string
	// Stages 1-8, 0 for none recorded, in their own order.
	for st := 0; st <= 8; st++ {
		k := strconv.Itoa(st)
		for i, w := range windows {
			if w.Stage == st {
				has[k] = append(has[k], i)
			}
		}
		if len(has[k]) > 0 {
			order, labels[k] = append(order, k), extract.StageName(st)
		}
	}
	return byGroup(treated, matches, order, has, labels, p)
}

// byGroup fits the stacked model among each group of plans (indices into
// treated), in the order given; groups under minActionPlans say so.
func byGroup(treated []Unit, matches map[string][]Unit, order []string, has map[string][]int, labels map[string]string, p Params) []ActionEffect {
	var out []ActionEffect
	for _, key := range order {
		idx := has[key]
		e := ActionEffect{Type: key, Label: labels[key], Plans: len(idx)}
		if len(idx) < minActionPlans {
			e.Note = "too few plans to say"
			out = append(out, e)
			continue
		}
		sub := make([]Unit, len(idx))
		for k, i := range idx {
			sub[k] = treated[i]
		}
		fit, err := FitStacked(stackedUnits(sub, matches, p.EngagedUplift), p.Level)
		if err != nil {
			e.Note = "cannot be estimated: " + err.Error()
		} else {
			e.Fit = &fit
			e.Note = "exploratory: plans in this group differ in other ways too, and many groups are compared"
		}
		out = append(out, e)
	}
	return out
}
