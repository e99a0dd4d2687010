package main

import (
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tau-da/tau/notebooks"
)

// chromium finds Debian's chromium, installing it when missing and allowed
// (as root, as CI runs); it returns "" when it cannot be had.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getuid() == 0 {
		if out, err := exec.Command("apt-get", "install", "-y", "-qq", "chromium").CombinedOutput(); err != nil {
			t.Logf("apt-get install chromium: %v\n%s", err, out)
		}
		if p, err := exec.LookPath("chromium"); err == nil {
			return p
		}
	}
	return ""
}

// TestReportsOnSyntheticForce: the demo writes the leadership set; every
// shipped notebook renders on the synthetic force; no page asks for
// anything outside itself; and the impact report, opened in headless
// Chromium, draws a page with content on it.
func TestReportsOnSyntheticForce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, err := run(t, "demo", "--out", dir, "--relationships", "1500", "--seed", "3")
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	impact := filepath.Join(dir, "reports", "impact.html")
	if !strings.Contains(out, impact) {
		t.Errorf("demo does not print the impact report's path %s", impact)
	}
	wh := filepath.Join(dir, "warehouse")
	if out, err := run(t, "notebook", "check", "--warehouse", wh); err != nil || !strings.Contains(out, "5 notebooks render") {
		t.Fatalf("notebook check: %v\n%s", err, out)
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "reports", "*.html"))
	if len(pages) != len(notebooks.LeadershipSet) {
		t.Errorf("reports %v, want the %d of the leadership set", pages, len(notebooks.LeadershipSet))
	}
	for _, p := range pages {
		b, _ := os.ReadFile(p)
		if refs := notebooks.ExternalReferences(b); len(refs) > 0 {
			t.Errorf("%s fetches %v", p, refs)
		}
		if !strings.Contains(string(b), "<svg") {
			t.Errorf("%s has no chart", p)
		}
	}
	// The impact report leads with the primary estimate, in the words the
	// run's headline has, and shows the unit's method after it.
	page, _ := os.ReadFile(impact)
	html := string(page)
	head, unit := strings.Index(html, "What the plans achieved"), strings.Index(html, "The unit&#39;s method")
	if unit < 0 {
		unit = strings.Index(html, "The unit's method")
	}
	if head < 0 || unit < 0 || head > unit {
		t.Errorf("the impact report's headline (at %d) must come before the unit's method (at %d)", head, unit)
	}
	if !strings.Contains(html, "Against matched comparisons") || !strings.Contains(html, "estimated") {
		t.Error("the impact report does not say the comparison-group estimate in words")
	}
	// Published with suppression: no table cell holds a count under 5.
	pub := filepath.Join(dir, "published")
	pubOut, err := run(t, "report", "--warehouse", wh, "--out", pub, "--suppress-below", "5")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(pub, "impact.html"))
	if !strings.Contains(string(b), "every count under 5 is shown as &lt;5") {
		t.Error("the published impact report does not say counts are suppressed")
	}
	// The threat list names relationships: it is never published.
	if _, err := os.Stat(filepath.Join(pub, "threat_list.html")); err == nil || !strings.Contains(pubOut, "skipped threat_list.md") {
		t.Errorf("the published set holds the threat list:\n%s", pubOut)
	}
	bin := chromium(t)
	if bin == "" {
		t.Skip("no chromium (install Debian's chromium package) to open the report in")
	}
	shot := filepath.Join(dir, "impact.png")
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1200,1800", "--screenshot="+shot, "file://"+impact)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if share := inked(img); share < 0.02 {
		t.Errorf("the screenshot is blank: %.3f of its pixels are not white", share)
	}
}

// inked returns the share of pixels that are not (near) white.
func inked(img image.Image) float64 {
	b := img.Bounds()
	n, ink := 0, 0
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			n++
			if r < 0xe000 || g < 0xe000 || bl < 0xe000 {
				ink++
			}
		}
	}
	return float64(ink) / float64(n)
}
