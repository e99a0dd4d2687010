package scoredb

import (
	"fmt"
	"strings"
	"time"

	"github.com/tau-da/tau/internal/duckdb"

	"github.com/tau-da/tau/queries"
	"github.com/tau-da/tau/scoring"
)

// cursor walks one scoring query's rows, sorted by perpetrator, on its own
// connection (DuckDB streams one result per connection).
type cursor struct {
	name string
	rows duckdb.Rows
	perp string
	ok   bool
	n    int
	t0   time.Time
}

// open starts a scoring query; the first column of its rows is the
// perpetrator id.
func (sc *scorer) open(name string, start time.Time) (*cursor, error) {
	q, err := queries.Scoring(name)
	if err != nil {
		return nil, err
	}
	text, _ := queries.Marked(q.SQL, map[string]bool{"$whole": sc.whole}, nil)
	args := []any{ts(sc.asOf)}
	if strings.Contains(text, "$2") {
		args = append(args, ts(start))
	}
	rows, err := duckdb.Query(sc.ctx, sc.db, text, args...)
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", q.Path, err)
	}
	c := &cursor{name: q.Path, rows: rows, t0: time.Now()}
	err = c.next()
	duckdb.Tracef(c.t0, "%s first row", c.name)
	return c, err
}

func (c *cursor) next() error {
	c.ok = c.rows.Next()
	if !c.ok {
		if err := c.rows.Err(); err != nil {
			return fmt.Errorf("query %s: %w", c.name, err)
		}
		duckdb.Tracef(c.t0, "%s (%d rows)", c.name, c.n)
		return nil
	}
	c.n++
	if p := c.rows.Str(0); p != c.perp {
		c.perp = c.rows.Keep(0)
	}
	return nil
}

// each calls fn for every row of perpetrator p, skipping rows of
// perpetrators before it.
func (c *cursor) each(p string, fn func(r duckdb.Rows) error) error {
	for c.ok && c.perp < p {
		if err := c.next(); err != nil {
			return err
		}
	}
	for c.ok && c.perp == p {
		if err := fn(c.rows); err != nil {
			return err
		}
		if err := c.next(); err != nil {
			return err
		}
	}
	return nil
}

func (c *cursor) close() {
	if c != nil {
		c.rows.Close()
	}
}

// perpetrator is one perpetrator's evidence as read: his relationships in
// scope, still without their item histories, and every assessment of his
// relationships, in scope or not (his items roll up from all of them), to
// be folded into them. The folding is left to whoever scores them: in a
// bulk run, the scoring goroutines, so the one goroutine that reads the
// queries does no more than read.
type perpetrator struct {
	group []*scoring.Evidence
	sets  []scoring.AnswerSet
	folds []foldRange
}

// foldRange is one relationship's assessments among a perpetrator's sets.
type foldRange struct {
	relationshipID string
	from, to       int
}

// fold folds the perpetrator's assessments, relationship by relationship,
// into item histories and gives them, and his rolled-up items, to his
// relationships in scope (scoring.Folder.Attach).
func (p *perpetrator) fold(folder *scoring.Folder, indexed bool) {
	folds := make([]*scoring.Fold, len(p.folds))
	for i, fr := range p.folds {
		folds[i] = folder.NewFold(fr.relationshipID)
		for j := fr.from; j < fr.to; j++ {
			folder.Add(folds[i], &p.sets[j])
		}
	}
	folder.Attach(p.group, folds, indexed)
	p.sets, p.folds = nil, nil
}

// each streams the evidence and hands each relationship's to fn, folded
// on this goroutine.
func (sc *scorer) each(start time.Time, fn func(*scoring.Evidence) error) error {
	folder := scoring.NewFolder(sc.s.Config())
	return sc.stream(start, func(p *perpetrator) error {
		p.fold(folder, sc.indexed)
		for _, ev := range p.group {
			if err := fn(ev); err != nil {
				return err
			}
		}
		return nil
	})
}

