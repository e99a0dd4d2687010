package app

import (
	"fmt"
	"html/template"
	"strings"
	"time"
)

// timelineColours gives each mark's meaning its colour: the officer's
// grade and tau's band in the same traffic-light colours as the bands
// elsewhere on the page (so a standard grade beside a red band reads as
// the disagreement it is), crimes darker than other incidents, plans blue.
var timelineColours = map[string]string{
	"incident": "#8c8c8c", "crime": "#1b1b1b",
	"standard": "#2e7d32", "medium": "#f5b400", "high": "#b00020", "none": "#bdbdbd",
	"green": "#2e7d32", "amber": "#f5b400", "red": "#b00020",
	"plan": "#0072b2",
}

// timelineLanes are the rows of the timeline, top to bottom, with what
// each row's marks are.
var timelineLanes = []struct{ lane, title string }{
	{"incident", "Incidents"}, {"assessment", "Assessments (officer's grade)"}, {"stage", "tau's band"}, {"plan", "Plans"},
}

// timelineLegend lists what the colours mean, for the HTML under the chart.
var timelineLegend = []struct{ tone, words string }{
	{"incident", "incident"}, {"crime", "crime"}, {"standard", "standard grade / green band"}, {"medium", "medium grade / amber band"},
	{"high", "high grade / red band"}, {"plan", "plan period"},
}

// Timeline geometry (SVG user units; the chart scales to the page width).
const (
	tlWidth, tlLeft, tlRight = 1000.0, 190.0, 20.0
	tlLane, tlTop            = 44.0, 10.0
)

// timelineSVG draws a relationship's history across the page: one lane
// each for incidents, assessments, tau's scored stage and plan periods,
// on one time axis ending at the score date, with a legend.
func timelineSVG(events []Event, plans []Plan, asOf time.Time) template.HTML {
	if len(events) == 0 && len(plans) == 0 {
		return ""
	}
	from, to := asOf, asOf
	for _, e := range events {
		if e.At.Before(from) {
			from = e.At
		}
		if e.At.After(to) {
			to = e.At
		}
	}
	from = time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	to = to.AddDate(0, 1, 0)
	span := to.Sub(from).Hours()
	x := func(t time.Time) float64 { return tlLeft + (tlWidth-tlLeft-tlRight)*t.Sub(from).Hours()/span }
	y := map[string]float64{}
	var b strings.Builder
	height := tlTop + tlLane*float64(len(timelineLanes)) + 30
	fmt.Fprintf(&b, `<svg class="timeline" viewBox="0 0 %.0f %.0f" width="100%%" role="img" aria-label="Timeline of incidents, assessments, scores and plans">`, tlWidth, height)
	for i, l := range timelineLanes {
		cy := tlTop + tlLane*float64(i) + tlLane/2
		y[l.lane] = cy
		fmt.Fprintf(&b, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="#e0e0e0"/>`, tlLeft, tlWidth-tlRight, cy, cy)
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" font-size="13" text-anchor="end" dominant-baseline="middle" fill="#1b1b1b">%s</text>`, tlLeft-8, cy, template.HTMLEscapeString(l.title))
	}
	// Plan periods as bars, open plans to the score date.
	for _, p := range plans {
		end := p.Finalised
		if end.IsZero() {
			end = asOf
		}
		w := max(x(end)-x(p.Opened), 3)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="16" fill="%s"><title>plan %s, %s to %s</title></rect>`,
			x(p.Opened), y["plan"]-8, w, timelineColours["plan"], template.HTMLEscapeString(p.ID), day(p.Opened), dayOr(p.Finalised, "open"))
	}
	for _, e := range events {
		cy, ok := y[e.Lane]
		if !ok || e.Lane == "plan" {
			continue
		}
		c := timelineColours[e.Tone]
		if c == "" {
			c = timelineColours["none"]
		}
		title := template.HTMLEscapeString(day(e.At) + ": " + e.Detail)
		switch e.Lane {
		case "stage":
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="7" height="14" fill="%s"><title>%s</title></rect>`, x(e.At)-3.5, cy-7, c, title)
		default:
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="5" fill="%s" fill-opacity="0.85"><title>%s</title></circle>`, x(e.At), cy, c, title)
		}
	}
	// The score date, and a tick each January.
	axis := tlTop + tlLane*float64(len(timelineLanes))
	fmt.Fprintf(&b, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="#1b1b1b"/>`, tlLeft, tlWidth-tlRight, axis, axis)
	for yr := from.Year(); yr <= to.Year(); yr++ {
		t := time.Date(yr, 1, 1, 0, 0, 0, 0, time.UTC)
		if t.Before(from) || t.After(to) {
			continue
		}
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#1b1b1b"/><text x="%.1f" y="%.1f" font-size="13" text-anchor="middle">%d</text>`,
			x(t), x(t), axis, axis+5, x(t), axis+20, yr)
	}
	fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#1b1b1b" stroke-dasharray="4 3"/>`, x(asOf), x(asOf), tlTop, axis)
	b.WriteString(`</svg>`)
	b.WriteString(`<p class="legend">`)
	for _, l := range timelineLegend {
		fmt.Fprintf(&b, `<span><i style="background:%s"></i>%s</span>`, timelineColours[l.tone], l.words)
	}
	fmt.Fprintf(&b, `<span><i class="dash"></i>score date %s</span></p>`, day(asOf))
	return template.HTML(b.String())
}

// day writes a date as 2006-01-02 ("-" for none).
func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format("2006-01-02")
}

// dayOr writes a date, or the words given for none.
func dayOr(t time.Time, none string) string {
	if t.IsZero() {
		return none
	}
	return day(t)
}
