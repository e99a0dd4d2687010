package evaldb

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/tau-da/tau/evaluation"
	"github.com/tau-da/tau/internal/duckdb"
	"github.com/tau-da/tau/queries"
)

// errNotInOrder says the occurrences did not come in relationship order,
// so the one-pass match cannot count a relationship's occurrences together
// (the caller then reads the pool whole).
var errNotInOrder = errors.New("the occurrences are not in relationship order")

// few is a dip sample matched in one pass: its shortlists, the
// occurrences of its plans and their candidates, and the pool's size.
type few struct {
	shortlist map[string][]evaluation.Candidate
	occ       evaluation.Occurrences
	pool      int
}

// matchFew matches a few plans (a dip sample) in one pass over the
// warehouse's occurrences (evaluation.DirectMatch), each relationship's
// run offered to every plan at once, without reading the pool or every
// occurrence into memory (nationally 2 million relationships and 7
// million occurrences); then it reads the occurrences of the plans and
// the candidates they kept. Plans are matched on the relationship's own
// occurrences (not both directions).
func matchFew(ctx context.Context, db *sql.DB, design *evaluation.Design, size int) (*few, error) {
	var plans []string
	for _, w := range design.Plans {
		plans = append(plans, w.RelationshipID)
	}
	// The plans' own occurrences and every couple's first plan are read
	// at once, on connections of their own.
	own := evaluation.Occurrences{}
	var planned map[string]time.Time
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return readOccurrencesOf(gctx, db, plans, own) })
	g.Go(func() (err error) {
		planned, err = readFirstPlans(gctx, db)
		return err
	})
	done := duckdb.Trace("match: the plans' occurrences and first plans")
	if err := g.Wait(); err != nil {
		return nil, err
	}
	done()
	m := design.NewDirectMatch(own, size)
	done = duckdb.Trace("match: offer the pool")
	if err := offerPool(ctx, db, m, planned); err != nil {
		return nil, err
	}
	done()
	done = duckdb.Trace("match: the candidates' people and occurrences")
	defer done()
	// The plans' own occurrences are read already: the candidates' are
	// added to them (a candidate of one plan may be another plan's own).
	f := &few{shortlist: m.Shortlists(), occ: own}
	if err := peopleOf(ctx, db, f.shortlist); err != nil {
		return nil, err
	}
	var ids []string
	for _, cs := range f.shortlist {
		for _, c := range cs {
			if _, read := own[c.RelationshipID]; !read && !slices.Contains(plans, c.RelationshipID) {
				ids = append(ids, c.RelationshipID)
			}
		}
	}
	if err := readOccurrencesOf(ctx, db, ids, f.occ); err != nil {
		return nil, err
	}
	err := db.QueryRowContext(ctx, "SELECT count(*) FROM relationships").Scan(&f.pool)
	return f, err
}

// offerPool offers every relationship with an occurrence to m, its
// occurrences together, in one read of the occurrences in relationship
// order (the relationship and the time only: the people of the few kept
// are read after, by peopleOf).
func offerPool(ctx context.Context, db *sql.DB, m *evaluation.DirectMatch, planned map[string]time.Time) error {
	var rel string
	var times []time.Time
	offer := func() {
		if len(times) > 0 {
			m.Offer(rel, rel, times, func() evaluation.Candidate {
				return evaluation.Candidate{RelationshipID: rel, PlanOpened: planned[rel]}
			})
		}
	}
	n, unordered := 0, false
	err := scanOccurrences(ctx, db, false, func(r string, at time.Time) {
		if n++; unordered || (n%checkEvery == 0 && ctx.Err() != nil) {
			return
		}
		if r != rel {
			if r < rel {
				unordered = true
				return
			}
			offer()
			rel, times = strings.Clone(r), times[:0]
		}
		times = append(times, at)
	})
	switch {
	case err != nil:
		return err
	case ctx.Err() != nil:
		return ctx.Err()
	case unordered:
		return errNotInOrder
	}
	offer()
	return nil
}

// peopleOf fills in the victim and perpetrator of each shortlisted
// candidate.
func peopleOf(ctx context.Context, db *sql.DB, shortlist map[string][]evaluation.Candidate) error {
	var ids []string
	for _, cs := range shortlist {
		for _, c := range cs {
			ids = append(ids, c.RelationshipID)
		}
	}
	people := map[string][2]string{}
	rows, err := db.QueryContext(ctx, queries.Must("evaluation", "people_of"), sql.Named("ids", idList(ids)))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var vp [2]string
		if err := rows.Scan(&id, &vp[0], &vp[1]); err != nil {
			return err
		}
		people[id] = vp
	}
	for _, cs := range shortlist {
		for i := range cs {
			cs[i].VictimID, cs[i].PerpetratorID = people[cs[i].RelationshipID][0], people[cs[i].RelationshipID][1]
		}
	}
	return rows.Err()
}

// checkEvery is how many occurrences are read between asking whether to
// stop.
const checkEvery = 1 << 16

// readOccurrencesOf adds the occurrences of some relationships to occ,
// under their relationship id, in time order.
func readOccurrencesOf(ctx context.Context, db *sql.DB, ids []string, occ evaluation.Occurrences) error {
	rows, err := duckdb.Query(ctx, db, queries.Must("evaluation", "occurrences_of"), sql.Named("ids", idList(ids)))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		occ.Add(rows.Keep(0), rows.Time(1))
	}
	occ.Sort()
	return rows.Err()
}

// readFirstPlans gives, for each relationship whose couple has had a plan,
// the day the couple's first plan opened.
func readFirstPlans(ctx context.Context, db *sql.DB) (map[string]time.Time, error) {
	rows, err := db.QueryContext(ctx, queries.Must("evaluation", "first_plans"))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var id string
		var at sql.NullTime
		if err := rows.Scan(&id, &at); err != nil {
			return nil, err
		}
		if at.Valid {
			out[id] = at.Time
		}
	}
	return out, rows.Err()
}
