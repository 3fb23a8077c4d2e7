package portal

import (
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/einvoice"
	"careportal/portal/store/storetest"
)

func (f *apiFixture) get(path, token string) *httptest.ResponseRecorder {
	return f.api(http.MethodGet, path, token, "")
}

// Every invoice downloads as a UBL invoice that passes the validator: a
// form invoice (one line), an e-invoice (its lines), over the API, on the
// provider's page and the staff page; another organisation gets 404.
func TestUBLProduce(t *testing.T) {
	f := newAPIFixture(t)
	form := decodeInvoice(t, f.api(http.MethodPost, "/api/v1/invoices", f.token1, invoiceJSON("FORM-1")), http.StatusCreated)
	ubl := decodeInvoice(t, f.xmlAPI("/api/v1/invoices", f.token1, "application/xml", sampleUBL(t, "SUN-UBL-9", nil)), http.StatusCreated)
	for _, tt := range []struct {
		name, id string
		net, vat int64
		lines    int
	}{{"form invoice", form.ID, 123450, 24690, 1}, {"e-invoice", ubl.ID, 89375, 1000, 2}} {
		t.Run(tt.name, func(t *testing.T) {
			w := f.get("/api/v1/invoices/"+tt.id+"/ubl", f.token1)
			if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/xml" {
				t.Fatalf("status %d %q: %s", w.Code, w.Header().Get("Content-Type"), w.Body.String())
			}
			doc, err := einvoice.Parse(w.Body.Bytes())
			if err != nil {
				t.Fatalf("produced document fails the validator: %v\n%s", err, w.Body.String())
			}
			if doc.Totals.NetPence != tt.net || doc.Totals.VATPence != tt.vat || len(doc.Lines) != tt.lines || doc.BuyerReference != "HC-001" ||
				doc.Supplier.LegalName != "Sunrise Home Care Ltd" {
				t.Fatalf("document %+v", doc)
			}
			for _, path := range []string{"/invoices/" + tt.id + "/ubl", "/staff/invoices/" + tt.id + "/ubl"} {
				p := f.prov1
				if strings.HasPrefix(path, "/staff") {
					p = f.payer
				}
				w := f.ts.do(httptest.NewRequest(http.MethodGet, path, nil), p)
				if w.Code != http.StatusOK || einvoice.Validate(w.Body.Bytes()) != nil {
					t.Fatalf("%s: %d %v", path, w.Code, einvoice.Validate(w.Body.Bytes()))
				}
			}
			decodeProblem(t, f.get("/api/v1/invoices/"+tt.id+"/ubl", f.token2), http.StatusNotFound)
			if w := f.ts.do(httptest.NewRequest(http.MethodGet, "/invoices/"+tt.id+"/ubl", nil), f.prov2); w.Code != http.StatusNotFound {
				t.Fatalf("another organisation's page download: %d", w.Code)
			}
		})
	}
}

// The invoice responses follow an invoice through submit, query, answer,
// approve and pay: AB, UQ with the reason, IP, AP, PD with the day paid.
func TestUBLInvoiceResponsesLifecycle(t *testing.T) {
	f := newAPIFixture(t)
	ctx := storetest.Context(t)
	inv := decodeInvoice(t, f.xmlAPI("/api/v1/invoices", f.token1, "application/xml", sampleUBL(t, "SUN-LIFE-1", nil)), http.StatusCreated)
	pay := f.ts.Payments
	step := func(p interface{}, to payments.Status, note string) {
		t.Helper()
		cur, err := pay.Invoice(ctx, f.payer, inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		actor := f.payer
		if p != nil {
			actor = f.prov1
		}
		if _, err := pay.Transition(ctx, actor, inv.ID, cur.Version, to, note, payments.Details{}); err != nil {
			t.Fatalf("to %s: %v", to, err)
		}
	}
	step(nil, payments.StatusQueried, "Please send the timesheets for week 2")
	step(f.prov1, payments.StatusSubmitted, "Timesheets attached")
	step(nil, payments.StatusApproved, "")
	if _, err := pay.MarkPaid(ctx, f.payer, inv.ID, pay.Today(), 90375, "BACS-77", "portal"); err != nil {
		t.Fatal(err)
	}
	w := f.get("/api/v1/invoices/"+inv.ID+"/responses", f.token1)
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/xml") {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	var list struct {
		XMLName xml.Name
		Invoice string `xml:"invoice,attr"`
		Count   int    `xml:"count,attr"`
		Docs    []struct {
			Inner []byte `xml:",innerxml"`
		} `xml:"ApplicationResponse"`
	}
	if err := xml.Unmarshal(w.Body.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	if list.XMLName.Space != responsesNS || list.Invoice != "SUN-LIFE-1" || list.Count != 5 {
		t.Fatalf("list %s %q %d", list.XMLName.Space, list.Invoice, list.Count)
	}
	// Each child is a complete ApplicationResponse: cut it out and read it.
	body := w.Body.String()
	var got []string
	for i := 0; ; i++ {
		start := strings.Index(body, "<ApplicationResponse")
		if start < 0 {
			break
		}
		end := strings.Index(body, "</ApplicationResponse>") + len("</ApplicationResponse>")
		r, err := einvoice.ParseResponse([]byte(body[start:end]))
		if err != nil {
			t.Fatalf("response %d: %v\n%s", i, err, body[start:end])
		}
		if r.InvoiceNumber != "SUN-LIFE-1" || r.Sender.Name == "" || r.Receiver.Name != "Sunrise Home Care Ltd" {
			t.Fatalf("response %d: %+v", i, r)
		}
		got = append(got, string(r.Status))
		switch r.Status {
		case einvoice.StatusUnderQuery:
			if r.Reason != "Please send the timesheets for week 2" {
				t.Errorf("query reason %q", r.Reason)
			}
		case einvoice.StatusPaid:
			if r.EffectiveDate != pay.Today() {
				t.Errorf("paid on %q", r.EffectiveDate)
			}
		}
		body = body[end:]
	}
	if strings.Join(got, " ") != "AB UQ IP AP PD" {
		t.Fatalf("responses %v, want AB UQ IP AP PD", got)
	}
	decodeProblem(t, f.get("/api/v1/invoices/"+inv.ID+"/responses", f.token2), http.StatusNotFound)
}

// fxCreditNoteOfA is a credit note of an invoice of organisation A: the
// invoice's id and the credit note's place (n).
func fxCreditNoteOfA(t *testing.T, f *accountsFixture) map[string]string {
	t.Helper()
	v := fxInvoiceOfA(t, f)
	pA := &auth.Principal{UserID: f.managerA.ID, Name: f.managerA.Name, Role: auth.RoleProvider, OrgID: f.orgA.ID}
	if _, err := f.ts.Payments.SubmitCreditNote(storetest.Context(t), pA, payments.CreditNote{InvoiceID: v["id"], Number: "CN-" + v["id"], Pence: 100, Reason: "Overcharged"}); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"id": v["id"], "n": "1"}
}
