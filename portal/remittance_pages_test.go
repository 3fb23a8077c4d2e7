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

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/remittance"
	"careportal/portal/store/storetest"
)

// fxRemittanceRunOfA is a payment run (kept, not applied) paying an
// invoice of organisation A.
func fxRemittanceRunOfA(t *testing.T, f *accountsFixture) map[string]string {
	t.Helper()
	f.seq++
	data := fmt.Sprintf("supplier_ref,invoice_number,amount_paid,payment_date,payment_reference\n%s,RUN-%d,10.00,2026-01-31,R\n", f.orgA.SupplierRef, f.seq)
	rep, err := f.ts.Remittance.Upload(storetest.Context(t), &auth.Principal{Name: "Staff", Role: auth.RoleBrokerage}, "a.csv", []byte(data), nil)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"id": rep.Run.ID}
}

// fxRemittanceLineOfA is line 2 of a payment run paying organisation A.
func fxRemittanceLineOfA(t *testing.T, f *accountsFixture) map[string]string {
	m := fxRemittanceRunOfA(t, f)
	m["line"] = "2"
	return m
}

// fxRemittanceAdviceOfA is a remittance advice of organisation A: one of
// its invoices approved and paid.
func fxRemittanceAdviceOfA(t *testing.T, f *accountsFixture) map[string]string {
	t.Helper()
	ctx := storetest.Context(t)
	staff := &auth.Principal{UserID: "staff", Name: "Staff", Role: auth.RoleBrokerage}
	inv, err := f.ts.Payments.Invoice(ctx, staff, fxInvoiceOfA(t, f)["id"])
	if err != nil {
		t.Fatal(err)
	}
	inv, err = f.ts.Payments.Transition(ctx, staff, inv.ID, inv.Version, payments.StatusApproved, "", payments.Details{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ts.Payments.MarkPaid(ctx, staff, inv.ID, inv.ReceivedDate, inv.GrossPence, fmt.Sprintf("ADV-%d", f.seq), "remittance"); err != nil {
		t.Fatal(err)
	}
	list, err := f.ts.Payments.Advices(ctx, staff, f.orgA.ID)
	if err != nil || len(list) == 0 {
		t.Fatalf("advices: %v", err)
	}
	for _, a := range list {
		if a.Reference == fmt.Sprintf("ADV-%d", f.seq) {
			return map[string]string{"id": a.ID}
		}
	}
	t.Fatal("no advice")
	return nil
}

func uploadCSV(t *testing.T, path, field, name string, data []byte, extra map[string]string) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range extra {
		_ = mw.WriteField(k, v)
	}
	if name != "" {
		fw, err := mw.CreateFormFile(field, name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(data)
	}
	_ = mw.Close()
	r := httptest.NewRequest(http.MethodPost, path, &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

func countDocs(t *testing.T, f *paymentsFixture, col string) int64 {
	t.Helper()
	if err := f.ts.Payments.Settle(storetest.Context(t)); err != nil { // submissions' events are written in the background
		t.Fatal(err)
	}
	n, err := f.ts.Store.DB.Collection(col).CountDocuments(storetest.Context(t), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRemittancePages(t *testing.T) {
	f := newPaymentsFixture(t)
	ctx := storetest.Context(t)
	today := payments.LondonDay(time.Now())
	prov := f.prov1
	staff := f.payer
	submit := func(number, net string) payments.Invoice {
		inv, err := f.ts.Payments.SubmitInvoice(ctx, prov, payments.SubmitInput{ContractRef: "HC-001", InvoiceNumber: number, InvoiceDate: today,
			PeriodStart: "2026-01-01", PeriodEnd: "2026-01-31", Net: net, VAT: "0"})
		if err != nil {
			t.Fatal(err)
		}
		return inv
	}
	a := submit("R-1", "100")
	if _, err := f.ts.Payments.Transition(ctx, staff, a.ID, a.Version, payments.StatusApproved, "", payments.Details{}); err != nil {
		t.Fatal(err)
	}
	b := submit("R-2", "200")
	if _, err := f.ts.Payments.Transition(ctx, staff, b.ID, b.Version, payments.StatusApproved, "", payments.Details{}); err != nil {
		t.Fatal(err)
	}
	file := []byte("supplier_ref,invoice_number,amount_paid,payment_date,payment_reference\n" +
		"SUP1001,R-1,100.00," + today + ",RUN-1\n" +
		"SUP1001,R-2,150.00," + today + ",RUN-1\n" +
		"SUP1001,R-404,5.00," + today + ",RUN-1\n")

	// Who may: Brokerage Payments and admins; not other brokerage staff,
	// commissioners or providers.
	for _, p := range []*auth.Principal{f.payer2, f.commissioner, f.prov1} {
		if w := f.ts.do(httptest.NewRequest(http.MethodGet, "/staff/remittance", nil), p); w.Code != http.StatusForbidden {
			t.Fatalf("%s: GET /staff/remittance = %d", p.Name, w.Code)
		}
		if w := f.ts.do(uploadCSV(t, "/staff/remittance", "file", "run.csv", file, nil), p); w.Code != http.StatusForbidden {
			t.Fatalf("%s: upload = %d", p.Name, w.Code)
		}
	}
	admin := &auth.Principal{UserID: "a", Name: "Ada Admin", Role: auth.RoleAdmin}
	if w := f.ts.do(httptest.NewRequest(http.MethodGet, "/staff/remittance", nil), admin); w.Code != http.StatusOK {
		t.Fatalf("admin: %d", w.Code)
	}

	// A malformed file: 422, the line named, nothing kept.
	bad := bytes.Replace(file, []byte("150.00"), []byte("15O.00"), 1)
	w := f.ts.do(uploadCSV(t, "/staff/remittance", "file", "run.csv", bad, nil), f.payer)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "Line 3, column amount_paid: enter an amount like 1234.50") ||
		!pageHas(t, w.Body.String(), `href="#file"`) {
		t.Fatalf("malformed upload: %d\n%s", w.Code, w.Body.String())
	}
	if n := countDocs(t, f, "remittance_runs"); n != 0 {
		t.Fatalf("%d runs kept from a malformed file", n)
	}
	// No file chosen.
	w = f.ts.do(uploadCSV(t, "/staff/remittance", "file", "", nil, nil), f.payer)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "Select the remittance file") {
		t.Fatalf("no file: %d", w.Code)
	}
	// A file over the limit: the form again, with the message.
	w = f.ts.do(uploadCSV(t, "/staff/remittance", "file", "big.csv", bytes.Repeat([]byte("x"), remittanceFileLimit+1), nil), f.payer)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "The file must be smaller than 5 MB") || !pageHas(t, w.Body.String(), `id="file-error"`) {
		t.Fatalf("big file: %d", w.Code)
	}
	// Column names that clash.
	w = f.ts.do(uploadCSV(t, "/staff/remittance", "file", "run.csv", file, map[string]string{"col_amount_paid": "invoice_number"}), f.payer)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "Column names:") {
		t.Fatalf("clashing columns: %d", w.Code)
	}

	// Upload: the preview.
	w = f.ts.do(uploadCSV(t, "/staff/remittance", "file", "run.csv", file, nil), f.payer)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("upload: %d %s", w.Code, w.Body.String())
	}
	runURL := w.Header().Get("Location")
	id := strings.TrimPrefix(runURL, "/staff/remittance/")
	if id != remittance.Hash(file) {
		t.Fatalf("run URL %q", runURL)
	}
	w = f.ts.do(httptest.NewRequest(http.MethodGet, runURL, nil), f.payer)
	body := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(body, "Check the payment run") || !strings.Contains(body, "Mark 1 invoice paid") ||
		!strings.Contains(body, "Paid £150.00 but the invoice is for £200.00: £50.00 less") || !strings.Contains(body, "has no invoice numbered R-404") {
		t.Fatalf("preview: %d\n%s", w.Code, body)
	}
	if inv, _ := f.ts.Payments.Invoice(ctx, staff, a.ID); inv.Status != payments.StatusApproved {
		t.Fatal("the preview paid an invoice")
	}
	// Apply: the matched invoice is paid; the difference is not.
	apply := httptest.NewRequest(http.MethodPost, runURL+"/apply", nil)
	if w := f.ts.do(apply, f.payer); w.Code != http.StatusSeeOther || w.Header().Get("Location") != runURL {
		t.Fatalf("apply: %d %s", w.Code, w.Header().Get("Location"))
	}
	if inv, _ := f.ts.Payments.Invoice(ctx, staff, a.ID); inv.Status != payments.StatusPaid || inv.PaymentReference != "RUN-1" || inv.PaidPence != 10000 {
		t.Fatalf("after apply: %+v", inv)
	}
	if inv, _ := f.ts.Payments.Invoice(ctx, staff, b.ID); inv.Status != payments.StatusApproved {
		t.Fatalf("a difference was applied: %s", inv.Status)
	}
	events := countDocs(t, f, "invoice_events")
	w = f.ts.do(httptest.NewRequest(http.MethodGet, runURL, nil), f.payer)
	if !strings.Contains(w.Body.String(), "Payment run applied") || !strings.Contains(w.Body.String(), "Paid by this file") || pageHas(t, w.Body.String(), `id="apply"`) {
		t.Fatalf("applied run page:\n%s", w.Body.String())
	}
	// The same file applied and uploaded again changes nothing.
	if w := f.ts.do(httptest.NewRequest(http.MethodPost, runURL+"/apply", nil), f.payer); w.Code != http.StatusSeeOther {
		t.Fatalf("apply again: %d", w.Code)
	}
	if w := f.ts.do(uploadCSV(t, "/staff/remittance", "file", "again.csv", file, nil), f.payer); w.Code != http.StatusSeeOther || w.Header().Get("Location") != runURL {
		t.Fatalf("upload again: %d", w.Code)
	}
	if e := countDocs(t, f, "invoice_events"); e != events {
		t.Fatalf("applying again wrote %d events", e-events)
	}
	// The runs list shows it; the provider sees the invoice paid.
	if w := f.ts.do(httptest.NewRequest(http.MethodGet, "/staff/remittance", nil), f.payer); !strings.Contains(w.Body.String(), "run.csv") || !strings.Contains(w.Body.String(), "Applied") {
		t.Fatalf("runs list:\n%s", w.Body.String())
	}
	if w := f.ts.do(httptest.NewRequest(http.MethodGet, "/invoices/"+a.ID, nil), f.prov1); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "RUN-1") {
		t.Fatalf("provider's invoice page: %d", w.Code)
	}
	// Unknown runs are 404.
	if w := f.ts.do(httptest.NewRequest(http.MethodGet, "/staff/remittance/"+strings.Repeat("ab", 32), nil), f.payer); w.Code != http.StatusNotFound {
		t.Fatalf("unknown run: %d", w.Code)
	}

	// Exceptions resolved on the run's page.
	resolve := func(line int, form url.Values, who *auth.Principal) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, fmt.Sprintf("%s/lines/%d", runURL, line), strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return f.ts.do(r, who)
	}
	if n, _ := f.ts.Remittance.OpenExceptions(ctx, staff); n != 2 {
		t.Fatalf("open exceptions %d, want 2", n)
	}
	// "Not ours" without a note: the message by the line's field, the choice kept, nothing recorded.
	w = resolve(4, url.Values{"kind": {remittance.ResolveNotOurs}}, f.payer)
	body = w.Body.String()
	if w.Code != http.StatusUnprocessableEntity || !pageHas(t, body, `id="note-4-error"`) || !pageHas(t, body, `href="#note-4"`) ||
		!strings.Contains(body, "Enter why this line is not for the portal") || !pageHas(t, body, `id="kind-4-1"`) {
		t.Fatalf("not ours without a note: %d\n%s", w.Code, body)
	}
	if n := countDocs(t, f, "remittance_decisions"); n != 0 {
		t.Fatalf("a refused decision was kept")
	}
	if w := resolve(4, url.Values{"kind": {remittance.ResolveNotOurs}, "note": {"Highways supplier"}}, f.payer); w.Code != http.StatusSeeOther {
		t.Fatalf("not ours: %d %s", w.Code, w.Body.String())
	}
	if w := resolve(4, url.Values{"kind": {remittance.ResolveNotOurs}, "note": {"again"}}, admin); w.Code != http.StatusConflict ||
		!strings.Contains(w.Body.String(), "This line was already resolved by") {
		t.Fatalf("resolved twice: %d", w.Code)
	}
	// £150.00 of £200.00 accepted as a part payment: £50.00 left, still approved.
	if w := resolve(3, url.Values{"kind": {remittance.ResolveAccept}}, f.payer); w.Code != http.StatusSeeOther {
		t.Fatalf("accept: %d %s", w.Code, w.Body.String())
	}
	if inv, _ := f.ts.Payments.Invoice(ctx, staff, b.ID); inv.Status != payments.StatusApproved || inv.Balance() != 5000 {
		t.Fatalf("accepted part payment: %s balance %d", inv.Status, inv.Balance())
	}
	w = f.ts.do(httptest.NewRequest(http.MethodGet, runURL, nil), f.payer)
	if body := w.Body.String(); !pageHas(t, body, `id="decision-3"`) || !strings.Contains(body, "Accepted as paid") || !strings.Contains(body, "Highways supplier") {
		t.Fatalf("run page after decisions:\n%s", body)
	}
	if n, _ := f.ts.Remittance.OpenExceptions(ctx, staff); n != 0 {
		t.Fatalf("open exceptions %d after resolving", n)
	}
	if w := resolve(3, url.Values{"kind": {remittance.ResolveAccept}}, f.prov1); w.Code != http.StatusForbidden {
		t.Fatalf("a provider resolving: %d", w.Code)
	}
}

