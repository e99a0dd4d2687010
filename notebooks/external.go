package notebooks

import "regexp"

// externalRe finds what makes a browser fetch something: src and href
// attributes, CSS url() and @import, whose target is not a data: URI or a
// fragment. XML namespaces (xmlns) are names, not requests.
var externalRe = regexp.MustCompile(`(?i)(?:\bsrc\s*=\s*["']?|\bhref\s*=\s*["']?|url\(\s*["']?|@import\s+["'])((?:https?:)?//[^"'\s)>]+|[a-z][a-z0-9+.-]*:[^"'\s)>]*)`)

// ExternalReferences lists every reference in an HTML page that would make
// a browser fetch something from outside the file (nothing but data: and
// #fragment links is allowed), so a report opens on an offline network and
// leaks nothing.
func ExternalReferences(html []byte) []string {
	var out []string
	for _, m := range externalRe.FindAllSubmatch(html, -1) {
		ref := string(m[1])
		if len(ref) >= 5 && (ref[:5] == "data:" || ref[:5] == "DATA:") {
			continue
		}
		out = append(out, ref)
	}
	return out
}
