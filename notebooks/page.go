package notebooks

import (
	"fmt"
	"html"
	"sort"
	"strings"
)

// style is the page's only stylesheet: readable on a phone (fluid width,
// tables scroll sideways), printable (no chart or table split across
// pages, links printed without their data).
const style = `
:root { --ink: #1b1b1b; --muted: #5a5a5a; --rule: #d0d0d0; --accent: #8a1c1c; }
* { box-sizing: border-box; }
body { margin: 0; font-family: -apple-system, "Segoe UI", Roboto, "Liberation Sans", Arial, sans-serif; color: var(--ink); line-height: 1.5; background: #fff; }
header, main, footer { max-width: 72rem; margin: 0 auto; padding: 1rem; }
header { border-bottom: 3px solid var(--accent); }
header h1 { margin: 0 0 .25rem; font-size: 1.8rem; }
header p { margin: .25rem 0; color: var(--muted); }
h2 { margin-top: 2rem; border-bottom: 1px solid var(--rule); }
.prose table { border-collapse: collapse; }
.prose td, .prose th { border: 1px solid var(--rule); padding: .2rem .5rem; }
figure { margin: 1.25rem 0; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-weight: 600; margin-bottom: .4rem; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: .9rem; min-width: 50%; }
th { text-align: left; border-bottom: 2px solid var(--ink); padding: .3rem .6rem; vertical-align: bottom; }
td { border-bottom: 1px solid var(--rule); padding: .25rem .6rem; vertical-align: top; overflow-wrap: break-word; max-width: 26rem; }
td.num, td.short { overflow-wrap: normal; white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.value { display: inline-block; margin: .5rem 1.5rem .5rem 0; padding: .5rem 1rem; border-left: 4px solid var(--accent); background: #f7f5f5; break-inside: avoid; }
.value .number { display: block; font-size: 1.8rem; font-weight: 700; }
.value .label { color: var(--muted); }
.inline { font-weight: 600; }
.note, .download { color: var(--muted); font-size: .85rem; margin: .3rem 0; }
.missing { border-left: 4px solid var(--muted); background: #f4f4f4; padding: .5rem 1rem; }
section.facet { break-inside: avoid; page-break-inside: avoid; border-top: 1px dashed var(--rule); }
footer { border-top: 1px solid var(--rule); color: var(--muted); font-size: .8rem; }
footer dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; }
footer dt { font-weight: 600; }
.suppressed { color: var(--accent); font-weight: 600; }
@media (max-width: 40rem) { header h1 { font-size: 1.4rem; } .value .number { font-size: 1.4rem; } }
@media print {
  body { font-size: 10pt; }
  header, main, footer { max-width: none; padding: 0; }
  .download { display: none; }
  a { color: inherit; text-decoration: none; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
}
`

// page wraps the rendered cells in the HTML page with its header and
// provenance footer.
func (r *renderer) page(body []byte) {
	w := &r.out
	nb := r.nb
	fmt.Fprintf(w, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	fmt.Fprintf(w, "<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n<h1>%s</h1>\n", html.EscapeString(nb.Title), style, html.EscapeString(nb.Title))
	if nb.Audience != "" {
		fmt.Fprintf(w, "<p>For %s.", html.EscapeString(nb.Audience))
		if nb.Description != "" {
			fmt.Fprintf(w, " %s", html.EscapeString(nb.Description))
		}
		w.WriteString("</p>\n")
	}
	if r.opt.SuppressBelow > 0 {
		fmt.Fprintf(w, "<p class=\"suppressed\">For publication: every count under %d is shown as &lt;%d; [c] marks a cell hidden so that a small count cannot be worked out from it (it may be any size), and the shares and rates of a row with a hidden count are hidden too; every other count is rounded to the nearest %d, so totals do not add up exactly.</p>\n", r.opt.SuppressBelow, r.opt.SuppressBelow, roundBase)
	}
	w.WriteString("</header>\n<main>\n")
	w.Write(body)
	w.WriteString("</main>\n<footer>\n<p>What produced this report:</p>\n<dl>\n")
	facts := append([]Fact{}, r.opt.Provenance...)
	facts = append(facts, Fact{"notebook", nb.Path}, Fact{"rendered", r.opt.Now.UTC().Format("2006-01-02 15:04 UTC")})
	var names []string
	for k := range r.params {
		names = append(names, k)
	}
	sort.Strings(names)
	var ps []string
	for _, k := range names {
		ps = append(ps, fmt.Sprintf("%s = %v", k, r.params[k]))
	}
	if len(ps) > 0 {
		facts = append(facts, Fact{"parameters", strings.Join(ps, ", ")})
	}
	if r.opt.SuppressBelow > 0 {
		facts = append(facts, Fact{"suppression", fmt.Sprintf("counts under %d hidden, complementary cells [c], other counts rounded to the nearest %d", r.opt.SuppressBelow, roundBase)})
	}
	labels := make([]string, 0, len(r.seen))
	for l := range r.seen {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	for _, l := range labels {
		var vs []string
		for v := range r.seen[l] {
			vs = append(vs, v)
		}
		sort.Strings(vs)
		facts = append(facts, Fact{l, strings.Join(vs, ", ")})
	}
	for _, f := range facts {
		fmt.Fprintf(w, "<dt>%s</dt><dd>%s</dd>\n", html.EscapeString(f.Name), html.EscapeString(f.Value))
	}
	w.WriteString("</dl>\n</footer>\n</body>\n</html>\n")
}
