package einvoice

import (
	"bytes"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const minimalHead = `<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">`

func TestParseRefusesUnsafeDocuments(t *testing.T) {
	valid := readFixture(t, "testdata/valid/xero-standard-vat.xml")
	deep := minimalHead + strings.Repeat("<cac:X>", MaxDepth) + "<cbc:Y>1</cbc:Y>" + strings.Repeat("</cac:X>", MaxDepth) + "</Invoice>"
	huge := append(append([]byte{}, valid[:len(valid)-len("</Invoice>\n")]...), bytes.Repeat([]byte("<!-- padding -->"), 10<<20/16)...)
	huge = append(huge, []byte("</Invoice>\n")...)
	cases := []struct {
		name string
		doc  []byte
		want error
	}{
		{"10 MB", huge, ErrTooLarge},
		{"billion laughs", []byte(`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>` + minimalHead + `<cbc:ID>&lol2;</cbc:ID></Invoice>`), ErrDoctype},
		{"external entity", []byte(`<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` + minimalHead + `<cbc:ID>&xxe;</cbc:ID></Invoice>`), ErrDoctype},
		{"doctype without entities", []byte(`<!DOCTYPE Invoice>` + minimalHead + `</Invoice>`), ErrDoctype},
		{"too deep", []byte(deep), ErrTooDeep},
		{"latin-1 bytes", bytes.Replace(valid, []byte("Reading"), []byte("Reading \xa3"), 1), ErrEncoding},
		{"declared latin-1", bytes.Replace(valid, []byte(`encoding="UTF-8"`), []byte(`encoding="ISO-8859-1"`), 1), ErrEncoding},
		{"utf-16 bom", append([]byte{0xFF, 0xFE}, valid...), ErrEncoding},
		{"no namespace", []byte(`<Invoice><ID>1</ID></Invoice>`), ErrNotUBL},
		{"an order", []byte(`<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>`), ErrNotUBL},
		{"invoice root in credit note namespace", []byte(`<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"/>`), ErrNotUBL},
		{"html", []byte(`<html><body>invoice</body></html>`), ErrNotUBL},
		{"unclosed", valid[:len(valid)-12], ErrMalformed},
		{"two roots", append(append([]byte{}, valid...), []byte(minimalHead+"</Invoice>")...), ErrMalformed},
		{"undefined entity", bytes.Replace(valid, []byte("INV-0042</cbc:ID>"), []byte("INV&foo;</cbc:ID>"), 1), ErrMalformed},
		{"empty", []byte(""), ErrMalformed},
		{"text only", []byte("invoice 42"), ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc, err := Parse(c.doc)
			if doc != nil || !errors.Is(err, c.want) {
				t.Fatalf("want %v, got %v", c.want, err)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Kind != c.want {
				t.Fatalf("want a *ParseError of kind %v, got %#v", c.want, err)
			}
		})
	}
}

func TestParseAcceptsUTF8BOMAndNonASCII(t *testing.T) {
	valid := readFixture(t, "testdata/valid/xero-standard-vat.xml")
	doc := append([]byte{0xEF, 0xBB, 0xBF}, bytes.Replace(valid, []byte("Home care hours"), []byte("Home care hours – £22.50 an hour, Ysbyty Gwynedd"), 1)...)
	d, err := Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	if d.Lines[0].Name != "Home care hours – £22.50 an hour, Ysbyty Gwynedd" {
		t.Fatalf("name: %q", d.Lines[0].Name)
	}
}

func TestReadLimited(t *testing.T) {
	b, err := ReadLimited(bytes.NewReader(make([]byte, MaxDocumentBytes)))
	if err != nil || len(b) != MaxDocumentBytes {
		t.Fatalf("a document of exactly the limit: %d bytes, %v", len(b), err)
	}
	_, err = ReadLimited(bytes.NewReader(make([]byte, 10<<20)))
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("10 MB: want ErrTooLarge, got %v", err)
	}
}

func TestDecimalAndPence(t *testing.T) {
	good := map[string]int64{"0": 0, "1": 100, "1.5": 150, "1.50": 150, "-0.05": -5, "+12.34": 1234, ".5": 50, "999999999.99": 99999999999, " 3.10 ": 310}
	for s, want := range good {
		if got, err := ParsePence(s); err != nil || got != want {
			t.Errorf("ParsePence(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "1,000.00", "1e3", "12.345", "£5", "1.2.3", "-", ".", "NaN", "1000000000.00", "0x10"} {
		if _, err := ParsePence(s); err == nil {
			t.Errorf("ParsePence(%q) accepted", s)
		}
	}
	for p, want := range map[int64]string{0: "0.00", 5: "0.05", -5: "-0.05", 123456: "1234.56", -100: "-1.00"} {
		if got := FormatPence(p); got != want {
			t.Errorf("FormatPence(%d) = %q, want %q", p, got, want)
		}
	}
	// Scales beyond 18 digits are refused: they would make String and Rat slow.
	if _, err := ParseDecimal("0." + strings.Repeat("0", 40) + "1"); err == nil {
		t.Error("a 41-digit fraction was accepted")
	}
	d, err := ParseDecimal("007.250")
	if err != nil || d.String() != "7.250" || d.Cmp(DecimalOf(725, 2)) != 0 {
		t.Fatalf("ParseDecimal: %v %v", d, err)
	}
	// VAT rounds half away from zero, to the penny.
	for _, c := range []struct {
		net  int64
		rate Decimal
		want int64
	}{{198000, DecimalOf(20, 0), 39600}, {90793, DecimalOf(20, 0), 18159}, {1, DecimalOf(50, 0), 1}, {-1, DecimalOf(50, 0), -1}, {9500, DecimalOf(5, 0), 475}, {333, DecimalOf(175, 1), 58}} {
		if got := VATOn(c.net, c.rate); got != c.want {
			t.Errorf("VATOn(%d, %s) = %d, want %d", c.net, c.rate, got, c.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, dir := range []string{"testdata/valid/*.xml", "testdata/invalid/*.xml"} {
		files, _ := filepath.Glob(dir)
		for _, name := range files {
			f.Add(readFixtureF(f, name))
		}
	}
	f.Add([]byte(minimalHead + "</Invoice>"))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "b">]><x/>`))
	f.Add([]byte("\xff\xfe<\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse(data)
		if err != nil {
			var pe *ParseError
			var ve *ValidationError
			if !errors.As(err, &pe) && !errors.As(err, &ve) {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			if ve != nil && len(ve.Failures) == 0 {
				t.Fatal("a ValidationError without failures")
			}
			return
		}
		// A document that passes must be produced again, and the produced
		// document must parse to the same values.
		out, err := Marshal(doc)
		if err != nil {
			t.Fatalf("valid document does not marshal: %v", err)
		}
		back, err := Parse(out)
		if err != nil {
			t.Fatalf("marshalled document does not parse: %v", err)
		}
		if !reflect.DeepEqual(doc, back) {
			t.Fatalf("round trip changed the document")
		}
	})
}

// A document built to fail thousands of times gets at most MaxFailures.
func TestFailuresAreCapped(t *testing.T) {
	doc := minimalHead + strings.Repeat("<cbc:Note></cbc:Note>", 5000) + "</Invoice>"
	_, err := Parse([]byte(doc))
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Failures) != MaxFailures {
		t.Fatalf("want %d failures, got %v", MaxFailures, err)
	}
}
