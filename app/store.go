package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrNotFound is returned for an unknown relationship.
var ErrNotFound = errors.New("not found")

// Filter selects and orders the ranked list. AsOf picks the score
// snapshot (zero: the latest).
type Filter struct {
	AsOf                time.Time
	Band, Cluster, Area string
	Stage               int // 0 = any
	Serial, NoPlan      bool
	Sort                string // rank (default), stage, occurrences_90d, days_since
	Offset, Limit       int
}

// ListRow is one relationship on the ranked list.
type ListRow struct {
	Rank                                    int
	RelationshipID, VictimID, PerpetratorID string
	Band                                    string
	Stage                                   int
	Total, ClusterScore, Harm, RecencyFreq  float64
	Clusters                                []string
	// ClusterNames are the clusters' names, in the order of Clusters.
	ClusterNames              []string
	Occurrences90d, DaysSince int
	PctLast90d                float64
	Serial, HasPlan           bool
	Area                      string
	// OfficerGrade is the grade of the latest assessment on or before the
	// score date (standard, medium, high; "" if none).
	OfficerGrade string
}

// Snapshot is one score snapshot of the app's configuration: its date,
// how many relationships it ranks, and the load it was scored from.
// Stale says that load is not the warehouse's current one (its ids and
// counts may no longer match the records); ScoredLoad and CurrentLoad are
// when each load was made (zero if unknown).
type Snapshot struct {
	AsOf                    time.Time
	ConfigHash              string
	Rows                    int
	Generation              string
	Stale                   bool
	ScoredLoad, CurrentLoad time.Time
}

// FindSnapshot picks the snapshot of a date from a list, latest first
// (zero: the latest); a date not in it is ErrNoSuchSnapshot.
func FindSnapshot(snaps []Snapshot, asOf time.Time) (Snapshot, error) {
	for _, sn := range snaps {
		if asOf.IsZero() || sn.AsOf.Equal(asOf) {
			return sn, nil
		}
	}
	return Snapshot{}, fmt.Errorf("snapshot %s: %w", asOf.Format("2006-01-02"), ErrNoSuchSnapshot)
}

// Choice is one option of a filter: the value sent and the words shown.
type Choice struct {
	Value, Label string
}

// HiddenRow is a relationship tau bands red or amber whose latest officer
// grade was standard or medium: the threat and where it comes from, in
// one line (its heaviest clusters with their sources, and how many more
// are active).
type HiddenRow struct {
	ListRow
	Threats []Threat
	More    int
}

// Threat is one cluster of a hidden threat and what met it.
type Threat struct {
	Cluster, Evidence string
}

// Line is the row's threat as one line of text (for a download).
func (h HiddenRow) Line() string {
	var parts []string
	for _, t := range h.Threats {
		parts = append(parts, t.Cluster+": "+t.Evidence)
	}
	switch {
	case len(parts) == 0:
		return "No cluster is active: the score comes from harm, recency and frequency."
	case h.More == 1:
		parts = append(parts, "1 other cluster is active")
	case h.More > 1:
		parts = append(parts, fmt.Sprintf("%d other clusters are active", h.More))
	}
	return strings.Join(parts, ". ") + "."
}

// Change is one relationship's change between two snapshots: Row as in
// the later snapshot (or, for one no longer listed, the earlier, with
// Listed false), where it was before, and what is new, in words with
// each source.
type Change struct {
	Row                                   ListRow
	Listed                                bool
	FromBand                              string
	FromStage                             int
	FromScore                             float64
	NewRed, Up, LeftRed, PlanClosedRising bool
	NewItems, NewClusters                 []string
}

// Priority orders changes for review: new to red (0), a plan closed
// while the score rises (1), up a band or stage (2), new evidence (3),
// out of red (4).
func (c Change) Priority() int {
	switch {
	case c.NewRed:
		return 0
	case c.PlanClosedRising:
		return 1
	case c.Up:
		return 2
	case len(c.NewItems)+len(c.NewClusters) > 0:
		return 3
	}
	return 4
}

// Kind reports whether the change is of a kind the changes page can
// show on its own: new_red, plan_closed, up, evidence, left_red ("" is
// every kind).
func (c Change) Kind(kind string) bool {
	switch kind {
	case "":
		return true
	case "new_red":
		return c.NewRed
	case "plan_closed":
		return c.PlanClosedRising
	case "up":
		return c.Up
	case "evidence":
		return len(c.NewItems)+len(c.NewClusters) > 0
	case "left_red":
		return c.LeftRed
	}
	return false
}

// ChangeKinds are the kinds Change.Kind knows.
var ChangeKinds = []string{"new_red", "plan_closed", "up", "evidence", "left_red"}

// Changes is what changed between two snapshots: counts, then the rows.
type Changes struct {
	From, To                                  time.Time
	NewRed, Up, NewEvidence, PlanClosedRising int
	LeftRed                                   int
	Rows                                      []Change
}

// List is a page of the ranked list.
type List struct {
	Snapshot   Snapshot
	AsOf       time.Time
	ConfigHash string
	Total      int
	Rows       []ListRow
}

// Count is one cell of the aggregate view analysts see.
type Count struct {
	Band  string
	Stage int
	N     int
}

