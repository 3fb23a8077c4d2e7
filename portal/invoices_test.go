package portal

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"careportal/auth"
	"careportal/payments"
	"careportal/portal/internal/htmlcheck"
	"careportal/portal/store/storetest"
)

// paymentsFixture is two provider organisations with a contract each.
type paymentsFixture struct {
	ts                   *testServer
	org1, org2           *auth.Org
	prov1, prov2         *auth.Principal
	payer, payer2        *auth.Principal
	commissioner         *auth.Principal
	contract1, contract2 payments.Contract
}

func newPaymentsFixture(t *testing.T) *paymentsFixture {
	t.Helper()
	return newPaymentsFixtureOn(t, newTestServer(t))
}

// newPaymentsFixtureOn is newPaymentsFixture on a test server already
// made (one with a clock, for example).
func newPaymentsFixtureOn(t *testing.T, ts *testServer) *paymentsFixture {
	t.Helper()
	ctx := storetest.Context(t)
	f := &paymentsFixture{ts: ts}
	var err error
	f.org1, err = ts.Auth.CreateOrg(ctx, &auth.Principal{}, auth.OrgInput{Name: "Sunrise Home Care Ltd", SupplierRef: "SUP1001", TermsDays: 30})
	if err != nil {
		t.Fatal(err)
	}
	f.org2, err = ts.Auth.CreateOrg(ctx, &auth.Principal{}, auth.OrgInput{Name: "Oakfield Residential Homes", SupplierRef: "SUP1002", TermsDays: 14})
	if err != nil {
		t.Fatal(err)
	}
	f.prov1 = &auth.Principal{UserID: "p1", Name: "Mo Manager", Role: auth.RoleProvider, OrgID: f.org1.ID, OrgName: f.org1.Name, Manager: true}
	f.prov2 = &auth.Principal{UserID: "p2", Name: "Olu Oak", Role: auth.RoleProvider, OrgID: f.org2.ID, OrgName: f.org2.Name}
	f.payer = &auth.Principal{UserID: "s1", Name: "Pat Payments", Role: auth.RoleBrokerage, Teams: []string{"brokerage-payments"}}
	f.payer2 = &auth.Principal{UserID: "s2", Name: "Sam Broker", Role: auth.RoleBrokerage}
	f.commissioner = &auth.Principal{UserID: "c1", Name: "Chris Commissioner", Role: auth.RoleCommissioner}
	staff := f.payer
	f.contract1, err = ts.Payments.CreateContract(ctx, staff, payments.ContractInput{Reference: "HC-001", Title: "Home care north", SupplierRef: "SUP1001",
		ServiceType: "home-care", StartDate: "2025-04-01", EndDate: "2028-03-31", AnnualValue: "250000"})
	if err != nil {
		t.Fatal(err)
	}
	f.contract2, err = ts.Payments.CreateContract(ctx, staff, payments.ContractInput{Reference: "RES-001", Title: "Residential", SupplierRef: "SUP1002",
		ServiceType: "residential", StartDate: "2025-04-01", EndDate: "2028-03-31", AnnualValue: "1000000"})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func postInvoiceForm(path string, v url.Values) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func invoiceForm(number string) url.Values {
	return url.Values{"contract_ref": {"HC-001"}, "invoice_number": {number}, "invoice_date": {payments.AddDays(payments.LondonDay(time.Now()), -3)},
		"period_start": {"2026-01-01"}, "period_end": {"2026-01-31"}, "net": {"1,234.50"}, "vat": {"0"}, "gross": {"£1234.5"}}
}

func multipartInvoice(t *testing.T, v url.Values, fileName string, data []byte) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range v {
		for _, x := range vs {
			_ = mw.WriteField(k, x)
		}
	}
	if fileName != "" {
		fw, _ := mw.CreateFormFile("file", fileName)
		_, _ = fw.Write(data)
	}
	_ = mw.Close()
	r := httptest.NewRequest(http.MethodPost, "/invoices/new", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

func TestInvoiceSubmitAndJourneyOverHTTP(t *testing.T) {
	f := newPaymentsFixture(t)
	ts := f.ts
	// The form shows the provider's active contracts only.
	w := ts.do(httptest.NewRequest(http.MethodGet, "/invoices/new", nil), f.prov1)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "HC-001") || strings.Contains(w.Body.String(), "RES-001") {
		t.Fatalf("new form: %d", w.Code)
	}
	// A bad amount: error summary, the field's message, input kept, nothing saved.
	bad := invoiceForm("INV-100")
	bad.Set("net", "12.345")
	w = ts.do(multipartInvoice(t, bad, "", nil), f.prov1)
	body := w.Body.String()
	if w.Code != http.StatusUnprocessableEntity || !pageHas(t, body, "govuk-error-summary") || !pageHas(t, body, `id="net-error"`) ||
		!pageHas(t, body, `value="INV-100"`) || !pageHas(t, body, `value="12.345"`) {
		t.Fatalf("bad amount: %d\n%s", w.Code, body)
	}
	if p, _ := ts.Payments.ListInvoices(storetest.Context(t), f.payer, payments.InvoiceFilter{}, 1, 10); p.Total != 0 {
		t.Fatalf("bad input saved an invoice")
	}
	// Not a PDF.
	w = ts.do(multipartInvoice(t, invoiceForm("INV-100"), "inv.pdf", []byte("MZ\x90\x00 not a pdf")), f.prov1)
	if w.Code != http.StatusUnprocessableEntity || !pageHas(t, w.Body.String(), `id="file-error"`) {
		t.Fatalf("not a pdf: %d", w.Code)
	}
	// Good, with a PDF.
	pdf := []byte("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
	w = ts.do(multipartInvoice(t, invoiceForm("INV-100"), "march.pdf", pdf), f.prov1)
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/invoices/") {
		t.Fatalf("submit: %d %s", w.Code, w.Body.String())
	}
	loc := w.Header().Get("Location")
	id := strings.TrimPrefix(loc, "/invoices/")
	// The same number again, written differently: a message with a link.
	w = ts.do(multipartInvoice(t, invoiceForm("inv 100"), "", nil), f.prov1)
	if w.Code != http.StatusConflict || !pageHas(t, w.Body.String(), `href="/invoices/`+id+`"`) {
		t.Fatalf("duplicate: %d", w.Code)
	}
	// The provider sees it; another provider gets 404 for the page and the file.
	w = ts.do(httptest.NewRequest(http.MethodGet, loc, nil), f.prov1)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "INV-100") || !strings.Contains(w.Body.String(), "£1,234.50") {
		t.Fatalf("show: %d", w.Code)
	}
	for _, path := range []string{loc, loc + "/file"} {
		if w := ts.do(httptest.NewRequest(http.MethodGet, path, nil), f.prov2); w.Code != http.StatusNotFound {
			t.Fatalf("%s as another provider: %d", path, w.Code)
		}
	}
	w = ts.do(httptest.NewRequest(http.MethodGet, loc+"/file", nil), f.payer)
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/pdf" || !strings.HasPrefix(w.Header().Get("Content-Disposition"), "attachment") ||
		w.Header().Get("X-Content-Type-Options") != "nosniff" || !bytes.Equal(w.Body.Bytes(), pdf) {
		t.Fatalf("file: %d %v", w.Code, w.Header())
	}
	// Providers cannot reach staff pages, commissioners cannot act.
	if w := ts.do(httptest.NewRequest(http.MethodGet, "/staff/invoices", nil), f.prov1); w.Code != http.StatusForbidden {
		t.Fatalf("provider on staff queue: %d", w.Code)
	}
	if w := ts.do(postInvoiceForm("/staff/invoices/"+id+"/approve", url.Values{"version": {"1"}}), f.commissioner); w.Code != http.StatusForbidden {
		t.Fatalf("commissioner approving: %d", w.Code)
	}
	// Staff queue shows it with a count.
	w = ts.do(httptest.NewRequest(http.MethodGet, "/staff/invoices?queue=new", nil), f.payer)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "New (1)") || !strings.Contains(w.Body.String(), "INV-100") {
		t.Fatalf("queue: %d", w.Code)
	}
	// Query without a reason: error next to the field; with one: done.
	w = ts.do(postInvoiceForm("/staff/invoices/"+id+"/query", url.Values{"version": {"1"}}), f.payer)
	if w.Code != http.StatusUnprocessableEntity || !pageHas(t, w.Body.String(), `id="query_note-error"`) {
		t.Fatalf("query without reason: %d", w.Code)
	}
	w = ts.do(postInvoiceForm("/staff/invoices/"+id+"/query", url.Values{"version": {"1"}, "query_note": {"Please attach the timesheets"}}), f.payer)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("query: %d %s", w.Code, w.Body.String())
	}
	w = ts.do(httptest.NewRequest(http.MethodGet, loc, nil), f.prov1)
	if !strings.Contains(w.Body.String(), "Please attach the timesheets") || !strings.Contains(w.Body.String(), "Send answer") {
		t.Fatalf("provider does not see the query")
	}
	w = ts.do(postInvoiceForm(loc+"/answer", url.Values{"version": {"2"}, "answer_note": {"Attached to the PDF, page 2"}}), f.prov1)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("answer: %d", w.Code)
	}
	// A stale form (version 2) is refused with the changed message.
	w = ts.do(postInvoiceForm("/staff/invoices/"+id+"/approve", url.Values{"version": {"2"}}), f.payer)
	if w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "changed by someone else") {
		t.Fatalf("stale approve: %d", w.Code)
	}
	for _, step := range []struct {
		path string
		form url.Values
	}{
		{"/approve", url.Values{"version": {"3"}}},
		{"/schedule", url.Values{"version": {"4"}, "scheduled_date": {payments.AddDays(payments.LondonDay(time.Now()), 7)}}},
		{"/pay", url.Values{"version": {"5"}, "payment_date": {payments.LondonDay(time.Now())}, "amount": {"1,234.50"}, "payment_reference": {"BACS-1"}}},
	} {
		if w := ts.do(postInvoiceForm("/staff/invoices/"+id+step.path, step.form), f.payer); w.Code != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", step.path, w.Code, w.Body.String())
		}
	}
	w = ts.do(httptest.NewRequest(http.MethodGet, loc, nil), f.prov1)
	if b := w.Body.String(); !strings.Contains(b, "BACS-1") || !strings.Contains(b, "Amount paid") || htmlcheck.Parse(t, b).Count(`.govuk-heading-s.govuk-\!-margin-bottom-1`) != 6 {
		t.Fatalf("paid page:\n%s", b)
	}
	// Provider list with a status filter; a bad filter value is an error, not a 500.
	w = ts.do(httptest.NewRequest(http.MethodGet, "/invoices?status=paid", nil), f.prov1)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "INV-100") {
		t.Fatalf("list: %d", w.Code)
	}
	w = ts.do(httptest.NewRequest(http.MethodGet, "/invoices?status=nope&from=31/2/2026", nil), f.prov1)
	if w.Code != http.StatusUnprocessableEntity || !pageHas(t, w.Body.String(), `id="from-error"`) {
		t.Fatalf("bad filter: %d", w.Code)
	}
	w = ts.do(httptest.NewRequest(http.MethodGet, "/invoices", nil), f.prov2)
	if strings.Contains(w.Body.String(), "INV-100") {
		t.Fatalf("another provider's list shows the invoice")
	}
}

