package notebooks

import (
	"embed"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.md
var shipped embed.FS

// Shipped lists the notebooks that come with tau (by file name, sorted),
// the format's README excepted.
func Shipped() []string {
	entries, _ := fs.ReadDir(shipped, ".")
	var out []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".md") && e.Name() != "README.md" {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// ReadShipped returns a shipped notebook's source.
func ReadShipped(name string) ([]byte, error) { return shipped.ReadFile(name) }

// LeadershipSet is what tau report renders: the impact report first.
var LeadershipSet = []string{"impact.md", "dip_review.md", "threat_list.md", "trends.md"}
