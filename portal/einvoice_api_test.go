package portal

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/payments/einvoice"
	"careportal/payments/packages"
	"careportal/portal/store/storetest"
)

// testPDF is a minimal PDF that passes payments.CheckPDF.
var testPDF = []byte("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")

// sampleUBL is a valid Peppol BIS 3.0 invoice from Sunrise Home Care Ltd
// (the fixture's org1) under contract HC-001, edited by edit.
func sampleUBL(t *testing.T, number string, edit func(d *einvoice.Document)) []byte {
	t.Helper()
	out, err := ublDocument(number, edit)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// flashUBL is an e-invoice of the flash test's organisation (Alpha Care
// Ltd) under its contract (AUTHZ-SUPA).
func flashUBL() []byte {
	out, err := ublDocument("FLASH-UBL-1", func(d *einvoice.Document) {
		d.Supplier.LegalName, d.BuyerReference = "Alpha Care Ltd", "AUTHZ-SUPA"
	})
	if err != nil {
		panic(err)
	}
	return out
}

func ublDocument(number string, edit func(d *einvoice.Document)) ([]byte, error) {
	zero := einvoice.DecimalOf(0, 0)
	twenty := einvoice.DecimalOf(20, 0)
	d := &einvoice.Document{
		Type: einvoice.TypeInvoice, Number: number, IssueDate: "2026-03-02", DueDate: "2026-04-01", Currency: "GBP",
		BuyerReference: "HC-001", PeriodStart: "2026-02-01", PeriodEnd: "2026-02-28",
		Supplier: einvoice.Party{EndpointID: "GB111222333", EndpointScheme: "9932", LegalName: "Sunrise Home Care Ltd", VATNumber: "GB111222333",
			Address: einvoice.Address{Street: "1 High Street", City: "Reading", PostCode: "RG1 1AA", Country: "GB"}},
		Customer: einvoice.Party{EndpointID: "5060000000017", EndpointScheme: "0088", LegalName: "The Borough Council",
			Address: einvoice.Address{Street: "Civic Centre", City: "Reading", PostCode: "RG1 7AE", Country: "GB"}},
		Lines: []einvoice.Line{
			{ID: "1", Quantity: einvoice.DecimalOf(375, 1), UnitCode: "HUR", Price: einvoice.DecimalOf(2250, 2), NetPence: 84375, Name: "Home care hours", VATCategory: "E", VATPercent: &zero},
			{ID: "2", Quantity: einvoice.DecimalOf(1, 0), UnitCode: "C62", Price: einvoice.DecimalOf(5000, 2), NetPence: 5000, Name: "Training", VATCategory: "S", VATPercent: &twenty},
		},
		PaymentTerms: "30 days",
	}
	if edit != nil {
		edit(d)
	}
	d.ComputeTotals()
	return einvoice.Marshal(d)
}

// xmlAPI posts an XML body with a token.
func (f *apiFixture) xmlAPI(path, token, contentType string, body []byte) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	r.Header.Set("Authorization", "Bearer "+token)
	return f.ts.do(r, nil)
}

type ruleProblem struct {
	Status int `json:"status"`
	Errors []struct {
		Field, Detail, Rule string
	} `json:"errors"`
}

