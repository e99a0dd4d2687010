package scoredb

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/tau-da/tau/analytics"
	"github.com/tau-da/tau/internal/period"
	"github.com/tau-da/tau/scoring"
)

// ScoreDates scores at each date in one session (the configuration's
// tables prepared once) and hands every score to fn; with want set, only
// the listed relationships are scored at each date, reading only their
// perpetrators' rows (narrow).
func ScoreDates(ctx context.Context, sess *analytics.Session, cfg *scoring.Config, dates []time.Time, want map[time.Time][]string, fn func(time.Time, *scoring.Score) error) error {
	conn := sess.Conn
	sc := &scorer{ctx: ctx, db: sess.DB, conn: conn, s: scoring.NewScorer(cfg)}
	if err := sc.prepare(cfg); err != nil {
		return err
	}
	if want != nil {
		restore, err := narrow(ctx, sess, want)
		defer restore()
		if err != nil {
			return err
		}
	}
	sort.Slice(dates, func(i, j int) bool { return dates[i].Before(dates[j]) })
	for _, d := range dates {
		sc.asOf = period.EndOfDay(d)
		start := sc.s.LookbackStart(sc.asOf)
		if err := sc.run("scope", "CREATE OR REPLACE TABLE scope AS ", sc.asOf, start); err != nil {
			return err
		}
		sc.whole = want == nil
		if want != nil {
			if _, err := conn.ExecContext(ctx, "DELETE FROM scope WHERE relationship_id NOT IN (SELECT unnest(string_split(?, ',')))", strings.Join(want[d], ",")); err != nil {
				return err
			}
		}
		err := sc.each(start, func(ev *scoring.Evidence) error {
			s := sc.s.Score(ev, sc.asOf)
			return fn(d, &s)
		})
		if err != nil {
			return err
		}
	}
	return nil
}
