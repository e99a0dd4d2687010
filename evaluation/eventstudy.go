package evaluation

import (
	"fmt"
	"math"
	"strconv"
)

// eventMonthsBefore is how far before the plans the event study starts.
const eventMonthsBefore = 12

// parallelTolerance is how far the plans' rate may move against their
// comparisons' between the two halves of the year before opening (as a
// proportion) for the pre-plan trends to be called parallel.
const parallelTolerance = 0.15

// EventRow is one period of the event study: the plans' and their
// comparisons' incidents per 30 days, month by month from a year before
// each plan opened ("-12" to "-1"), while it ran ("plan"), and month by
// month through the follow-up ("+1", ...). Comparisons are counted over
// their plan's own dates, each weighted 1/k of its plan.
type EventRow struct {
	Period          string  `json:"period"`
	Order           int     `json:"order"`
	Plans           float64 `json:"plans_count"`
	PlansDays       float64 `json:"plans_days"`
	PlansRate       float64 `json:"plans_per_30_days"`
	Comparisons     float64 `json:"comparisons_count"`
	ComparisonsDays float64 `json:"comparisons_days"`
	ComparisonsRate float64 `json:"comparisons_per_30_days"`
}

// EventStudy is the evidence on parallel trends: the series and a plain
// sentence on whether the groups moved together before the plans.
type EventStudy struct {
	Rows     []EventRow `json:"rows"`
	Parallel bool       `json:"pre_trends_parallel"`
	Sentence string     `json:"sentence"`
}

// eventStudy builds the series for the matched plans (Autor 2003 and the
// event-study practice reviewed by Roth et al. 2023, J. Econometrics 235:
// 2218-2244: look at the groups before treatment before trusting the
// difference after it).
func eventStudy(d *Design, data Data, treated []Unit, matches map[string][]Unit) EventStudy {
	windows := map[string]PlanWindows{}
	for _, w := range d.Plans {
		windows[w.ID] = w
	}
	rows := map[int]*EventRow{}
	row := func(order int, period string) *EventRow {
		r := rows[order]
		if r == nil {
			r = &EventRow{Period: period, Order: order}
			rows[order] = r
		}
		return r
	}
	for _, t := range treated {
		ms := matches[t.ID]
		if len(ms) == 0 {
			continue
		}
		w := windows[t.ID]
		opened := w.Baseline.To
		var spans []Span
		var orders []int
		var periods []string
		for k := eventMonthsBefore; k >= 1; k-- {
			spans = append(spans, Span{From: opened.AddDate(0, -k, 0), To: opened.AddDate(0, -k+1, 0)})
			orders = append(orders, -k)
			periods = append(periods, strconv.Itoa(-k))
		}
		spans, orders, periods = append(spans, Span{From: opened, To: w.Followup.From}), append(orders, 0), append(periods, "plan")
		for i, s := range w.Followup.Pieces() {
			spans, orders, periods = append(spans, s), append(orders, i+1), append(periods, "+"+strconv.Itoa(i+1))
		}
		wk := 1 / float64(len(ms))
		for i, s := range spans {
			r := row(orders[i], periods[i])
			r.Plans += float64(data.Occurrences.Count(w.Key, s))
			r.PlansDays += s.Days()
			for _, m := range ms {
				r.Comparisons += wk * float64(data.Occurrences.Count(m.Key, s))
				r.ComparisonsDays += wk * s.Days()
			}
		}
	}
	var es EventStudy
	for o := -eventMonthsBefore; ; o++ {
		r := rows[o]
		if r == nil {
			if o > 0 {
				break
			}
			continue
		}
		if r.PlansDays > 0 {
			r.PlansRate = 30 * r.Plans / r.PlansDays
		}
		if r.ComparisonsDays > 0 {
			r.ComparisonsRate = 30 * r.Comparisons / r.ComparisonsDays
		}
		es.Rows = append(es.Rows, *r)
	}
	es.Parallel, es.Sentence = parallel(es.Rows)
	return es
}

// parallel compares the plans' rate relative to their comparisons' in the
// first and the second half of the year before opening.
func parallel(rows []EventRow) (bool, string) {
	var p1, c1, p2, c2 float64
	for _, r := range rows {
		switch {
		case r.Order <= -7:
			p1, c1 = p1+r.Plans, c1+r.Comparisons
		case r.Order < 0:
			p2, c2 = p2+r.Plans, c2+r.Comparisons
		}
	}
	if p1 == 0 || c1 == 0 || c2 == 0 {
		return false, "Too few incidents before the plans to tell whether the two groups moved together."
	}
	change := (p2/c2)/(p1/c1) - 1
	if math.Abs(change) <= parallelTolerance {
		return true, fmt.Sprintf("Before the plans, the plans and their comparisons moved together: the plans' rate relative to the comparisons' changed by %+.0f%% between the first and the second half of the year before opening.", 100*change)
	}
	return false, fmt.Sprintf("Before the plans, the two groups did not move together: the plans' rate relative to the comparisons' changed by %+.0f%% between the first and the second half of the year before opening, so the estimate may carry that difference; read it with care.", 100*change)
}
