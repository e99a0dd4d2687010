// Package appbench times the app's pages as a signed-in user sees them:
// over HTTP, through the login, the session and the audit, against any
// app.Store. tau bench and appdb's benchmark use it. It owns no data and
// may import app only.
package appbench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"time"

	"github.com/tau-da/tau/app"
)

// Page is one page to time: a name and its path.
type Page struct {
	Name, Path string
}

// Pages are the pages a national app must serve quickly: the ranked list,
// the list filtered to the red band by stage, a relationship page (top,
// the list's first) and its pack, the hidden-threat queue, what changed,
// the plans board and the list's download.
func Pages(top string) []Page {
	return []Page{{"list", "/"}, {"list_red", "/?band=red&sort=stage"}, {"relationship", "/r/" + top}, {"pack", "/r/" + top + "/pack"},
		{"hidden", "/hidden"}, {"changes", "/changes"}, {"plans", "/plans"}, {"export_red", "/export/list.csv?band=red"}}
}

// Site is the app served over a store with one signed-in assessor.
type Site struct {
	srv    *httptest.Server
	client *http.Client
	dir    string
	audit  *app.Audit
}

// password is the benchmark user's (a throwaway user in a temporary folder).
const password = "benchmark password"

// Serve starts the app over store in this process, with a throwaway user
// and audit log in a temporary folder, and signs in.
func Serve(store app.Store) (*Site, error) {
	dir, err := os.MkdirTemp("", "tau-appbench-")
	if err != nil {
		return nil, err
	}
	s := &Site{dir: dir}
	users := filepath.Join(dir, "users.toml")
	if err := app.AddUser(users, "bench", app.RoleAssessor, password); err != nil {
		s.Close()
		return nil, err
	}
	u, err := app.LoadUsers(users)
	if err != nil {
		s.Close()
		return nil, err
	}
	if s.audit, err = app.OpenAudit(dir); err != nil {
		s.Close()
		return nil, err
	}
	s.srv = httptest.NewServer(app.NewServer(store, u, s.audit, false))
	jar, _ := cookiejar.New(nil)
	s.client = &http.Client{Jar: jar}
	if err := s.signIn(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// csrfField finds the login form's token.
var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func (s *Site) signIn() error {
	resp, err := s.client.Get(s.srv.URL + "/login")
	if err != nil {
		return err
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tok := csrfField.FindSubmatch(page)
	if tok == nil {
		return fmt.Errorf("sign in: no token on the login page")
	}
	resp, err = s.client.PostForm(s.srv.URL+"/login", url.Values{"csrf": {string(tok[1])}, "user": {"bench"}, "password": {password}})
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return nil
}

// Get fetches a path as the signed-in user; anything but 200, or being
// sent to the login page, is an error.
func (s *Site) Get(ctx context.Context, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.srv.URL+path, nil)
	if err != nil {
		return err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: status %d", path, resp.StatusCode)
	}
	if resp.Request.URL.Path == "/login" && path != "/login" {
		return fmt.Errorf("%s: sent to the login page (not signed in)", path)
	}
	return nil
}

// Close stops the server and removes the user and audit folder.
func (s *Site) Close() {
	if s.srv != nil {
		s.srv.Close()
	}
	if s.audit != nil {
		s.audit.Close()
	}
	os.RemoveAll(s.dir)
}

// Timing is one page's times over its timed fetches.
type Timing struct {
	Page     string  `json:"page"`
	MedianMS float64 `json:"median_ms"`
	MaxMS    float64 `json:"max_ms"`
	// FirstMS is the first fetch, before any cache is warm.
	FirstMS float64 `json:"first_ms"`
}

// Time fetches each page once (the cold fetch) and then n more times, and
// reports the first, the median and the slowest of the n.
func (s *Site) Time(ctx context.Context, pages []Page, n int) ([]Timing, error) {
	var out []Timing
	for _, p := range pages {
		t := Timing{Page: p.Name}
		start := time.Now()
		if err := s.Get(ctx, p.Path); err != nil {
			return nil, err
		}
		t.FirstMS = ms(time.Since(start))
		var times []float64
		for i := 0; i < n; i++ {
			start := time.Now()
			if err := s.Get(ctx, p.Path); err != nil {
				return nil, err
			}
			times = append(times, ms(time.Since(start)))
		}
		sort.Float64s(times)
		if len(times) > 0 {
			t.MedianMS, t.MaxMS = times[len(times)/2], times[len(times)-1]
		}
		out = append(out, t)
	}
	return out, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
