package main

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"time"

	"github.com/tau-da/tau/analytics"
	"github.com/tau-da/tau/scoring"
	"github.com/tau-da/tau/scoring/scoredb"
)

// caseload is the red and amber counts of two configurations at a date:
// the one in use and the proposed one.
type caseload struct {
	At                                     time.Time
	Red, Amber, ProposedRed, ProposedAmber int
	KeptRed, KeptAmber                     float64 // thresholds that keep today's caseload (0: not asked)
}

// caseloadOf scores every relationship at the date with both
// configurations, counts their bands, and, with keep, finds the proposed
// configuration's thresholds under which the red and amber bands hold as
// many relationships as today's do (a unit's capacity does not change with
// its weights).
func caseloadOf(ctx context.Context, sess *analytics.Session, cur, prop *scoring.Config, at time.Time, keep bool) (*caseload, error) {
	cl := &caseload{At: at}
	count := func(cfg *scoring.Config) (red, amber int, totals []float64, err error) {
		err = scoredb.ScoreDates(ctx, sess, cfg, []time.Time{at}, nil, func(_ time.Time, s *scoring.Score) error {
			switch s.Band {
			case "red":
				red++
			case "amber":
				amber++
			}
			totals = append(totals, s.Total)
			return nil
		})
		return
	}
	var err error
	if cl.Red, cl.Amber, _, err = count(cur); err != nil {
		return nil, err
	}
	var totals []float64
	if cl.ProposedRed, cl.ProposedAmber, totals, err = count(prop); err != nil {
		return nil, err
	}
	if keep && cl.Red > 0 && len(totals) > cl.Red+cl.Amber {
		sort.Sort(sort.Reverse(sort.Float64Slice(totals)))
		cl.KeptRed, cl.KeptAmber = totals[cl.Red-1], totals[cl.Red+cl.Amber-1]
	}
	return cl, nil
}

// header says the caseload in the proposed file's header.
func (c *caseload) header() []string {
	out := []string{fmt.Sprintf("Caseload as of %s: the weights in use give %d red and %d amber; these give %d red and %d amber with the same band thresholds.",
		c.At.Format("2006-01-02"), c.Red, c.Amber, c.ProposedRed, c.ProposedAmber)}
	if c.KeptRed > 0 {
		out = append(out, fmt.Sprintf("The band thresholds below were re-derived (red %.1f, amber %.1f) so the red and amber bands keep today's sizes: the unit's capacity does not change with its weights.", c.KeptRed, c.KeptAmber))
	}
	return out
}

var (
	redLine   = regexp.MustCompile(`(?m)^red\s*=\s*[0-9.]+`)
	amberLine = regexp.MustCompile(`(?m)^amber\s*=\s*[0-9.]+`)
)

// keepThresholds writes the re-derived thresholds into the [bands] lines.
func (c *caseload) keepThresholds(file []byte) []byte {
	if c.KeptRed == 0 {
		return file
	}
	file = redLine.ReplaceAll(file, []byte(fmt.Sprintf("red = %.4f  # re-derived by tau calibrate --keep-caseload: today's %d red", c.KeptRed, c.Red)))
	return amberLine.ReplaceAll(file, []byte(fmt.Sprintf("amber = %.4f  # re-derived by tau calibrate --keep-caseload: today's %d amber", c.KeptAmber, c.Amber)))
}
