package portal

import (
	"net/http"
	"net/http/httptest"
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
