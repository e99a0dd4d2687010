package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
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
	// Every shipped report, opened in headless Chromium at a desktop and a
	// phone width: drawn (not blank), and nothing wider than the page (a
	// wide table scrolls inside its box). Full-page screenshots go to
	// TAU_TEST_ARTEFACTS when set.
	if _, err := run(t, "notebook", "render", "calibration", "--warehouse", wh, "--out", filepath.Join(dir, "reports", "calibration.html")); err != nil {
		t.Fatal(err)
	}
	bin := chromium(t)
	if bin == "" {
		t.Skip("no chromium (install Debian's chromium package) to open the reports in")
	}
	artefacts := os.Getenv("TAU_TEST_ARTEFACTS")
	if artefacts == "" {
		artefacts = t.TempDir()
	}
	os.MkdirAll(artefacts, 0o755)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	all, _ := filepath.Glob(filepath.Join(dir, "reports", "*.html"))
	for _, p := range all {
		name := strings.TrimSuffix(filepath.Base(p), ".html")
		for _, width := range []int64{1200, 390} {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate("file://"+p)); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			over, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
			if err != nil {
				t.Fatal(err)
			}
			if over > 1 {
				t.Errorf("%s at %d px: the page is %d px wider than the window", name, width, over)
			}
			b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(artefacts, fmt.Sprintf("report-%s-%d.png", name, width)), b, 0o644)
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			// A long page of text inks little of a full-page shot; a blank
			// one inks nothing but its header rule.
			if share := inked(img); share < 0.005 {
				t.Errorf("%s at %d px is blank: %.3f of its pixels are not white", name, width, share)
			}
		}
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