// TestConcurrentStaffActionsOverHTTP has two staff act on the same invoice
// at the same moment through a real HTTP server: exactly one wins, the
// other is told the invoice changed.
func TestConcurrentStaffActionsOverHTTP(t *testing.T) {
	f := newPaymentsFixture(t)
	ctx := storetest.Context(t)
	as := func(p *auth.Principal, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r.WithContext(withPrincipal(r.Context(), p)))
		})
	}
	srv1 := httptest.NewServer(as(f.payer, f.ts.Handler))
	defer srv1.Close()
	srv2 := httptest.NewServer(as(f.payer2, f.ts.Handler))
	defer srv2.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for i := 0; i < 25; i++ {
		in := payments.SubmitInput{ContractRef: "HC-001", InvoiceNumber: fmt.Sprintf("RACE-%d", i), InvoiceDate: "2026-01-31",
			PeriodStart: "2026-01-01", PeriodEnd: "2026-01-31", Net: "100", VAT: "0"}
		inv, err := f.ts.Payments.SubmitInvoice(ctx, f.prov1, in)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		barrier := make(chan struct{})
		codes := make([]int, 2)
		bodies := make([]string, 2)
		for g, req := range []struct{ base, path, note string }{
			{srv1.URL, "/approve", ""}, {srv2.URL, "/query", "Which week?"},
		} {
			wg.Add(1)
			go func(g int, base, path, note string) {
				defer wg.Done()
				form := url.Values{"version": {"1"}, "query_note": {note}}
				r, _ := http.NewRequest(http.MethodPost, base+"/staff/invoices/"+inv.ID+path, strings.NewReader(form.Encode()))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				<-barrier
				resp, err := client.Do(r)
				if err != nil {
					t.Error(err)
					return
				}
				b, _ := io.ReadAll(resp.Body)
				_ = resp.Body.Close()
				codes[g], bodies[g] = resp.StatusCode, string(b)
			}(g, req.base, req.path, req.note)
		}
		close(barrier)
		wg.Wait()
		won, lost := 0, 0
		for g := range codes {
			switch {
			case codes[g] == http.StatusSeeOther:
				won++
			case codes[g] == http.StatusConflict && strings.Contains(bodies[g], "changed by someone else"):
				lost++
			}
		}
		got, _ := f.ts.Payments.Invoice(ctx, f.payer, inv.ID)
		if won != 1 || lost != 1 || got.Version != 2 || len(got.History) != 2 {
			t.Fatalf("iteration %d: codes %v, version %d", i, codes, got.Version)
		}
	}
}

