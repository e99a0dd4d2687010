package app

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/tau-da/tau/notebooks"
)

// timelineSVG draws a relationship's events, one lane per kind.
func timelineSVG(events []Event) template.HTML {
	if len(events) == 0 {
		return ""
	}
	r := &notebooks.Result{Name: "timeline", Columns: []string{"at", "lane"}, Types: []string{"TIMESTAMP", "VARCHAR"}}
	for _, e := range events {
		r.Rows = append(r.Rows, []any{e.At, e.Lane})
	}
	svg, _, err := notebooks.ChartSVG(notebooks.Spec{Type: "timeline", X: "at", Y: []string{"lane"}}, r)
	if err != nil {
		return ""
	}
	s := string(svg)
	if i := strings.Index(s, "<svg"); i > 0 {
		s = s[i:]
	}
	// The SVG is generated here from dates and fixed lane names, never from
	// free text, so it is safe to include as is.
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
	svg, _, err := notebooks.ChartSVG(notebooks.Spec{Type: "line", X: "order", Y: []string{"plans", "comparisons"}, VLines: []float64{0},
		XLabel: "months from opening (0: while the plan ran; then months after finalisation)", YLabel: "incidents per 30 days"}, r)
	if err != nil {
		return ""
	}
	s := string(svg)
	if i := strings.Index(s, "<svg"); i > 0 {
		s = s[i:]
	}
	// Drawn from numbers and fixed names only, so it is safe as is.
	return template.HTML(s)
}

var funcs = template.FuncMap{
	"day": func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.Format("2006-01-02")
	},
	"num": func(f float64) string { return fmt.Sprintf("%.1f", f) },
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

