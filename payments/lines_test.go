package payments

import (
	"errors"
	"strings"
	"testing"

	"careportal/payments/einvoice"
	"careportal/portal/fault"
	"careportal/portal/store/storetest"
)

// sampleEInvoice is a valid Peppol BIS 3.0 invoice from Sunrise (org1)
// under HC-001: two exempt lines and a document level allowance.
func sampleEInvoice(t *testing.T, edit func(d *einvoice.Document)) []byte {
	t.Helper()
	zero := einvoice.DecimalOf(0, 0)
	d := &einvoice.Document{
		Type: einvoice.TypeInvoice, Number: "SUN-UBL-1", IssueDate: "2026-03-02", DueDate: "2026-04-01", Currency: "GBP",
		BuyerReference: "HC-001", PeriodStart: "2026-02-01", PeriodEnd: "2026-02-28",
		Supplier: einvoice.Party{EndpointID: "GB111222333", EndpointScheme: "9932", LegalName: "Sunrise Home Care Ltd", VATNumber: "GB111222333",
			Address: einvoice.Address{Street: "1 High Street", City: "Reading", PostCode: "RG1 1AA", Country: "GB"}},
		Customer: einvoice.Party{EndpointID: "5060000000017", EndpointScheme: "0088", LegalName: "The Borough Council",
			Address: einvoice.Address{Street: "Civic Centre", City: "Reading", PostCode: "RG1 7AE", Country: "GB"}},
		Lines: []einvoice.Line{
			{ID: "1", Quantity: einvoice.DecimalOf(375, 1), UnitCode: "HUR", Price: einvoice.DecimalOf(2250, 2), NetPence: 84375, Name: "Home care hours", VATCategory: "E", VATPercent: &zero},
			{ID: "2", Quantity: einvoice.DecimalOf(3, 0), UnitCode: "C62", Price: einvoice.DecimalOf(18333, 3), NetPence: 5500, Name: "Visits", VATCategory: "E", VATPercent: &zero},
		},
		AllowanceCharges: []einvoice.AllowanceCharge{{AmountPence: 875, Reason: "Missed visit", VATCategory: "E", VATPercent: &zero}},
		PaymentTerms:     "30 days",
	}
	if edit != nil {
		edit(d)
	}
	d.ComputeTotals()
	out, err := einvoice.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestInvoiceLines(t *testing.T) {
	s, st, _ := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	lines := []InvoiceLine{
		{Description: "Home care hours", Quantity: "37.5", Unit: "HUR", UnitPricePence: 2000, NetPence: 75000, VATCategory: "E", VATRate: "0"},
		{Description: "Mileage", Quantity: "100", Unit: "SMI", UnitPricePence: 250, NetPence: 25000, VATCategory: "E", VATRate: "0"},
	}
	tests := []struct {
		name  string
		lines []InvoiceLine
		want  string // the lines field's message, "" for accepted
	}{
		{"sum to the net", lines, ""},
		{"short of the net", lines[:1], "The lines add up to 750.00 but the net amount is 1000.00"},
		{"no description", []InvoiceLine{{Quantity: "1", Unit: "C62", NetPence: 100000}}, "Line 1 needs a description"},
		{"bad quantity", []InvoiceLine{{Description: "x", Quantity: "lots", Unit: "C62", NetPence: 100000}}, "The quantity of line 1 must be a number, like 37.5"},
		{"bad category", []InvoiceLine{{Description: "x", Quantity: "1", Unit: "C62", NetPence: 100000, VATCategory: "K"}}, "The VAT category of line 1 must be S, Z, E, AE or O"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := goodInput()
			in.InvoiceNumber = "LINES-" + string(rune('A'+i))
			in.Lines = tt.lines
			before := count(t, st, colInvoices)
			inv, err := s.SubmitInvoice(ctx, provider1, in)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				got, err := s.Invoice(ctx, provider1, inv.ID)
				if err != nil || len(got.Lines) != 2 || got.Lines[0] != lines[0] || got.Lines[1] != lines[1] {
					t.Fatalf("read back: %+v, %v", got.Lines, err)
				}
				return
			}
			var msg string
			for _, f := range fault.FieldsOf(err) {
				if f.Field == "lines" {
					msg = f.Message
				}
			}
			if msg != tt.want {
				t.Fatalf("lines error = %q (%v), want %q", msg, err, tt.want)
			}
			if count(t, st, colInvoices) != before {
				t.Fatal("a refused invoice was written")
			}
		})
	}
	// The lines survive a reload from the store (a new instance).
	s2 := NewService(st.DB, fixedOrgs, Options{Now: s.now, Logger: s.log})
	if err := s2.Load(ctx); err != nil {
		t.Fatal(err)
	}
	inv, err := s2.FindInvoiceByNumber(ctx, "org1", "LINES-A")
	if err != nil || len(inv.Lines) != 2 || inv.Lines[1].Unit != "SMI" {
		t.Fatalf("after reload: %+v, %v", inv.Lines, err)
	}
	// Calculated invoices: lines must add up too.
	_, err = s.SubmitCalculated(ctx, staff, CalculatedInput{ID: "calc1", ContractID: mustContract(t, s, "HC-001"), Number: "CALC-1", InvoiceDate: "2026-03-01",
		PeriodStart: "2026-02-01", PeriodEnd: "2026-02-28", NetPence: 500, Lines: []InvoiceLine{{Description: "x", Quantity: "1", Unit: "C62", NetPence: 400}}})
	if fault.KindOf(err) != fault.Invalid {
		t.Fatalf("calculated with wrong lines: %v", err)
	}
}

