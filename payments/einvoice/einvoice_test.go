package einvoice

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func readFixture(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func validFixtures(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/valid/*.xml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("want at least ten valid fixtures, have %d", len(files))
	}
	return files
}

func TestValidFixturesParse(t *testing.T) {
	for _, f := range validFixtures(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			doc, err := Parse(readFixture(t, f))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if doc.Number == "" || doc.IssueDate == "" || doc.Currency != "GBP" || len(doc.Lines) == 0 || len(doc.VAT) == 0 {
				t.Fatalf("incomplete mapping: %+v", doc)
			}
			if doc.BuyerReference == "" && doc.OrderReference == "" {
				t.Fatal("neither buyer nor order reference mapped")
			}
			var sum int64
			for _, l := range doc.Lines {
				sum += l.NetPence
			}
			if sum != doc.Totals.LineNetPence {
				t.Fatalf("lines sum to %d, totals say %d", sum, doc.Totals.LineNetPence)
			}
		})
	}
}

// Round trip: what Marshal writes from a parsed document parses back to the
// same document, and passes the validator.
func TestRoundTrip(t *testing.T) {
	for _, f := range validFixtures(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			doc, err := Parse(readFixture(t, f))
			if err != nil {
				t.Fatal(err)
			}
			out, err := Marshal(doc)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			back, err := Parse(out)
			if err != nil {
				t.Fatalf("Parse(Marshal): %v\n%s", err, out)
			}
			if !reflect.DeepEqual(doc, back) {
				t.Fatalf("round trip changed the document:\nwas  %+v\nnow  %+v", doc, back)
			}
			if !bytes.Contains(out, []byte("<cbc:CustomizationID>"+CustomizationBilling+"</cbc:CustomizationID>")) {
				t.Fatalf("produced document has no cbc-prefixed customization id:\n%s", out)
			}
		})
	}
}

func TestMappingXeroStandard(t *testing.T) {
	doc, err := Parse(readFixture(t, "testdata/valid/xero-standard-vat.xml"))
	if err != nil {
		t.Fatal(err)
	}
	s := doc.Supplier
	if s.EndpointID != "GB284619375" || s.EndpointScheme != "9932" || s.LegalName != "Brightwater Home Care Ltd" ||
		s.Name != "Brightwater Home Care" || s.CompanyID != "09876543" || s.VATNumber != "GB284619375" {
		t.Fatalf("supplier: %+v", s)
	}
	if got := s.Identifiers(); !reflect.DeepEqual(got, []string{"GB284619375", "09876543"}) {
		t.Fatalf("identifiers: %v", got)
	}
	if got := (Party{EndpointID: "gb 123", VATNumber: "GB123", CompanyID: " 0101 "}).Identifiers(); !reflect.DeepEqual(got, []string{"GB123", "0101"}) {
		t.Fatalf("identifiers normalised: %v", got)
	}
	if doc.Customer.LegalName != "The Borough Council" || doc.Customer.EndpointScheme != "0088" {
		t.Fatalf("customer: %+v", doc.Customer)
	}
	if doc.Number != "INV-0042" || doc.IssueDate != "2026-03-31" || doc.DueDate != "2026-04-30" || doc.BuyerReference != "CT-2025-0117" {
		t.Fatalf("header: %+v", doc)
	}
	want := Totals{LineNetPence: 198000, NetPence: 198000, VATPence: 39600, GrossPence: 237600, PayablePence: 237600}
	if doc.Totals != want {
		t.Fatalf("totals %+v, want %+v", doc.Totals, want)
	}
	l := doc.Lines[0]
	if l.ID != "1" || l.Quantity.String() != "88" || l.UnitCode != "HUR" || l.Price.String() != "22.50" || l.NetPence != 198000 ||
		l.VATCategory != "S" || l.VATPercent == nil || l.VATPercent.String() != "20" || l.Name != "Home care hours" {
		t.Fatalf("line: %+v", l)
	}
	if pm := doc.PaymentMeans; pm == nil || pm.Code != "30" || pm.AccountID != "41926819" || pm.SortCode != "601613" {
		t.Fatalf("payment means: %+v", doc.PaymentMeans)
	}
	if doc.PDF() != nil {
		t.Fatal("no PDF expected")
	}
}

func TestMappingCreditNoteAndPDF(t *testing.T) {
	doc, err := Parse(readFixture(t, "testdata/valid/credit-note-exempt-pdf.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Type != TypeCreditNote || doc.TypeCode != "381" || doc.CreditedInvoice() != "OSL-INV-118" ||
		doc.BillingReferences[0].IssueDate != "2026-02-28" {
		t.Fatalf("credit note: %+v", doc)
	}
	pdf := doc.PDF()
	if pdf == nil || pdf.Filename != "OSL-CN-009.pdf" || !bytes.HasPrefix(pdf.Data, []byte("%PDF-1.4")) {
		t.Fatalf("pdf: %+v", pdf)
	}
	if doc.Lines[0].Quantity.String() != "16" || doc.Totals.PayablePence != 31680 || doc.VAT[0].Category != "E" ||
		doc.VAT[0].ExemptionReason != "Exempt: welfare services" {
		t.Fatalf("lines/vat: %+v %+v", doc.Lines, doc.VAT)
	}
}

func TestMappingAmountsInPence(t *testing.T) {
	cases := map[string]Totals{
		// 7.5 x 22.50 + 12.25 x 24.75 + 3 x 145.33 = 168.75 + 303.19 + 435.99 = 907.93; VAT 181.586 -> 181.59
		"xero-multi-line.xml": {LineNetPence: 90793, NetPence: 90793, VATPence: 18159, GrossPence: 108952, PayablePence: 108952},
		// 88 x 22.50 + (2 x 22.50 - 22.50) = 2002.50; less 99.00 plus 43.20 = 1946.70; VAT 389.34
		"allowances-charges.xml": {LineNetPence: 200250, AllowancesPence: 9900, ChargesPence: 4320, NetPence: 194670, VATPence: 38934,
			GrossPence: 233604, PayablePence: 233604, AllowancesPresent: true, ChargesPresent: true},
		"prepaid-rounding.xml": {LineNetPence: 77360, NetPence: 77360, VATPence: 15472, GrossPence: 92832, PrepaidPence: 50000,
			RoundingPence: 40, PayablePence: 42872},
		"quickbooks-not-vat-registered.xml": {LineNetPence: 198200, NetPence: 198200, GrossPence: 198200, PayablePence: 198200},
	}
	for name, want := range cases {
		doc, err := Parse(readFixture(t, "testdata/valid/"+name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if doc.Totals != want {
			t.Errorf("%s: totals %+v, want %+v", name, doc.Totals, want)
		}
	}
	doc, err := Parse(readFixture(t, "testdata/valid/mixed-standard-exempt.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.VAT) != 2 || doc.VAT[0].Category != "E" || doc.VAT[0].TaxablePence != 3162000 || doc.VAT[1].Category != "S" ||
		doc.VAT[1].TaxablePence != 24399 || doc.VAT[1].TaxPence != 4880 || doc.VAT[0].ExemptionCode != "VATEX-EU-132-1G" {
		t.Fatalf("VAT breakdown: %+v", doc.VAT)
	}
}

// The council's own invoice data (lines only) becomes a UBL document with
// the council as buyer; ComputeTotals fills the VAT and totals.
func TestMarshalFromTypedDocument(t *testing.T) {
	twenty := DecimalOf(20, 0)
	zero := DecimalOf(0, 0)
	doc := &Document{
		Type: TypeInvoice, Number: "PORTAL-INV-000123", IssueDate: "2026-04-01", DueDate: "2026-05-01", Currency: "GBP",
		BuyerReference: "CT-2025-0117",
		Supplier: Party{EndpointID: "GB284619375", EndpointScheme: "9932", LegalName: "Brightwater Home Care Ltd", VATNumber: "GB284619375",
			Address: Address{Street: "14 Mill Lane", City: "Reading", PostCode: "RG1 4QT", Country: "GB"}},
		Customer: Party{EndpointID: "5060000000017", EndpointScheme: "0088", LegalName: "The Borough Council",
			Address: Address{Street: "Civic Centre", City: "Reading", PostCode: "RG1 7AE", Country: "GB"}},
		Lines: []Line{
			{ID: "1", Quantity: DecimalOf(105, 1), UnitCode: "HUR", Price: DecimalOf(2250, 2), NetPence: 23625, Name: "Home care hours", VATCategory: "S", VATPercent: &twenty},
			{ID: "2", Quantity: DecimalOf(1, 0), UnitCode: "C62", Price: DecimalOf(4000, 2), NetPence: 4000, Name: "Assessment", VATCategory: "E", VATPercent: &zero},
		},
		PaymentTerms: "30 days",
	}
	doc.ComputeTotals()
	if doc.Totals.NetPence != 27625 || doc.Totals.VATPence != 4725 || doc.Totals.PayablePence != 32350 {
		t.Fatalf("computed totals %+v", doc.Totals)
	}
	out, err := Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if back.Customer.LegalName != "The Borough Council" || back.Totals != doc.Totals || back.VAT[1].ExemptionReason != "Exempt from VAT" {
		t.Fatalf("parsed back: %+v", back)
	}
	// A credit note from the same data, crediting the invoice.
	doc.Type = TypeCreditNote
	doc.Number = "PORTAL-CN-000004"
	doc.BillingReferences = []BillingReference{{Number: "PORTAL-INV-000123", IssueDate: "2026-04-01"}}
	out, err = Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	back, err = Parse(out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if back.Type != TypeCreditNote || back.CreditedInvoice() != "PORTAL-INV-000123" || back.DueDate != "2026-05-01" {
		t.Fatalf("credit note back: %+v", back)
	}
	if !bytes.Contains(out, []byte("<cac:CreditNoteLine>")) || !bytes.Contains(out, []byte("<cbc:CreditedQuantity")) {
		t.Fatalf("credit note shape:\n%s", out)
	}
}

// Marshal refuses to produce a document the validator would refuse.
func TestMarshalRefusesInvalid(t *testing.T) {
	doc := &Document{Type: TypeInvoice, Number: "X1", IssueDate: "2026-04-01", Currency: "GBP"}
	_, err := Marshal(doc)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a ValidationError, got %v", err)
	}
	rules := strings.Join(ve.Rules(), " ")
	for _, r := range []string{"BR-16", "BR-06", "BR-07", "PEPPOL-EN16931-R003", "PEPPOL-EN16931-R020"} {
		if !strings.Contains(rules, r) {
			t.Errorf("missing %s in %s", r, rules)
		}
	}
}

func readFixtureF(f *testing.F, path string) []byte {
	f.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// Text with markup characters and non-ASCII survives Marshal and Parse.
func TestMarshalEscapesText(t *testing.T) {
	doc, err := Parse(readFixture(t, "testdata/valid/xero-standard-vat.xml"))
	if err != nil {
		t.Fatal(err)
	}
	doc.Note = `Visits <Mon & Wed> for "J. O'Neill" – £22.50/h`
	doc.Lines[0].Description = "]]> <![CDATA[ &amp; </Invoice>"
	doc.Supplier.LegalName = "Brightwater & Sons <Care> Ltd"
	out, err := Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if back.Note != doc.Note || back.Lines[0].Description != doc.Lines[0].Description || back.Supplier.LegalName != doc.Supplier.LegalName {
		t.Fatalf("text changed: %q %q %q", back.Note, back.Lines[0].Description, back.Supplier.LegalName)
	}
}

func TestValidate(t *testing.T) {
	if f := Validate(readFixture(t, "testdata/valid/sage-exempt.xml")); f != nil {
		t.Fatalf("valid document: %v", f)
	}
	f := Validate(readFixture(t, "testdata/invalid/BR-CO-15.xml"))
	if len(f) != 1 || f[0].Rule != "BR-CO-15" || f[0].Path != "/Invoice/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount" {
		t.Fatalf("BR-CO-15: %v", f)
	}
	f = Validate([]byte("<!DOCTYPE x><x/>"))
	if len(f) != 1 || f[0].Rule != "PARSE" || !strings.Contains(f[0].Message, "DOCTYPE") {
		t.Fatalf("refused document: %v", f)
	}
}

// ComputeTotals with document allowances and charges, two rates and an
// exempt line gives a document the validator accepts, with VAT rounded per
// breakdown.
func TestComputeTotalsAllowancesAndRates(t *testing.T) {
	doc, err := Parse(readFixture(t, "testdata/valid/xero-standard-vat.xml"))
	if err != nil {
		t.Fatal(err)
	}
	five, twenty, zero := DecimalOf(5, 0), DecimalOf(2000, 2), DecimalOf(0, 0)
	doc.Lines = []Line{
		{ID: "1", Quantity: DecimalOf(3, 0), UnitCode: "C62", Price: DecimalOf(3333, 2), NetPence: 9999, Name: "Grab rails", VATCategory: "S", VATPercent: &five},
		{ID: "2", Quantity: DecimalOf(7, 0), UnitCode: "HUR", Price: DecimalOf(1999, 2), NetPence: 13993, Name: "Handyperson", VATCategory: "S", VATPercent: &twenty},
		{ID: "3", Quantity: DecimalOf(1, 0), UnitCode: "C62", Price: DecimalOf(5000, 2), NetPence: 5000, Name: "Assessment", VATCategory: "E", VATPercent: &zero},
	}
	doc.AllowanceCharges = []AllowanceCharge{
		{AmountPence: 1000, Reason: "Discount", VATCategory: "S", VATPercent: &twenty},
		{Charge: true, AmountPence: 450, Reason: "Delivery", VATCategory: "S", VATPercent: &five},
	}
	doc.VAT = nil
	doc.ComputeTotals()
	// S 5%: 99.99 + 4.50 = 104.49 -> 5.22; S 20%: 139.93 - 10.00 = 129.93 -> 25.99; E: 50.00
	want := []VATBreakdown{
		{Category: "S", Percent: &five, TaxablePence: 10449, TaxPence: 522},
		{Category: "S", Percent: &twenty, TaxablePence: 12993, TaxPence: 2599},
		{Category: "E", Percent: &zero, TaxablePence: 5000, ExemptionReason: "Exempt from VAT"},
	}
	if !reflect.DeepEqual(doc.VAT, want) {
		t.Fatalf("VAT %+v", doc.VAT)
	}
	wantT := Totals{LineNetPence: 28992, AllowancesPence: 1000, ChargesPence: 450, NetPence: 28442, VATPence: 3121, GrossPence: 31563,
		PayablePence: 31563, AllowancesPresent: true, ChargesPresent: true}
	if doc.Totals != wantT {
		t.Fatalf("totals %+v", doc.Totals)
	}
	out, err := Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(out)
	if err != nil || !reflect.DeepEqual(back, doc) {
		t.Fatalf("round trip: %v", err)
	}
}