const layout = `{{define "head"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} - tau</title>
<style>
body{margin:0;font-family:-apple-system,"Segoe UI",Roboto,"Liberation Sans",Arial,sans-serif;color:#1b1b1b;line-height:1.45}
nav{background:#1b1b1b;color:#fff;padding:.5rem 1rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
nav a{color:#fff}nav form{margin-left:auto}nav button{background:none;color:#fff;border:1px solid #fff;padding:.2rem .6rem;cursor:pointer}
main{padding:1rem;max-width:80rem;margin:0 auto}
table{border-collapse:collapse;font-size:.9rem;width:100%}th{text-align:left;border-bottom:2px solid #1b1b1b;padding:.3rem}
td{border-bottom:1px solid #ddd;padding:.3rem;vertical-align:top}td.num{text-align:right}
tr.red td:first-child{border-left:8px solid #b00020}tr.red{background:#fde8e8}tr.red .band{background:#b00020;color:#fff;font-weight:700}
.band{padding:0 .4rem;border-radius:3px}.band.amber{background:#f5b400}.band.green{background:#cfe8cf}.band.red{background:#b00020;color:#fff;font-weight:700}
form.filters{display:flex;gap:.6rem;flex-wrap:wrap;align-items:end;margin-bottom:1rem}form.filters label{display:flex;flex-direction:column;font-size:.85rem}
.scroll{overflow-x:auto}.muted{color:#5a5a5a}.card{border:1px solid #ddd;padding:.6rem 1rem;margin:.6rem 0}
.sections{display:flex;gap:1rem;flex-wrap:wrap}.sections div{border-left:4px solid #8a1c1c;padding:.3rem .8rem;background:#f7f5f5}
.sections b{display:block;font-size:1.5rem}.sections small{display:block;color:#5a5a5a}svg{max-width:100%;height:auto}
.warning{border-left:4px solid #b00020;padding:.4rem .8rem;background:#fde8e8}
@media print{nav,.noprint{display:none}main{padding:0;max-width:none}body{font-size:10pt}.card,table,svg{break-inside:avoid}}
</style></head><body>
{{if .User}}<nav><strong>tau</strong><a href="/">Ranked list</a>{{if ne .Role "analyst"}}<a href="/plans">Plans</a>{{end}}<a href="/evaluation">Evaluation</a>{{if eq .Role "admin"}}<a href="/admin/audit">Audit log</a>{{end}}
<form method="post" action="/logout"><input type="hidden" name="csrf" value="{{.CSRF}}"><span class="muted">{{.User}} ({{.Role}})</span> <button type="submit">Sign out</button></form></nav>{{end}}
<main>{{end}}
{{define "foot"}}</main></body></html>{{end}}

{{define "error"}}{{template "head" .}}<h1>{{.Title}}</h1><p>{{.Message}}</p><p><a href="/">Back to the list</a></p>{{template "foot"}}{{end}}

{{define "login"}}{{template "head" (dict "Title" "Sign in")}}<h1>tau: sign in</h1>
<p class="muted">Domestic-abuse threat assessment. Authorised users only; every view of a relationship is recorded.</p>
{{if .Error}}<p class="warning">{{.Error}}</p>{{end}}
<form method="post" action="/login" class="card"><input type="hidden" name="csrf" value="{{.LoginCSRF}}"><input type="hidden" name="next" value="{{.Next}}">
<p><label>User name<br><input name="user" id="user" autocomplete="username" required></label></p>
<p><label>Password<br><input name="password" id="password" type="password" autocomplete="current-password" required></label></p>
<p><button type="submit" id="signin">Sign in</button></p></form>{{template "foot"}}{{end}}

{{define "filters"}}<form class="filters" method="get" action="/">
<label>Band<select name="band" id="band"><option value="">any</option>{{range $b := list "red" "amber" "green"}}<option value="{{$b}}"{{if eqs $.F.Band $b}} selected{{end}}>{{$b}}</option>{{end}}</select></label>
<label>Stage<select name="stage"><option value="">any</option>{{range .Stages}}<option value="{{.}}"{{if eqi $.F.Stage .}} selected{{end}}>{{.}}</option>{{end}}</select></label>
<label>Cluster<select name="cluster"><option value="">any</option>{{range .Clusters}}<option value="{{.}}"{{if eqs $.F.Cluster .}} selected{{end}}>{{.}}</option>{{end}}</select></label>
{{if .Areas}}<label>Area<select name="area"><option value="">any</option>{{range .Areas}}<option value="{{.}}"{{if eqs $.F.Area .}} selected{{end}}>{{.}}</option>{{end}}</select></label>{{end}}
<label><span><input type="checkbox" name="serial" value="1"{{if .F.Serial}} checked{{end}}> serial perpetrator</span></label>
<label><span><input type="checkbox" name="noplan" value="1"{{if .F.NoPlan}} checked{{end}}> no plan yet</span></label>
<label>Sort<select name="sort"><option value="rank">rank</option><option value="stage"{{if eqs .F.Sort "stage"}} selected{{end}}>stage</option><option value="occurrences_90d"{{if eqs .F.Sort "occurrences_90d"}} selected{{end}}>occurrences in 90 days</option><option value="days_since"{{if eqs .F.Sort "days_since"}} selected{{end}}>most recent</option></select></label>
<button type="submit" id="apply">Apply</button></form>{{end}}

{{define "list"}}{{template "head" .}}<h1>Ranked list</h1>
<p class="muted">Scored as of {{day .L.AsOf}} (configuration {{.L.ConfigHash}}). Decision support for a threat assessor's review, never a decision. {{.L.Total}} relationships match.</p>
{{template "filters" .}}
<div class="scroll"><table id="list"><thead><tr><th>Rank</th><th>Relationship</th><th>Band</th><th>Stage</th><th>Score</th><th>Clusters</th><th>Harm</th><th>Recency/freq.</th><th>90 days</th><th>Last (days)</th><th>Serial</th><th>Plan</th></tr></thead><tbody>
{{range .L.Rows}}<tr class="{{.Band}}"><td class="num">{{.Rank}}</td><td><a href="/r/{{.RelationshipID}}">{{.RelationshipID}}</a></td><td><span class="band {{.Band}}">{{.Band}}</span></td><td class="num">{{.Stage}}</td><td class="num">{{num .Total}}</td>
<td>{{join .Clusters}}</td><td class="num">{{num .Harm}}</td><td class="num">{{num .RecencyFreq}}</td><td class="num">{{.Occurrences90d}}</td><td class="num">{{.DaysSince}}</td><td>{{if .Serial}}yes{{end}}</td><td>{{if .HasPlan}}yes{{end}}</td></tr>
{{end}}</tbody></table></div>
{{if .Next}}<p><a href="{{.Next}}">Next page</a></p>{{end}}{{template "foot"}}{{end}}

{{define "aggregates"}}{{template "head" .}}<h1>Ranked list: aggregates</h1>
<p class="muted">Your role sees counts only: no names or ids.</p>
{{template "filters" .}}
<table id="aggregates"><thead><tr><th>Band</th><th>Stage</th><th>Relationships</th></tr></thead><tbody>
{{range .Counts}}<tr class="{{.Band}}"><td><span class="band {{.Band}}">{{.Band}}</span></td><td class="num">{{.Stage}}</td><td class="num">{{.N}}</td></tr>{{end}}
</tbody></table>{{template "foot"}}{{end}}

{{define "relationship"}}{{template "head" .}}{{with .R}}
<h1>Relationship {{.Row.RelationshipID}}</h1>
<p class="noprint"><a href="/r/{{.Row.RelationshipID}}/pack" id="pack">PMP pack (printable)</a></p>
<p>Victim {{.Row.VictimID}}, perpetrator {{.Row.PerpetratorID}}{{if .Row.Area}}, area {{.Row.Area}}{{end}}. Rank {{.Row.Rank}} as of {{day .AsOf}}, <span class="band {{.Row.Band}}">{{.Row.Band}}</span>, homicide-timeline stage {{.Row.Stage}}.</p>
<div class="sections"><div>total<b>{{num .Row.Total}}</b></div><div>clusters<b>{{num .Row.ClusterScore}}</b></div><div>harm<b>{{num .Row.Harm}}</b></div><div>recency and frequency<b>{{num .Row.RecencyFreq}}</b></div></div>
<h2>Active clusters</h2><table id="clusters"><thead><tr><th>Cluster</th><th>Weight</th><th>Stage</th><th>What met it</th></tr></thead><tbody>
{{range .Clusters}}<tr><td>{{.ID}} {{.Name}}</td><td class="num">{{num .Weight}}</td><td class="num">{{.Stage}}</td><td>{{.Legs}}</td></tr>{{else}}<tr><td colspan="4">none</td></tr>{{end}}</tbody></table>
<h2>Active items and their source</h2><table id="items"><thead><tr><th>Item</th><th>Class</th><th>Source assessment</th><th>Date</th><th>Why it counts</th></tr></thead><tbody>
{{range .Items}}<tr><td>{{.Item}} {{.Label}}</td><td>{{.Class}}</td><td>{{.SourceAssessment}}{{if .FromOther}} (relationship {{.SourceRelation}}){{end}}</td><td>{{day .SourceDate}}</td><td>{{.Reason}}{{if .Sticky}}{{if .HeldAgainst}} <strong>Sticky:</strong> held although assessment {{.HeldAgainst}} said {{.HeldAnswer}} on {{day .HeldDate}}.{{end}}{{end}}</td></tr>{{else}}<tr><td colspan="5">none</td></tr>{{end}}</tbody></table>
<h2>Harm: the perpetrator's offences in the lookback ({{num .HarmDays}} CCHI days)</h2><table><thead><tr><th>Offence</th><th>Code</th><th>Date</th><th>CCHI days</th></tr></thead><tbody>
{{range .Harm}}<tr><td>{{.ID}}</td><td>{{.Code}}</td><td>{{day .Date}}</td><td class="num">{{if unscored .Days}}UNSCORED{{else}}{{num .Days}}{{end}}</td></tr>{{else}}<tr><td colspan="4">none</td></tr>{{end}}</tbody></table>
{{end}}
<h2>Timeline</h2>{{.Timeline}}
{{with .R}}<h2>Plans and actions</h2>{{range .Plans}}<div class="card"><strong>Plan {{.ID}}</strong>: {{.Status}}, opened {{day .Opened}}, finalised {{day .Finalised}}, SARA stage {{.SARA}}.
<table><thead><tr><th>Action</th><th>Owner</th><th>Raised</th><th>Due</th><th>Done</th><th>Consent needed</th><th>Consent given</th></tr></thead><tbody>
{{range .Actions}}<tr><td>{{.Type}}</td><td>{{.Owner}}</td><td>{{day .Raised}}</td><td>{{day .Due}}</td><td>{{day .Done}}</td><td>{{.ConsentRequired}}</td><td>{{.ConsentGiven}}</td></tr>{{end}}</tbody></table></div>{{else}}<p>No plan yet.</p>{{end}}
<h2>Engagement</h2>{{range .Engagement}}<p>{{.Agency}} from {{day .From}} to {{day .To}}</p>{{else}}<p>None recorded.</p>{{end}}{{end}}
{{template "foot"}}{{end}}

{{define "pack"}}{{template "head" .}}{{with .R}}
<h1>PMP pack: scanning and analysis</h1>
<p>Relationship {{.Row.RelationshipID}} (victim {{.Row.VictimID}}, perpetrator {{.Row.PerpetratorID}}). Printed {{day $.Printed}} by {{$.User}}. OFFICIAL-SENSITIVE.</p>
<div class="sections"><div>rank<b>{{.Row.Rank}}</b></div><div>band<b>{{.Row.Band}}</b></div><div>stage<b>{{.Row.Stage}}</b></div><div>score<b>{{num .Row.Total}}</b></div></div>
<h2>The threat and where it comes from</h2><ul>{{range .Clusters}}<li><strong>{{.ID}} {{.Name}}</strong> ({{num .Weight}} points): {{.Legs}}</li>{{end}}
{{range .Items}}{{if .Sticky}}<li>{{.Item}} {{.Label}}: said by assessment {{.SourceAssessment}} on {{day .SourceDate}}{{if .HeldAgainst}}, held although {{.HeldAgainst}} said {{.HeldAnswer}}{{end}}</li>{{end}}{{end}}</ul>
<h2>Response options for the active clusters</h2>{{range .Clusters}}<p><strong>{{.ID}} {{.Name}}</strong></p><ul>{{range .Responses}}<li>{{.}}</li>{{else}}<li>none configured</li>{{end}}</ul>{{end}}
<h2>Engagement</h2>{{range .Engagement}}<p>{{.Agency}} from {{day .From}} to {{day .To}}</p>{{else}}<p>None recorded.</p>{{end}}{{end}}
<h2>The twelve months to {{day .R.AsOf}}</h2><table><thead><tr><th>Date</th><th>What</th><th>Detail</th></tr></thead><tbody>{{range .Recent}}<tr><td>{{day .At}}</td><td>{{.Lane}}</td><td>{{.Detail}}</td></tr>{{else}}<tr><td colspan="3">nothing recorded</td></tr>{{end}}</tbody></table>
<h2>Open actions</h2><table><thead><tr><th>Action</th><th>Owner</th><th>Due</th></tr></thead><tbody>{{range .Open}}<tr><td>{{.Type}}</td><td>{{.Owner}}</td><td>{{day .Due}}</td></tr>{{else}}<tr><td colspan="3">none</td></tr>{{end}}</tbody></table>
{{template "foot"}}{{end}}

{{define "plans"}}{{template "head" .}}<h1>Plans</h1>
{{range $st := .SARA}}<h2>{{$st}}</h2><table><thead><tr><th>Plan</th><th>Relationship</th><th>Opened</th><th>Actions</th></tr></thead><tbody>
{{range index $.BySARA $st}}<tr><td>{{.ID}}</td><td><a href="/r/{{.RelationshipID}}">{{.RelationshipID}}</a></td><td>{{day .Opened}}</td><td class="num">{{len .Actions}}</td></tr>{{else}}<tr><td colspan="4">none</td></tr>{{end}}</tbody></table>{{end}}
<h2>Overdue actions</h2><table><thead><tr><th>Action</th><th>Plan</th><th>Owner</th><th>Due</th></tr></thead><tbody>
{{range .B.Overdue}}<tr><td>{{.Type}}</td><td>{{index $.B.OverduePlan .ID}}</td><td>{{.Owner}}</td><td>{{day .Due}}</td></tr>{{else}}<tr><td colspan="4">none</td></tr>{{end}}</tbody></table>
<h2>Neighbourhood teams' tasks</h2><table><thead><tr><th>Action</th><th>Plan</th><th>Due</th></tr></thead><tbody>
{{range .B.Neighbourhood}}<tr><td>{{.Type}}</td><td>{{index $.B.OverduePlan .ID}}</td><td>{{day .Due}}</td></tr>{{else}}<tr><td colspan="3">none</td></tr>{{end}}</tbody></table>
{{template "foot"}}{{end}}

{{define "evaluation"}}{{template "head" .}}{{with .E}}<h1>Latest evaluation</h1>
<p class="muted">Run {{.RunID}}, {{day .Generated}}: {{.Plans}} plans, windows {{.Windows}}.</p>
<h2>What the plans achieved</h2>
{{with .Headline}}{{if .Available}}<div class="sections headline"><div>reported incidents<b>{{.Change}}</b><small>interval: {{.Interval}}</small></div>
<div>reported incidents than without the plans<b>{{fewerCount .Prevented}}</b><small>{{rangeCount .PreventedLo .PreventedHi}}</small></div>
<div>police hours than without the plans<b>{{fewerCount .Hours}}</b><small>{{rangeCount .HoursLo .HoursHi}}</small></div></div>
<p>{{.Sentence}}</p>
<p class="muted">What is estimated: {{.Estimand}}. How: {{.Method}}.</p>
{{else if .Sentence}}<p class="warning">{{.Sentence}}</p>{{else}}<p class="warning">This run was written before tau led with the comparison-group estimate; evaluate again to see it.</p>{{end}}{{end}}
{{if .Power}}<p>{{.Power}}</p>{{end}}
<p>Maryland Scientific Methods Scale level <strong>{{.SMSLevel}}</strong>.</p>
{{if .Events}}<h2>Did the groups move together before the plans?</h2>
<p>{{.PreTrends}}</p>
<figure>{{eventSVG .Events}}<figcaption class="muted">Incidents per 30 days of the plans and of their comparisons, from a year before each plan opened (-12) to the end of follow-up; 0 is while the plan ran.</figcaption></figure>{{end}}
<h2>The unit's method</h2>
<p class="muted">The unit's own before/after arithmetic ({{.Projection}} projection): no comparison group, so plans opened after a peak show a fall on their own (regression to the mean). Shown for comparison with the unit's reports, not as the estimate.</p>
<table><tbody><tr><th>incidents before (baseline)</th><td>{{.Baseline}}</td></tr><tr><th>expected after, by the projection</th><td>{{num .Expected}}</td></tr>
<tr><th>observed after (follow-up)</th><td>{{.Observed}}</td></tr><tr><th>change against the projection</th><td>{{fewer .ReductionPct}}</td></tr>
<tr><th>hours at {{.HoursPerIncident}} per incident ({{.HoursSource}})</th><td>{{num .HoursSaved}}</td></tr>
{{if .HasComparison}}<tr><th>naive before/after, same plans</th><td>{{fewer .NaivePct}}</td></tr>{{end}}</tbody></table>
{{range .Warnings}}<p class="warning">{{.}}</p>{{end}}{{end}}{{template "foot"}}{{end}}

{{define "audit"}}{{template "head" .}}<h1>Audit log</h1>
<p class="muted">{{.Total}} entries; the newest 500 below. {{if .Broken}}<strong class="warning">The chain of hashes breaks at line {{.Broken}}: the log has been altered.</strong>{{else}}The chain of hashes is intact.{{end}}</p>
<table><thead><tr><th>When</th><th>User</th><th>Role</th><th>Action</th><th>Target</th><th>From</th></tr></thead><tbody>
{{range .Entries}}<tr><td>{{.Time.Format "2006-01-02 15:04:05"}}</td><td>{{.User}}</td><td>{{.Role}}</td><td>{{.Action}}</td><td>{{.Target}}</td><td>{{.Remote}}</td></tr>{{end}}</tbody></table>{{template "foot"}}{{end}}
`

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
	return template.Must(template.New("app").Funcs(f).Parse(layout))
}
