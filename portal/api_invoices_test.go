package portal

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/auth"
	"careportal/payments"
	"careportal/portal/store/storetest"
)

// apiFixture is the payments fixture with a real API token for each
// provider organisation.
type apiFixture struct {
	*paymentsFixture
	token1, token2 string
}

func newAPIFixture(t *testing.T) *apiFixture {
	t.Helper()
	f := &apiFixture{paymentsFixture: newPaymentsFixture(t)}
	ctx := storetest.Context(t)
	var err error
	if _, f.token1, err = f.ts.Auth.CreateToken(ctx, &auth.Principal{}, f.org1.ID, "Finance system"); err != nil {
		t.Fatal(err)
	}
	if _, f.token2, err = f.ts.Auth.CreateToken(ctx, &auth.Principal{}, f.org2.ID, "Finance system"); err != nil {
		t.Fatal(err)
	}
	return f
}

// api makes a request with a bearer token (none when token is "").
func (f *apiFixture) api(method, path, token, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return f.ts.do(r, nil)
}

func invoiceJSON(number string, extra ...string) string {
	today := payments.LondonDay(time.Now())
	fields := []string{
		`"contract_ref": "HC-001"`, fmt.Sprintf(`"invoice_number": %q`, number), fmt.Sprintf(`"invoice_date": %q`, payments.AddDays(today, -2)),
		`"period_start": "2026-01-01"`, `"period_end": "2026-01-31"`, `"net": "1234.50"`, `"vat": "246.90"`,
	}
	return "{" + strings.Join(append(fields, extra...), ", ") + "}"
}

type problemDoc struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field  string `json:"field"`
		Detail string `json:"detail"`
	} `json:"errors"`
}

func decodeProblem(t *testing.T, w *httptest.ResponseRecorder, status int) problemDoc {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body.String())
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	var p problemDoc
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.Status != status || p.Title == "" {
		t.Fatalf("problem %+v", p)
	}
	return p
}

func fieldsOf(p problemDoc) map[string]string {
	m := map[string]string{}
	for _, e := range p.Errors {
		m[e.Field] = e.Detail
	}
	return m
}

func decodeInvoice(t *testing.T, w *httptest.ResponseRecorder, status int) apiInvoice {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body.String())
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
	var inv apiInvoice
	dec := json.NewDecoder(w.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&inv); err != nil {
		t.Fatal(err)
	}
	return inv
}

func TestAPISubmitIdempotentAndConflict(t *testing.T) {
	f := newAPIFixture(t)
	w := f.api(http.MethodPost, "/api/v1/invoices", f.token1, invoiceJSON("INV-API-1", `"reference": "PO-9"`))
	inv := decodeInvoice(t, w, http.StatusCreated)
	if w.Header().Get("Location") != "/api/v1/invoices/"+inv.ID {
		t.Fatalf("Location %q", w.Header().Get("Location"))
	}
	if inv.Status != "submitted" || inv.Gross != "1481.40" || inv.GrossPence != 148140 || inv.NetPence != 123450 || inv.VAT != "246.90" ||
		inv.ContractRef != "HC-001" || inv.Reference != "PO-9" || inv.ReceivedDate != payments.LondonDay(time.Now()) || inv.DueDate == "" ||
		inv.PaidDate != nil || inv.PaidAmount != nil || len(inv.History) != 1 || inv.History[0].From != nil || inv.History[0].To != "submitted" {
		t.Fatalf("created invoice %+v", inv)
	}
	// The same invoice again (the number written differently): 200, the same one.
	again := decodeInvoice(t, f.api(http.MethodPost, "/api/v1/invoices", f.token1, strings.Replace(invoiceJSON("inv api 1", `"reference": "PO-9"`), `"vat"`, `"gross": "1481.40", "vat"`, 1)), http.StatusOK)
	if again.ID != inv.ID {
		t.Fatalf("resubmission made another invoice: %s vs %s", again.ID, inv.ID)
	}
	// A different invoice under the same number: 409.
	p := decodeProblem(t, f.api(http.MethodPost, "/api/v1/invoices", f.token1, strings.Replace(invoiceJSON("INV-API-1"), "1234.50", "1234.51", 1)), http.StatusConflict)
	if !strings.Contains(p.Detail, "INV-API-1") {
		t.Fatalf("conflict detail %q", p.Detail)
	}
	// Another organisation may use the same number.
	decodeInvoice(t, f.api(http.MethodPost, "/api/v1/invoices", f.token2, strings.Replace(invoiceJSON("INV-API-1"), "HC-001", "RES-001", 1)), http.StatusCreated)
	n, err := f.ts.Store.DB.Collection("invoices").CountDocuments(storetest.Context(t), bson.D{})
	if err != nil || n != 2 {
		t.Fatalf("%d invoices stored (%v), want 2", n, err)
	}
}

