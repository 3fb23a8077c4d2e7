package portal

import (
	"net/http"
	"net/url"
	"testing"

	"careportal/portal/internal/htmlcheck"
)

// The urgent route is at the top of every contacts page: 999 always, and
// the safeguarding numbers once an administrator has entered them.
func TestContactsSafeguardingRoute(t *testing.T) {
	ts := newTestServer(t)
	pages := []string{"/contacts", "/contacts/topics/quality-concern", "/contacts/teams/quality-assurance", "/contacts/topics/invoice-not-paid"}

	// Not set yet: 999 and a clear "not added yet"; only admins get the link.
	for _, path := range pages {
		d := htmlcheck.Parse(t, get(ts, path, nil).Body.String())
		d.Has("#safeguarding .govuk-warning-text", "If someone is in immediate danger, call 999")
		d.Has("#safeguarding-missing", "have not been added")
		d.HasNot("#safeguarding a[href='/contacts/safeguarding']")
	}
	htmlcheck.Parse(t, get(ts, "/contacts", adminP).Body.String()).Has("#safeguarding a[href='/contacts/safeguarding']", "Add the safeguarding numbers")
	htmlcheck.Parse(t, get(ts, "/contacts", commish).Body.String()).HasNot("#safeguarding a[href='/contacts/safeguarding']")

	// Only administrators open or save the form.
	for _, p := range []struct {
		name string
		code int
	}{{"commissioner", http.StatusForbidden}, {"provider", http.StatusForbidden}} {
		who := commish
		if p.name == "provider" {
			who = provA
		}
		wantStatus(t, get(ts, "/contacts/safeguarding", who), p.code)
		wantStatus(t, post(ts, "/contacts/safeguarding", url.Values{"inHoursPhone": {"020 7946 0999"}, "inHoursTimes": {"9 to 5"}, "outOfHoursPhone": {"020 7946 0998"}}, who), p.code)
	}
	wantStatus(t, get(ts, "/contacts/safeguarding", adminP), http.StatusOK, "Adult safeguarding line", "Out of hours number")

	// Bad input: messages by the fields, input kept, nothing saved.
	w := post(ts, "/contacts/safeguarding", url.Values{"inHoursPhone": {"ring us"}, "inHoursTimes": {"Weekdays"}, "outOfHoursPhone": {""}}, adminP)
	wantStatus(t, w, http.StatusUnprocessableEntity)
	d := htmlcheck.Parse(t, w.Body.String())
	d.Has("#inHoursPhone-error", "Enter a phone number, like 020 7946 0123")
	d.Has("#outOfHoursPhone-error", "Enter a phone number")
	if v := d.Attr("#inHoursTimes", "value"); v != "Weekdays" {
		t.Errorf("input not kept: %q", v)
	}
	if g, _ := ts.Contacts.Safeguarding(t.Context()); g.Set() {
		t.Fatal("bad input was saved")
	}

	w = post(ts, "/contacts/safeguarding", url.Values{"inHoursPhone": {"020 7946 0999"}, "inHoursTimes": {"Monday to Friday, 9am to 5pm"}, "outOfHoursPhone": {"020 7946 0998"}}, adminP)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/contacts" {
		t.Fatalf("save = %d %s", w.Code, w.Header().Get("Location"))
	}
	for _, path := range pages {
		d := htmlcheck.Parse(t, get(ts, path, provA).Body.String())
		d.Has("#safeguarding .govuk-warning-text", "call 999")
		d.Has("#safeguarding-numbers", "020 7946 0999", "Monday to Friday, 9am to 5pm", "020 7946 0998")
		d.HasNot("#safeguarding-missing")
	}
}
