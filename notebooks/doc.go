// Package notebooks holds tau's Markdown notebooks and renders them: SQL
// cells run against the warehouse (through a Querier: notebooks/nbdb), chart cells drawn with gonum/plot as inline SVG, table and
// value cells formatted, prose with inline values, all into one
// self-contained HTML file that makes no external request, prints cleanly
// and can suppress small counts for publication. The format is documented
// with a complete example in notebooks/README.md. It is pure Go and may
// import internal/param.
package notebooks
