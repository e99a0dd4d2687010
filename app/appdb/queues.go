package appdb

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/tau-da/tau/app"
	"github.com/tau-da/tau/queries"
)

// hiddenClusters is how many of a row's clusters (heaviest first) its
// one-line threat names: a line an assessor reads at a glance.
const hiddenClusters = 2

// Hidden is a page of a snapshot's hidden-threat queue: the relationships
// tau bands red or amber whose latest officer grade was standard or
// medium, ranked, each with one line saying what the threat is and where
// it comes from; and the queue's length. Only the page's sources are read.
func (s *Store) Hidden(ctx context.Context, asOf time.Time, offset, limit int) ([]app.HiddenRow, int, error) {
	sn, err := s.snapshot(ctx, asOf)
	if err != nil {
		return nil, 0, err
	}
	rows, total, err := s.rows(ctx, app.Filter{Offset: offset, Limit: limit}, sn.AsOf, "", 0, true, nil)
	if err != nil {
		return nil, 0, err
	}
	db, err := s.conn(ctx)
	if err != nil {
		return nil, 0, err
	}
	hi := total
	if limit > 0 {
		hi = offset + limit
	}
	items := map[string]map[string]app.Item{}
	facts := map[string]map[string]bool{}
	args := []any{sql.Named("cfg", s.cfg.Hash), sql.Named("asof", sn.AsOf), sql.Named("lo", offset+1), sql.Named("hi", hi)}
	q, args := queries.Marked(queries.Must("app", "hidden_items"), map[string]bool{"$indexed": s.isIndexed(sn.AsOf)}, args)
	err = each(ctx, db, q, args, func(rs *sql.Rows) error {
		var rel string
		var it app.Item
		var src sql.NullString
		var at sql.NullTime
		if err := rs.Scan(&rel, &it.Item, &src, &at); err != nil {
			return err
		}
		if !src.Valid {
			// A fact: it holds, and is worded from the configuration.
			if facts[rel] == nil {
				facts[rel] = map[string]bool{}
			}
			facts[rel][it.Item] = true
			return nil
		}
		it.SourceAssessment, it.SourceDate = src.String, at.Time
		if items[rel] == nil {
			items[rel] = map[string]app.Item{}
		}
		items[rel][it.Item] = it
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	out := make([]app.HiddenRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, s.threat(r, items[r.RelationshipID], facts[r.RelationshipID]))
	}
	return out, total, nil
}

// threat words a row's heaviest clusters and their sources.
func (s *Store) threat(r app.ListRow, items map[string]app.Item, facts map[string]bool) app.HiddenRow {
	holds := func(a string) bool { _, ok := items[a]; return ok || facts[a] }
	src := sources{cfg: s.cfg, items: items}
	cs := s.cfg.Heaviest(r.Clusters)
	h := app.HiddenRow{ListRow: r}
	for k, c := range cs {
		if k == hiddenClusters {
			h.More = len(cs) - k
			break
		}
		h.Threats = append(h.Threats, app.Threat{Cluster: c.Name, Evidence: src.evidence(c, holds, true)})
	}
	return h
}

// Changes compares two snapshots: the earlier from and the later to (zero:
// the latest and the one before it).
func (s *Store) Changes(ctx context.Context, from, to time.Time) (*app.Changes, error) {
	snaps, err := s.Snapshots(ctx)
	if err != nil {
		return nil, err
	}
	b, err := s.snapshot(ctx, to)
	if err != nil {
		return nil, err
	}
	var a app.Snapshot
	if from.IsZero() {
		for _, sn := range snaps {
			if sn.AsOf.Before(b.AsOf) {
				a = sn
				break
			}
		}
		if a.AsOf.IsZero() {
			return nil, fmt.Errorf("only one snapshot up to %s: %w", b.AsOf.Format("2006-01-02"), app.ErrNoSuchSnapshot)
		}
	} else if a, err = s.snapshot(ctx, from); err != nil {
		return nil, err
	}
	if !a.AsOf.Before(b.AsOf) {
		a, b = b, a
	}
	// One comparison at a time: a second request for the same pair waits
	// for the first and reads its result.
	s.changesMu.Lock()
	defer s.changesMu.Unlock()
	// (The plans closed come from the current load, so it is in the key.)
	key := s.currentGen() + " " + s.snapshotStamp(a) + " " + s.snapshotStamp(b)
	if s.changes != nil && s.changesOf == key {
		return s.changes, nil
	}
	db, err := s.conn(ctx)
	if err != nil {
		return nil, err
	}
	args := []any{sql.Named("cfg", s.cfg.Hash), sql.Named("from", a.AsOf), sql.Named("to", b.AsOf)}
	ch := &app.Changes{From: a.AsOf, To: b.AsOf}
	q, args := queries.Marked(queries.Must("app", "changes"), map[string]bool{"$indexed": s.isIndexed(a.AsOf) && s.isIndexed(b.AsOf)}, args)
	err = each(ctx, db, q, args, func(rs *sql.Rows) error {
		var c app.Change
		var clusters, added []any
		var newItems any
		r := &c.Row
		if err := rs.Scan(&r.RelationshipID, &r.VictimID, &r.PerpetratorID, &c.Listed, &r.Rank, &r.Band, &r.Stage, &r.Total, &clusters,
			&r.Area, &r.OfficerGrade, &c.FromBand, &c.FromStage, &c.FromScore, &added, &c.PlanClosedRising, &newItems); err != nil {
			return err
		}
		items, _ := newItems.([]any)
		for _, x := range items {
			m, _ := x.(map[string]any)
			id, _ := m["item"].(string)
			asmt, _ := m["assessment"].(string)
			at, _ := m["day"].(time.Time)
			label := id
			if c, ok := s.cfg.Canonical(id); ok {
				label += " " + c.Label
			}
			c.NewItems = append(c.NewItems, fmt.Sprintf("%s (assessment %s, %s)", label, asmt, longDay(at)))
		}
		s.nameClusters(r, clusters)
		for _, id := range added {
			name := fmt.Sprint(id)
			if cl := s.cfg.Cluster(name); cl != nil {
				name = cl.Name + " (" + cl.ID + ")"
			}
			c.NewClusters = append(c.NewClusters, name)
		}
		c.NewRed = r.Band == "red" && c.FromBand != "red"
		c.LeftRed = c.FromBand == "red" && r.Band != "red"
		c.Up = c.FromBand != "" && r.Band != "" && (bandRank[r.Band] > bandRank[c.FromBand] || r.Stage > c.FromStage)
		ch.Rows = append(ch.Rows, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The rows most needing a look first: new to red, a plan closed while
	// the score rises, up a band or stage, new evidence, then out of red;
	// by rank within each.
	sort.SliceStable(ch.Rows, func(i, j int) bool { return ch.Rows[i].Priority() < ch.Rows[j].Priority() })
	for _, c := range ch.Rows {
		switch {
		case c.NewRed:
			ch.NewRed++
		case c.LeftRed:
			ch.LeftRed++
		}
		if c.Up {
			ch.Up++
		}
		if len(c.NewItems)+len(c.NewClusters) > 0 {
			ch.NewEvidence++
		}
		if c.PlanClosedRising {
			ch.PlanClosedRising++
		}
	}
	s.changes, s.changesOf = ch, key
	return ch, nil
}

// snapshotStamp identifies a snapshot as written: its date, the load it
// was scored from, its rows and its scores file's size and time (a date
// scored again is a new file), so a kept comparison is never of files
// since replaced.
func (s *Store) snapshotStamp(sn app.Snapshot) string {
	stamp := fmt.Sprintf("%s/%s/%d", sn.AsOf.Format("2006-01-02"), sn.Generation, sn.Rows)
	if fi, err := os.Stat(s.snapshotFile(sn.AsOf, "scores")); err == nil {
		stamp += fmt.Sprintf("/%d/%d", fi.Size(), fi.ModTime().UnixNano())
	}
	return stamp
}

// bandRank orders the bands.
var bandRank = map[string]int{"green": 1, "amber": 2, "red": 3}
