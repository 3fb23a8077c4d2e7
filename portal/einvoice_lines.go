package portal

import (
	"strconv"

	"careportal/portal/format"
)

// invoiceLineRow is one invoice line as the invoice page shows it.
type invoiceLineRow struct {
	Description, Quantity, Unit, UnitPrice, VAT, Net string
}

// unitCodeWords are the UN/ECE Recommendation 20 unit codes people meet on
// care invoices, in words.
var unitCodeWords = map[string]string{
	"HUR": "hours", "DAY": "days", "WEE": "weeks", "MON": "months", "C62": "", "EA": "", "H87": "", "NAR": "", "MIN": "minutes",
	"SMI": "miles", "KMT": "km",
}

var vatCategoryWords = map[string]string{
	"S": "Standard rate", "Z": "Zero rated", "E": "Exempt", "AE": "Reverse charge", "O": "Not subject to VAT",
}

// LineRows are the invoice's lines with their money and units written
// out, for the invoice_lines partial.
func (p invoicePage) LineRows() []invoiceLineRow {
	out := make([]invoiceLineRow, 0, len(p.Invoice.Lines))
	for _, l := range p.Invoice.Lines {
		unit, ok := unitCodeWords[l.Unit]
		if !ok {
			unit = l.Unit
		}
		price := format.Pence(l.UnitPricePence)
		if l.UnitPrice != "" {
			price = "£" + l.UnitPrice
		}
		vat := vatCategoryWords[l.VATCategory]
		if vat == "" {
			vat = l.VATCategory
		}
		if l.VATRate != "" && l.VATCategory != "O" && l.VATCategory != "E" && l.VATCategory != "AE" {
			vat += " (" + l.VATRate + "%)"
		}
		out = append(out, invoiceLineRow{Description: l.Description, Quantity: l.Quantity, Unit: unit, UnitPrice: price, VAT: vat, Net: format.Pence(l.NetPence)})
	}
	return out
}

// UBLURL is where the viewer downloads the invoice as a UBL e-invoice.
func (p invoicePage) UBLURL() string {
	if p.Staff {
		return "/staff/invoices/" + p.Invoice.ID + "/ubl"
	}
	return "/invoices/" + p.Invoice.ID + "/ubl"
}

// ReceivedXMLURL is where the e-invoice the invoice was received as
// downloads, "" when it came another way.
func (p invoicePage) ReceivedXMLURL() string {
	if p.Invoice.EInvoiceFileID == "" {
		return ""
	}
	return "/invoices/" + p.Invoice.ID + "/einvoice"
}

// creditNoteLink is a credit note of the invoice as a UBL download.
type creditNoteLink struct{ Number, URL string }

// CreditNoteLinks are the invoice's credit notes, each as a UBL
// CreditNote download.
func (p invoicePage) CreditNoteLinks() []creditNoteLink {
	var out []creditNoteLink
	for _, pay := range p.Invoice.Payments {
		if !pay.Credit {
			continue
		}
		n := len(out) + 1
		num := pay.Reference
		if num == "" {
			num = strconv.Itoa(n)
		}
		out = append(out, creditNoteLink{Number: num, URL: "/invoices/" + p.Invoice.ID + "/credit-notes/" + strconv.Itoa(n) + "/ubl"})
	}
	return out
}