func mustContract(t *testing.T, s *Service, ref string) string {
	t.Helper()
	c, err := s.ContractByRef(storetest.Context(t), staff, ref)
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// An e-invoice becomes an invoice with its lines (the allowance as a
// negative line, so they sum to the net), the XML kept as received; a
// seller that is not the organisation, an unknown contract or a broken
// rule is refused by element and rule, and nothing is written.
func TestEInvoiceLines(t *testing.T) {
	s, st, _ := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	data := sampleEInvoice(t, nil)
	inv, err := s.SubmitEInvoice(ctx, provider1, EInvoiceInput{Data: data, Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	if inv.NetPence != 89000 || inv.VATPence != 0 || inv.ContractRef != "HC-001" || len(inv.Lines) != 3 || LinesTotal(inv.Lines) != inv.NetPence {
		t.Fatalf("invoice %+v", inv)
	}
	if l := inv.Lines[1]; l.UnitPricePence != 1833 || l.UnitPrice != "18.333" || l.Quantity != "3" {
		t.Fatalf("line 2 = %+v", l)
	}
	if l := inv.Lines[2]; l.NetPence != -875 || l.Quantity != "-1" || l.Description != "Missed visit" {
		t.Fatalf("allowance line = %+v", l)
	}
	name, got, err := s.EInvoiceFile(ctx, provider1, inv.ID)
	if err != nil || string(got) != string(data) || name != "SUN-UBL-1.xml" {
		t.Fatalf("stored XML %q, %v", name, err)
	}
	if inv.SellerVATNumber != "GB111222333" {
		t.Fatalf("seller VAT number %q", inv.SellerVATNumber)
	}
	// Again: a duplicate.
	_, err = s.SubmitEInvoice(ctx, provider1, EInvoiceInput{Data: data})
	var de *DuplicateInvoiceError
	if !errors.As(err, &de) {
		t.Fatalf("duplicate: %v", err)
	}
	before := count(t, st, colInvoices)
	files := count(t, st, colInvoiceFiles)
	for _, tt := range []struct {
		name, rule, path string
		data             []byte
	}{
		{name: "another seller", rule: RuleSeller, path: "/Invoice/cac:AccountingSupplierParty/cac:Party",
			data: sampleEInvoice(t, func(d *einvoice.Document) { d.Number = "X-2"; d.Supplier.LegalName = "Someone Else Ltd" })},
		{name: "unknown contract", rule: RuleContract, path: "/Invoice/cbc:BuyerReference",
			data: sampleEInvoice(t, func(d *einvoice.Document) { d.Number = "X-3"; d.BuyerReference = "NOPE-1" })},
		{name: "broken total", rule: "BR-CO-15", path: "/Invoice/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount",
			data: []byte(strings.Replace(string(sampleEInvoice(t, func(d *einvoice.Document) { d.Number = "X-4" })),
				`<cbc:TaxInclusiveAmount currencyID="GBP">890.00`, `<cbc:TaxInclusiveAmount currencyID="GBP">891.00`, 1))},
		{name: "not XML", rule: RuleParse, path: "/", data: []byte("%PDF-1.4 nope")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.SubmitEInvoice(ctx, provider1, EInvoiceInput{Data: tt.data})
			found := false
			for _, f := range fault.FieldsOf(err) {
				found = found || f.Rule == tt.rule && f.Field == tt.path
			}
			if fault.KindOf(err) != fault.Invalid || !found {
				t.Fatalf("want %s at %s, got %v (%+v)", tt.rule, tt.path, err, fault.FieldsOf(err))
			}
		})
	}
	if count(t, st, colInvoices) != before || count(t, st, colInvoiceFiles) != files {
		t.Fatal("a refused document changed the store")
	}
}
