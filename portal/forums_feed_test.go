package portal

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/auth"
	"careportal/portal/store/storetest"
)

var feedURLPattern = regexp.MustCompile(`/events/feed/([0-9a-f]{64})\.ics`)

// TestEventFeedFirstVisitsWriteNothingAndReplaceRevokes: ten simultaneous
// first visits to /events make no feed address; ten simultaneous requests
// for one make exactly one, shown once; "Replace address" makes the old
// one stop working.
func TestEventFeedFirstVisitsWriteNothingAndReplaceRevokes(t *testing.T) {
	ts := newTestServer(t)
	ctx := storetest.Context(t)
	org, err := ts.Auth.CreateOrg(ctx, auth.CommandLine, auth.OrgInput{SupplierRef: "SUPT", Name: "Ten Care", TermsDays: 30, ServiceTypes: []string{"Home care"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Forums.Create(ctx, testEventInput(time.Now(), "5", []string{"Home care"}), &auth.Principal{Role: auth.RoleCommissioner, Name: "C"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	p := &auth.Principal{UserID: "u", Name: "P", Role: auth.RoleProvider, OrgID: org.ID, OrgName: org.Name}
	feeds := ts.Store.DB.Collection("forum_feed_tokens")
	const n = 10
	at := func(do func() (int, string)) (codes []int, bodies []string) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		start := make(chan struct{})
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				c, b := do()
				mu.Lock()
				codes, bodies = append(codes, c), append(bodies, b)
				mu.Unlock()
			}()
		}
		close(start)
		wg.Wait()
		return codes, bodies
	}
	codes, bodies := at(func() (int, string) { w := get(ts, "/events", p); return w.Code, w.Body.String() })
	urls := map[string]bool{}
	for _, b := range bodies {
		if m := feedURLPattern.FindStringSubmatch(b); m != nil {
			urls[m[1]] = true
		}
	}
	t.Logf("ten first visits to /events showed %d distinct feed addresses", len(urls))
	if c, err := feeds.CountDocuments(ctx, bson.D{}); c != 0 || err != nil || len(urls) != 0 {
		t.Errorf("ten first visits to /events wrote %d feed documents, want 0 (%v)", c, err)
	}
	for i, c := range codes {
		if c != http.StatusOK || !strings.Contains(bodies[i], "Get a calendar feed address") || feedURLPattern.MatchString(bodies[i]) {
			t.Fatalf("first visit %d: %d, or an address shown without being asked for", i, c)
		}
	}

	codes, bodies = at(func() (int, string) { w := post(ts, "/events/feed", nil, p); return w.Code, w.Body.String() })
	var shown []string
	redirected := 0
	for i, c := range codes {
		switch c {
		case http.StatusOK:
			if m := feedURLPattern.FindStringSubmatch(bodies[i]); m != nil {
				shown = append(shown, m[1])
			}
		case http.StatusSeeOther:
			redirected++
		default:
			t.Errorf("request %d for an address: %d", i, c)
		}
	}
	if len(shown) != 1 || redirected != n-1 {
		t.Fatalf("ten simultaneous requests for an address: %d shown, %d told one exists; want 1 and 9", len(shown), redirected)
	}
	if w := get(ts, "/events/feed/"+shown[0]+".ics", nil); w.Code != http.StatusOK {
		t.Fatalf("the address shown does not work: %d", w.Code)
	}
	if c, _ := feeds.CountDocuments(ctx, bson.D{}); c != 1 {
		t.Errorf("%d feed documents, want 1", c)
	}
	if w := get(ts, "/events", p); !strings.Contains(w.Body.String(), "Replace address") || strings.Contains(w.Body.String(), shown[0]) {
		t.Errorf("events page after the address was made: no Replace button, or the address shown again")
	}

	w := post(ts, "/events/feed/reset", url.Values{"confirm": {"yes"}}, p)
	m := feedURLPattern.FindStringSubmatch(w.Body.String())
	if w.Code != http.StatusOK || m == nil || m[1] == shown[0] {
		t.Fatalf("replace: %d, new address shown: %v", w.Code, m != nil)
	}
	if w := get(ts, "/events/feed/"+shown[0]+".ics", nil); w.Code != http.StatusNotFound {
		t.Errorf("the replaced address still works: %d", w.Code)
	}
	if w := get(ts, "/events/feed/"+m[1]+".ics", nil); w.Code != http.StatusOK {
		t.Errorf("the new address does not work: %d", w.Code)
	}
}
