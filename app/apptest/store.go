// Package apptest gives the app's tests, in any package, what they share:
// a Store held in memory. It may import app and nothing else of tau's.
package apptest

import (
	"context"
	"time"

	"github.com/tau-da/tau/app"
)

// Store is an app.Store held in memory: it serves one scored relationship,
// "r-1", with a sticky item, a cluster, an occurrence and an open plan,
// and remembers the last filter the list was asked for.
type Store struct {
	// LastFilter is the filter of the latest List call.
	LastFilter app.Filter
	// Eval is the latest evaluation (nil: none yet).
	Eval *app.Evaluation
}

// Day0 is the store's as-of date.
var Day0 = time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)

// List implements app.Store.
func (f *Store) List(_ context.Context, fl app.Filter) (*app.List, error) {
	f.LastFilter = fl
	return &app.List{AsOf: Day0, ConfigHash: "abc", Total: 1, Rows: []app.ListRow{{Rank: 1, RelationshipID: "r-1", VictimID: "V1", PerpetratorID: "P1", Band: "red", Stage: 5, Total: 50}}}, nil
}

// Aggregates implements app.Store.
func (f *Store) Aggregates(context.Context, app.Filter) ([]app.Count, error) {
	return []app.Count{{Band: "red", Stage: 5, N: 1}}, nil
}

// Relationship implements app.Store.
func (f *Store) Relationship(_ context.Context, id string) (*app.Relationship, error) {
	if id != "r-1" {
		return nil, app.ErrNotFound
	}
	return &app.Relationship{Row: app.ListRow{Rank: 1, RelationshipID: "r-1", VictimID: "V1", PerpetratorID: "P1", Band: "red", Stage: 5},
		Items:    []app.Item{{Item: "Q18", Label: "strangulation", Class: "ever", SourceAssessment: "A1", SourceDate: Day0.AddDate(-1, 0, 0), Sticky: true, HeldAgainst: "A3", HeldAnswer: "no", HeldDate: Day0}},
		Clusters: []app.Cluster{{ID: "C2", Name: "Non-fatal strangulation", Weight: 9, Responses: []string{"MARAC referral"}}},
		Events:   []app.Event{{At: Day0.AddDate(0, -2, 0), Lane: "incident", Detail: "crime"}},
		Plans:    []app.Plan{{ID: "M1", RelationshipID: "r-1", Status: "open", SARA: "analysis", Opened: Day0, Actions: []app.Action{{ID: "a", Type: "dvpn", Owner: "tau", Due: Day0}}}}}, nil
}

// Plans implements app.Store.
func (f *Store) Plans(context.Context, time.Time) (*app.PlansBoard, error) {
	return &app.PlansBoard{Open: []app.Plan{{ID: "M1", RelationshipID: "r-1", SARA: "analysis"}}, OverduePlan: map[string]string{}}, nil
}

// Evaluation implements app.Store.
func (f *Store) Evaluation(context.Context) (*app.Evaluation, error) {
	if f.Eval == nil {
		return nil, app.ErrNotFound
	}
	return f.Eval, nil
}

// Options implements app.Store.
func (f *Store) Options(context.Context) ([]string, []string, error) {
	return []string{"C1", "C2"}, []string{"N01"}, nil
}
