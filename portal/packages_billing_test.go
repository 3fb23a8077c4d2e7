package portal

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"careportal/auth"
	"careportal/payments/packages"
	"careportal/portal/app"
	"careportal/portal/internal/htmlcheck"
	"careportal/portal/store/storetest"
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
	d.Has("#effective_from-hint", "No cycle of this contract is confirmed or invoiced yet, so you may leave it empty")
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
	d.Has("main", "Changes of tolerance and days to confirm apply to cycles not yet confirmed", "Cycles already confirmed or invoiced keep")
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

// TestBillingCycleChangePage: brokerage changes a contract's cycle from a
// date, on a clock at Wednesday 11 March 2026. The contract has the
// standard four-weekly Monday cycles; 26 January to 22 February 2026 is
// confirmed and invoiced. Bad dates are answered next to the field with
// the input kept and nothing changed; weekly Wednesday from Monday 23
// March 2026 leaves every earlier cycle as it was, makes 23 to 24 March a
// two-day cycle and runs weekly from Wednesday 25 March; the provider's
// actuals pages, the package's cycle list and the payment schedule show
// the new cycles; two changes at once: one wins, the other is a 409.
func TestBillingCycleChangePage(t *testing.T) {
	var mu sync.Mutex
	clock := time.Date(2026, 3, 11, 10, 0, 0, 0, time.UTC)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	setNow := func(t time.Time) { mu.Lock(); clock = t; mu.Unlock() }
	f := newPaymentsFixtureOn(t, newTestServerWith(t, Config{Now: now}, app.Options{Now: now}))
	ts := f.ts
	ctx := storetest.Context(t)
	pkg, err := ts.Packages.Create(ctx, f.payer, packages.Input{Ref: "P-1", ClientRef: "CL-P-1", ClientName: "Mary Ann Smith", DateOfBirth: "1938-05-02", ContractRef: "HC-001",
		ServiceType: "home-care", Unit: "hour", UnitsPerWeek: "14", Rate: "23.50", StartDate: "2026-01-05"})
	if err != nil {
		t.Fatal(err)
	}
	if pkg, err = ts.Packages.Accept(ctx, f.prov1, pkg.ID, pkg.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Packages.Confirm(ctx, f.prov1, f.contract1.ID, "2026-01-26", nil, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Packages.Generate(ctx, f.payer, f.contract1.ID, "2026-01-26"); err != nil {
		t.Fatal(err)
	}
	path := "/staff/packages/billing/" + f.contract1.ID
	w := ts.do(httptest.NewRequest(http.MethodGet, path, nil), f.payer)
	if w.Code != http.StatusOK {
		t.Fatalf("GET: %d %s", w.Code, w.Body.String())
	}
	d := htmlcheck.Parse(t, w.Body.String())
	d.Has("#cycle-rule", "first day of a cycle that has not started", "Every cycle before that date stays exactly as it is", "first chosen weekday on or after that date", "one short cycle")
	d.Has("#effective_from-hint", "Monday 23 March 2026 (type 23 3 2026), Monday 20 April 2026 (type 20 4 2026), Monday 18 May 2026 (type 18 5 2026)")
	if strings.Contains(d.Text("#effective_from-hint"), "leave it empty") {
		t.Fatalf("a contract with an invoiced cycle offers to leave the date empty")
	}
	if got := d.Texts("#billing-cycles tbody tr"); len(got) != 8 || !strings.Contains(got[0], "29 December 2025 25 January 2026 28 Ended, not confirmed") ||
		!strings.Contains(got[1], "26 January 2026 22 February 2026 28 Invoiced") || !strings.Contains(got[2], "23 February 2026 22 March 2026 28 In progress") ||
		!strings.Contains(got[3], "23 March 2026 19 April 2026 28 Not started") {
		t.Fatalf("cycles before the change: %q", got)
	}

	form := func(freq, wd, from, version string) url.Values {
		return url.Values{"version": {version}, "frequency": {freq}, "weekday": {wd}, "effective_from": {from}, "tolerance_percent": {"5"}, "tolerance_units": {"1"}, "confirm_days": {"7"}}
	}
	bad := []struct {
		name, field, from, wd, msg string
	}{
		{"in the invoiced cycle", "effective_from", "2 2 2026", "3", "Monday 2 February 2026 is in the cycle from Monday 26 January 2026 to Sunday 22 February 2026, which is already invoiced"},
		{"in the past", "effective_from", "23 2 2026", "3", "Monday 23 February 2026 is in the past"},
		{"not a cycle start", "effective_from", "30 3 2026", "3", "is not the first day of a cycle: it is part-way through the cycle from Monday 23 March 2026 to Sunday 19 April 2026"},
		{"no date", "effective_from", "", "3", "Enter the date the new cycle takes effect"},
		{"not a date", "effective_from", "31 2 2026", "3", "must be a real date"},
		{"unknown weekday", "weekday", "23 3 2026", "9", "Select the day of the week cycles start on"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			w := ts.do(formPost(path, form("weekly", tc.wd, tc.from, "0")), f.payer)
			if w.Code != http.StatusUnprocessableEntity {
				t.Fatalf("%d", w.Code)
			}
			d := htmlcheck.Parse(t, w.Body.String())
			d.Has(".govuk-error-summary", tc.msg)
			d.Has("#"+tc.field+"-error", tc.msg)
			if got := d.Attr("#effective_from", "value"); got != tc.from {
				t.Fatalf("input not kept: %q", got)
			}
			if b := ts.Packages.BillingOf(f.contract1.ID); b.Version != 0 || len(b.Patterns) != 0 {
				t.Fatalf("changed despite the error: %+v", b)
			}
		})
	}

	w = ts.do(formPost(path, form("weekly", "3", "23 3 2026", "0")), f.payer)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("change: %d %s", w.Code, w.Body.String())
	}
	w = followRedirect(ts, w, f.payer)
	d = htmlcheck.Parse(t, w.Body.String())
	d.Has("#billing-current", "Four-weekly, starting on a Monday", "Pat Payments")
	d.Has("#billing-coming", "From Wednesday 25 March 2026: weekly, starting on a Wednesday, after one short cycle of 2 days from Monday 23 March 2026 to Tuesday 24 March 2026")
	if got := d.Texts("#billing-cycles tbody tr"); len(got) != 8 || !strings.Contains(got[1], "26 January 2026 22 February 2026 28 Invoiced") ||
		!strings.Contains(got[2], "23 February 2026 22 March 2026 28 In progress") ||
		!strings.Contains(got[3], "23 March 2026 24 March 2026 2 Not started: a short cycle before the change of weekday") ||
		!strings.Contains(got[4], "25 March 2026 31 March 2026 7 Not started") || !strings.Contains(got[5], "1 April 2026 7 April 2026 7 Not started") {
		t.Fatalf("cycles after the change: %q", got)
	}
	d.Has("#billing-history", "Pat Payments", "Cycle: four-weekly, starting on a Monday to weekly, starting on a Wednesday, from Monday 23 March 2026 (one short cycle from Monday 23 March 2026 to Tuesday 24 March 2026, then the new cycles from Wednesday 25 March 2026)")
	if d.Attr(`input[name="version"]`, "value") != "1" || d.Attr(`#weekday option[selected]`, "value") != "3" {
		t.Fatalf("form after the change: version %q weekday %q", d.Attr(`input[name="version"]`, "value"), d.Attr(`#weekday option[selected]`, "value"))
	}

	// The provider: the payment schedule (deadline the last day + 7,
	// payment by the deadline + 29 on 30-day terms), the cycle pages.
	w = ts.do(httptest.NewRequest(http.MethodGet, "/actuals", nil), f.prov1)
	d = htmlcheck.Parse(t, w.Body.String())
	if got := d.Texts("#schedule tbody tr"); len(got) != 3 || !strings.Contains(got[0], "23 February 2026 to 22 March 2026 29 March 2026 27 April 2026") ||
		!strings.Contains(got[1], "23 March 2026 to 24 March 2026 31 March 2026 29 April 2026") || !strings.Contains(got[2], "25 March 2026 to 31 March 2026 7 April 2026 6 May 2026") {
		t.Fatalf("schedule: %q", got)
	}
	w = ts.do(httptest.NewRequest(http.MethodGet, "/actuals/"+f.contract1.ID+"/2026-03-23", nil), f.prov1)
	if w.Code != http.StatusOK {
		t.Fatalf("bridge cycle page: %d", w.Code)
	}
	htmlcheck.Parse(t, w.Body.String()).Has("h1", "Care delivered from 23 March 2026 to 24 March 2026")
	w = ts.do(httptest.NewRequest(http.MethodGet, "/actuals/"+f.contract1.ID+"/2026-01-26", nil), f.prov1)
	htmlcheck.Parse(t, w.Body.String()).Has("h1", "Care delivered from 26 January 2026 to 22 February 2026")
	if w := ts.do(httptest.NewRequest(http.MethodGet, "/actuals/"+f.contract1.ID+"/2026-04-20", nil), f.prov1); w.Code != http.StatusNotFound {
		t.Fatalf("an old cycle start after the change: %d", w.Code)
	}

	// Three weeks on (Thursday 2 April 2026): the package's cycle list.
	setNow(time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC))
	w = ts.do(httptest.NewRequest(http.MethodGet, "/packages/"+pkg.ID, nil), f.prov1)
	if w.Code != http.StatusOK {
		t.Fatalf("package page: %d", w.Code)
	}
	d = htmlcheck.Parse(t, w.Body.String())
	if got := d.Texts("#package-cycles tbody tr"); len(got) < 5 || !strings.Contains(got[0], "1 April 2026 to 7 April 2026 In progress") ||
		!strings.Contains(got[1], "25 March 2026 to 31 March 2026") || !strings.Contains(got[2], "23 March 2026 to 24 March 2026") ||
		!strings.Contains(got[3], "23 February 2026 to 22 March 2026") || !strings.Contains(got[4], "26 January 2026 to 22 February 2026 Invoiced") {
		t.Fatalf("package cycles: %q", got)
	}

	// Two people changing at once against version 1: one is saved, the
	// other gets a 409 saying so, and the saved change is whole.
	var wg sync.WaitGroup
	codes := make([]int, 2)
	bodies := make([]string, 2)
	forms := []url.Values{form("four-weekly", "1", "8 4 2026", "1"), form("weekly", "5", "15 4 2026", "1")}
	for i, who := range []*auth.Principal{f.payer, f.payer2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := ts.do(formPost(path, forms[i]), who)
			codes[i], bodies[i] = w.Code, w.Body.String()
		}()
	}
	wg.Wait()
	won := 0
	if codes[1] == http.StatusSeeOther {
		won = 1
	}
	if codes[won] != http.StatusSeeOther || codes[1-won] != http.StatusConflict {
		t.Fatalf("two changes at once: %v", codes)
	}
	d = htmlcheck.Parse(t, bodies[1-won])
	d.Has("#conflict", "changed by someone else", "nothing you typed was saved")
	d.Has(`#conflict a[href="`+path+`"]`, "Start again from the current settings")
	if d.Attr("#effective_from", "value") != forms[1-won].Get("effective_from") {
		t.Fatalf("the losing form not kept")
	}
	b := ts.Packages.BillingOf(f.contract1.ID)
	wantFrom := []string{"2026-04-08", "2026-04-15"}[won]
	if b.Version != 2 || b.CycleFrom != wantFrom {
		t.Fatalf("after two at once: %+v", b)
	}
	// Four-weekly Monday from Wednesday 8 April bridges 8 to 12 April;
	// weekly Friday from Wednesday 15 April bridges 15 to 16 April.
	want := [][]string{
		{"2026-04-01..2026-04-07", "2026-04-08..2026-04-12", "2026-04-13..2026-05-10"},
		{"2026-04-01..2026-04-07", "2026-04-08..2026-04-14", "2026-04-15..2026-04-16", "2026-04-17..2026-04-23"},
	}[won]
	var got []string
	for _, c := range b.CyclesFrom("2026-04-01", len(want)) {
		got = append(got, c.Start+".."+c.End)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("cycles after two at once %v, want %v", got, want)
	}
	w = ts.do(httptest.NewRequest(http.MethodGet, path, nil), f.payer)
	if n := htmlcheck.Parse(t, w.Body.String()).Count("#billing-history tbody tr"); n != 2 {
		t.Fatalf("history rows %d", n)
	}
}
