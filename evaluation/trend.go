package evaluation

import (
	"errors"
	"fmt"
	"math"
)

// Month is one month of a plan's baseline series: its position on the time
// axis (months from any fixed origin; the months between opening and
// finalisation keep their place), its count and its exposure (the share of
// the month inside the window, 1 for a whole month).
type Month struct {
	T        float64
	Count    int
	Exposure float64
}

// Series is one plan's monthly baseline counts.
type Series struct {
	PlanID string
	Months []Month
}

// Trend is a fitted Poisson regression with a level per plan and one common
// log-linear slope: count ~ Poisson(exposure * exp(level_plan + slope*T)).
type Trend struct {
	Levels map[string]float64
	Slope  float64
	// SlopeSE is the slope's standard error from the observed information
	// of the profile likelihood.
	SlopeSE    float64
	Iterations int
}

// maxTrendIterations bounds Newton's method on the slope; the profile
// likelihood is concave, so it converges in a handful.
const maxTrendIterations = 100

// FitTrend fits the model by maximum likelihood. For a fixed slope each
// plan's level has a closed form, exp(level) = sum(count) / sum(exposure *
// exp(slope*T)), so the likelihood is profiled down to the slope alone and
// Newton's method solves its score equation:
// sum over plans and months of T * (count - fitted) = 0 (a standard
// conditional-Poisson result: the plan levels are nuisance parameters).
// A plan with no events has level -Inf (nothing expected) and does not
// inform the slope.
func FitTrend(series []Series) (*Trend, error) {
	if len(series) == 0 {
		return nil, errors.New("evaluation: no baseline series to fit a trend to")
	}
	events, spread := 0, false
	for _, s := range series {
		t0 := math.NaN()
		for _, m := range s.Months {
			if m.Exposure <= 0 || m.Count < 0 {
				return nil, fmt.Errorf("evaluation: plan %s month %v: exposure must be positive and count not negative", s.PlanID, m.T)
			}
			events += m.Count
			if !math.IsNaN(t0) && m.T != t0 {
				spread = true
			}
			t0 = m.T
		}
	}
	if events == 0 {
		return nil, errors.New("evaluation: no events in any baseline window; a trend cannot be fitted, use the level projection")
	}
	if !spread {
		return nil, errors.New("evaluation: every baseline has a single month; a trend needs two or more months")
	}
	// score and information of the profile log-likelihood at slope b.
	eval := func(b float64) (score, info float64) {
		for _, s := range series {
			var y, w, wt, wtt, yt float64
			for _, m := range s.Months {
				e := m.Exposure * math.Exp(b*m.T)
				y += float64(m.Count)
				yt += float64(m.Count) * m.T
				w += e
				wt += e * m.T
				wtt += e * m.T * m.T
			}
			if y == 0 {
				continue
			}
			mean := wt / w
			score += yt - y*mean
			info += y * (wtt/w - mean*mean)
		}
		return score, info
	}
	tr := &Trend{Levels: map[string]float64{}}
	b := 0.0
	for tr.Iterations = 1; tr.Iterations <= maxTrendIterations; tr.Iterations++ {
		score, info := eval(b)
		if info <= 0 {
			return nil, errors.New("evaluation: the trend is not identified (no plan has events in two different months)")
		}
		step := score / info
		// Damp large steps: counts that fall to zero can push the slope
		// towards minus infinity.
		if step > 1 {
			step = 1
		} else if step < -1 {
			step = -1
		}
		b += step
		if math.Abs(step) < 1e-12 {
			break
		}
	}
	if tr.Iterations > maxTrendIterations {
		return nil, errors.New("evaluation: the trend fit did not converge (the counts may all fall to zero); use the level projection")
	}
	_, info := eval(b)
	tr.Slope, tr.SlopeSE = b, 1/math.Sqrt(info)
	for _, s := range series {
		var y, w float64
		for _, m := range s.Months {
			y += float64(m.Count)
			w += m.Exposure * math.Exp(b*m.T)
		}
		tr.Levels[s.PlanID] = math.Log(y / w)
	}
	return tr, nil
}

// Expected sums the fitted curve of a plan over follow-up months.
func (t *Trend) Expected(planID string, months []Month) float64 {
	level, ok := t.Levels[planID]
	if !ok || math.IsInf(level, -1) {
		return 0
	}
	total := 0.0
	for _, m := range months {
		total += m.Exposure * math.Exp(level+t.Slope*m.T)
	}
	return total
}
