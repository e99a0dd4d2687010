package app

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned for an unknown relationship.
var ErrNotFound = errors.New("not found")

// Filter selects and orders the ranked list.
type Filter struct {
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
	Occurrences90d, DaysSince               int
	PctLast90d                              float64
	Serial, HasPlan                         bool
	Area                                    string
}

// List is a page of the ranked list.
type List struct {
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

// Cluster is an active cluster with what met it.
type Cluster struct {
	ID, Name  string
	Weight    float64
	Stage     int
	Legs      string
	Responses []string
}

// Offence is an offence counted in harm.
type Offence struct {
	ID, Code string
	Date     time.Time
	Days     float64 // -1 = unscored
}

// Event is a dated thing on a relationship's timeline.
type Event struct {
	At           time.Time
	Lane, Detail string
}

// Action is a plan's action.
type Action struct {
	ID, Type, Owner               string
	Raised, Due, Done             time.Time
	ConsentRequired, ConsentGiven string
}

// Plan is a problem-management plan with its actions.
type Plan struct {
	ID, RelationshipID, Status, SARA string
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

// PlansBoard is the plans page.
type PlansBoard struct {
	Open          []Plan
	Overdue       []Action
	OverduePlan   map[string]string // action id -> plan id
	Neighbourhood []Action
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

// Store is the app's read-only view of the warehouse.
type Store interface {
	List(ctx context.Context, f Filter) (*List, error)
	Aggregates(ctx context.Context, f Filter) ([]Count, error)
	Relationship(ctx context.Context, id string) (*Relationship, error)
	Plans(ctx context.Context, today time.Time) (*PlansBoard, error)
	Evaluation(ctx context.Context) (*Evaluation, error)
	// Options lists the filter choices: cluster ids and areas.
	Options(ctx context.Context) (clusters, areas []string, err error)
}