func TestContractPagesOverHTTP(t *testing.T) {
	f := newPaymentsFixture(t)
	ts := f.ts
	w := ts.do(httptest.NewRequest(http.MethodGet, "/contracts", nil), f.prov2)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "RES-001") || strings.Contains(w.Body.String(), "HC-001") {
		t.Fatalf("provider contracts: %d", w.Code)
	}
	if w := ts.do(httptest.NewRequest(http.MethodGet, "/staff/contracts/new", nil), f.prov1); w.Code != http.StatusForbidden {
		t.Fatalf("provider on contract form: %d", w.Code)
	}
	form := url.Values{"reference": {"DAY-9"}, "title": {"Day centre"}, "supplier_ref": {"SUP1001"}, "service_type": {"day-opportunities"},
		"start_date": {"1/4/2026"}, "end_date": {"31/3/2027"}, "annual_value": {"£12,000"}, "status": {"active"}, "terms_days": {"45"}}
	w = ts.do(postInvoiceForm("/staff/contracts/new", form), f.payer)
	if w.Code != http.StatusUnprocessableEntity || !pageHas(t, w.Body.String(), `id="terms_days-error"`) || !pageHas(t, w.Body.String(), `value="DAY-9"`) {
		t.Fatalf("bad contract: %d", w.Code)
	}
	form.Set("terms_days", "20")
	form.Set("procured_under", "nonsense")
	if w := ts.do(postInvoiceForm("/staff/contracts/new", form), f.payer); w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `id="procured_under-error"`) {
		t.Fatalf("bad procured_under: %d", w.Code)
	}
	form.Set("procured_under", "pcr2015") // started after 24 February 2025, but procured under the 2015 Regulations
	if w := ts.do(postInvoiceForm("/staff/contracts/new", form), f.payer); w.Code != http.StatusSeeOther {
		t.Fatalf("create: %d %s", w.Code, w.Body.String())
	}
	c, err := ts.Payments.ContractByRef(storetest.Context(t), f.payer, "DAY-9")
	if err != nil || c.TermsDays != 20 || c.AnnualValue != 1200000 || c.ProcuredUnder != payments.ProcuredPCR2015 {
		t.Fatalf("created = %+v, %v", c, err)
	}
	w = ts.do(httptest.NewRequest(http.MethodGet, "/staff/contracts/"+c.ID+"/edit", nil), f.payer)
	if w.Code != 200 || !pageHas(t, w.Body.String(), `value="12000.00"`) || !regexp.MustCompile(`name="procured_under" type="radio" value="pcr2015"[^>]*checked`).MatchString(w.Body.String()) {
		t.Fatalf("edit form: %d", w.Code)
	}
	form.Set("version", "1")
	form.Set("title", "Day centre east")
	if w := ts.do(postInvoiceForm("/staff/contracts/"+c.ID+"/edit", form), f.payer); w.Code != http.StatusSeeOther {
		t.Fatalf("update: %d", w.Code)
	}
	if w := ts.do(postInvoiceForm("/staff/contracts/"+c.ID+"/edit", form), f.payer); w.Code != http.StatusConflict {
		t.Fatalf("stale update: %d", w.Code)
	}
	w = ts.do(httptest.NewRequest(http.MethodGet, "/staff/contracts?q=east", nil), f.commissioner)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "Day centre east") || strings.Contains(w.Body.String(), "Add a contract") {
		t.Fatalf("commissioner register: %d", w.Code)
	}
}

