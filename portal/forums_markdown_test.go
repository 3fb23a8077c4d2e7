package portal

import (
	"strings"
	"testing"
	"time"

	"careportal/payments"
	"careportal/portal/forums"
	"careportal/portal/internal/htmlcheck"
	"careportal/portal/store/storetest"
)

// An event's description is Markdown: shown formatted, and a script typed
// into it never reaches the page.
func TestEventDescriptionIsMarkdown(t *testing.T) {
	ts := newTestServer(t)
	ctx := storetest.Context(t)
	desc := "Bring **your questions** about the new rates.\n\n- fees\n- workforce\n\n<script>alert('x')</script>\n\n[The rates](https://council.example/rates) and [bad](javascript:alert(1))"
	e, err := ts.Forums.Create(ctx, forums.EventInput{Title: "Rates forum", Description: desc, Date: payments.AddDays(payments.LondonDay(time.Now()), 10),
		StartTime: "10:00", EndTime: "12:00", Format: forums.InPerson, Address: "Civic Centre", Capacity: "20"}, commish, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	w := get(ts, "/events/"+e.ID, provA)
	wantStatus(t, w, 200)
	d := htmlcheck.Parse(t, w.Body.String())
	d.Has("#event-description p.govuk-body strong", "your questions")
	d.Has("#event-description ul.govuk-list--bullet li", "workforce")
	d.Has(`#event-description a.govuk-link[href="https://council.example/rates"]`, "The rates")
	d.HasNot("#event-description script")
	if body := w.Body.String(); strings.Contains(body, "alert('x')</script>") || strings.Contains(body, "javascript:alert") {
		t.Error("the script or the javascript: link reached the page")
	}
	if strings.Contains(d.Text("#event-description"), "**") {
		t.Error("Markdown shown literally")
	}
}
