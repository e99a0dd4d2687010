package app

import (
	"embed"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/tau-da/tau/extract"
	"github.com/tau-da/tau/notebooks"
)

// chartHTML draws a chart as inline SVG for a page ("" if it cannot be
// drawn). The app's charts are drawn from dates, numbers and fixed names,
// never from free text, so the SVG is safe to include as is.
func chartHTML(spec notebooks.Spec, r *notebooks.Result) template.HTML {
	svg, _, err := notebooks.ChartSVG(spec, r)
	if err != nil {
		return ""
	}
	s := string(svg)
	if i := strings.Index(s, "<svg"); i > 0 {
		s = s[i:]
	}
	return template.HTML(s)
}

// eventSVG draws the event study as the impact report does: the plans'
// and their comparisons' incidents per 30 days by month from opening.
func eventSVG(points []EventPoint) template.HTML {
	if len(points) == 0 {
		return ""
	}
	r := &notebooks.Result{Name: "events", Columns: []string{"order", "plans", "comparisons"}, Types: []string{"INTEGER", "DOUBLE", "DOUBLE"}}
	for _, p := range points {
		r.Rows = append(r.Rows, []any{int64(p.Order), p.Plans, p.Comparisons})
	}
	return chartHTML(notebooks.Spec{Type: "line", X: "order", Y: []string{"plans", "comparisons"}, VLines: []float64{0},
		XLabel: "months from opening (0: while the plan ran; then months after finalisation)", YLabel: "incidents per 30 days"}, r)
}

// ownerWords and agencyWords name action owners and agencies as officers
// say them.
var (
	ownerWords  = map[string]string{"tau": "threat assessment unit", "neighbourhood": "neighbourhood officers", "partner": "partner agency"}
	agencyWords = map[string]string{"idva": "IDVA", "isva": "ISVA", "marac": "MARAC", "health": "health", "housing": "housing",
		"childrens_services": "children's services", "other": "another agency"}
)

// words returns the word for a code, or the code itself.
func words(m map[string]string, code string) string {
	if w, ok := m[code]; ok {
		return w
	}
	return code
}

var funcs = template.FuncMap{
	"action": extract.ActionLabel,
	"owner":  func(c string) string { return words(ownerWords, c) },
	"agency": func(c string) string { return words(agencyWords, c) },
	"day":    day,
	"longDay": func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.Format("2 January 2006")
	},
	"stageName": extract.StageName,
	"joinWith":  func(xs []string, sep string) string { return strings.Join(xs, sep) },
	"num":       func(f float64) string { return fmt.Sprintf("%.1f", f) },
	// fewerCount says incidents prevented as they read right: "about 27
	// fewer", "about 2 more" (never a negative number prevented).
	"fewerCount": func(n float64) string {
		if n < 0 {
			return fmt.Sprintf("about %.0f more", -n)
		}
		return fmt.Sprintf("about %.0f fewer", n)
	},
	// rangeCount says an interval of incidents or hours prevented:
	// "between 13 and 39 fewer", "from 14 more to 11 fewer".
	"rangeCount": func(lo, hi float64) string {
		switch {
		case lo >= 0:
			return fmt.Sprintf("between %.0f and %.0f fewer", lo, hi)
		case hi <= 0:
			return fmt.Sprintf("between %.0f and %.0f more", -hi, -lo)
		}
		return fmt.Sprintf("from %.0f more to %.0f fewer", -lo, hi)
	},
	// fewer says a reduction in percent as it reads right: "15.0% fewer",
	// "15.0% more" (never a negative reduction).
	"fewer": func(pct float64) string {
		if pct < 0 {
			return fmt.Sprintf("%.1f%% more", -pct)
		}
		return fmt.Sprintf("%.1f%% fewer", pct)
	},
	"join":     func(xs []string) string { return strings.Join(xs, " ") },
	"eqs":      func(a, b string) bool { return a == b },
	"eqi":      func(a, b int) bool { return a == b },
	"unscored": func(d float64) bool { return d < 0 },
}

// pages holds the app's page templates (html/template), one {{define}}
// each, with the shared head and foot.
//
//go:embed templates/*.html
var pages embed.FS

func templates() *template.Template {
	f := template.FuncMap{}
	for k, v := range funcs {
		f[k] = v
	}
	f["list"] = func(xs ...string) []string { return xs }
	f["eventSVG"] = eventSVG
	f["dict"] = func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	return template.Must(template.New("app").Funcs(f).ParseFS(pages, "templates/*.html"))
}
