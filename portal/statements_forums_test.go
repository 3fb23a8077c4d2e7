package portal

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"careportal/auth"
	"careportal/portal/forums"
	"careportal/portal/statements"
	"careportal/portal/store/storetest"
)

// --- authorization fixtures (authz_test.go)

func fxStatement(t *testing.T, f *accountsFixture) map[string]string {
	ctx := context.Background()
	st, err := f.ts.Statements.Create(ctx, "MPS", "Summary", &auth.Principal{Role: auth.RoleCommissioner, Name: "C"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"id": st.ID, "area": "home-care"}
}

func fxFeedbackOfA(t *testing.T, f *accountsFixture) map[string]string {
	ctx := context.Background()
	st, err := f.ts.Statements.Create(ctx, "MPS", "Summary", &auth.Principal{Role: auth.RoleCommissioner, Name: "C"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ts.Statements.Publish(ctx, st.ID, "First", &auth.Principal{Role: auth.RoleCommissioner, Name: "C"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	fb, err := f.ts.Statements.AddFeedback(ctx, st.ID, 1, "home-care", "Feedback of A", &auth.Principal{Role: auth.RoleProvider, OrgID: f.orgA.ID, OrgName: f.orgA.Name, Name: "A"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"id": fb.ID}
}

// fxEventOfA is an event for home care, booked by organisation A;
// organisation B provides day opportunities only, so the event is not
// theirs to see, and its booking is A's.
func fxEventOfA(t *testing.T, f *accountsFixture) map[string]string {
	ctx := context.Background()
	in := f.orgB.Input()
	in.ServiceTypes = []string{"Day opportunities"}
	if _, err := f.ts.Auth.UpdateOrg(ctx, auth.CommandLine, f.orgB.ID, in); err != nil {
		t.Fatal(err)
	}
	f.pB.ServiceTypes = in.ServiceTypes // as B's next request's principal carries them
	e, err := f.ts.Forums.Create(ctx, testEventInput(time.Now(), "5", []string{"Home care"}), &auth.Principal{Role: auth.RoleCommissioner, Name: "C"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ts.Forums.Book(ctx, e.ID, forums.BookInput{Places: "1"}, &auth.Principal{Role: auth.RoleProvider, OrgID: f.orgA.ID, OrgName: f.orgA.Name, Name: "A"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"id": e.ID}
}

func testEventInput(now time.Time, capacity string, types []string) forums.EventInput {
	return forums.EventInput{
		Title: "Home care forum", Description: "Quarterly forum", Date: now.In(london).AddDate(0, 0, 14).Format("2006-01-02"),
		StartTime: "10:00", EndTime: "12:00", Format: forums.Online, Link: "https://meet.example/secret-room",
		Capacity: capacity, ServiceTypes: types,
	}
}

// --- statements over HTTP

func TestStatementsPagesFlow(t *testing.T) {
	ts := newTestServer(t)
	ctx := storetest.Context(t)
	count := func() int {
		all, err := ts.Statements.List(ctx, commish)
		if err != nil {
			t.Fatal(err)
		}
		return len(all)
	}
	// Providers cannot reach the commissioners' pages.
	if w := get(ts, "/commission/statements", provA); w.Code != http.StatusForbidden {
		t.Fatalf("provider on commission page: %d", w.Code)
	}
	if w := get(ts, "/statements", provA); w.Code != 200 || !strings.Contains(w.Body.String(), "has not published") {
		t.Fatalf("no statement yet: %d", w.Code)
	}
	// Bad input: error summary, input kept, nothing created.
	w := post(ts, "/commission/statements/new", url.Values{"title": {""}, "summary": {"Kept <summary>"}}, commish)
	if w.Code != http.StatusUnprocessableEntity || !pageHas(t, w.Body.String(), "govuk-error-summary") || !strings.Contains(w.Body.String(), "Kept &lt;summary&gt;") || count() != 0 {
		t.Fatalf("bad create: %d, statements %d", w.Code, count())
	}
	w = post(ts, "/commission/statements/new", url.Values{"title": {"Market position statement"}, "summary": {"What we need."}}, commish)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("create: %d %s", w.Code, w.Body.String())
	}
	id := strings.TrimPrefix(w.Header().Get("Location"), "/commission/statements/")
	// A bad table line changes nothing.
	w = post(ts, "/commission/statements/"+id+"/sections/home-care", url.Values{"text": {"Changed"}, "table-prices": {"no value"}}, commish)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "Line 1 has no value") {
		t.Fatalf("bad section: %d", w.Code)
	}
	// The domain names the table kind; the page puts the message by the
	// prices textarea and links the summary to it.
	if body := w.Body.String(); !strings.Contains(body, `href="#table-prices"`) || !strings.Contains(body, `id="table-prices-error"`) {
		t.Fatalf("table error not by its field: %s", body)
	}
	if st, _ := ts.Statements.Get(ctx, commish, id); st.Draft.Section("home-care").Text != "" {
		t.Fatal("bad section input was saved")
	}
	if w := post(ts, "/commission/statements/"+id+"/sections/nonsense", url.Values{"text": {"x"}}, commish); w.Code != http.StatusNotFound {
		t.Fatalf("unknown section: %d", w.Code)
	}
	xss := "Demand is rising.\n\n<script>alert(1)</script> <img src=x onerror=alert(2)> [x](javascript:alert(3))"
	w = post(ts, "/commission/statements/"+id+"/sections/home-care", url.Values{"text": {xss}, "table-prices": {"Home care | £23.80 an hour | From April"}}, commish)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("save section: %d %s", w.Code, w.Body.String())
	}
	if w := post(ts, "/commission/statements/"+id+"/publish", url.Values{"changeNote": {" "}}, commish); w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("publish without note: %d", w.Code)
	}
	if w := post(ts, "/commission/statements/"+id+"/publish", url.Values{"changeNote": {"First version"}}, commish); w.Code != http.StatusSeeOther {
		t.Fatalf("publish: %d", w.Code)
	}
	w = get(ts, "/statements", provA)
	body := w.Body.String()
	if w.Code != 200 || !strings.Contains(body, "Demand is rising.") || !strings.Contains(body, "£23.80 an hour") {
		t.Fatalf("current statement: %d", w.Code)
	}
	for _, bad := range []string{"<script>alert", "onerror", "javascript:alert", "<img"} {
		if strings.Contains(body, bad) {
			t.Errorf("statement page contains %q", bad)
		}
	}
	// Version 2 and the diff.
	post(ts, "/commission/statements/"+id+"/sections/home-care", url.Values{"text": {"Demand is rising fast."}, "table-prices": {"Home care | £24.50 an hour | From April"}}, commish)
	if w := post(ts, "/commission/statements/"+id+"/publish", url.Values{"changeNote": {"New rate"}}, commish); w.Code != http.StatusSeeOther {
		t.Fatalf("publish v2: %d", w.Code)
	}
	w = get(ts, "/statements/"+id+"/diff?from=1&to=2", provA)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "[added: </span>") || !strings.Contains(w.Body.String(), "<del>") {
		t.Fatalf("diff: %d", w.Code)
	}
	if w := get(ts, "/statements/"+id+"/diff?from=1&to=1", provA); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("diff of a version with itself: %d", w.Code)
	}
	if w := get(ts, "/statements/"+id+"/versions/1/print", provA); w.Code != 200 || !strings.Contains(w.Body.String(), "Demand is rising.") {
		t.Errorf("print v1: %d", w.Code)
	}
	if w := get(ts, "/statements/"+id+"/versions/3", provA); w.Code != http.StatusNotFound {
		t.Errorf("missing version: %d", w.Code)
	}
	// Feedback and the answer.
	fbPath := "/statements/" + id + "/versions/2/feedback"
	w = post(ts, fbPath, url.Values{"area": {"home-care"}, "message": {""}}, provA)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "Enter your feedback") {
		t.Fatalf("empty feedback: %d", w.Code)
	}
	if w := post(ts, fbPath, url.Values{"area": {"home-care"}, "message": {"Travel time is not paid"}}, provA); w.Code != http.StatusSeeOther {
		t.Fatalf("feedback: %d", w.Code)
	}
	if w := post(ts, fbPath, url.Values{"area": {"home-care"}, "message": {"x"}}, commish); w.Code != http.StatusForbidden {
		t.Errorf("staff feedback: %d", w.Code)
	}
	fbs, _ := ts.Statements.ListFeedback(ctx, commish, statements.FeedbackFilter{})
	if len(fbs) != 1 {
		t.Fatalf("feedback saved: %d", len(fbs))
	}
	if w := get(ts, "/commission/statements/feedback", commish); !strings.Contains(w.Body.String(), "Travel time is not paid") {
		t.Errorf("inbox misses the feedback")
	}
	if w := post(ts, "/commission/statements/feedback/"+fbs[0].ID, url.Values{"answer": {""}}, commish); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("empty answer: %d", w.Code)
	}
	if w := post(ts, "/commission/statements/feedback/"+fbs[0].ID, url.Values{"answer": {"Zoned contracts pay travel"}}, commish); w.Code != http.StatusSeeOther {
		t.Fatalf("answer: %d", w.Code)
	}
	if w := get(ts, "/statements/feedback", provA); !strings.Contains(w.Body.String(), "Zoned contracts pay travel") {
		t.Errorf("provider does not see the answer")
	}
	if w := get(ts, "/statements/feedback", provB); strings.Contains(w.Body.String(), "Travel time") {
		t.Errorf("another organisation sees the feedback")
	}
	items, _ := ts.Notify.List(ctx, &auth.Principal{Role: auth.RoleProvider, OrgID: provA.OrgID})
	if len(items) < 3 {
		t.Errorf("notifications for versions and the answer: %d", len(items))
	}
}

// --- forums over HTTP

func TestEventsPagesFlow(t *testing.T) {
	ts := newTestServer(t)
	ctx := storetest.Context(t)
	now := time.Now()
	form := func(in forums.EventInput) url.Values {
		v := eventForm(in)
		v["serviceTypes"] = in.ServiceTypes
		return v
	}
	bad := testEventInput(now, "many", nil)
	w := post(ts, "/commission/events/new", form(bad), commish)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "whole number") || !pageHas(t, w.Body.String(), `value="many"`) {
		t.Fatalf("bad event: %d", w.Code)
	}
	if all, _ := ts.Forums.List(ctx, commish); len(all) != 0 {
		t.Fatal("bad input created an event")
	}
	if w := post(ts, "/commission/events/new", form(bad), provA); w.Code != http.StatusForbidden {
		t.Fatalf("provider announcing: %d", w.Code)
	}
	w = post(ts, "/commission/events/new", form(testEventInput(now, "2", nil)), commish)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("create: %d %s", w.Code, w.Body.String())
	}
	id := strings.TrimPrefix(w.Header().Get("Location"), "/commission/events/")
	if w := get(ts, "/events", provA); !strings.Contains(w.Body.String(), "/events/"+id) {
		t.Fatalf("event not listed for provider")
	}
	// The online link is hidden until booked.
	if w := get(ts, "/events/"+id, provA); strings.Contains(w.Body.String(), "secret-room") {
		t.Fatal("link shown before booking")
	}
	w = get(ts, "/events/"+id+".ics", provA)
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/calendar") || strings.Contains(w.Body.String(), "secret-room") || !strings.Contains(w.Body.String(), "\r\nDTSTART:") {
		t.Fatalf("ics before booking: %d %q", w.Code, w.Body.String())
	}
	// A bad count: error summary, input kept, nothing booked.
	w = post(ts, "/events/"+id+"/book", url.Values{"places": {"lots"}, "accessNeeds": {"Step-free"}}, provA)
	if w.Code != http.StatusUnprocessableEntity || !pageHas(t, w.Body.String(), "govuk-error-summary") || !pageHas(t, w.Body.String(), `value="lots"`) || !strings.Contains(w.Body.String(), "Step-free") {
		t.Fatalf("bad booking: %d", w.Code)
	}
	if e, _ := ts.Forums.Get(ctx, commish, id); e.Booked != 0 || e.Seq != 0 {
		t.Fatalf("bad input booked: %+v", e)
	}
	if w := post(ts, "/events/"+id+"/book", url.Values{"places": {"2"}}, provA); w.Code != http.StatusSeeOther {
		t.Fatalf("book: %d %s", w.Code, w.Body.String())
	}
	if w := get(ts, "/events/"+id, provA); !strings.Contains(w.Body.String(), "secret-room") {
		t.Error("link hidden after booking")
	}
	if w := get(ts, "/events/"+id+".ics", provA); !strings.Contains(strings.ReplaceAll(w.Body.String(), "\r\n ", ""), "secret-room") {
		t.Error("link missing in the ics of a booked organisation")
	}
	// B waits; A cancels; B is promoted and told.
	if w := post(ts, "/events/"+id+"/book", url.Values{"places": {"1"}}, provB); w.Code != http.StatusSeeOther {
		t.Fatalf("book B: %d", w.Code)
	}
	if b, _ := ts.Forums.BookingFor(ctx, provB, id); b.Status != forums.Waiting {
		t.Fatalf("B should wait: %+v", b)
	}
	if w := post(ts, "/events/"+id+"/cancel", url.Values{"confirm": {"yes"}}, provA); w.Code != http.StatusSeeOther {
		t.Fatalf("cancel: %d", w.Code)
	}
	if b, _ := ts.Forums.BookingFor(ctx, provB, id); b.Status != forums.Booked {
		t.Fatalf("B not promoted: %+v", b)
	}
	if w := post(ts, "/events/"+id+"/cancel", nil, provA); w.Code != http.StatusNotFound {
		t.Errorf("cancel twice: %d", w.Code)
	}
	// Commissioner's page and figures render.
	if w := get(ts, "/commission/events/"+id, commish); w.Code != 200 || !strings.Contains(w.Body.String(), provB.OrgName) {
		t.Errorf("commission event page: %d", w.Code)
	}
	if w := get(ts, "/commission/engagement", commish); w.Code != 200 {
		t.Errorf("figures: %d", w.Code)
	}
	if w := get(ts, "/commission/engagement?from=nonsense", commish); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("bad figures date: %d", w.Code)
	}
	// The commissioner calls it off: the booked organisation is told.
	if w := post(ts, "/commission/events/"+id+"/cancel", nil, provB); w.Code != http.StatusForbidden {
		t.Errorf("provider cancelling the event: %d", w.Code)
	}
	if w := post(ts, "/commission/events/"+id+"/cancel", url.Values{"confirm": {"yes"}, "reason": {"The venue flooded"}}, commish); w.Code != http.StatusSeeOther {
		t.Fatalf("cancel event: %d", w.Code)
	}
	if w := post(ts, "/commission/events/"+id+"/cancel", nil, commish); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("cancel event twice: %d", w.Code)
	}
	if w := get(ts, "/events/"+id, provB); !strings.Contains(w.Body.String(), "This event has been cancelled. Reason: The venue flooded") {
		t.Errorf("provider does not see the cancellation and its reason")
	}
	items, _ := ts.Notify.List(ctx, &auth.Principal{Role: auth.RoleProvider, OrgID: provB.OrgID})
	if len(items) == 0 || !strings.HasPrefix(items[0].Title, "Cancelled:") {
		t.Errorf("no cancellation notice: %+v", items)
	}
}

