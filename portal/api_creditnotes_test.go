package portal

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"careportal/payments/einvoice"
	"careportal/portal/fault"
	"careportal/portal/internal/htmlcheck"
)

func sampleCreditUBL(t *testing.T, number, invoice string, edit func(d *einvoice.Document)) []byte {
	t.Helper()
	return sampleUBL(t, number, func(d *einvoice.Document) {
		zero := einvoice.DecimalOf(0, 0)
		d.Type = einvoice.TypeCreditNote
		d.BillingReferences = []einvoice.BillingReference{{Number: invoice}}
		d.Note = "Two visits missed"
		d.Lines = []einvoice.Line{{ID: "1", Quantity: einvoice.DecimalOf(2, 0), UnitCode: "HUR", Price: einvoice.DecimalOf(2250, 2), NetPence: 4500,
			Name: "Missed visits", VATCategory: "E", VATPercent: &zero}}
		if edit != nil {
			edit(d)
		}
	})
}

func decodeCredit(t *testing.T, code int, body []byte, status int) apiCreditNoteResult {
	t.Helper()
	if code != status {
		t.Fatalf("status %d, want %d: %s", code, status, body)
	}
	var out apiCreditNoteResult
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// Credit notes over the API, as JSON and as UBL: each reduces the
// invoice's balance; a used number is 409; bad input 422 by field (by
// element and rule for UBL); nothing changes when refused.
func TestAPICreditNotes(t *testing.T) {
	f := newAPIFixture(t)
	inv := decodeInvoice(t, f.xmlAPI("/api/v1/invoices", f.token1, "application/xml", sampleUBL(t, "SUN-CR-1", nil)), http.StatusCreated)
	if inv.BalancePence != 90375 {
		t.Fatalf("balance %d", inv.BalancePence)
	}
	w := f.api(http.MethodPost, "/api/v1/credit-notes", f.token1, `{"invoice_number": "sun-cr-1", "number": "CN-1", "amount": "100.00", "reason": "Rate overcharged"}`)
	got := decodeCredit(t, w.Code, w.Body.Bytes(), http.StatusCreated)
	if got.Invoice.ID != inv.ID || got.Invoice.BalancePence != 80375 || got.Invoice.CreditedPence != 10000 || got.CreditNote.Number != "CN-1" || got.CreditNote.Source != "api" {
		t.Fatalf("JSON credit: %+v", got)
	}
	w = f.xmlAPI("/api/v1/credit-notes", f.token1, "application/xml", sampleCreditUBL(t, "CN-2", "SUN-CR-1", nil))
	got = decodeCredit(t, w.Code, w.Body.Bytes(), http.StatusCreated)
	if got.Invoice.BalancePence != 75875 || got.CreditNote.AmountPence != 4500 || got.CreditNote.Reason != "Two visits missed" || got.CreditNote.Date != "2026-03-02" {
		t.Fatalf("UBL credit: %+v", got)
	}
	// The same numbers again: 409, either way.
	decodeProblem(t, f.api(http.MethodPost, "/api/v1/credit-notes", f.token1, `{"invoice_id": "`+inv.ID+`", "number": "CN-2", "amount": "1.00", "reason": "x"}`), http.StatusConflict)
	decodeProblem(t, f.xmlAPI("/api/v1/credit-notes", f.token1, "text/xml", sampleCreditUBL(t, "CN-1", "SUN-CR-1", nil)), http.StatusConflict)
	// 422 by field.
	for _, tt := range []struct {
		name, body, field string
	}{
		{"more than the balance", `{"invoice_number": "SUN-CR-1", "number": "CN-3", "amount": "9999.00", "reason": "x"}`, "amount"},
		{"no reason", `{"invoice_number": "SUN-CR-1", "number": "CN-3", "amount": "1.00"}`, "reason"},
		{"no invoice", `{"number": "CN-3", "amount": "1.00", "reason": "x"}`, "invoice_number"},
		{"unknown invoice", `{"invoice_number": "NOPE", "number": "CN-3", "amount": "1.00", "reason": "x"}`, "invoice_number"},
		{"bad amount", `{"invoice_number": "SUN-CR-1", "number": "CN-3", "amount": "1.234", "reason": "x"}`, "amount"},
		{"unknown property", `{"invoice_number": "SUN-CR-1", "number": "CN-3", "amount": "1.00", "reason": "x", "colour": "red"}`, "colour"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := decodeProblem(t, f.api(http.MethodPost, "/api/v1/credit-notes", f.token1, tt.body), http.StatusUnprocessableEntity)
			if fieldsOf(p)[tt.field] == "" {
				t.Fatalf("no error for %s: %+v", tt.field, p.Errors)
			}
		})
	}
	for _, tt := range []struct {
		name        string
		body        []byte
		rule, field string
	}{
		{"unknown invoice", sampleCreditUBL(t, "CN-4", "NOPE-9", nil), "PORTAL-CREDIT-REFERENCE", "/CreditNote/cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"},
		{"more than the balance", sampleCreditUBL(t, "CN-5", "SUN-CR-1", func(d *einvoice.Document) {
			d.Lines[0].Quantity, d.Lines[0].NetPence = einvoice.DecimalOf(100, 0), 225000
		}), "PORTAL-CREDIT-AMOUNT", "/CreditNote/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount"},
		{"an invoice", sampleUBL(t, "SUN-CR-2", nil), "PORTAL-DOCUMENT-TYPE", "/Invoice"},
		{"broken", []byte(strings.Replace(string(sampleCreditUBL(t, "CN-6", "SUN-CR-1", nil)), "<cbc:DocumentCurrencyCode>GBP", "<cbc:DocumentCurrencyCode>EUR", 1)), "PORTAL-CURRENCY", ""},
	} {
		t.Run("UBL "+tt.name, func(t *testing.T) {
			p := decodeRuleProblem(t, f.xmlAPI("/api/v1/credit-notes", f.token1, "application/xml", tt.body), http.StatusUnprocessableEntity)
			for _, e := range p.Errors {
				if e.Rule == tt.rule && (tt.field == "" || e.Field == tt.field) {
					return
				}
			}
			t.Fatalf("no %s at %s: %+v", tt.rule, tt.field, p.Errors)
		})
	}
	// Each credit note downloads as a UBL CreditNote crediting the invoice
	// (API and page), which passes the validator.
	for n, want := range map[string]int64{"1": 10000, "2": 4500} {
		for _, w := range []*httptest.ResponseRecorder{f.get("/api/v1/invoices/"+inv.ID+"/credit-notes/"+n+"/ubl", f.token1),
			f.ts.do(httptest.NewRequest(http.MethodGet, "/invoices/"+inv.ID+"/credit-notes/"+n+"/ubl", nil), f.prov1)} {
			if w.Code != http.StatusOK {
				t.Fatalf("credit note %s: %d %s", n, w.Code, w.Body.String())
			}
			doc, err := einvoice.Parse(w.Body.Bytes())
			if err != nil || doc.Type != einvoice.TypeCreditNote || doc.CreditedInvoice() != "SUN-CR-1" || doc.Totals.PayablePence != want {
				t.Fatalf("credit note %s: %+v %v", n, doc, err)
			}
		}
	}
	decodeProblem(t, f.get("/api/v1/invoices/"+inv.ID+"/credit-notes/3/ubl", f.token1), http.StatusNotFound)
	page := htmlcheck.Parse(t, f.ts.do(httptest.NewRequest(http.MethodGet, "/invoices/"+inv.ID, nil), f.prov1).Body.String())
	page.Has(`#einvoice-links a[href="/invoices/`+inv.ID+`/credit-notes/2/ubl"]`, "Download credit note CN-2 as e-invoice")
	// Another organisation cannot credit it.
	decodeProblem(t, f.api(http.MethodPost, "/api/v1/credit-notes", f.token2, `{"invoice_id": "`+inv.ID+`", "number": "CN-9", "amount": "1.00", "reason": "x"}`), http.StatusNotFound)
	after := decodeInvoice(t, f.get("/api/v1/invoices/"+inv.ID, f.token1), http.StatusOK)
	if after.BalancePence != 75875 {
		t.Fatalf("refused credit notes changed the balance: %d", after.BalancePence)
	}
}

// FuzzAPICreditNoteJSON: any body is a credit note or an Invalid fault
// naming the fields, never a panic; a credit note has a positive amount
// and names its invoice.
func FuzzAPICreditNoteJSON(f *testing.F) {
	for _, s := range []string{
		`{"invoice_number": "INV-1", "number": "CN-1", "amount": "45.00", "reason": "x"}`,
		`{"invoice_id": "abc", "number": "CN-1", "amount": "0.01", "date": "2026-03-05", "reason": "x"}`,
		`{"amount": 1}`, `[]`, `null`, `{"a": "b"}{}`, `{"amount": "1e3"}`, "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		cn, number, err := parseAPICreditNote(body)
		if err != nil {
			if fe, ok := fault.As(err); !ok || fe.Kind != fault.Invalid || len(fe.Fields) == 0 {
				t.Fatalf("error %v is not an Invalid fault with fields", err)
			}
			return
		}
		if cn.InvoiceID == "" && number == "" || cn.Pence < 0 {
			t.Fatalf("accepted %q as %+v", body, cn)
		}
	})
}
