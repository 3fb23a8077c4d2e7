//go:build ignore

// gen writes the invalid fixtures: each is a valid fixture with one change
// that breaks exactly one rule, named after the rule it breaks (a suffix
// after "__" tells two fixtures of one rule apart). Entries named VALID-
// write a valid variant into testdata/valid instead. Run from the package
// directory: go run testdata/invalid/gen.go
package main

import (
	"fmt"
	"os"
	"strings"
)

type edit struct {
	old, new string
	nth      int // 0: the first occurrence; k: the k-th; -1: every one
}

type fixture struct {
	name  string
	base  string
	edits []edit
}

func e(old, new string) edit          { return edit{old, new, 0} }
func nth(n int, old, new string) edit { return edit{old, new, n} }
func all(old, new string) edit        { return edit{old, new, -1} }

const (
	xero    = "xero-standard-vat.xml"
	multi   = "xero-multi-line.xml"
	allow   = "allowances-charges.xml"
	sage    = "sage-exempt.xml"
	zero    = "sage-zero-rated.xml"
	qb      = "quickbooks-not-vat-registered.xml"
	rc      = "reverse-charge.xml"
	credit  = "credit-note.xml"
	pdf     = "embedded-pdf.xml"
	prepaid = "prepaid-rounding.xml"
)

const (
	custom    = "  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>\n"
	profile   = "  <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>\n"
	lineXero  = "1980.00</cbc:LineExtensionAmount>"
	tax396    = `<cbc:TaxAmount currencyID="GBP">396.00</cbc:TaxAmount>`
	incl      = `<cbc:TaxInclusiveAmount currencyID="GBP">2376.00</cbc:TaxInclusiveAmount>`
	payable   = `<cbc:PayableAmount currencyID="GBP">2376.00</cbc:PayableAmount>`
	sellerEP  = `      <cbc:EndpointID schemeID="9932">GB284619375</cbc:EndpointID>` + "\n"
	buyerEP   = `      <cbc:EndpointID schemeID="0088">5060000000017</cbc:EndpointID>` + "\n"
	gbCountry = "        <cac:Country>\n          <cbc:IdentificationCode>GB</cbc:IdentificationCode>\n        </cac:Country>\n"
)

// lineCharge turns the line allowance of allowances-charges.xml into a
// charge of the same amount and carries the change through every total.
var lineCharge = []edit{
	nth(2, "<cbc:ChargeIndicator>false</cbc:ChargeIndicator>", "<cbc:ChargeIndicator>true</cbc:ChargeIndicator>"),
	e(">One visit waived<", ">Weekend visit supplement<"),
	e(`<cbc:LineExtensionAmount currencyID="GBP">22.50</cbc:LineExtensionAmount>`, `<cbc:LineExtensionAmount currencyID="GBP">67.50</cbc:LineExtensionAmount>`),
	e(">2002.50</cbc:LineExtensionAmount>", ">2047.50</cbc:LineExtensionAmount>"),
	e(">1946.70</cbc:TaxExclusiveAmount>", ">1991.70</cbc:TaxExclusiveAmount>"),
	e(">1946.70</cbc:TaxableAmount>", ">1991.70</cbc:TaxableAmount>"),
	all(">389.34</cbc:TaxAmount>", ">398.34</cbc:TaxAmount>"),
	e(">2336.04</cbc:TaxInclusiveAmount>", ">2390.04</cbc:TaxInclusiveAmount>"),
	e(">2336.04</cbc:PayableAmount>", ">2390.04</cbc:PayableAmount>"),
}

func with(base []edit, more ...edit) []edit { return append(append([]edit{}, base...), more...) }

