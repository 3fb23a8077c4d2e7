package portal

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"careportal/auth"
	"careportal/portal/internal/htmlcheck"
	"careportal/portal/store/storetest"
)

// TestActualsCorrectionPages: after a cycle's invoice (28 hours at £20,
// £560.00), brokerage corrects it over HTTP: bad input answered by its
// field, fewer hours a credit note of £160.00 against the invoice, a stale
// form a 409, and the provider sees the correction on its cycle page.
func TestActualsCorrectionPages(t *testing.T) {
	f := newAccountsFixture(t)
	ts := f.ts
	c, pkgID, start := fxActivePackage(t, f, "CORR")
	confirmFixture(t, f, c, start, nil)
	staff := &auth.Principal{UserID: "staff", Name: "Bea Broker", Role: auth.RoleBrokerage}
	bill, err := ts.Packages.Generate(storetest.Context(t), staff, c, start)
	if err != nil || bill.NetPence != 56000 {
		t.Fatalf("bill %d %v", bill.NetPence, err)
	}
	page := "/staff/actuals/" + c + "/" + start
	w := ts.do(httptest.NewRequest(http.MethodGet, page, nil), staff)
	d := htmlcheck.Parse(t, w.Body.String())
	d.Has("#no-corrections")
	d.Has(`form[action="` + page + `/correct"]`)

	w = ts.do(formPost(page+"/correct", url.Values{"corrections": {"0"}, "correct_package": {pkgID}, "correct_units": {"lots"}, "correct_note": {"Short"}}), staff)
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad units: %d", w.Code)
	}
	d = htmlcheck.Parse(t, w.Body.String())
	d.Has("#correct_units-error")
	if d.Attr("#correct_units", "value") != "lots" {
		t.Fatalf("input not kept")
	}

	w = ts.do(formPost(page+"/correct", url.Values{"corrections": {"0"}, "correct_package": {pkgID}, "correct_units": {"20"}, "correct_note": {"Eight hours not delivered"}}), staff)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("correct: %d %s", w.Code, w.Body.String())
	}
	inv, err := ts.Payments.Invoice(storetest.Context(t), staff, bill.InvoiceID)
	if err != nil || inv.CreditPence != 16000 || inv.NetPence != 56000 {
		t.Fatalf("invoice after correction: credit %d net %d %v", inv.CreditPence, inv.NetPence, err)
	}
	// The same form again (it saw no corrections): a conflict, nothing more credited.
	w = ts.do(formPost(page+"/correct", url.Values{"corrections": {"0"}, "correct_package": {pkgID}, "correct_units": {"20"}, "correct_note": {"Eight hours not delivered"}}), staff)
	if w.Code != http.StatusConflict {
		t.Fatalf("resubmitted: %d", w.Code)
	}
	htmlcheck.Parse(t, w.Body.String()).Has("#conflict", "corrected by someone else")
	if inv, _ := ts.Payments.Invoice(storetest.Context(t), staff, bill.InvoiceID); inv.CreditPence != 16000 {
		t.Fatalf("credited twice: %d", inv.CreditPence)
	}
	pA := &auth.Principal{UserID: f.managerA.ID, Name: f.managerA.Name, Role: auth.RoleProvider, OrgID: f.orgA.ID}
	w = ts.do(httptest.NewRequest(http.MethodGet, "/actuals/"+c+"/"+start, nil), pA)
	d = htmlcheck.Parse(t, w.Body.String())
	d.Has("#corrections", "CORR-1", "28", "20", "Credit note "+bill.InvoiceNumber+"-C-CORR-1-1", "£160.00")
	d.HasNot(`form[action$="/correct"]`)
}
