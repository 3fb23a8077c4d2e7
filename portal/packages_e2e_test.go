package portal

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"careportal/auth"
	"careportal/payments"
	"careportal/portal/internal/htmlcheck"
	"careportal/portal/store/storetest"
)

// TestPackagesEndToEnd, over HTTP on the real embedded store: brokerage
// places a package (14 hours a week at £23.50), the provider accepts it
// and confirms a four-week cycle at 40 hours instead of the 56 planned (a
// difference beyond the 5% or 1 hour tolerance), brokerage accepts the
// difference and generates the invoice (40 x £23.50 = £940.00), payments
// staff approve it and pay it from a remittance file (uploaded and
// applied), and the provider's remittance advice lists the package.
func TestPackagesEndToEnd(t *testing.T) {
	f := newPaymentsFixture(t)
	ts := f.ts
	ctx := storetest.Context(t)
	start, pkgStart := pastCycle()
	must := func(w *httptest.ResponseRecorder, code int, what string) *httptest.ResponseRecorder {
		t.Helper()
		if w.Code != code {
			t.Fatalf("%s: %d, want %d\n%s", what, w.Code, code, w.Body.String())
		}
		return w
	}
	get := func(path string, as *auth.Principal) *httptest.ResponseRecorder {
		return ts.do(httptest.NewRequest(http.MethodGet, path, nil), as)
	}

	// 1. Brokerage places the package.
	w := must(ts.do(formPost("/staff/packages/new", url.Values{"package_ref": {"E2E-1"}, "client_ref": {"CL-E2E"}, "client_name": {"Edna End"}, "date_of_birth": {"3/4/1936"},
		"contract_ref": {"HC-001"}, "service_type": {"home-care"}, "unit": {"hour"}, "units_per_week": {"14"}, "rate": {"23.50"}, "start_date": {pkgStart}}), f.payer), http.StatusSeeOther, "place")
	pkgID := strings.TrimPrefix(w.Header().Get("Location"), "/staff/packages/")

	// 2. The provider accepts it.
	must(ts.do(formPost("/packages/"+pkgID+"/accept", url.Values{"version": {"1"}}), f.prov1), http.StatusSeeOther, "accept")

	// 3. The provider confirms the cycle with a difference beyond tolerance.
	cycle := "/actuals/" + f.contract1.ID + "/" + start
	d := htmlcheck.Parse(t, must(get(cycle, f.prov1), http.StatusOK, "cycle page").Body.String())
	d.Has("#cycle-lines", "E2E-1", "56")
	must(ts.do(formPost(cycle, url.Values{"action": {"confirm"}, "page": {"1"}, "ref": {"E2E-1"}, "units-E2E-1": {"40"}, "reason-E2E-1": {"hospital"}, "note-E2E-1": {"In hospital for a week"}}), f.prov1),
		http.StatusSeeOther, "confirm")

	// 4. Brokerage accepts the difference and generates the invoice.
	staffCycle := "/staff" + cycle
	d = htmlcheck.Parse(t, must(get("/staff/actuals", f.payer), http.StatusOK, "staff actuals").Body.String())
	d.Has("#waiting", "E2E-1", "56", "40")
	must(ts.do(formPost(staffCycle+"/decide", url.Values{"package": {pkgID}, "decision": {"accept"}}), f.payer), http.StatusSeeOther, "decide")
	must(ts.do(formPost(staffCycle+"/generate", nil), f.payer), http.StatusSeeOther, "generate")
	bill, err := ts.Packages.BillOf(ctx, f.payer, f.contract1.ID, start)
	if err != nil || !bill.Generated || bill.NetPence != 94000 {
		t.Fatalf("bill %+v %v", bill, err)
	}

	// 5. Payments staff approve it.
	inv, err := ts.Payments.Invoice(ctx, f.payer, bill.InvoiceID)
	if err != nil {
		t.Fatal(err)
	}
	must(ts.do(postInvoiceForm("/staff/invoices/"+inv.ID+"/approve", url.Values{"version": {fmt.Sprint(inv.Version)}}), f.payer), http.StatusSeeOther, "approve")

	// 6. A remittance file pays it: uploaded, then applied.
	today := payments.LondonDay(time.Now())
	file := fmt.Sprintf("supplier_ref,invoice_number,amount_paid,payment_date,payment_reference\nSUP1001,%s,940.00,%s,BACS-E2E\n", bill.InvoiceNumber, today)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "run.csv")
	_, _ = fw.Write([]byte(file))
	_ = mw.Close()
	r := httptest.NewRequest(http.MethodPost, "/staff/remittance", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	w = must(ts.do(r, f.payer), http.StatusSeeOther, "remittance upload")
	run := w.Header().Get("Location")
	must(ts.do(formPost(run+"/apply", nil), f.payer), http.StatusSeeOther, "remittance apply")
	if inv, _ = ts.Payments.Invoice(ctx, f.payer, bill.InvoiceID); inv.Status != payments.StatusPaid {
		t.Fatalf("invoice %s after the remittance run", inv.Status)
	}

	// 7. The provider's remittance advice lists the package.
	d = htmlcheck.Parse(t, must(get("/remittances", f.prov1), http.StatusOK, "remittances").Body.String())
	advice := d.Attr("#remittance-list tbody a", "href")
	if advice != "/remittances/"+payments.AdviceID(f.org1.ID, today, "BACS-E2E") {
		t.Fatalf("advice link %q", advice)
	}
	d = htmlcheck.Parse(t, must(get(advice, f.prov1), http.StatusOK, "advice").Body.String())
	d.Has("#advice-total", "£940.00")
	d.Has("#advice-items-"+inv.ID+" tbody tr", "Care package E2E-1 (hours)", "40", "£23.50", "£940.00")
}
