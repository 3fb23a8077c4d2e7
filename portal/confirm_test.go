package portal

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"careportal/portal/format"
	"careportal/portal/internal/htmlcheck"
	"careportal/portal/store/storetest"
)

// A submitted invoice's page tells the provider what happens next and when
// to expect payment; staff see the actions instead.
func TestSubmittedInvoiceSaysWhatHappensNext(t *testing.T) {
	f := newPaymentsFixture(t)
	w := f.ts.do(multipartInvoice(t, invoiceForm("INV-NEXT-1"), "", nil), f.prov1)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("submit: %d", w.Code)
	}
	id := strings.TrimPrefix(w.Header().Get("Location"), "/invoices/")
	inv, err := f.ts.Payments.Invoice(storetest.Context(t), f.prov1, id)
	if err != nil {
		t.Fatal(err)
	}
	w = f.ts.do(httptest.NewRequest(http.MethodGet, "/invoices/"+id, nil), f.prov1)
	doc := htmlcheck.Parse(t, w.Body.String())
	doc.Has("#what-next", "What happens next", "expect payment by "+format.Day(inv.DueDate), "Queried")
	w = f.ts.do(httptest.NewRequest(http.MethodGet, "/staff/invoices/"+id, nil), f.payer)
	htmlcheck.Parse(t, w.Body.String()).HasNot("#what-next")
}

// Providers find their own invoices by number (all or part of it); never
// another provider's.
func TestProviderSearchesInvoicesByNumber(t *testing.T) {
	f := newPaymentsFixture(t)
	for _, n := range []string{"INV-1043", "INV-2000"} {
		if w := f.ts.do(multipartInvoice(t, invoiceForm(n), "", nil), f.prov1); w.Code != http.StatusSeeOther {
			t.Fatalf("submit %s: %d", n, w.Code)
		}
	}
	for q, want := range map[string][]string{"INV-1043": {"INV-1043"}, "1043": {"INV-1043"}, "inv 2000": {"INV-2000"}} {
		w := f.ts.do(httptest.NewRequest(http.MethodGet, "/invoices?q="+strings.ReplaceAll(q, " ", "+"), nil), f.prov1)
		doc := htmlcheck.Parse(t, w.Body.String())
		doc.Has("main table caption", fmt.Sprintf("%d invoice", len(want)))
		doc.Has("main table tbody", want...)
		if q == "1043" && strings.Contains(doc.Text("main table tbody"), "INV-2000") {
			t.Errorf("q=%s lists INV-2000", q)
		}
		if v := doc.Attr("#q", "value"); v != q {
			t.Errorf("the search box keeps %q, want %q", v, q)
		}
	}
	w := f.ts.do(httptest.NewRequest(http.MethodGet, "/invoices?q=INV-1043", nil), f.prov2)
	htmlcheck.Parse(t, w.Body.String()).HasNot("main table")
}

// Staff search finds a provider's invoices by (part of) its name as well
// as by supplier reference.
func TestStaffSearchFindsProvidersByName(t *testing.T) {
	f := newPaymentsFixture(t)
	if w := f.ts.do(multipartInvoice(t, invoiceForm("INV-77"), "", nil), f.prov1); w.Code != http.StatusSeeOther {
		t.Fatalf("submit: %d", w.Code)
	}
	for _, q := range []string{"sunrise", "Sunrise+Home", "SUP1001"} {
		w := f.ts.do(httptest.NewRequest(http.MethodGet, "/staff/invoices?q="+q, nil), f.payer)
		htmlcheck.Parse(t, w.Body.String()).Has("main table tbody", "INV-77")
	}
	w := f.ts.do(httptest.NewRequest(http.MethodGet, "/staff/invoices?q=oakfield", nil), f.payer)
	htmlcheck.Parse(t, w.Body.String()).HasNot("main table")
}

// A form shown again with errors has its back link first, then the error
// summary (GOV.UK: the summary sits below the back link).
func TestErrorSummarySitsBelowTheBackLink(t *testing.T) {
	f := newPaymentsFixture(t)
	w := f.ts.do(postInvoiceForm("/queries/new", url.Values{}), f.prov1)
	body := w.Body.String()
	back, summary := strings.Index(body, "govuk-back-link"), strings.Index(body, "govuk-error-summary")
	if w.Code != http.StatusUnprocessableEntity || back < 0 || summary < 0 || back > summary {
		t.Fatalf("POST /queries/new with nothing: %d, back link at %d, error summary at %d", w.Code, back, summary)
	}
	if main := strings.Index(body, `id="main-content"`); back < main {
		t.Errorf("the back link (%d) is outside main (%d)", back, main)
	}
}
