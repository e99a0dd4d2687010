package evaldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/tau-da/tau/analytics"
	"github.com/tau-da/tau/evaluation"
	"github.com/tau-da/tau/internal/testwh"
)

// TestOnePassMatchEqualsInMemory: a dip sample matched in one pass over
// the warehouse's occurrences keeps exactly the shortlists the in-memory
// matcher gives, with the pool's size and the occurrences its windows
// need, and the evaluation is the same either way; occurrences that are
// not in relationship order are found out and read whole instead, to the
// same evaluation.
func TestOnePassMatchEqualsInMemory(t *testing.T) {
	t.Parallel()
	_, wh := testwh.SyntheticForce(t)
	ctx := context.Background()
	p := evaluation.Params{Selection: evaluation.Selection{Mode: "finalised", DipSample: 19}, HoursPerIncident: 3.35, HoursSource: "test",
		Comparison: true, Seed: 7, Replicates: 200}
	sess := testwh.Session(t, wh)
	evaluate := func(sess *analytics.Session, inMemory bool) *evaluation.Report {
		t.Helper()
		run, err := Evaluate(ctx, sess, testwh.Config(t), p, RunOptions{ToolVersion: "test", inMemory: inMemory})
		if err != nil {
			t.Fatal(err)
		}
		run.Report.GeneratedAt = time.Time{}
		return run.Report
	}
	onePass, inMemory := evaluate(sess, false), evaluate(sess, true)
	if onePass.Comparison == nil || onePass.Comparison.Matched < 15 || onePass.Comparison.Pool == 0 {
		t.Fatalf("the dip sample should be matched: %+v", onePass.Comparison)
	}
	same := func(what string, got *evaluation.Report) {
		if !reflect.DeepEqual(got, inMemory) {
			a, _ := json.Marshal(got)
			b, _ := json.Marshal(inMemory)
			t.Errorf("%s differs from the in-memory match:\n%s\n%s", what, a, b)
		}
	}
	same("the one-pass evaluation", onePass)

	// The shortlists themselves, beside the in-memory matcher's.
	plans, err := readPlans(ctx, sess.Conn)
	if err != nil {
		t.Fatal(err)
	}
	var from sql.NullTime
	sess.Conn.QueryRowContext(ctx, "SELECT min(reported_at) FROM occurrences").Scan(&from)
	d, err := evaluation.NewDesign(plans, sess.Manifest.ExtractDate, from.Time, p)
	if err != nil {
		t.Fatal(err)
	}
	whole, err := readData(ctx, sess.DB, d, map[string]bool{}, false)
	if err != nil {
		t.Fatal(err)
	}
	f, err := matchFew(ctx, sess.DB, d, evaluation.ShortlistSize)
	if err != nil {
		t.Fatal(err)
	}
	if want := d.Shortlist(whole.Occurrences, whole.Pool, evaluation.ShortlistSize); !reflect.DeepEqual(f.shortlist, want) || len(want) < 15 {
		t.Errorf("one pass kept shortlists for %d plans, in memory %d; equal %v", len(f.shortlist), len(want), reflect.DeepEqual(f.shortlist, want))
	}
	if f.pool != len(whole.Pool) {
		t.Errorf("pool of %d, want %d", f.pool, len(whole.Pool))
	}
	for _, cs := range f.shortlist {
		for _, c := range cs {
			if !reflect.DeepEqual(f.occ[c.RelationshipID], whole.Occurrences[c.RelationshipID]) {
				t.Fatalf("%s: occurrences %v, want %v", c.RelationshipID, f.occ[c.RelationshipID], whole.Occurrences[c.RelationshipID])
			}
		}
	}

	// Occurrences out of relationship order (here by time) cannot be
	// matched in one pass: they are read whole, to the same evaluation.
	shuffled := testwh.Session(t, wh)
	for _, q := range []string{"ALTER VIEW occurrences RENAME TO occurrences_in_order",
		"CREATE VIEW occurrences AS SELECT * FROM occurrences_in_order ORDER BY reported_at DESC"} {
		if _, err := shuffled.Conn.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := matchFew(ctx, shuffled.DB, d, evaluation.ShortlistSize); !errors.Is(err, errNotInOrder) {
		t.Fatalf("occurrences by time: %v, want %v", err, errNotInOrder)
	}
	same("the evaluation of occurrences out of order", evaluate(shuffled, false))
}
