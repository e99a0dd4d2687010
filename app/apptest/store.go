// Package apptest gives the app's tests, in any package, what they share:
// a Store held in memory. It may import app and nothing else of tau's.
package apptest

import (
	"context"
	"time"

	"github.com/tau-da/tau/app"
)

// Store is an app.Store held in memory: two snapshots (Day0, the latest,
// and a month before it), one scored relationship, "r-1", with a sticky
// item, a cluster, an occurrence and an open plan, on the hidden-threat
// queue (red, graded standard) and new to red since the earlier snapshot.
// It remembers the last filter the list was asked for.
type Store struct {
	// LastFilter is the filter of the latest List call.
	LastFilter app.Filter
	// Eval is the latest evaluation (nil: none yet).
	Eval *app.Evaluation
	// Stale marks the latest snapshot as scored from an earlier load.
	Stale bool
}

// Day0 is the store's latest as-of date; Day0 less a month is the other.
var Day0 = time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)

// row is r-1's list row.
var row = app.ListRow{Rank: 1, RelationshipID: "r-1", VictimID: "V1", PerpetratorID: "P1", Band: "red", Stage: 5, Total: 50,
	Clusters: []string{"C2"}, ClusterNames: []string{"Non-fatal strangulation"}, OfficerGrade: "standard"}

// Snapshots implements app.Store.
func (f *Store) Snapshots(context.Context) ([]app.Snapshot, error) {
	return []app.Snapshot{{AsOf: Day0, ConfigHash: "abc", Rows: 1, Generation: "g2", Stale: f.Stale, ScoredLoad: Day0.AddDate(0, -2, 0), CurrentLoad: Day0},
		{AsOf: Day0.AddDate(0, -1, 0), ConfigHash: "abc", Rows: 1, Generation: "g1", Stale: true}}, nil
}

// snapshot resolves a date as the warehouse's store does.
func (f *Store) snapshot(ctx context.Context, asOf time.Time) (app.Snapshot, error) {
	snaps, _ := f.Snapshots(ctx)
	return app.FindSnapshot(snaps, asOf)
}

// List implements app.Store.
func (f *Store) List(ctx context.Context, fl app.Filter) (*app.List, error) {
	f.LastFilter = fl
	sn, err := f.snapshot(ctx, fl.AsOf)
	if err != nil {
		return nil, err
	}
	return &app.List{Snapshot: sn, AsOf: sn.AsOf, ConfigHash: "abc", Total: 1, Rows: []app.ListRow{row}}, nil
}

// Aggregates implements app.Store.
func (f *Store) Aggregates(ctx context.Context, fl app.Filter) ([]app.Count, error) {
	if _, err := f.snapshot(ctx, fl.AsOf); err != nil {
		return nil, err
	}
	return []app.Count{{Band: "red", Stage: 5, N: 1}}, nil
}

// Relationship implements app.Store.
func (f *Store) Relationship(ctx context.Context, id string, asOf time.Time) (*app.Relationship, error) {
	sn, err := f.snapshot(ctx, asOf)
	if err != nil {
		return nil, err
	}
	if id != "r-1" {
		return nil, app.ErrNotFound
	}
	return &app.Relationship{Snapshot: sn, AsOf: sn.AsOf, Row: row,
		Items: []app.Item{{Item: "Q8", Label: "Separation", Class: "window", SourceAssessment: "A2", SourceDate: Day0.AddDate(0, -1, 0), Reason: "yes in assessment A2"},
			{Item: "Q18", Label: "Strangulation", Class: "ever", SourceAssessment: "A1", SourceDate: Day0.AddDate(-1, 0, 0), Sticky: true, HeldAgainst: "A3", HeldAnswer: "no", HeldDate: Day0,
				Reason: "yes in assessment A1; held by the sticky rule although assessment A3 said no"}},
		Clusters: []app.Cluster{{ID: "C2", Name: "Non-fatal strangulation", Weight: 9, Evidence: "Q18 (strangulation) answered yes on 30 June 2024 in assessment A1", Responses: []string{"MARAC referral"}}},
		Harm:     []app.Offence{{ID: "O1", Code: "008/06", Name: "Assault occasioning actual bodily harm (s47)", Date: Day0.AddDate(0, -3, 0), Days: 10}},
		Events:   []app.Event{{At: Day0.AddDate(0, -2, 0), Lane: "incident", Detail: "crime", Tone: "crime"}, {At: Day0.AddDate(0, -2, 1), Lane: "assessment", Detail: "DASH, officer grade standard", Tone: "standard"}},
		Plans: []app.Plan{{ID: "M1", RelationshipID: "r-1", VictimID: "V1", PerpetratorID: "P1", Status: "open", SARA: "analysis", Opened: Day0,
			Actions: []app.Action{{ID: "a", Type: "dvpn", Owner: "tau", Due: Day0}}}}}, nil
}

// Hidden implements app.Store.
func (f *Store) Hidden(ctx context.Context, asOf time.Time, offset, _ int) ([]app.HiddenRow, int, error) {
	if _, err := f.snapshot(ctx, asOf); err != nil {
		return nil, 0, err
	}
	if offset > 0 {
		return nil, 1, nil
	}
	return []app.HiddenRow{{ListRow: row, Threats: []app.Threat{{Cluster: "Non-fatal strangulation", Evidence: "Q18 answered yes on 30 June 2024 in assessment A1"}}}}, 1, nil
}

// Changes implements app.Store.
func (f *Store) Changes(ctx context.Context, from, to time.Time) (*app.Changes, error) {
	b, err := f.snapshot(ctx, to)
	if err != nil {
		return nil, err
	}
	a := app.Snapshot{AsOf: Day0.AddDate(0, -1, 0)}
	if !from.IsZero() {
		if a, err = f.snapshot(ctx, from); err != nil {
			return nil, err
		}
	}
	return &app.Changes{From: a.AsOf, To: b.AsOf, NewRed: 1, NewEvidence: 1,
		Rows: []app.Change{{Row: row, Listed: true, FromBand: "amber", FromStage: 3, FromScore: 30, NewRed: true, Up: true, NewItems: []string{"Q18 Strangulation (assessment A1, 30 June 2024)"}}}}, nil
}

// Plans implements app.Store.
func (f *Store) Plans(_ context.Context, today time.Time) (*app.PlansBoard, error) {
	return app.NewPlansBoard([]app.Plan{{ID: "M1", RelationshipID: "r-1", VictimID: "V1", PerpetratorID: "P1", Area: "N01", SARA: "analysis",
		Actions: []app.Action{{ID: "a", Type: "welfare_visit", Owner: "neighbourhood", Due: Day0}}}}, today), nil
}

// Evaluation implements app.Store.
func (f *Store) Evaluation(context.Context) (*app.Evaluation, error) {
	if f.Eval == nil {
		return nil, app.ErrNotFound
	}
	return f.Eval, nil
}

// Options implements app.Store.
func (f *Store) Options(context.Context) ([]app.Choice, []string, error) {
	return []app.Choice{{Value: "C1", Label: "Trigger (C1)"}, {Value: "C2", Label: "Non-fatal strangulation (C2)"}}, []string{"N01"}, nil
}