// Item is an active item with its source.
type Item struct {
	Item, Label, Class, Subject      string
	SourceAssessment, SourceRelation string
	SourceDate                       time.Time
	Sticky, FromOther                bool
	HeldAgainst, HeldAnswer          string
	HeldDate                         time.Time
	Reason                           string
}

// Cluster is an active cluster with what met it: Evidence is a sentence
// naming each source ("Q18 (strangulation) answered yes on 6 June 2023 in
// assessment A5010-34").
type Cluster struct {
	ID, Name string
	Weight   float64
	// Stage is the stage the cluster counted at; Configured the stage the
	// configuration gives it, and StageNote why the two differ ("" when
	// they do not).
	Stage, Configured int
	StageNote         string
	Evidence          string
	Responses         []string
}

// Offence is an offence counted in harm, with its name from the harm
// table ("" if the table has none).
type Offence struct {
	ID, Code, Name string
	Date           time.Time
	Days           float64 // -1 = unscored
}

// Event is a dated thing on a relationship's timeline. Lane is incident,
// assessment, stage or plan; Tone what its colour stands for (crime or
// incident; the officer's grade; the band; opened or finalised).
type Event struct {
	At                 time.Time
	Lane, Detail, Tone string
}

// Action is a plan's action.
type Action struct {
	ID, Type, Owner               string
	Raised, Due, Done             time.Time
	ConsentRequired, ConsentGiven string
}

// Plan is a problem-management plan with its actions, its couple's
// references and the victim's area.
type Plan struct {
	ID, RelationshipID, Status, SARA string
	VictimID, PerpetratorID, Area    string
	Opened, Finalised                time.Time
	StageAtOpening                   int
	Actions                          []Action
}

// Engagement is a victim's episode with an agency.
type Engagement struct {
	Agency   string
	From, To time.Time
}

// Relationship is everything the relationship page and the pack show.
type Relationship struct {
	Snapshot   Snapshot
	Row        ListRow
	AsOf       time.Time
	ConfigHash string
	Items      []Item
	Clusters   []Cluster
	Harm       []Offence
	HarmDays   float64
	Events     []Event
	Plans      []Plan
	Engagement []Engagement
}

// PlansBoard is the plans page: the open plans as columns of cards by
// SARA stage, the overdue actions and the neighbourhood teams' tasks.
type PlansBoard struct {
	Open          []Plan
	Columns       []Column
	Overdue       []Task
	Neighbourhood []Task
	Today         time.Time
}

// Evaluation is the latest evaluation summary.
type Evaluation struct {
	RunID, Projection, Windows, HoursSource          string
	Generated                                        time.Time
	Plans, Baseline, Observed, SMSLevel              int
	Expected, Prevented, ReductionPct, HoursSaved    float64
	HoursPerIncident, NaivePct, DiDPct, DiDLo, DiDHi float64
	HasComparison                                    bool
	Warnings                                         []string
	// Headline is the most defensible estimate, which the page leads with.
	Headline Headline
	// PreTrends and Power say in a sentence whether the groups moved
	// together before the plans and how large a reduction the sample could
	// detect; Events is the monthly series behind the first.
	PreTrends, Power string
	Events           []EventPoint
}

// EventPoint is one period of the event study: incidents per 30 days of
// the plans and of their comparisons (Order: months from opening; 0 is
// while the plan ran).
type EventPoint struct {
	Period             string
	Order              int
	Plans, Comparisons float64
}

// Headline is an evaluation's primary estimate as the page shows it: the
// change and its interval in words, prevented incidents and police hours
// with their intervals, what is estimated and how.
type Headline struct {
	Available                           bool
	Change, Interval, Sentence          string
	Estimand, Method                    string
	Prevented, PreventedLo, PreventedHi float64
	Hours, HoursLo, HoursHi             float64
}

// Store is the app's read-only view of the warehouse. Every person-level
// read names its snapshot (zero: the latest); an unknown date is
// ErrNoSuchSnapshot.
type Store interface {
	// Snapshots lists the configuration's snapshots, latest first.
	Snapshots(ctx context.Context) ([]Snapshot, error)
	List(ctx context.Context, f Filter) (*List, error)
	Aggregates(ctx context.Context, f Filter) ([]Count, error)
	Relationship(ctx context.Context, id string, asOf time.Time) (*Relationship, error)
	// Hidden is a page of a snapshot's hidden-threat queue, ranked (limit
	// 0: the whole queue), and the queue's length.
	Hidden(ctx context.Context, asOf time.Time, offset, limit int) ([]HiddenRow, int, error)
	// Changes compares two snapshots (zero: the latest and the one before).
	Changes(ctx context.Context, from, to time.Time) (*Changes, error)
	Plans(ctx context.Context, today time.Time) (*PlansBoard, error)
	Evaluation(ctx context.Context) (*Evaluation, error)
	// Options lists the filter choices: clusters (id and name) and areas.
	Options(ctx context.Context) (clusters []Choice, areas []string, err error)
}

// ErrNoSuchSnapshot is returned for a snapshot date the warehouse does not
// hold.
var ErrNoSuchSnapshot = errors.New("no score snapshot of that date")
