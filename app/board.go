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

// SARAStages are the board's columns, in order.
var SARAStages = []string{"scanning", "analysis", "response", "assessment"}

// Task is an open action on the board: with its plan, the couple's
// references and area, and how many days it is overdue (0: not yet due).
type Task struct {
	Action
	PlanID, RelationshipID  string
	VictimID, PerpetratorID string
	Area                    string
	DaysOverdue             int
}

// Card is one plan on the board: the plan, who holds its open actions, the
// next action due and the overdue ones.
type Card struct {
	Plan
	Owners  []string
	Next    *Task
	Overdue []Task
}

// Column is one SARA stage's cards.
type Column struct {
	Stage string
	Cards []Card
}

// NewPlansBoard builds the plans board from the open plans: a column of
// cards per SARA stage, every overdue action (due before today) most
// overdue first, and the neighbourhood officers' tasks, soonest due first.
func NewPlansBoard(open []Plan, today time.Time) *PlansBoard {
	b := &PlansBoard{Open: open, Today: today}
	cols := map[string]*Column{}
	for _, st := range SARAStages {
		b.Columns = append(b.Columns, Column{Stage: st})
	}
	for i := range b.Columns {
		cols[b.Columns[i].Stage] = &b.Columns[i]
	}
	for _, p := range open {
		card := Card{Plan: p}
		owners := map[string]bool{}
		for _, a := range p.Actions {
			if !a.Done.IsZero() {
				continue
			}
			t := Task{Action: a, PlanID: p.ID, RelationshipID: p.RelationshipID, VictimID: p.VictimID, PerpetratorID: p.PerpetratorID, Area: p.Area}
			if !a.Due.IsZero() && a.Due.Before(today) {
				t.DaysOverdue = int(today.Sub(a.Due).Hours() / 24)
				card.Overdue = append(card.Overdue, t)
				b.Overdue = append(b.Overdue, t)
			}
			if !a.Due.IsZero() && (card.Next == nil || a.Due.Before(card.Next.Due)) {
				c := t
				card.Next = &c
			}
			if a.Owner == "neighbourhood" {
				b.Neighbourhood = append(b.Neighbourhood, t)
			}
			if a.Owner != "" && !owners[a.Owner] {
				owners[a.Owner] = true
				card.Owners = append(card.Owners, a.Owner)
			}
		}
		sort.Strings(card.Owners)
		col := cols[p.SARA]
		if col == nil {
			col = cols["scanning"]
		}
		col.Cards = append(col.Cards, card)
	}
	sort.SliceStable(b.Overdue, func(i, j int) bool { return b.Overdue[i].Due.Before(b.Overdue[j].Due) })
	sort.SliceStable(b.Neighbourhood, func(i, j int) bool { return b.Neighbourhood[i].Due.Before(b.Neighbourhood[j].Due) })
	return b
}

// InArea keeps the tasks in one area ("" keeps all).
func InArea(tasks []Task, area string) []Task {
	if area == "" {
		return tasks
	}
	var out []Task
	for _, t := range tasks {
		if t.Area == area {
			out = append(out, t)
		}
	}
	return out
}
