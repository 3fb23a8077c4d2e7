package portal

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"careportal/portal/store/storetest"
)

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// TestContractStaleEditKeepsInputAndShowsWhatChanged: a contract edit
// refused as stale (409) shows the form again with what was typed, says
// what someone else changed meanwhile, and carries the latest version so
// the person can save again.
func TestContractStaleEditKeepsInputAndShowsWhatChanged(t *testing.T) {
	f := newPaymentsFixture(t)
	ts := f.ts
	ctx := storetest.Context(t)
	staff := f.payer
	c, err := ts.Payments.ContractByRef(ctx, staff, "HC-001")
	if err != nil {
		t.Fatal(err)
	}
	// The person opens the edit form.
	w := ts.do(httptest.NewRequest(http.MethodGet, "/staff/contracts/"+c.ID+"/edit", nil), f.payer)
	if w.Code != 200 {
		t.Fatalf("edit form: %d", w.Code)
	}
	form := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(w.Body.String(), -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	if form.Get("version") == "" || form.Get("shown_title") != c.Title {
		t.Fatalf("the edit form does not carry the version and the values shown: %v", form)
	}
	for k, v := range contractForm(&c) {
		if k != "version" {
			form[k] = v
		}
	}
	// Meanwhile someone else renames it.
	in := c.Input()
	in.Title = "Home care north and east"
	if _, err := ts.Payments.UpdateContract(ctx, staff, c.ID, c.Version, in); err != nil {
		t.Fatal(err)
	}
	// The person saves their own change, to the department.
	form.Set("department", "Adult social care typed by me")
	w = ts.do(postInvoiceForm("/staff/contracts/"+c.ID+"/edit", form), f.payer)
	body := w.Body.String()
	if w.Code != http.StatusConflict {
		t.Fatalf("stale save: %d", w.Code)
	}
	for _, want := range []string{
		"changed by someone else",               // the reason, in the error summary
		`value="Adult social care typed by me"`, // what was typed is kept
		"What someone else changed",             // and what changed is shown
		"Home care north and east",              // the new title
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the 409 page does not contain %q", want)
		}
	}
	changed := regexp.MustCompile(`(?s)<table class="govuk-table" id="changed">.*?</table>`).FindString(body)
	if !strings.Contains(changed, ">Title<") || strings.Contains(changed, ">Department<") {
		t.Errorf("the changes table should list the title (changed by someone else) and not the department (the person's own change): %s", changed)
	}
	// Saving again from that page works: it carries the latest version.
	again := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(body, -1) {
		again.Set(m[1], html.UnescapeString(m[2]))
	}
	for k, v := range form {
		if !strings.HasPrefix(k, "shown_") && k != "version" {
			again[k] = v
		}
	}
	again.Set("title", "Home care north and east")
	if w := ts.do(postInvoiceForm("/staff/contracts/"+c.ID+"/edit", again), f.payer); w.Code != http.StatusSeeOther {
		t.Fatalf("saving again after the conflict: %d", w.Code)
	}
	got, _ := ts.Payments.Contract(ctx, staff, c.ID)
	if got.Title != "Home care north and east" || got.Department != "Adult social care typed by me" {
		t.Errorf("saved %q / %q", got.Title, got.Department)
	}
}
