package portal

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"careportal/payments"
	"careportal/portal/notify"
	"careportal/portal/store/storetest"
)

// TestPageMemo checks that the invoice list and the invoice page kept in
// the memo are never stale and never anyone else's: a page asked for again
// with nothing changed is the same bytes (from the memo), and a change of
// the invoice, the contracts, the notifications count, the person or the
// flash message shows at once; another provider still gets 404.
func TestPageMemo(t *testing.T) {
	f := newPaymentsFixture(t)
	ts := f.ts
	ctx := storetest.Context(t)
	w := ts.do(multipartInvoice(t, invoiceForm("INV-700"), "", nil), f.prov1)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("submit: %d %s", w.Code, w.Body.String())
	}
	loc := w.Header().Get("Location")
	get := func(path string) *httptest.ResponseRecorder {
		t.Helper()
		w := ts.do(httptest.NewRequest(http.MethodGet, path, nil), f.prov1)
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, w.Code)
		}
		return w
	}
	kept := func() int {
		ts.memo.mu.RLock()
		defer ts.memo.mu.RUnlock()
		return len(ts.memo.pages)
	}
	for _, path := range []string{"/invoices", loc} {
		first := get(path)
		n := kept()
		second := get(path)
		if first.Body.String() != second.Body.String() || kept() != n || n == 0 {
			t.Fatalf("%s asked for twice: the same page %t, pages kept %d then %d", path, first.Body.String() == second.Body.String(), n, kept())
		}
		if got, want := second.Header().Get("Content-Length"), first.Header().Get("Content-Length"); got == "" || got != want {
			t.Errorf("%s: Content-Length %q then %q", path, want, got)
		}
		for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "Cache-Control", "Content-Type"} {
			if second.Header().Get(h) == "" || second.Header().Get(h) != first.Header().Get(h) {
				t.Errorf("%s from the memo: %s %q, rendered %q", path, h, second.Header().Get(h), first.Header().Get(h))
			}
		}
	}

	// Another provider: 404, whatever the memo holds.
	if w := ts.do(httptest.NewRequest(http.MethodGet, loc, nil), f.prov2); w.Code != http.StatusNotFound {
		t.Fatalf("another provider: %d", w.Code)
	}
	if w := ts.do(httptest.NewRequest(http.MethodGet, "/invoices", nil), f.prov2); strings.Contains(w.Body.String(), "INV-700") {
		t.Fatal("another provider's list shows the invoice")
	}

	// The invoice changes: both pages show it at once.
	id := strings.TrimPrefix(loc, "/invoices/")
	if w := ts.do(postInvoiceForm("/staff/invoices/"+id+"/query", url.Values{"version": {"1"}, "query_note": {"Please send the timesheets"}}), f.payer); w.Code != http.StatusSeeOther {
		t.Fatalf("query: %d", w.Code)
	}
	if b := get(loc).Body.String(); !strings.Contains(b, "Please send the timesheets") {
		t.Fatal("the invoice page does not show the query")
	}
	if b := get("/invoices").Body.String(); !strings.Contains(b, ">Queried<") {
		t.Fatal("the list does not show the invoice queried")
	}

	// A new contract: the list's filter offers it at once.
	if _, err := ts.Payments.CreateContract(ctx, f.payer, payments.ContractInput{Reference: "HC-002", Title: "Home care south", SupplierRef: "SUP1001",
		ServiceType: "home-care", StartDate: "2025-04-01", EndDate: "2028-03-31", AnnualValue: "1000"}); err != nil {
		t.Fatal(err)
	}
	if b := get("/invoices").Body.String(); !strings.Contains(b, "HC-002") {
		t.Fatal("the list's contract filter does not offer the new contract")
	}

	// A notification (no invoice changed): the menu's count shows at once,
	// on both pages.
	before := get(loc).Body.String()
	if err := ts.Notify.ToOrg(ctx, f.org1.ID, notify.KindGeneral, "Office closed on Friday", notify.Ref{}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/invoices", loc} {
		if b := get(path).Body.String(); !strings.Contains(b, "Notifications (1 unread)") || b == before {
			t.Fatalf("%s does not show the new notification", path)
		}
	}

	// The same person renamed (a new principal): the new name at once.
	renamed := *f.prov1
	renamed.Name = "Mo Renamed"
	if b := ts.do(httptest.NewRequest(http.MethodGet, loc, nil), &renamed).Body.String(); !strings.Contains(b, "Mo Renamed") {
		t.Fatal("the page shows the old name")
	}

	// A flash message: shown on the page, and the page is not kept with it.
	r := httptest.NewRequest(http.MethodGet, loc, nil)
	r = r.WithContext(context.WithValue(r.Context(), flashKey{}, "Your answer has been sent"))
	if b := ts.do(r, f.prov1).Body.String(); !strings.Contains(b, "Your answer has been sent") {
		t.Fatal("the flash message is not shown")
	}
	if b := get(loc).Body.String(); strings.Contains(b, "Your answer has been sent") {
		t.Fatal("the flash message is shown again from the memo")
	}
}
