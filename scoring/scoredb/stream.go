package scoredb

import (
	"fmt"
	"math/bits"
	"os"
	"sort"
	"strconv"
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
	args := []any{ts(sc.asOf)}
	if strings.Contains(q.SQL, "$2") {
		args = append(args, ts(start))
	}
	rows, err := duckdb.Query(sc.ctx, sc.db, q.SQL, args...)
	if err != nil {
		return nil, fmt.Errorf("score: query %s: %w", q.Path, err)
	}
	c := &cursor{name: q.Path, rows: rows, t0: time.Now()}
	err = c.next()
	if duckdb.Tracing {
		fmt.Fprintf(os.Stderr, "trace %6.0fms %s first row\n", time.Since(c.t0).Seconds()*1000, c.name)
	}
	return c, err
}

func (c *cursor) next() error {
	c.ok = c.rows.Next()
	if !c.ok {
		if err := c.rows.Err(); err != nil {
			return fmt.Errorf("score: query %s: %w", c.name, err)
		}
		if duckdb.Tracing {
			fmt.Fprintf(os.Stderr, "trace %6.0fms %s (%d rows)\n", time.Since(c.t0).Seconds()*1000, c.name, c.n)
		}
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

// Answer kinds of the item sets, in the order a fold looks them up.
const (
	ansYes = iota
	ansNo
	ansNotKnown
	ansNotAsked
)

var answerWords = [...]string{ansYes: "yes", ansNo: "no", ansNotKnown: "not_known", ansNotAsked: "not_asked"}

// itemFolder folds assessments, in order, into item histories indexed by
// canonical item; it maps each instrument's question numbers once.
type itemFolder struct {
	cfg      *scoring.Config
	ids      []string
	index    map[string]int
	byNumber map[string]*[64]int
	// rollUp lists the canonical items that roll up across a
	// perpetrator's relationships: ever items about him or the dyad.
	rollUp []int
}

func newItemFolder(cfg *scoring.Config) *itemFolder {
	f := &itemFolder{cfg: cfg, ids: cfg.CanonicalItemIDs(), index: map[string]int{}, byNumber: map[string]*[64]int{}}
	for i, id := range f.ids {
		f.index[id] = i
		if it, _ := cfg.Canonical(id); it.Class == scoring.ClassEver && (it.Subject == scoring.SubjectPerpetrator || it.Subject == scoring.SubjectDyad) {
			f.rollUp = append(f.rollUp, i)
		}
	}
	return f
}

// numbers maps an instrument's items Q1..Q63 to canonical indexes (-1 where
// the crosswalk has none).
func (f *itemFolder) numbers(instrument string) *[64]int {
	if m := f.byNumber[instrument]; m != nil {
		return m
	}
	m := new([64]int)
	for n := range m {
		m[n] = -1
		if id := f.cfg.CanonicalItem(instrument, "Q"+strconv.Itoa(n)); id != "" && n > 0 {
			m[n] = f.index[id]
		}
	}
	f.byNumber[strings.Clone(instrument)] = m
	return m
}

// grade returns an officer grade as a string that outlives the row (the
// three grades without a copy each).
func grade(g string) string {
	switch g {
	case "":
		return ""
	case "standard":
		return "standard"
	case "medium":
		return "medium"
	case "high":
		return "high"
	}
	return strings.Clone(g)
}

// relFold is one relationship's fold: its item histories and latest
// assessment.
type relFold struct {
	rel    string
	items  []*scoring.ItemHistory
	latest *scoring.Ref
	grade  string
}

// otherAnswer is an answer outside the item sets.
type otherAnswer struct{ item, answer string }

// add folds one assessment row of assessment_answers (columns: perpetrator,
// relationship, assessment, completed_at, instrument, officer_grade,
// answered, yes, no, not_known, other) and the answers outside its sets.
func (f *itemFolder) add(rf *relFold, r duckdb.Rows, others map[string][]otherAnswer) {
	id, at, instrument := r.Keep(2), r.Time(3), r.Str(4)
	rf.latest = &scoring.Ref{AssessmentID: id, Date: at, RelationshipID: rf.rel}
	rf.grade = grade(r.Str(5))
	var refs [4]*scoring.Ref
	ref := func(k int) *scoring.Ref {
		if refs[k] == nil {
			refs[k] = &scoring.Ref{AssessmentID: id, Date: at, RelationshipID: rf.rel, Answer: answerWords[k]}
		}
		return refs[k]
	}
	step := func(i, k int) {
		h := rf.items[i]
		if h == nil {
			h = &scoring.ItemHistory{Item: f.ids[i]}
			rf.items[i] = h
		}
		h.Add(ref(k))
	}
	answered, yes, no, nk := r.Uint(6), r.Uint(7), r.Uint(8), r.Uint(9)
	if answered != 0 {
		m := f.numbers(instrument)
		for b := answered; b != 0; b &= b - 1 {
			n := bits.TrailingZeros64(b)
			i := m[n]
			if i < 0 {
				continue
			}
			bit := uint64(1) << n
			k := ansNotAsked
			switch {
			case yes&bit != 0:
				k = ansYes
			case no&bit != 0:
				k = ansNo
			case nk&bit != 0:
				k = ansNotKnown
			}
			step(i, k)
		}
	}
	if r.Int(10) > 0 {
		for _, o := range others[id] {
			i, ok := f.index[f.cfg.CanonicalItem(instrument, o.item)]
			if !ok {
				continue
			}
			k := ansNotAsked
			for j, w := range answerWords {
				if w == o.answer {
					k = j
				}
			}
			step(i, k)
		}
	}
}

// histories returns the fold's item histories keyed by canonical item.
func (rf *relFold) histories() map[string]*scoring.ItemHistory {
	out := make(map[string]*scoring.ItemHistory, 8)
	for _, h := range rf.items {
		if h != nil {
			out[h.Item] = h
		}
	}
	return out
}

// stream merges the evidence queries, all sorted by perpetrator, and calls
// emit with each relationship's evidence, one perpetrator at a time.
func (sc *scorer) stream(start time.Time, emit func(*scoring.Evidence) error) error {
	folder := newItemFolder(sc.s.Config())
	var hasOthers bool
	if err := sc.conn.QueryRowContext(sc.ctx, "SELECT count(*) > 0 FROM answer_sets WHERE other > 0").Scan(&hasOthers); err != nil {
		return fmt.Errorf("score: read answer sets: %w", err)
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
	base, asm, harm, facts, other := cur["relationship_base"], cur["assessment_answers"], cur["perpetrator_harm"], cur["perpetrator_facts"], cur["other_answers"]

	for base.ok {
		p := base.perp
		var group []*scoring.Evidence
		byRel := map[string]*scoring.Evidence{}
		for base.ok && base.perp == p {
			r := base.rows
			counts := scoring.OccurrenceCounts{Lookback: int(r.Int(3)), Last90d: int(r.Int(4)), Last365d: int(r.Int(5)), LastAt: r.Time(6),
				Last180d: int(r.Int(7)), Prior180d: int(r.Int(8))}
			ev := &scoring.Evidence{RelationshipID: r.Keep(1), VictimID: r.Keep(2), PerpetratorID: p, Counts: &counts, OtherVictims: int(r.Int(9)),
				PerpYes: map[string][]scoring.Ref{}, Facts: map[string]scoring.Offence{}}
			group = append(group, ev)
			byRel[ev.RelationshipID] = ev
			if err := base.next(); err != nil {
				return err
			}
		}
		var others map[string][]otherAnswer
		if other != nil {
			others = map[string][]otherAnswer{}
			err := other.each(p, func(r duckdb.Rows) error {
				id := r.Keep(1)
				others[id] = append(others[id], otherAnswer{item: r.Keep(2), answer: r.Keep(3)})
				return nil
			})
			if err != nil {
				return err
			}
		}
		// Every relationship of the perpetrator with an assessment, in
		// scope or not: his items roll up from all of them.
		var folds []*relFold
		err := asm.each(p, func(r duckdb.Rows) error {
			if n := len(folds); n == 0 || folds[n-1].rel != r.Str(1) {
				folds = append(folds, &relFold{rel: r.Keep(1), items: make([]*scoring.ItemHistory, len(folder.ids))})
			}
			folder.add(folds[len(folds)-1], r, others)
			return nil
		})
		if err != nil {
			return err
		}
		for _, rf := range folds {
			if ev := byRel[rf.rel]; ev != nil {
				ev.Latest, ev.OfficerGrade = rf.latest, rf.grade
				if sc.indexed {
					ev.Indexed = rf.items
				} else {
					ev.Items = rf.histories()
				}
			}
			for _, i := range folder.rollUp {
				h := rf.items[i]
				if h == nil || h.FirstYes == nil {
					continue
				}
				for _, ev := range group {
					if ev.RelationshipID != rf.rel {
						ev.PerpYes[h.Item] = append(ev.PerpYes[h.Item], *h.FirstYes)
					}
				}
			}
		}
		for _, ev := range group {
			if ev.Items == nil && !sc.indexed {
				ev.Items = map[string]*scoring.ItemHistory{}
			}
			for _, refs := range ev.PerpYes {
				sort.Slice(refs, func(i, j int) bool {
					if !refs[i].Date.Equal(refs[j].Date) {
						return refs[i].Date.Before(refs[j].Date)
					}
					return refs[i].RelationshipID < refs[j].RelationshipID
				})
			}
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
		err = facts.each(p, func(r duckdb.Rows) error {
			fo := scoring.Offence{OffenceID: r.Keep(2), Code: r.Keep(3), Date: r.Time(4)}
			fact := r.Keep(1)
			for _, ev := range group {
				ev.Facts[fact] = fo
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, ev := range group {
			if err := emit(ev); err != nil {
				return err
			}
		}
	}
	return nil
}