// stream merges the evidence queries, all sorted by perpetrator, and calls
// emit with each perpetrator's evidence, still to be folded.
func (sc *scorer) stream(start time.Time, emit func(*perpetrator) error) error {
	var hasOthers bool
	if err := sc.conn.QueryRowContext(sc.ctx, "SELECT count(*) > 0 FROM answer_sets WHERE other > 0").Scan(&hasOthers); err != nil {
		return fmt.Errorf("read answer sets: %w", err)
	}
	names := []string{"relationship_base", "assessment_answers", "perpetrator_harm", "perpetrator_facts"}
	if hasOthers {
		names = append(names, "other_answers")
	}
	cur := map[string]*cursor{}
	defer func() {
		for _, c := range cur {
			c.close()
		}
	}()
	for _, n := range names {
		c, err := sc.open(n, start)
		if err != nil {
			return err
		}
		cur[n] = c
	}
	texts := interned{}
	base, asm, harm, facts, other := cur["relationship_base"], cur["assessment_answers"], cur["perpetrator_harm"], cur["perpetrator_facts"], cur["other_answers"]

	for base.ok {
		p := base.perp
		var group []*scoring.Evidence
		for base.ok && base.perp == p {
			r := base.rows
			counts := scoring.OccurrenceCounts{Lookback: int(r.Int(3)), Last90d: int(r.Int(4)), Last365d: int(r.Int(5)), LastAt: r.Time(6),
				Last180d: int(r.Int(7)), Prior180d: int(r.Int(8))}
			ev := &scoring.Evidence{RelationshipID: r.Keep(1), VictimID: r.Keep(2), PerpetratorID: p, Area: texts.of(r.Str(10)), Counts: &counts, OtherVictims: int(r.Int(9))}
			group = append(group, ev)
			if err := base.next(); err != nil {
				return err
			}
		}
		if sc.whole {
			otherVictims(group)
		}
		var others map[string][]scoring.OtherAnswer
		if other != nil {
			others = map[string][]scoring.OtherAnswer{}
			err := other.each(p, func(r duckdb.Rows) error {
				id := r.Keep(1)
				others[id] = append(others[id], scoring.OtherAnswer{Item: r.Keep(2), Answer: r.Keep(3)})
				return nil
			})
			if err != nil {
				return err
			}
		}
		// Every relationship of the perpetrator with an assessment, in
		// scope or not: his items roll up from all of them. The row's
		// columns: perpetrator, relationship, assessment, completed_at,
		// instrument, officer_grade, answered, yes, no, not_known, other.
		pp := &perpetrator{group: group}
		err := asm.each(p, func(r duckdb.Rows) error {
			if n := len(pp.folds); n == 0 || pp.folds[n-1].relationshipID != r.Str(1) {
				pp.folds = append(pp.folds, foldRange{relationshipID: r.Keep(1), from: len(pp.sets)})
			}
			set := scoring.AnswerSet{AssessmentID: r.Keep(2), Date: r.Time(3), Instrument: texts.of(r.Str(4)), Grade: texts.of(r.Str(5)),
				Answered: r.Uint(6), Yes: r.Uint(7), No: r.Uint(8), NotKnown: r.Uint(9)}
			if r.Int(10) > 0 {
				set.Others = others[set.AssessmentID]
			}
			pp.sets = append(pp.sets, set)
			pp.folds[len(pp.folds)-1].to = len(pp.sets)
			return nil
		})
		if err != nil {
			return err
		}
		err = harm.each(p, func(r duckdb.Rows) error {
			days, n, codes := r.Float(1), int(r.Int(2)), r.Strs(3)
			for _, ev := range group {
				ev.HarmDays, ev.HarmOffences, ev.Unscored = days, n, codes
			}
			return nil
		})
		if err != nil {
			return err
		}
		// His facts are the same in each of his relationships: gathered
		// once, in fact order, and shared.
		var perpFacts []scoring.FactEvidence
		err = facts.each(p, func(r duckdb.Rows) error {
			perpFacts = append(perpFacts, scoring.FactEvidence{Fact: texts.of(r.Str(1)), Last: r.Time(2)})
			return nil
		})
		if err != nil {
			return err
		}
		for _, ev := range group {
			ev.Facts = perpFacts[:len(perpFacts):len(perpFacts)]
		}
		if err := emit(pp); err != nil {
			return err
		}
	}
	return nil
}

// otherVictims counts, for each of a perpetrator's relationships in a
// whole run's scope, his other victims with an occurrence in the
// lookback: his other relationships with one, as a relationship is one
// victim and one perpetrator, and every relationship with an occurrence
// in the lookback is in a whole run's scope (relationship_base counts
// them in SQL only for a run of a few relationships, whose scope holds
// only those).
func otherVictims(group []*scoring.Evidence) {
	n := 0
	for _, ev := range group {
		if ev.Counts.Lookback > 0 {
			n++
		}
	}
	for _, ev := range group {
		ev.OtherVictims = n
		if ev.Counts.Lookback > 0 {
			ev.OtherVictims--
		}
	}
}

// interned keeps one copy of each text of a column with few values (the
// victims' areas, instruments, grades), instead of a copy per row.
type interned map[string]string

// of returns the kept copy of s.
func (in interned) of(s string) string {
	k, ok := in[s]
	if !ok {
		k = strings.Clone(s)
		in[k] = k
	}
	return k
}
