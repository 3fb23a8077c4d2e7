package portal

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"careportal/auth"
	"careportal/payments"
	"careportal/portal/forums"
	"careportal/portal/internal/htmlcheck"
	"careportal/portal/store/storetest"
)

// listedCount is how many things the list at href shows to p: the number
// its table caption starts with ("3 invoices…"), the summary cards of a
// feedback list, or 0 when the list is empty.
func listedCount(t *testing.T, ts *testServer, p *auth.Principal, href string) int {
	t.Helper()
	w := ts.do(httptest.NewRequest(http.MethodGet, href, nil), p)
	if w.Code != http.StatusOK {
		t.Fatalf("GET %s: %d", href, w.Code)
	}
	doc := htmlcheck.Parse(t, w.Body.String())
	if doc.Count("main table caption") > 0 {
		m := regexp.MustCompile(`^\d+`).FindString(strings.TrimSpace(doc.Texts("main table caption")[0]))
		n, err := strconv.Atoi(m)
		if err != nil {
			t.Fatalf("%s: caption %q does not start with a count", href, doc.Texts("main table caption")[0])
		}
		return n
	}
	return doc.Count("main .govuk-summary-card") + doc.Count("main .app-counted")
}

// homeCounts is the to-do list of p's home page: each item's id, count and
// link.
func homeCounts(t *testing.T, ts *testServer, p *auth.Principal) map[string][2]string {
	t.Helper()
	w := ts.do(httptest.NewRequest(http.MethodGet, "/home", nil), p)
	if w.Code != http.StatusOK {
		t.Fatalf("GET /home as %s: %d", p.Role, w.Code)
	}
	doc := htmlcheck.Parse(t, w.Body.String())
	out := map[string][2]string{}
	for _, li := range doc.All("main .app-todo__item") {
		var count, href string
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode && n.Data == "a" {
				href = htmlcheck.Attr(n, "href")
			}
			if n.Type == html.ElementNode && htmlcheck.Attr(n, "class") == "app-todo__count" {
				count = strings.TrimSpace(htmlcheck.Text(n))
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(li)
		out[htmlcheck.Attr(li, "id")] = [2]string{count, href}
	}
	return out
}

// Each home page's counts match the lists they link to.
func TestHomeCountsMatchTheListsTheyLinkTo(t *testing.T) {
	f := newPaymentsFixture(t)
	ts := f.ts
	var ids []string
	for _, n := range []string{"INV-1", "INV-2", "INV-3", "INV-4"} {
		w := ts.do(multipartInvoice(t, invoiceForm(n), "", nil), f.prov1)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("submit %s: %d %s", n, w.Code, w.Body.String())
		}
		ids = append(ids, strings.TrimPrefix(w.Header().Get("Location"), "/invoices/"))
	}
	// One queried, one approved, one left new.
	if w := ts.do(postInvoiceForm("/staff/invoices/"+ids[0]+"/query", url.Values{"version": {"1"}, "query_note": {"Please attach the timesheets"}}), f.payer); w.Code != http.StatusSeeOther {
		t.Fatalf("query: %d", w.Code)
	}
	if w := ts.do(postInvoiceForm("/staff/invoices/"+ids[1]+"/approve", url.Values{"version": {"1"}}), f.payer); w.Code != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", w.Code, w.Body.String())
	}
	// The fourth is paid, so the payment figures have a payment in them.
	today := payments.LondonDay(time.Now())
	for _, step := range []struct {
		path string
		form url.Values
	}{
		{"/approve", url.Values{"version": {"1"}}},
		{"/schedule", url.Values{"version": {"2"}, "scheduled_date": {today}}},
		{"/pay", url.Values{"version": {"3"}, "payment_date": {today}, "amount": {"1,234.50"}, "payment_reference": {"BACS-1"}}},
	} {
		if w := ts.do(postInvoiceForm("/staff/invoices/"+ids[3]+step.path, step.form), f.payer); w.Code != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", step.path, w.Code, w.Body.String())
		}
	}
	// Two forums ahead: the provider books one.
	ctx := storetest.Context(t)
	var events []string
	for i, title := range []string{"Home care forum", "Market engagement day"} {
		e, err := ts.Forums.Create(ctx, forums.EventInput{Title: title, Description: "A forum for providers.", Date: payments.AddDays(today, 14+i), StartTime: "10:00", EndTime: "12:00",
			Format: forums.InPerson, Address: "Civic Centre", Capacity: "20"}, f.commissioner, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, e.ID)
	}
	if _, err := ts.Forums.Book(ctx, events[0], forums.BookInput{Places: "2"}, f.prov1, time.Now()); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		p    *auth.Principal
		want map[string]int // id -> expected count, checked against the list too
	}{
		{f.prov1, map[string]int{"todo-queried": 1, "todo-overdue": 0, "todo-queries": 0, "todo-events-booked": 1}},
		{f.prov2, map[string]int{"todo-events-booked": 0}},
		{f.payer, map[string]int{"todo-queue-new": 1, "todo-queue-queried": 1, "todo-queue-approved": 1, "todo-queue-scheduled": 0, "todo-queue-due-soon": 0, "todo-queue-overdue": 0, "todo-queries": 0, "todo-queries-late": 0}},
		{f.commissioner, map[string]int{"todo-feedback": 0, "todo-queue-new": 1, "todo-events-upcoming": 2}},
	}
	for _, c := range cases {
		t.Run(string(c.p.Role), func(t *testing.T) {
			got := homeCounts(t, ts, c.p)
			for id, want := range c.want {
				item, ok := got[id]
				if !ok {
					t.Errorf("home page of %s has no %s (has %v)", c.p.Role, id, got)
					continue
				}
				n, err := strconv.Atoi(item[0])
				if err != nil || n != want {
					t.Errorf("%s: count %q, want %d", id, item[0], want)
				}
				if listed := listedCount(t, ts, c.p, item[1]); listed != n {
					t.Errorf("%s: home says %d, the list at %s shows %d", id, n, item[1], listed)
				}
			}
		})
	}
	// Payments staff see the payment run lines waiting for a decision.
	if got := homeCounts(t, ts, f.payer)["todo-remittance-exceptions"]; got[0] != "0" || got[1] != "/staff/remittance" {
		t.Errorf("payments staff home: remittance exceptions item = %v, want 0 linking to /staff/remittance", got)
	}
	// The provider's home has the primary button and the next payment.
	w := ts.do(httptest.NewRequest(http.MethodGet, "/home", nil), f.prov1)
	doc := htmlcheck.Parse(t, w.Body.String())
	doc.Has(`main a.govuk-button[href="/invoices/new"]`, "Submit an invoice")
	doc.Has("#next-payment", "Your next payment is expected on")

	// The commissioner's home: the next forums with their bookings, the
	// self-assessment (none in progress) and the headline payment figure,
	// the same figure /performance shows.
	doc = htmlcheck.Parse(t, ts.do(httptest.NewRequest(http.MethodGet, "/home", nil), f.commissioner).Body.String())
	doc.Has("#home-next-events", "Home care forum", "2 of 20 places booked")
	doc.Has("#home-next-events", "Market engagement day", "0 of 20 places booked")
	doc.Has("#home-round a[href='/assessment/rounds/new']", "Start a round")
	headline := doc.Text("#home-headline .app-headline-figure")
	perf := htmlcheck.Parse(t, ts.do(httptest.NewRequest(http.MethodGet, "/performance", nil), f.commissioner).Body.String())
	if want := perf.Text(`[data-figure="paid_by_s68_deadline_pct"]`); headline != want || headline == "–" {
		t.Errorf("home headline %q, /performance shows %q", headline, want)
	}
	doc.Has("#home-headline", "of the council's 1 payment since")
}