func TestContractsImportPage(t *testing.T) {
	f := newPaymentsFixture(t)
	file := []byte("reference,title,supplier_ref,service_type,start_date,end_date,annual_value,status\n" +
		"HC-002,Home care south,SUP1001,Home care,2025-04-01,2028-03-31,\"£120,000\",active\n" +
		"RES-001,Residential (renamed),SUP1002,residential,2025-04-01,2028-03-31,1000000,active\n")
	if w := f.ts.do(httptest.NewRequest(http.MethodGet, "/staff/contracts/import", nil), f.payer); w.Code != http.StatusOK {
		t.Fatalf("GET: %d", w.Code)
	}
	for _, p := range []*auth.Principal{f.commissioner, f.prov1} {
		if w := f.ts.do(uploadCSV(t, "/staff/contracts/import", "file", "c.csv", file, nil), p); w.Code != http.StatusForbidden {
			t.Fatalf("%s: %d", p.Name, w.Code)
		}
	}
	before := countDocs(t, f, "contracts")
	bad := append(append([]byte{}, file...), []byte("X-1,T,SUP9999,home care,2025-04-01,2028-03-31,1,active\n")...)
	w := f.ts.do(uploadCSV(t, "/staff/contracts/import", "file", "c.csv", bad, nil), f.payer)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "Line 4, column supplier_ref:") {
		t.Fatalf("bad file: %d\n%s", w.Code, w.Body.String())
	}
	if n := countDocs(t, f, "contracts"); n != before {
		t.Fatalf("a bad file wrote %d contracts", n-before)
	}
	if c, err := f.ts.Payments.ContractByRef(storetest.Context(t), f.payer, "RES-001"); err != nil || c.Title != "Residential" {
		t.Fatalf("a bad file changed a contract: %v %q", err, c.Title)
	}
	w = f.ts.do(uploadCSV(t, "/staff/contracts/import", "file", "c.csv", file, nil), f.payer)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/staff/contracts" {
		t.Fatalf("import: %d %s", w.Code, w.Body.String())
	}
	if n := countDocs(t, f, "contracts"); n != before+1 {
		t.Fatalf("contracts %d -> %d", before, n)
	}
	if c, _ := f.ts.Payments.ContractByRef(storetest.Context(t), f.payer, "RES-001"); c.Title != "Residential (renamed)" {
		t.Fatalf("not updated: %q", c.Title)
	}
	// Again: nothing changes.
	c1, _ := f.ts.Payments.ContractByRef(storetest.Context(t), f.payer, "HC-002")
	if w := f.ts.do(uploadCSV(t, "/staff/contracts/import", "file", "c.csv", file, nil), f.payer); w.Code != http.StatusSeeOther {
		t.Fatalf("again: %d", w.Code)
	}
	c2, _ := f.ts.Payments.ContractByRef(storetest.Context(t), f.payer, "HC-002")
	if c1.Version != c2.Version || !c1.UpdatedAt.Equal(c2.UpdatedAt) || countDocs(t, f, "contracts") != before+1 {
		t.Fatalf("importing again changed the register")
	}
}