func TestEventLastPlaceOverHTTP(t *testing.T) {
	ts := newTestServer(t)
	ctx := storetest.Context(t)
	e, err := ts.Forums.Create(ctx, testEventInput(time.Now(), "1", nil), &auth.Principal{Role: auth.RoleCommissioner, Name: "C"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	codes := make([]int, n)
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			p := &auth.Principal{UserID: fmt.Sprint("u", i), Name: "P", Role: auth.RoleProvider, OrgID: fmt.Sprint("org", i), OrgName: fmt.Sprint("Org ", i)}
			r := httptest.NewRequest(http.MethodPost, "/events/"+e.ID+"/book", strings.NewReader("places=1"))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			<-start
			codes[i] = ts.do(r, p).Code
		}(i)
	}
	close(start)
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusSeeOther {
			t.Errorf("request %d: %d", i, c)
		}
	}
	got, _ := ts.Forums.Get(ctx, commish, e.ID)
	if got.Booked != 1 || got.Waiting != n-1 {
		t.Fatalf("booked %d waiting %d", got.Booked, got.Waiting)
	}
}

func TestEventFeed(t *testing.T) {
	ts := newTestServer(t)
	ctx := storetest.Context(t)
	org, err := ts.Auth.CreateOrg(ctx, auth.CommandLine, auth.OrgInput{SupplierRef: "SUPF", Name: "Feed Care", TermsDays: 30, ServiceTypes: []string{"Home care"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Forums.Create(ctx, testEventInput(time.Now(), "5", []string{"Home care"}), &auth.Principal{Role: auth.RoleCommissioner, Name: "C"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	other := testEventInput(time.Now(), "5", []string{"Nursing care"})
	other.Title = "Nursing forum"
	if _, err := ts.Forums.Create(ctx, other, &auth.Principal{Role: auth.RoleCommissioner, Name: "C"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	p := &auth.Principal{UserID: "u", Name: "P", Role: auth.RoleProvider, OrgID: org.ID, OrgName: org.Name, ServiceTypes: org.ServiceTypes}
	w := get(ts, "/events", p)
	if strings.Contains(w.Body.String(), "Nursing forum") {
		t.Error("event for other service types listed")
	}
	tok, _ := ts.Forums.CreateFeedToken(ctx, p, time.Now())
	w = get(ts, "/events/feed/"+tok+".ics", nil)
	body := w.Body.String()
	if w.Code != 200 || !strings.Contains(body, "SUMMARY:Home care forum") || strings.Contains(body, "Nursing forum") || strings.Contains(body, "secret-room") {
		t.Fatalf("feed: %d %q", w.Code, body)
	}
	if w := get(ts, "/events/feed/"+strings.Repeat("0", 64)+".ics", nil); w.Code != http.StatusNotFound {
		t.Errorf("unknown token: %d", w.Code)
	}
	// Replacing shows the new address once (the portal keeps only its
	// fingerprint), so the answer is the page, not a redirect.
	w = post(ts, "/events/feed/reset", url.Values{"confirm": {"yes"}}, p)
	if w.Code != http.StatusOK {
		t.Fatalf("reset: %d", w.Code)
	}
	if m := feedURLPattern.FindStringSubmatch(w.Body.String()); m == nil || m[1] == tok {
		t.Errorf("reset does not show a new address")
	} else if w := get(ts, "/events/feed/"+m[1]+".ics", nil); w.Code != http.StatusOK {
		t.Errorf("new token after reset: %d", w.Code)
	}
	if w := get(ts, "/events/feed/"+tok+".ics", nil); w.Code != http.StatusNotFound {
		t.Errorf("old token after reset: %d", w.Code)
	}
}