func decodeRuleProblem(t *testing.T, w *httptest.ResponseRecorder, status int) ruleProblem {
	t.Helper()
	decodeProblem(t, w, status)
	var p ruleProblem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAPIEInvoiceCreate(t *testing.T) {
	f := newAPIFixture(t)
	ctx := storetest.Context(t)
	data := sampleUBL(t, "SUN-UBL-1", func(d *einvoice.Document) {
		d.Attachments = []einvoice.Attachment{{ID: "PDF-1", MimeCode: "application/pdf", Filename: "SUN-UBL-1.pdf", Data: testPDF}}
	})
	w := f.xmlAPI("/api/v1/invoices", f.token1, "application/xml", data)
	inv := decodeInvoice(t, w, http.StatusCreated)
	if inv.NetPence != 89375 || inv.VATPence != 1000 || inv.GrossPence != 90375 || inv.ContractRef != "HC-001" || !inv.EInvoice || len(inv.Lines) != 2 {
		t.Fatalf("invoice %+v", inv)
	}
	if l := inv.Lines[0]; l.Quantity != "37.5" || l.Unit != "HUR" || l.UnitPrice != "22.50" || l.Net != "843.75" || l.VATCategory != "E" {
		t.Fatalf("line 1 %+v", l)
	}
	// The embedded PDF is the invoice file; the XML is kept as received.
	name, pdf, err := f.ts.Payments.InvoiceFile(ctx, f.prov1, inv.ID)
	if err != nil || name != "SUN-UBL-1.pdf" || !bytes.Equal(pdf, testPDF) {
		t.Fatalf("invoice file %q (%v)", name, err)
	}
	if _, xml, err := f.ts.Payments.EInvoiceFile(ctx, f.prov1, inv.ID); err != nil || !bytes.Equal(xml, data) {
		t.Fatalf("stored XML differs (%v)", err)
	}
	// The same document again: 200 with the invoice; another one under the
	// same number: 409. text/xml is XML too.
	decodeInvoice(t, f.xmlAPI("/api/v1/invoices", f.token1, "application/xml; charset=utf-8", data), http.StatusOK)
	decodeProblem(t, f.xmlAPI("/api/v1/invoices", f.token1, "text/xml", sampleUBL(t, "SUN-UBL-1", nil)), http.StatusConflict)
	decodeInvoice(t, f.xmlAPI("/api/v1/invoices", f.token1, "text/xml", sampleUBL(t, "SUN-UBL-2", nil)), http.StatusCreated)

	count := func() int64 {
		n, err := f.ts.Store.DB.Collection("invoices").CountDocuments(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	broken := strings.Replace(string(sampleUBL(t, "SUN-UBL-3", nil)), `<cbc:TaxInclusiveAmount currencyID="GBP">903.75`, `<cbc:TaxInclusiveAmount currencyID="GBP">900.00`, 1)
	for _, tt := range []struct {
		name, token string
		body        []byte
		rule, field string
	}{
		{"a total that does not add up", f.token1, []byte(broken), "BR-CO-15", "/Invoice/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount"},
		{"another organisation's token", f.token2, sampleUBL(t, "SUN-UBL-4", nil), "PORTAL-SELLER", "/Invoice/cac:AccountingSupplierParty/cac:Party"},
		{"no contract of theirs", f.token1, sampleUBL(t, "SUN-UBL-5", func(d *einvoice.Document) { d.BuyerReference = "RES-001" }), "PORTAL-CONTRACT", "/Invoice/cbc:BuyerReference"},
		{"a credit note", f.token1, sampleUBL(t, "SUN-CN-1", func(d *einvoice.Document) {
			d.Type = einvoice.TypeCreditNote
			d.BillingReferences = []einvoice.BillingReference{{Number: "SUN-UBL-1"}}
		}), "PORTAL-DOCUMENT-TYPE", "/CreditNote"},
		{"a DOCTYPE", f.token1, []byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Invoice/>`), "PARSE", "/"},
		{"not XML", f.token1, []byte("hello"), "PARSE", "/"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := decodeRuleProblem(t, f.xmlAPI("/api/v1/invoices", tt.token, "application/xml", tt.body), http.StatusUnprocessableEntity)
			for _, e := range p.Errors {
				if e.Rule == "" || e.Field == "" || e.Detail == "" {
					t.Errorf("error without rule, field or detail: %+v", e)
				}
				if e.Rule == tt.rule && e.Field == tt.field {
					return
				}
			}
			t.Fatalf("no %s at %s in %+v", tt.rule, tt.field, p.Errors)
		})
	}
	// 10 MB: refused at the size limit, with or without a Content-Length.
	huge := bytes.Repeat([]byte("<a/>"), 10<<20/4)
	decodeProblem(t, f.xmlAPI("/api/v1/invoices", f.token1, "application/xml", huge), http.StatusRequestEntityTooLarge)
	r := httptest.NewRequest(http.MethodPost, "/api/v1/invoices", bytes.NewReader(huge))
	r.ContentLength = -1
	r.Header.Set("Content-Type", "application/xml")
	r.Header.Set("Authorization", "Bearer "+f.token1)
	decodeProblem(t, f.ts.do(r, nil), http.StatusRequestEntityTooLarge)
	if count() != before {
		t.Fatal("a refused document was stored")
	}
}

// The buyer reference may name a care package instead of a contract: the
// invoice is under the package's contract. Another organisation's package
// names no contract of theirs.
func TestAPIEInvoiceCarePackageReference(t *testing.T) {
	f := newAPIFixture(t)
	_, pkgStart := pastCycle()
	if _, err := f.ts.Packages.Create(storetest.Context(t), f.payer, packages.Input{Ref: "PKG-77", ClientRef: "CL-77", ClientName: "Ann Api", DateOfBirth: "1944-04-04",
		ContractRef: "HC-001", ServiceType: "home-care", Unit: "hour", UnitsPerWeek: "7", Rate: "20", StartDate: pkgStart}); err != nil {
		t.Fatal(err)
	}
	inv := decodeInvoice(t, f.xmlAPI("/api/v1/invoices", f.token1, "application/xml",
		sampleUBL(t, "SUN-PKG-1", func(d *einvoice.Document) { d.BuyerReference = "PKG-77" })), http.StatusCreated)
	if inv.ContractRef != "HC-001" || inv.Reference != "PKG-77" {
		t.Fatalf("invoice under %q, reference %q", inv.ContractRef, inv.Reference)
	}
	p := decodeRuleProblem(t, f.xmlAPI("/api/v1/invoices", f.token2, "application/xml", sampleUBL(t, "OAK-PKG-1", func(d *einvoice.Document) {
		d.BuyerReference, d.Supplier.LegalName = "PKG-77", "Oakfield Residential Homes"
	})), http.StatusUnprocessableEntity)
	if len(p.Errors) != 1 || p.Errors[0].Rule != "PORTAL-CONTRACT" {
		t.Fatalf("another organisation's package: %+v", p.Errors)
	}
}