var fixtures = []fixture{
	{"VALID-allowances-line-charge", allow, lineCharge},
	{"BR-43", allow, with(lineCharge, e(`      <cbc:Amount currencyID="GBP">22.50</cbc:Amount>`+"\n", ""))},
	{"BR-44", allow, with(lineCharge, e("      <cbc:AllowanceChargeReason>Weekend visit supplement</cbc:AllowanceChargeReason>\n", ""))},
	{"BR-DEC-27", allow, with(lineCharge, e(`<cbc:Amount currencyID="GBP">22.50</cbc:Amount>`, `<cbc:Amount currencyID="GBP">22.500</cbc:Amount>`))},
	{"BR-DEC-28", allow, with(lineCharge, e(`      <cbc:Amount currencyID="GBP">22.50</cbc:Amount>`+"\n", "      <cbc:MultiplierFactorNumeric>50</cbc:MultiplierFactorNumeric>\n"+`      <cbc:Amount currencyID="GBP">22.50</cbc:Amount>`+"\n"+`      <cbc:BaseAmount currencyID="GBP">45.000</cbc:BaseAmount>`+"\n"))},
	{"BR-DEC-24", allow, []edit{e(`<cbc:Amount currencyID="GBP">22.50</cbc:Amount>`, `<cbc:Amount currencyID="GBP">22.500</cbc:Amount>`)}},
	{"BR-DEC-25", allow, []edit{e(`<cbc:Amount currencyID="GBP">22.50</cbc:Amount>`+"\n", "      <cbc:MultiplierFactorNumeric>50</cbc:MultiplierFactorNumeric>\n"+`      <cbc:Amount currencyID="GBP">22.50</cbc:Amount>`+"\n"+`      <cbc:BaseAmount currencyID="GBP">45.000</cbc:BaseAmount>`+"\n")}},
	{"BR-DEC-02", allow, []edit{e(`<cbc:BaseAmount currencyID="GBP">1980.00</cbc:BaseAmount>`, `<cbc:BaseAmount currencyID="GBP">1980.000</cbc:BaseAmount>`)}},
	{"BR-DEC-05", allow, []edit{e(`<cbc:Amount currencyID="GBP">43.20</cbc:Amount>`, `<cbc:Amount currencyID="GBP">43.200</cbc:Amount>`)}},
	{"BR-DEC-06", allow, []edit{e(`    <cbc:Amount currencyID="GBP">43.20</cbc:Amount>`+"\n", "    <cbc:MultiplierFactorNumeric>45</cbc:MultiplierFactorNumeric>\n"+`    <cbc:Amount currencyID="GBP">43.20</cbc:Amount>`+"\n"+`    <cbc:BaseAmount currencyID="GBP">96.000</cbc:BaseAmount>`+"\n")}},
	{"BR-DEC-10", allow, []edit{e(">99.00</cbc:AllowanceTotalAmount>", ">99.000</cbc:AllowanceTotalAmount>")}},
	{"BR-DEC-11", allow, []edit{e(">43.20</cbc:ChargeTotalAmount>", ">43.200</cbc:ChargeTotalAmount>")}},
	{"BR-DEC-16", prepaid, []edit{e(">500.00</cbc:PrepaidAmount>", ">500.001</cbc:PrepaidAmount>")}},
	{"BR-DEC-17", prepaid, []edit{e(">0.40</cbc:PayableRoundingAmount>", ">0.400</cbc:PayableRoundingAmount>")}},
	{"BR-S-01", xero, []edit{e(">1980.00</cbc:TaxableAmount>", ">0.00</cbc:TaxableAmount>"), all(tax396, `<cbc:TaxAmount currencyID="GBP">0.00</cbc:TaxAmount>`), nth(1, "<cbc:ID>S</cbc:ID>", "<cbc:ID>Z</cbc:ID>"), nth(1, "<cbc:Percent>20</cbc:Percent>", "<cbc:Percent>0</cbc:Percent>"), e(incl, `<cbc:TaxInclusiveAmount currencyID="GBP">1980.00</cbc:TaxInclusiveAmount>`), e(payable, `<cbc:PayableAmount currencyID="GBP">1980.00</cbc:PayableAmount>`)}},
	{"BR-S-08__wrong-rate", xero, []edit{nth(1, "<cbc:Percent>20</cbc:Percent>", "<cbc:Percent>20.5</cbc:Percent>"), all(tax396, `<cbc:TaxAmount currencyID="GBP">405.90</cbc:TaxAmount>`), e(incl, `<cbc:TaxInclusiveAmount currencyID="GBP">2385.90</cbc:TaxInclusiveAmount>`), e(payable, `<cbc:PayableAmount currencyID="GBP">2385.90</cbc:PayableAmount>`)}},
	{"BR-Z-08", zero, []edit{e(">1412.80</cbc:TaxableAmount>", ">1400.00</cbc:TaxableAmount>")}},
	{"BR-Z-08__breakdown-rate", zero, []edit{nth(1, "<cbc:Percent>0</cbc:Percent>", "<cbc:Percent>5</cbc:Percent>")}},
	{"BR-AE-05", rc, []edit{nth(2, "<cbc:Percent>0</cbc:Percent>", "<cbc:Percent>20</cbc:Percent>")}},
	{"BR-AE-09", rc, []edit{all(`<cbc:TaxAmount currencyID="GBP">0.00</cbc:TaxAmount>`, `<cbc:TaxAmount currencyID="GBP">1005.00</cbc:TaxAmount>`), e(">5025.00</cbc:TaxInclusiveAmount>", ">6030.00</cbc:TaxInclusiveAmount>"), e(">5025.00</cbc:PayableAmount>", ">6030.00</cbc:PayableAmount>")}},
	{"BR-O-08", qb, []edit{e(">1982.00</cbc:TaxableAmount>", ">1900.00</cbc:TaxableAmount>")}},
	{"BR-O-09", qb, []edit{all(`<cbc:TaxAmount currencyID="GBP">0.00</cbc:TaxAmount>`, `<cbc:TaxAmount currencyID="GBP">5.00</cbc:TaxAmount>`), e(">1982.00</cbc:TaxInclusiveAmount>", ">1987.00</cbc:TaxInclusiveAmount>"), e(">1982.00</cbc:PayableAmount>", ">1987.00</cbc:PayableAmount>")}},
	{"BR-S-02", xero, []edit{cut("      <cac:PartyTaxScheme>", "</cac:PartyTaxScheme>\n")}},
	{"BR-E-02", sage, []edit{cut("      <cac:PartyTaxScheme>", "</cac:PartyTaxScheme>\n")}},
	{"BR-AE-02", rc, []edit{e("      <cac:PartyTaxScheme>\n        <cbc:CompanyID>GB100200300</cbc:CompanyID>\n        <cac:TaxScheme>\n          <cbc:ID>VAT</cbc:ID>\n        </cac:TaxScheme>\n      </cac:PartyTaxScheme>\n", ""), e("        <cbc:CompanyID>RC000123</cbc:CompanyID>\n", "")}},
	{"BR-O-02", qb, []edit{e("      <cac:PartyLegalEntity>\n        <cbc:RegistrationName>Hart Family Shared Lives", "      <cac:PartyTaxScheme>\n        <cbc:CompanyID>GB301122334</cbc:CompanyID>\n        <cac:TaxScheme>\n          <cbc:ID>VAT</cbc:ID>\n        </cac:TaxScheme>\n      </cac:PartyTaxScheme>\n      <cac:PartyLegalEntity>\n        <cbc:RegistrationName>Hart Family Shared Lives")}},
	{"BR-34", allow, []edit{e(`<cbc:Amount currencyID="GBP">99.00</cbc:Amount>`, `<cbc:Amount currencyID="GBP">-99.00</cbc:Amount>`)}},
	{"BR-35", allow, []edit{e(`<cbc:BaseAmount currencyID="GBP">1980.00</cbc:BaseAmount>`, `<cbc:BaseAmount currencyID="GBP">-1980.00</cbc:BaseAmount>`), e("<cbc:MultiplierFactorNumeric>5</cbc:MultiplierFactorNumeric>", "<cbc:MultiplierFactorNumeric>-5</cbc:MultiplierFactorNumeric>")}},
	{"PEPPOL-EN16931-R040", allow, []edit{e("<cbc:MultiplierFactorNumeric>5</cbc:MultiplierFactorNumeric>", "<cbc:MultiplierFactorNumeric>6</cbc:MultiplierFactorNumeric>")}},
	{"PEPPOL-EN16931-R002", xero, []edit{e("<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>\n", "<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>\n  <cbc:Note>March visits</cbc:Note>\n  <cbc:Note>Thank you for your business</cbc:Note>\n")}},
	{"BR-39", allow, []edit{e(`<cbc:Amount currencyID="GBP">43.20</cbc:Amount>`, `<cbc:Amount currencyID="GBP">-43.20</cbc:Amount>`)}},
	{"BR-40", allow, []edit{e(`    <cbc:Amount currencyID="GBP">43.20</cbc:Amount>`+"\n", "    <cbc:MultiplierFactorNumeric>-45</cbc:MultiplierFactorNumeric>\n"+`    <cbc:Amount currencyID="GBP">43.20</cbc:Amount>`+"\n"+`    <cbc:BaseAmount currencyID="GBP">-96.00</cbc:BaseAmount>`+"\n")}},
	{"PEPPOL-EN16931-R041", allow, []edit{e(`    <cbc:BaseAmount currencyID="GBP">1980.00</cbc:BaseAmount>`+"\n", "")}},
	{"PEPPOL-EN16931-R042", allow, []edit{e("    <cbc:MultiplierFactorNumeric>5</cbc:MultiplierFactorNumeric>\n", "")}},
	{"PEPPOL-EN16931-R043", allow, []edit{nth(1, "<cbc:ChargeIndicator>false</cbc:ChargeIndicator>", "<cbc:ChargeIndicator>no</cbc:ChargeIndicator>")}},
	{"BR-CO-19", xero, []edit{e("    <cbc:StartDate>2026-03-01</cbc:StartDate>\n    <cbc:EndDate>2026-03-31</cbc:EndDate>\n", "    <cbc:DescriptionCode>35</cbc:DescriptionCode>\n")}},
	{"BR-CO-20", multi, []edit{e("      <cbc:StartDate>2026-04-01</cbc:StartDate>\n      <cbc:EndDate>2026-04-07</cbc:EndDate>\n", "      <cbc:DescriptionCode>35</cbc:DescriptionCode>\n")}},
	{"BR-CL-14", xero, []edit{nth(1, "<cbc:IdentificationCode>GB</cbc:IdentificationCode>", "<cbc:IdentificationCode>GBR</cbc:IdentificationCode>")}},
	{"UBL-SCHEMA__cbc-with-children", xero, []edit{e("<cbc:BuyerReference>CT-2025-0117</cbc:BuyerReference>", "<cbc:BuyerReference>CT-2025-0117<cbc:Note>x</cbc:Note></cbc:BuyerReference>")}},
	{"BR-01", xero, []edit{e(custom, "")}},
	{"PEPPOL-EN16931-R004", xero, []edit{e("#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0", "")}},
	{"PEPPOL-EN16931-R001", xero, []edit{e(profile, "")}},
	{"PEPPOL-EN16931-R007", xero, []edit{e("billing:01:1.0", "billing:1.0")}},
	{"BR-02", xero, []edit{e("  <cbc:ID>INV-0042</cbc:ID>\n", "")}},
	{"BR-03", xero, []edit{e("  <cbc:IssueDate>2026-03-31</cbc:IssueDate>\n", "")}},
	{"PEPPOL-EN16931-F001", xero, []edit{e("<cbc:IssueDate>2026-03-31<", "<cbc:IssueDate>31/03/2026<")}},
	{"PEPPOL-EN16931-F001__not-a-day", xero, []edit{e("<cbc:DueDate>2026-04-30<", "<cbc:DueDate>2026-04-31<")}},
	{"BR-04", xero, []edit{e("  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>\n", "")}},
	{"PEPPOL-EN16931-P0100", xero, []edit{e("<cbc:InvoiceTypeCode>380<", "<cbc:InvoiceTypeCode>999<")}},
	{"PEPPOL-EN16931-P0101", credit, []edit{e("<cbc:CreditNoteTypeCode>381<", "<cbc:CreditNoteTypeCode>380<")}},
	{"BR-05", xero, []edit{e("  <cbc:DocumentCurrencyCode>GBP</cbc:DocumentCurrencyCode>\n", "")}},
	{"PORTAL-CURRENCY", xero, []edit{e("<cbc:DocumentCurrencyCode>GBP<", "<cbc:DocumentCurrencyCode>EUR<")}},
	{"PEPPOL-EN16931-R005", xero, []edit{e("<cbc:DocumentCurrencyCode>GBP</cbc:DocumentCurrencyCode>\n", "<cbc:DocumentCurrencyCode>GBP</cbc:DocumentCurrencyCode>\n  <cbc:TaxCurrencyCode>GBP</cbc:TaxCurrencyCode>\n")}},
	{"PEPPOL-EN16931-R051", xero, []edit{e(incl, `<cbc:TaxInclusiveAmount currencyID="EUR">2376.00</cbc:TaxInclusiveAmount>`)}},
	{"PEPPOL-EN16931-R003", xero, []edit{e("  <cbc:BuyerReference>CT-2025-0117</cbc:BuyerReference>\n", "")}},
	{"PORTAL-DUE-DATE", xero, []edit{e("<cbc:DueDate>2026-04-30<", "<cbc:DueDate>2026-03-01<")}},
	{"BR-29", xero, []edit{e("<cbc:EndDate>2026-03-31<", "<cbc:EndDate>2026-02-28<")}},
	{"BR-30", multi, []edit{e("<cbc:EndDate>2026-04-07<", "<cbc:EndDate>2026-03-07<")}},
	{"BR-06", xero, []edit{e("        <cbc:RegistrationName>Brightwater Home Care Ltd</cbc:RegistrationName>\n", "")}},
	{"BR-07", xero, []edit{e("      <cac:PartyLegalEntity>\n        <cbc:RegistrationName>The Borough Council</cbc:RegistrationName>\n      </cac:PartyLegalEntity>\n", "")}},
	{"BR-08", xero, []edit{e("      <cac:PostalAddress>\n        <cbc:StreetName>14 Mill Lane</cbc:StreetName>\n        <cbc:CityName>Reading</cbc:CityName>\n        <cbc:PostalZone>RG1 4QT</cbc:PostalZone>\n"+gbCountry+"      </cac:PostalAddress>\n", "")}},
	{"BR-09", xero, []edit{nth(1, gbCountry, "")}},
	{"BR-10", xero, []edit{e("      <cac:PostalAddress>\n        <cbc:StreetName>Civic Centre, Market Street</cbc:StreetName>\n        <cbc:CityName>Reading</cbc:CityName>\n        <cbc:PostalZone>RG1 7AE</cbc:PostalZone>\n"+gbCountry+"      </cac:PostalAddress>\n", "")}},
	{"BR-11", xero, []edit{nth(2, gbCountry, "")}},
	{"PEPPOL-EN16931-R020", xero, []edit{e(sellerEP, "")}},
	{"PEPPOL-EN16931-R010", xero, []edit{e(buyerEP, "")}},
	{"BR-62", xero, []edit{e(`<cbc:EndpointID schemeID="9932">`, `<cbc:EndpointID>`)}},
	{"BR-63", xero, []edit{e(`<cbc:EndpointID schemeID="0088">`, `<cbc:EndpointID>`)}},
	{"BR-CO-26", qb, []edit{e("      <cac:PartyIdentification>\n        <cbc:ID>HFSL-01</cbc:ID>\n      </cac:PartyIdentification>\n", "")}},
	{"BR-16", xero, []edit{cut("  <cac:InvoiceLine>", "</cac:InvoiceLine>\n")}},
	{"BR-21", xero, []edit{e("    <cbc:ID>1</cbc:ID>\n", "")}},
	{"BR-22", xero, []edit{e(`    <cbc:InvoicedQuantity unitCode="HUR">88</cbc:InvoicedQuantity>`+"\n", "")}},
	{"BR-23", xero, []edit{e(`<cbc:InvoicedQuantity unitCode="HUR">`, `<cbc:InvoicedQuantity>`)}},
	{"BR-24", xero, []edit{nth(2, `    <cbc:LineExtensionAmount currencyID="GBP">`+lineXero+"\n", "")}},
	{"BR-DEC-23", xero, []edit{nth(2, lineXero, "1980.000</cbc:LineExtensionAmount>")}},
	{"BR-25", xero, []edit{e("      <cbc:Name>Home care hours</cbc:Name>\n", "")}},
	{"BR-26", xero, []edit{e("    <cac:Price>\n      <cbc:PriceAmount currencyID=\"GBP\">22.50</cbc:PriceAmount>\n    </cac:Price>\n", "")}},
	{"BR-27", xero, []edit{e(">22.50</cbc:PriceAmount>", ">-22.50</cbc:PriceAmount>")}},
	{"PEPPOL-EN16931-R120", xero, []edit{e(">22.50</cbc:PriceAmount>", ">23.50</cbc:PriceAmount>")}},
	{"PEPPOL-EN16931-R121", xero, []edit{e(">22.50</cbc:PriceAmount>\n", ">22.50</cbc:PriceAmount>\n      <cbc:BaseQuantity unitCode=\"HUR\">0</cbc:BaseQuantity>\n")}},
	{"BR-CO-04", xero, []edit{nth(2, "        <cbc:ID>S</cbc:ID>\n", "")}},
	{"BR-S-05", xero, []edit{nth(2, "<cbc:Percent>20</cbc:Percent>", "<cbc:Percent>0</cbc:Percent>")}},
	{"BR-CL-18", xero, []edit{nth(2, "<cbc:ID>S</cbc:ID>", "<cbc:ID>X</cbc:ID>")}},
	{"PORTAL-VAT-CATEGORY", xero, []edit{nth(2, "<cbc:ID>S</cbc:ID>", "<cbc:ID>K</cbc:ID>")}},
	{"BR-CO-10", xero, []edit{nth(1, lineXero, "1990.00</cbc:LineExtensionAmount>")}},
	{"BR-CO-13", xero, []edit{e(">1980.00</cbc:TaxExclusiveAmount>", ">1990.00</cbc:TaxExclusiveAmount>"), e(incl, `<cbc:TaxInclusiveAmount currencyID="GBP">2386.00</cbc:TaxInclusiveAmount>`), e(payable, `<cbc:PayableAmount currencyID="GBP">2386.00</cbc:PayableAmount>`)}},
	{"BR-CO-14", xero, []edit{nth(1, tax396, `<cbc:TaxAmount currencyID="GBP">400.00</cbc:TaxAmount>`), e(incl, `<cbc:TaxInclusiveAmount currencyID="GBP">2380.00</cbc:TaxInclusiveAmount>`), e(payable, `<cbc:PayableAmount currencyID="GBP">2380.00</cbc:PayableAmount>`)}},
	{"BR-CO-15", xero, []edit{e(incl, `<cbc:TaxInclusiveAmount currencyID="GBP">2386.00</cbc:TaxInclusiveAmount>`), e(payable, `<cbc:PayableAmount currencyID="GBP">2386.00</cbc:PayableAmount>`)}},
	{"BR-CO-16", xero, []edit{e(payable, `<cbc:PayableAmount currencyID="GBP">2370.00</cbc:PayableAmount>`)}},
	{"BR-CO-17", xero, []edit{all(tax396, `<cbc:TaxAmount currencyID="GBP">410.00</cbc:TaxAmount>`), e(incl, `<cbc:TaxInclusiveAmount currencyID="GBP">2390.00</cbc:TaxInclusiveAmount>`), e(payable, `<cbc:PayableAmount currencyID="GBP">2390.00</cbc:PayableAmount>`)}},
	{"BR-S-08", xero, []edit{e(">1980.00</cbc:TaxableAmount>", ">1980.50</cbc:TaxableAmount>")}},
	{"BR-CO-18", xero, []edit{cut("    <cac:TaxSubtotal>", "</cac:TaxSubtotal>\n")}},
	{"PEPPOL-EN16931-R053", xero, []edit{e("  </cac:TaxTotal>\n", "  </cac:TaxTotal>\n  <cac:TaxTotal>\n    "+tax396+"\n  </cac:TaxTotal>\n")}},
	{"BR-45", xero, []edit{e(`      <cbc:TaxableAmount currencyID="GBP">1980.00</cbc:TaxableAmount>`+"\n", "")}},
	{"BR-46", xero, []edit{nth(1, "      "+tax396+"\n", "")}},
	{"BR-47", xero, []edit{nth(1, "        <cbc:ID>S</cbc:ID>\n", "")}},
	{"BR-48", xero, []edit{nth(1, "        <cbc:Percent>20</cbc:Percent>\n", "")}},
	{"BR-DEC-09", xero, []edit{nth(1, lineXero, "1980.000</cbc:LineExtensionAmount>")}},
	{"BR-DEC-12", xero, []edit{e(">1980.00</cbc:TaxExclusiveAmount>", ">1980.001</cbc:TaxExclusiveAmount>")}},
	{"BR-DEC-13", xero, []edit{nth(1, tax396, `<cbc:TaxAmount currencyID="GBP">396.000</cbc:TaxAmount>`)}},
	{"BR-DEC-14", xero, []edit{e(incl, `<cbc:TaxInclusiveAmount currencyID="GBP">2376.000</cbc:TaxInclusiveAmount>`)}},
	{"BR-DEC-18", xero, []edit{e(payable, `<cbc:PayableAmount currencyID="GBP">2376.001</cbc:PayableAmount>`)}},
	{"BR-DEC-19", xero, []edit{e(">1980.00</cbc:TaxableAmount>", ">1980.000</cbc:TaxableAmount>")}},
	{"BR-DEC-20", xero, []edit{nth(2, tax396, `<cbc:TaxAmount currencyID="GBP">396.000</cbc:TaxAmount>`)}},
	{"BR-12", xero, []edit{nth(1, `    <cbc:LineExtensionAmount currencyID="GBP">`+lineXero+"\n", "")}},
	{"BR-13", xero, []edit{e(`    <cbc:TaxExclusiveAmount currencyID="GBP">1980.00</cbc:TaxExclusiveAmount>`+"\n", "")}},
	{"BR-14", xero, []edit{e("    "+incl+"\n", "")}},
	{"BR-15", xero, []edit{e("    "+payable+"\n", "")}},
	{"BR-CO-25", xero, []edit{e("  <cbc:DueDate>2026-04-30</cbc:DueDate>\n", ""), e("  <cac:PaymentTerms>\n    <cbc:Note>30 days from the invoice date</cbc:Note>\n  </cac:PaymentTerms>\n", "")}},
	{"BR-49", xero, []edit{e(`    <cbc:PaymentMeansCode name="Credit transfer">30</cbc:PaymentMeansCode>`+"\n", "")}},
	{"BR-61", xero, []edit{cut("    <cac:PayeeFinancialAccount>", "</cac:PayeeFinancialAccount>\n")}},
	{"PEPPOL-EN16931-R008", xero, []edit{e("<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>\n", "<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>\n  <cbc:Note></cbc:Note>\n")}},
	{"UBL-SCHEMA", xero, []edit{e(">1980.00</cbc:TaxExclusiveAmount>", ">1,980.00</cbc:TaxExclusiveAmount>")}},
	{"UBL-SCHEMA__wrong-namespace", xero, []edit{e("<cbc:BuyerReference>CT-2025-0117</cbc:BuyerReference>", `<x:BuyerReference xmlns:x="urn:example:not-ubl">CT-2025-0117</x:BuyerReference>`)}},
	{"UBL-SCHEMA__text-in-aggregate", xero, []edit{e("  <cac:PaymentTerms>\n", "  <cac:PaymentTerms>net 30\n")}},
	{"PORTAL-AMOUNT", xero, []edit{e("    "+payable+"\n", "    <cbc:PrepaidAmount currencyID=\"GBP\">1000000000.00</cbc:PrepaidAmount>\n    "+payable+"\n")}},
	{"BR-CO-11", allow, []edit{e(">99.00</cbc:AllowanceTotalAmount>", ">98.00</cbc:AllowanceTotalAmount>"), e(">1946.70</cbc:TaxExclusiveAmount>", ">1947.70</cbc:TaxExclusiveAmount>"), e(">2336.04</cbc:TaxInclusiveAmount>", ">2337.04</cbc:TaxInclusiveAmount>"), e(">2336.04</cbc:PayableAmount>", ">2337.04</cbc:PayableAmount>")}},
	{"BR-CO-12", allow, []edit{e(">43.20</cbc:ChargeTotalAmount>", ">44.20</cbc:ChargeTotalAmount>"), e(">1946.70</cbc:TaxExclusiveAmount>", ">1947.70</cbc:TaxExclusiveAmount>"), e(">2336.04</cbc:TaxInclusiveAmount>", ">2337.04</cbc:TaxInclusiveAmount>"), e(">2336.04</cbc:PayableAmount>", ">2337.04</cbc:PayableAmount>")}},
	{"BR-31", allow, []edit{e(`    <cbc:Amount currencyID="GBP">99.00</cbc:Amount>`+"\n", "")}},
	{"BR-32", allow, []edit{nth(1, "      <cbc:ID>S</cbc:ID>\n", "")}},
	{"BR-33", allow, []edit{e("    <cbc:AllowanceChargeReason>Block booking discount 5%</cbc:AllowanceChargeReason>\n", "")}},
	{"BR-36", allow, []edit{e(`    <cbc:Amount currencyID="GBP">43.20</cbc:Amount>`+"\n", "")}},
	{"BR-37", allow, []edit{nth(2, "      <cbc:ID>S</cbc:ID>\n", "")}},
	{"BR-38", allow, []edit{e("    <cbc:AllowanceChargeReason>Mileage, 96 miles at 45p</cbc:AllowanceChargeReason>\n", "")}},
	{"BR-DEC-01", allow, []edit{e(`<cbc:Amount currencyID="GBP">99.00</cbc:Amount>`, `<cbc:Amount currencyID="GBP">99.000</cbc:Amount>`)}},
	{"BR-S-06", allow, []edit{nth(1, "<cbc:Percent>20</cbc:Percent>", "<cbc:Percent>0</cbc:Percent>")}},
	{"BR-S-07", allow, []edit{nth(2, "<cbc:Percent>20</cbc:Percent>", "<cbc:Percent>0</cbc:Percent>")}},
	{"BR-41", allow, []edit{e(`      <cbc:Amount currencyID="GBP">22.50</cbc:Amount>`+"\n", "")}},
	{"BR-42", allow, []edit{e("      <cbc:AllowanceChargeReason>One visit waived</cbc:AllowanceChargeReason>\n", "")}},
	{"BR-E-05", sage, []edit{nth(2, "<cbc:Percent>0</cbc:Percent>", "<cbc:Percent>5</cbc:Percent>")}},
	{"BR-E-08", sage, []edit{e(">6196.80</cbc:TaxableAmount>", ">6000.00</cbc:TaxableAmount>")}},
	{"BR-E-09", sage, []edit{all(`<cbc:TaxAmount currencyID="GBP">0.00</cbc:TaxAmount>`, `<cbc:TaxAmount currencyID="GBP">5.00</cbc:TaxAmount>`), e(">6196.80</cbc:TaxInclusiveAmount>", ">6201.80</cbc:TaxInclusiveAmount>"), e(">6196.80</cbc:PayableAmount>", ">6201.80</cbc:PayableAmount>")}},
	{"BR-E-10", sage, []edit{e("        <cbc:TaxExemptionReason>Exempt: welfare services, VATA 1994 Sch 9 Group 7</cbc:TaxExemptionReason>\n", "")}},
	{"BR-Z-05", zero, []edit{nth(2, "<cbc:Percent>0</cbc:Percent>", "<cbc:Percent>20</cbc:Percent>")}},
	{"BR-Z-09", zero, []edit{all(`<cbc:TaxAmount currencyID="GBP">0.00</cbc:TaxAmount>`, `<cbc:TaxAmount currencyID="GBP">5.00</cbc:TaxAmount>`), e(">1412.80</cbc:TaxInclusiveAmount>", ">1417.80</cbc:TaxInclusiveAmount>"), e(">1412.80</cbc:PayableAmount>", ">1417.80</cbc:PayableAmount>")}},
	{"BR-AE-10", rc, []edit{e("        <cbc:TaxExemptionReasonCode>VATEX-EU-AE</cbc:TaxExemptionReasonCode>\n", ""), e("        <cbc:TaxExemptionReason>Reverse charge: customer to account for VAT to HMRC</cbc:TaxExemptionReason>\n", "")}},
	{"BR-O-05", qb, []edit{nth(2, "<cbc:ID>O</cbc:ID>\n", "<cbc:ID>O</cbc:ID>\n        <cbc:Percent>0</cbc:Percent>\n")}},
	{"BR-O-10", qb, []edit{e("        <cbc:TaxExemptionReason>Not registered for VAT</cbc:TaxExemptionReason>\n", "")}},
	{"BR-O-11", qb, []edit{e("    </cac:TaxSubtotal>\n", "    </cac:TaxSubtotal>\n    <cac:TaxSubtotal>\n      <cbc:TaxableAmount currencyID=\"GBP\">0.00</cbc:TaxableAmount>\n      <cbc:TaxAmount currencyID=\"GBP\">0.00</cbc:TaxAmount>\n      <cac:TaxCategory>\n        <cbc:ID>Z</cbc:ID>\n        <cbc:Percent>0</cbc:Percent>\n        <cac:TaxScheme>\n          <cbc:ID>VAT</cbc:ID>\n        </cac:TaxScheme>\n      </cac:TaxCategory>\n    </cac:TaxSubtotal>\n")}},
	{"BR-55", credit, []edit{e("      <cbc:ID>INV-0042</cbc:ID>\n", "")}},
	{"PORTAL-CREDIT-REFERENCE", credit, []edit{cut("  <cac:BillingReference>", "</cac:BillingReference>\n")}},
	{"BR-52", pdf, []edit{e("    <cbc:ID>OSL-INV-130</cbc:ID>\n", "")}},
	{"PEPPOL-EN16931-CL001", pdf, []edit{e(`mimeCode="application/pdf"`, `mimeCode="application/zip"`)}},
	{"PORTAL-PDF", pdf, []edit{cutInner(`filename="OSL-INV-130.pdf">`, "</cbc:EmbeddedDocumentBinaryObject>", "bm90IGEgcGRm")}},
}

