package einvoice

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// Each invalid fixture breaks exactly one rule, named by its file: the
// validator must report that rule and no other.
func TestInvalidFixturesReportTheirRule(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.xml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 30 {
		t.Fatalf("want at least thirty invalid fixtures, have %d", len(files))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".xml")
		want, _, _ := strings.Cut(name, "__")
		t.Run(name, func(t *testing.T) {
			doc, err := Parse(readFixture(t, f))
			if doc != nil {
				t.Fatal("an invalid document must not give a Document")
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("want a ValidationError for %s, got %v", want, err)
			}
			if got := ve.Rules(); len(got) != 1 || got[0] != want {
				t.Fatalf("want only %s, got %v: %v", want, got, ve)
			}
			for _, fl := range ve.Failures {
				if !strings.HasPrefix(fl.Path, "/Invoice") && !strings.HasPrefix(fl.Path, "/CreditNote") || fl.Message == "" {
					t.Fatalf("failure without path or message: %+v", fl)
				}
			}
		})
	}
}

// The paths point at the element in question.
func TestFailurePaths(t *testing.T) {
	cases := map[string]string{
		"BR-CO-15":            "/Invoice/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount",
		"BR-CO-17":            "/Invoice/cac:TaxTotal/cac:TaxSubtotal[1]/cbc:TaxAmount",
		"PEPPOL-EN16931-R120": "/Invoice/cac:InvoiceLine[1]/cbc:LineExtensionAmount",
		"BR-55":               "/CreditNote/cac:BillingReference[1]/cac:InvoiceDocumentReference/cbc:ID",
		"PEPPOL-EN16931-R008": "/Invoice/cbc:Note",
		"BR-S-07":             "/Invoice/cac:AllowanceCharge[2]/cac:TaxCategory/cbc:Percent",
		"BR-41":               "/Invoice/cac:InvoiceLine[2]/cac:AllowanceCharge[1]/cbc:Amount",
	}
	for rule, path := range cases {
		err := func() error { _, err := Parse(readFixture(t, "testdata/invalid/"+rule+".xml")); return err }()
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Failures[0].Path != path {
			t.Errorf("%s: want path %s, got %v", rule, path, err)
		}
	}
}

// BR-CO-17 allows the tax to be up to one pound off taxable x rate (the
// Schematron's tolerance for per-line rounding), and no more.
func TestVATTolerance(t *testing.T) {
	valid := string(readFixture(t, "testdata/valid/xero-standard-vat.xml"))
	withTax := func(tax, gross string) []byte {
		s := strings.ReplaceAll(valid, ">396.00</cbc:TaxAmount>", ">"+tax+"</cbc:TaxAmount>")
		s = strings.Replace(s, ">2376.00</cbc:TaxInclusiveAmount>", ">"+gross+"</cbc:TaxInclusiveAmount>", 1)
		return []byte(strings.Replace(s, ">2376.00</cbc:PayableAmount>", ">"+gross+"</cbc:PayableAmount>", 1))
	}
	for _, c := range []struct {
		tax, gross string
		ok         bool
	}{{"397.00", "2377.00", true}, {"395.00", "2375.00", true}, {"397.01", "2377.01", false}, {"394.99", "2374.99", false}} {
		_, err := Parse(withTax(c.tax, c.gross))
		var ve *ValidationError
		switch {
		case c.ok && err != nil:
			t.Errorf("tax %s: %v", c.tax, err)
		case !c.ok && (!errors.As(err, &ve) || strings.Join(ve.Rules(), " ") != "BR-CO-17"):
			t.Errorf("tax %s: want BR-CO-17, got %v", c.tax, err)
		}
	}
}

func TestValidationErrorText(t *testing.T) {
	_, err := Parse([]byte(minimalHead + "</Invoice>"))
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Failures) <= 5 {
		t.Fatalf("want many failures, got %v", err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, fmt.Sprintf("the document breaks %d rule(s); ", len(ve.Failures))) ||
		!strings.Contains(msg, fmt.Sprintf("; and %d more", len(ve.Failures)-5)) || !strings.Contains(msg, "BR-01 at /Invoice/cbc:CustomizationID: ") {
		t.Fatalf("message: %s", msg)
	}
	// A quantity that is not a number is a schema failure at the quantity.
	doc := strings.Replace(string(readFixture(t, "testdata/valid/xero-multi-line.xml")), `unitCode="HUR">7.5<`, `unitCode="HUR">7,5<`, 1)
	_, err = Parse([]byte(doc))
	if !errors.As(err, &ve) || len(ve.Failures) != 1 || ve.Failures[0].Rule != RuleSchema || ve.Failures[0].Path != "/Invoice/cac:InvoiceLine[1]/cbc:InvoicedQuantity" {
		t.Fatalf("quantity 7,5: %v", err)
	}
}

func TestDisplayName(t *testing.T) {
	if n := (Party{Name: "Brightwater Home Care", LegalName: "Brightwater Home Care Ltd"}).DisplayName(); n != "Brightwater Home Care" {
		t.Fatal(n)
	}
	if n := (Party{LegalName: "Brightwater Home Care Ltd"}).DisplayName(); n != "Brightwater Home Care Ltd" {
		t.Fatal(n)
	}
}