// fxInvoiceOfA makes an invoice (with a PDF) of organisation A, for the
// authorization table; fxContractOfA a contract of A.
func fxInvoiceOfA(t *testing.T, f *accountsFixture) map[string]string {
	t.Helper()
	ctx := storetest.Context(t)
	c := fxContract(t, f)
	f.seq++
	pA := &auth.Principal{UserID: f.managerA.ID, Name: f.managerA.Name, Role: auth.RoleProvider, OrgID: f.orgA.ID}
	inv, err := f.ts.Payments.SubmitInvoice(ctx, pA, payments.SubmitInput{ContractRef: c.Reference, InvoiceNumber: fmt.Sprintf("AUTHZ-%d", f.seq),
		InvoiceDate: "2026-01-31", PeriodStart: "2026-01-01", PeriodEnd: "2026-01-31", Net: "10", VAT: "0",
		File: &payments.FileInput{Name: "a.pdf", Data: []byte("%PDF-1.4\n%%EOF\n")}})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"id": inv.ID, "action": "approve"}
}

func fxContractOfA(t *testing.T, f *accountsFixture) map[string]string {
	return map[string]string{"id": fxContract(t, f).ID}
}

func fxContract(t *testing.T, f *accountsFixture) payments.Contract {
	t.Helper()
	ctx := storetest.Context(t)
	staff := &auth.Principal{UserID: "staff", Name: "Staff", Role: auth.RoleBrokerage}
	ref := "AUTHZ-" + f.orgA.SupplierRef
	if c, err := f.ts.Payments.ContractByRef(ctx, staff, ref); err == nil {
		return c
	}
	c, err := f.ts.Payments.CreateContract(ctx, staff, payments.ContractInput{Reference: ref, Title: "Authz", SupplierRef: f.orgA.SupplierRef,
		ServiceType: "other", StartDate: "2025-01-01", EndDate: "2030-01-01", AnnualValue: "1"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestInvoiceCancelOverHTTP(t *testing.T) {
	f := newPaymentsFixture(t)
	ctx := storetest.Context(t)
	sub := func(n string) payments.Invoice {
		inv, err := f.ts.Payments.SubmitInvoice(ctx, f.prov1, payments.SubmitInput{ContractRef: "HC-001", InvoiceNumber: n,
			InvoiceDate: "2026-01-31", PeriodStart: "2026-01-01", PeriodEnd: "2026-01-31", Net: "100", VAT: "0"})
		if err != nil {
			t.Fatal(err)
		}
		return inv
	}
	a, b := sub("CAN-1"), sub("CAN-2")
	if w := f.ts.do(postInvoiceForm("/invoices/"+a.ID+"/cancel", url.Values{"version": {"1"}}), f.prov2); w.Code != http.StatusNotFound {
		t.Fatalf("another provider cancelling: %d", w.Code)
	}
	if w := f.ts.do(postInvoiceForm("/invoices/"+a.ID+"/cancel", url.Values{"version": {"1"}, "confirm": {"yes"}, "cancel_note": {"Sent twice"}}), f.prov1); w.Code != http.StatusSeeOther {
		t.Fatalf("cancel: %d", w.Code)
	}
	if got, _ := f.ts.Payments.Invoice(ctx, f.prov1, a.ID); got.Status != payments.StatusCancelled {
		t.Fatalf("status %s", got.Status)
	}
	// After approval the provider can no longer cancel; the page says why.
	if _, err := f.ts.Payments.Transition(ctx, f.payer, b.ID, 1, payments.StatusApproved, "", payments.Details{}); err != nil {
		t.Fatal(err)
	}
	w := f.ts.do(httptest.NewRequest(http.MethodGet, "/invoices/"+b.ID, nil), f.prov1)
	if strings.Contains(w.Body.String(), "Cancel this invoice") {
		t.Fatal("cancel button shown after approval")
	}
	w = f.ts.do(postInvoiceForm("/invoices/"+b.ID+"/cancel", url.Values{"version": {"2"}}), f.prov1)
	if w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "cannot be changed that way") {
		t.Fatalf("cancel after approval: %d", w.Code)
	}
	if got, _ := f.ts.Payments.Invoice(ctx, f.prov1, b.ID); got.Status != payments.StatusApproved || got.Version != 2 {
		t.Fatalf("refused cancel changed the invoice: %s v%d", got.Status, got.Version)
	}
}
