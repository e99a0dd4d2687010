package appbench

import (
	"context"
	"strings"
	"testing"

	"github.com/tau-da/tau/app/apptest"
)

// TestTimesEveryPage: over the in-memory store, every page is fetched
// signed in, each timing is filled, a path the app does not serve is an
// error naming it, and a signed-out fetch (sent to the login page) is an
// error.
func TestTimesEveryPage(t *testing.T) {
	t.Parallel()
	site, err := Serve(&apptest.Store{})
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	pages := Pages("r-1")
	times, err := site.Time(context.Background(), pages, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(times) != len(pages) {
		t.Fatalf("%d timings for %d pages", len(times), len(pages))
	}
	for i, tm := range times {
		if tm.Page != pages[i].Name || tm.FirstMS <= 0 || tm.MedianMS <= 0 || tm.MaxMS < tm.MedianMS {
			t.Errorf("timing %+v", tm)
		}
	}
	if err := site.Get(context.Background(), "/r/no-such-relationship"); err == nil || !strings.Contains(err.Error(), "/r/no-such-relationship") {
		t.Errorf("unknown relationship: %v", err)
	}
	site.client.Jar = nil
	if err := site.Get(context.Background(), "/"); err == nil || !strings.Contains(err.Error(), "not signed in") {
		t.Errorf("signed out: %v", err)
	}
}
