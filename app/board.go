package app

import (
	"sort"
	"time"
)

// SARAStage places a plan on the SARA model (Scanning, Analysis, Response,
// Assessment) from its actions: scanning while it has none, analysis while
// none is done, response while some are done and some open, assessment
// when every action is done and the plan is not yet finalised.
func SARAStage(p Plan) string {
	done := 0
	for _, a := range p.Actions {
		if !a.Done.IsZero() {
			done++
		}
	}
	switch {
	case len(p.Actions) == 0:
		return "scanning"
	case done == 0:
		return "analysis"
	case done < len(p.Actions):
		return "response"
	}
	return "assessment"
}

// NewPlansBoard builds the plans board from the open plans: every open
// action by its plan, the overdue ones (due before today), soonest due
// first, and the neighbourhood officers' tasks.
func NewPlansBoard(open []Plan, today time.Time) *PlansBoard {
	b := &PlansBoard{Open: open, OverduePlan: map[string]string{}, Today: today}
	for _, p := range open {
		for _, a := range p.Actions {
			if !a.Done.IsZero() {
				continue
			}
			b.OverduePlan[a.ID] = p.ID
			if !a.Due.IsZero() && a.Due.Before(today) {
				b.Overdue = append(b.Overdue, a)
			}
			if a.Owner == "neighbourhood" {
				b.Neighbourhood = append(b.Neighbourhood, a)
			}
		}
	}
	sort.Slice(b.Overdue, func(i, j int) bool { return b.Overdue[i].Due.Before(b.Overdue[j].Due) })
	return b
}