func TestAPIShowAndList(t *testing.T) {
	f := newAPIFixture(t)
	created := decodeInvoice(t, f.api(http.MethodPost, "/api/v1/invoices", f.token1, invoiceJSON("INV-1")), http.StatusCreated)
	decodeInvoice(t, f.api(http.MethodPost, "/api/v1/invoices", f.token1, invoiceJSON("INV-2")), http.StatusCreated)
	// Staff approve and pay INV-1: the API shows the payment and the history.
	ctx := storetest.Context(t)
	staff := f.payer
	inv, err := f.ts.Payments.Transition(ctx, staff, created.ID, 1, payments.StatusApproved, "", payments.Details{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ts.Payments.MarkPaid(ctx, staff, inv.ID, payments.LondonDay(time.Now()), inv.GrossPence, "RUN-1", "remittance"); err != nil {
		t.Fatal(err)
	}
	got := decodeInvoice(t, f.api(http.MethodGet, "/api/v1/invoices/"+created.ID, f.token1, ""), http.StatusOK)
	if got.Status != "paid" || got.PaidDate == nil || *got.PaidDate != payments.LondonDay(time.Now()) || got.PaidAmount == nil || *got.PaidAmount != "1481.40" ||
		got.PaymentReference == nil || *got.PaymentReference != "RUN-1" || len(got.History) != 3 || got.History[2].To != "paid" ||
		got.History[2].From == nil || *got.History[2].From != "approved" || got.History[1].By != "Pat Payments" {
		t.Fatalf("invoice %+v", got)
	}
	// Another organisation's invoice, or none: 404.
	decodeProblem(t, f.api(http.MethodGet, "/api/v1/invoices/"+created.ID, f.token2, ""), http.StatusNotFound)
	decodeProblem(t, f.api(http.MethodGet, "/api/v1/invoices/nope", f.token1, ""), http.StatusNotFound)

	var list apiInvoiceList
	w := f.api(http.MethodGet, "/api/v1/invoices", f.token1, "")
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &list) != nil || len(list.Invoices) != 2 || list.NextPage != nil || list.Total != 2 {
		t.Fatalf("list: %d %s", w.Code, w.Body.String())
	}
	w = f.api(http.MethodGet, "/api/v1/invoices?status=paid", f.token1, "")
	if json.Unmarshal(w.Body.Bytes(), &list) != nil || len(list.Invoices) != 1 || list.Invoices[0].ID != created.ID {
		t.Fatalf("status filter: %s", w.Body.String())
	}
	w = f.api(http.MethodGet, "/api/v1/invoices?updated_since="+time.Now().Add(time.Hour).UTC().Format(time.RFC3339), f.token1, "")
	if json.Unmarshal(w.Body.Bytes(), &list) != nil || len(list.Invoices) != 0 {
		t.Fatalf("updated_since filter: %s", w.Body.String())
	}
	w = f.api(http.MethodGet, "/api/v1/invoices?page=2", f.token1, "")
	if json.Unmarshal(w.Body.Bytes(), &list) != nil || len(list.Invoices) != 0 || list.NextPage != nil {
		t.Fatalf("page past the end: %s", w.Body.String())
	}
	// The other organisation sees none of them.
	w = f.api(http.MethodGet, "/api/v1/invoices", f.token2, "")
	if json.Unmarshal(w.Body.Bytes(), &list) != nil || len(list.Invoices) != 0 {
		t.Fatalf("other organisation's list: %s", w.Body.String())
	}
	p := decodeProblem(t, f.api(http.MethodGet, "/api/v1/invoices?status=lost&page=0&updated_since=yesterday&sort=x", f.token1, ""), http.StatusUnprocessableEntity)
	if fs := fieldsOf(p); fs["status"] == "" || fs["page"] == "" || fs["updated_since"] == "" || fs["sort"] == "" {
		t.Fatalf("list errors %+v", p.Errors)
	}
}

func TestAPIListPages(t *testing.T) {
	f := newAPIFixture(t)
	for i := 0; i < apiPerPage+1; i++ {
		decodeInvoice(t, f.api(http.MethodPost, "/api/v1/invoices", f.token1, invoiceJSON(fmt.Sprintf("P-%03d", i))), http.StatusCreated)
	}
	var list apiInvoiceList
	w := f.api(http.MethodGet, "/api/v1/invoices", f.token1, "")
	if json.Unmarshal(w.Body.Bytes(), &list) != nil || len(list.Invoices) != apiPerPage || list.NextPage == nil || *list.NextPage != 2 {
		t.Fatalf("first page: %d invoices, next %v", len(list.Invoices), list.NextPage)
	}
	w = f.api(http.MethodGet, "/api/v1/invoices?page=2", f.token1, "")
	if json.Unmarshal(w.Body.Bytes(), &list) != nil || len(list.Invoices) != 1 || list.NextPage != nil {
		t.Fatalf("second page: %d invoices, next %v", len(list.Invoices), list.NextPage)
	}
}

func TestAPIErrors(t *testing.T) {
	f := newAPIFixture(t)
	// 401: no token, an unknown token, the wrong scheme.
	decodeProblem(t, f.api(http.MethodGet, "/api/v1/invoices", "", ""), http.StatusUnauthorized)
	decodeProblem(t, f.api(http.MethodGet, "/api/v1/invoices", "not-a-token", ""), http.StatusUnauthorized)
	decodeProblem(t, f.api(http.MethodPost, "/api/v1/invoices", "tok_wrong", invoiceJSON("X")), http.StatusUnauthorized)
	r := httptest.NewRequest(http.MethodGet, "/api/v1/invoices", nil)
	r.Header.Set("Authorization", "Basic "+f.token1)
	decodeProblem(t, f.ts.do(r, nil), http.StatusUnauthorized)
	// 403: council staff cannot submit as a provider.
	r = httptest.NewRequest(http.MethodPost, "/api/v1/invoices", strings.NewReader(invoiceJSON("X")))
	decodeProblem(t, f.ts.do(r, f.payer), http.StatusForbidden)

	tests := []struct {
		name   string
		body   string
		status int
		fields []string
	}{
		{"unknown property", invoiceJSON("E1", `"amount": "1"`, `"colour": "red"`), 422, []string{"amount", "colour"}},
		{"wrong types", `{"contract_ref": 7, "invoice_number": ["x"], "invoice_date": "2026-01-01", "period_start": "2026-01-01", "period_end": "2026-01-01", "net": 1234.5, "vat": true}`, 422, []string{"contract_ref", "invoice_number", "net", "vat"}},
		{"three decimals and pound signs", invoiceJSON("E2", `"gross": "£1,481.40"`), 422, []string{"gross"}},
		{"bad amounts", strings.Replace(invoiceJSON("E3"), `"1234.50"`, `"1234.505"`, 1), 422, []string{"net"}},
		{"dates not YYYY-MM-DD", strings.Replace(invoiceJSON("E4"), `"2026-01-01"`, `"01/01/2026"`, 1), 422, []string{"period_start"}},
		{"missing fields", `{"contract_ref": "HC-001"}`, 422, []string{"invoice_number", "invoice_date", "period_start", "period_end", "net", "vat"}},
		{"gross not net plus vat", invoiceJSON("E5", `"gross": "1.00"`), 422, []string{"gross"}},
		{"unknown contract", strings.Replace(invoiceJSON("E6"), "HC-001", "RES-001", 1), 422, []string{"contract_ref"}},
		{"not JSON", `contract_ref=HC-001`, 422, []string{"body"}},
		{"an array", `[1, 2]`, 422, []string{"body"}},
		{"two objects", invoiceJSON("E7") + invoiceJSON("E8"), 422, []string{"body"}},
		{"empty", ``, 422, []string{"body"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := decodeProblem(t, f.api(http.MethodPost, "/api/v1/invoices", f.token1, tt.body), tt.status)
			got := fieldsOf(p)
			for _, field := range tt.fields {
				if got[field] == "" {
					t.Errorf("no error for %s; errors %+v", field, p.Errors)
				}
			}
			if len(got) != len(tt.fields) {
				t.Errorf("errors for %d fields, want %d: %+v", len(got), len(tt.fields), p.Errors)
			}
		})
	}
	// 413: a body over the limit, with or without a Content-Length.
	big := invoiceJSON("BIG", fmt.Sprintf(`"note": %q`, strings.Repeat("x", apiInvoiceBodyLimit)))
	decodeProblem(t, f.api(http.MethodPost, "/api/v1/invoices", f.token1, big), http.StatusRequestEntityTooLarge)
	r = httptest.NewRequest(http.MethodPost, "/api/v1/invoices", strings.NewReader(big))
	r.ContentLength = -1
	r.Header.Set("Authorization", "Bearer "+f.token1)
	decodeProblem(t, f.ts.do(r, nil), http.StatusRequestEntityTooLarge)
	// Nothing above was stored.
	n, err := f.ts.Store.DB.Collection("invoices").CountDocuments(storetest.Context(t), bson.D{})
	if err != nil || n != 0 {
		t.Fatalf("%d invoices stored by bad requests (%v)", n, err)
	}
}
