package portal

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"

	"careportal/auth"
	"careportal/portal/internal/htmlcheck"
)

// TestBillingSettingsPage: brokerage sees a contract's billing settings
// (the standard ones at first), a bad value is answered by its field with
// the input kept and nothing saved, a good one is saved with who and when
// in the history and a message saying which cycles it affects, and a save
// against an old version is a 409 with the form kept.
func TestBillingSettingsPage(t *testing.T) {
	f := newPaymentsFixture(t)
	ts := f.ts
	path := "/staff/packages/billing/" + f.contract1.ID
	w := ts.do(httptest.NewRequest(http.MethodGet, path, nil), f.payer)
	if w.Code != http.StatusOK {
		t.Fatalf("GET: %d %s", w.Code, w.Body.String())
	}
	d := htmlcheck.Parse(t, w.Body.String())
	d.Has("#billing-current", "Four-weekly, starting on a Monday", "5% of the planned units or 1 units", "Never")
	d.Has("#no-history")
	if d.Attr("#tolerance_percent", "value") != "5" || d.Attr(`input[name="version"]`, "value") != "0" {
		t.Fatalf("form not filled with the settings")
	}

	tests := []struct {
		name  string
		form  url.Values
		field string
	}{
		{"no frequency", url.Values{"frequency": {""}, "weekday": {"1"}, "tolerance_percent": {"5"}, "tolerance_units": {"1"}, "confirm_days": {"7"}}, "frequency"},
		{"bad weekday", url.Values{"frequency": {"weekly"}, "weekday": {"9"}, "tolerance_percent": {"5"}, "tolerance_units": {"1"}, "confirm_days": {"7"}}, "weekday"},
		{"percent too big", url.Values{"frequency": {"weekly"}, "weekday": {"1"}, "tolerance_percent": {"75"}, "tolerance_units": {"1"}, "confirm_days": {"7"}}, "tolerance_percent"},
		{"units not a number", url.Values{"frequency": {"weekly"}, "weekday": {"1"}, "tolerance_percent": {"5"}, "tolerance_units": {"lots"}, "confirm_days": {"7"}}, "tolerance_units"},
		{"no days", url.Values{"frequency": {"weekly"}, "weekday": {"1"}, "tolerance_percent": {"5"}, "tolerance_units": {"1"}, "confirm_days": {"0"}}, "confirm_days"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.form.Set("version", "0")
			w := ts.do(formPost(path, tc.form), f.payer)
			if w.Code != http.StatusUnprocessableEntity {
				t.Fatalf("%d", w.Code)
			}
			d := htmlcheck.Parse(t, w.Body.String())
			d.Has(".govuk-error-summary")
			d.Has("#" + tc.field + "-error")
			if got := d.Attr("#tolerance_units", "value"); got != tc.form.Get("tolerance_units") {
				t.Fatalf("input not kept: %q", got)
			}
			if b := ts.Packages.BillingOf(f.contract1.ID); b.Version != 0 {
				t.Fatalf("saved despite the error: %+v", b)
			}
		})
	}

	good := url.Values{"version": {"0"}, "frequency": {"weekly"}, "weekday": {"4"}, "tolerance_percent": {"10"}, "tolerance_units": {"2.5"}, "confirm_days": {"5"}}
	w = ts.do(formPost(path, good), f.payer)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", w.Code, w.Body.String())
	}
	w = followRedirect(ts, w, f.payer)
	d = htmlcheck.Parse(t, w.Body.String())
	// The success message itself is checked by the flash table (it needs a
	// session); the page says which cycles the settings apply to.
	d.Has("main", "Changes apply to cycles not yet confirmed", "Cycles already confirmed or invoiced keep")
	d.Has("#billing-current", "Weekly, starting on a Thursday", "Pat Payments")
	d.Has("#billing-history", "Pat Payments", "10% or 2.5 units")
	b := ts.Packages.BillingOf(f.contract1.ID)
	if b.Version != 1 || b.ToleranceUnits != 250 || b.ByName != "Pat Payments" {
		t.Fatalf("saved %+v", b)
	}

	// Someone else saved version 1 meanwhile: a save against version 0 is
	// a conflict, the form kept as typed.
	stale := url.Values{"version": {"0"}, "frequency": {"weekly"}, "weekday": {"4"}, "tolerance_percent": {"20"}, "tolerance_units": {"3"}, "confirm_days": {"5"}}
	w = ts.do(formPost(path, stale), f.payer2)
	if w.Code != http.StatusConflict {
		t.Fatalf("stale save: %d", w.Code)
	}
	d = htmlcheck.Parse(t, w.Body.String())
	d.Has("#conflict", "changed by someone else")
	if d.Attr("#tolerance_percent", "value") != "20" {
		t.Fatalf("stale form not kept")
	}
	if b := ts.Packages.BillingOf(f.contract1.ID); b.TolerancePercent != 10 {
		t.Fatalf("stale save applied: %+v", b)
	}

	// Two people saving the same version at once: one wins.
	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i, p := range []int{30, 40} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := url.Values{"version": {"1"}, "frequency": {"weekly"}, "weekday": {"4"}, "tolerance_percent": {strconv.Itoa(p)}, "tolerance_units": {"1"}, "confirm_days": {"5"}}
			codes[i] = ts.do(formPost(path, v), f.payer).Code
		}()
	}
	wg.Wait()
	if !(codes[0] == http.StatusSeeOther && codes[1] == http.StatusConflict) && !(codes[1] == http.StatusSeeOther && codes[0] == http.StatusConflict) {
		t.Fatalf("concurrent saves: %v", codes)
	}
	if b := ts.Packages.BillingOf(f.contract1.ID); b.Version != 2 {
		t.Fatalf("after concurrent saves: %+v", b)
	}

	// A provider never sees the page.
	if w := ts.do(httptest.NewRequest(http.MethodGet, path, nil), f.prov1); w.Code != http.StatusForbidden {
		t.Fatalf("provider: %d", w.Code)
	}
}

// followRedirect GETs where a 303 points, with the cookies it set (the
// flash message), as p.
func followRedirect(ts *testServer, w *httptest.ResponseRecorder, p *auth.Principal) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, w.Header().Get("Location"), nil)
	for _, c := range w.Result().Cookies() {
		r.AddCookie(c)
	}
	return ts.do(r, p)
}