// cut removes the text from the first "from" to the next "to", inclusive.
func cut(from, to string) edit { return edit{old: "\x00cut\x00" + from + "\x00" + to, nth: 0} }

// cutInner replaces what lies between from and to.
func cutInner(from, to, with string) edit {
	return edit{old: "\x00inner\x00" + from + "\x00" + to, new: with}
}

func apply(s string, ed edit) (string, error) {
	if strings.HasPrefix(ed.old, "\x00") {
		parts := strings.Split(ed.old, "\x00")
		kind, from, to := parts[1], parts[2], parts[3]
		i := strings.Index(s, from)
		if i < 0 {
			return "", fmt.Errorf("%q not found", from)
		}
		j := strings.Index(s[i:], to)
		if j < 0 {
			return "", fmt.Errorf("%q not found", to)
		}
		if kind == "cut" {
			return s[:i] + s[i+j+len(to):], nil
		}
		return s[:i+len(from)] + ed.new + s[i+j:], nil
	}
	n := strings.Count(s, ed.old)
	switch {
	case n == 0:
		return "", fmt.Errorf("%q not found", ed.old)
	case ed.nth == -1:
		return strings.ReplaceAll(s, ed.old, ed.new), nil
	case ed.nth > n:
		return "", fmt.Errorf("%q occurs %d times, not %d", ed.old, n, ed.nth)
	}
	k := ed.nth
	if k == 0 {
		k = 1
	}
	at := 0
	for ; k > 1; k-- {
		at += strings.Index(s[at:], ed.old) + len(ed.old)
	}
	i := at + strings.Index(s[at:], ed.old)
	return s[:i] + ed.new + s[i+len(ed.old):], nil
}

func main() {
	written := 0
	for _, f := range fixtures {
		b, err := os.ReadFile("testdata/valid/" + f.base)
		if err != nil {
			panic(err)
		}
		s := string(b)
		for _, ed := range f.edits {
			if s, err = apply(s, ed); err != nil {
				panic(f.name + ": " + err.Error())
			}
		}
		if name, ok := strings.CutPrefix(f.name, "VALID-"); ok {
			// A valid variant other fixtures build on: it goes with the valid ones.
			s = strings.Replace(s, "<!-- ", "<!-- A line charge instead of a line allowance (made from "+f.base+"). ", 1)
			if err := os.WriteFile("testdata/valid/"+name+".xml", []byte(s), 0o644); err != nil {
				panic(err)
			}
			continue
		}
		rule, _, _ := strings.Cut(f.name, "__")
		s = strings.Replace(s, "<!-- ", "<!-- Breaks "+rule+" (made from "+f.base+"). ", 1)
		if err := os.WriteFile("testdata/invalid/"+f.name+".xml", []byte(s), 0o644); err != nil {
			panic(err)
		}
		written++
	}
	fmt.Println(written, "invalid fixtures written")
}
