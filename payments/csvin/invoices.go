package csvin

import (
	"strings"

	"careportal/payments"
	"careportal/portal/format"
)

// Historical invoice columns, in the order WriteInvoices writes them.
var invoiceColumns = []column{
	{"supplier_ref", true},
	{"contract_ref", true},
	{"invoice_number", true},
	{"invoice_date", true},
	{"received_date", true},
	{"net", true},
	{"vat", true},
	{"gross", true},
	{"approved_date", false},
	{"paid_date", false},
	{"paid_amount", false},
	{"payment_reference", false},
	{"credit_amount", false},
}

// Statuses a historical invoice can have, following from its dates and
// amounts.
const (
	StatusSubmitted = "submitted" // received, not approved
	StatusApproved  = "approved"  // approved_date, no paid_date
	StatusPartPaid  = "part-paid" // paid_date, paid and credited less than the gross: still open
	StatusPaid      = "paid"      // paid_date (approved_date may be empty) with paid and credited the whole gross, or a credit of the whole gross
)

// InvoiceRow is one valid row of a historical invoices file.
type InvoiceRow struct {
	Line          int
	SupplierRef   string
	ContractRef   string
	InvoiceNumber string
	InvoiceDate   string
	ReceivedDate  string
	Net, VAT      int64
	Gross         int64

	ApprovedDate     string
	PaidDate         string
	PaidAmount       int64
	PaymentReference string
	// CreditAmount is a credit against the invoice (0: none), recorded
	// with the reason "Imported credit".
	CreditAmount int64

	// Status follows from which dates are present.
	Status string
}

// ParseInvoices reads a historical invoices file. Rules beyond each
// cell's format: gross is net + VAT; dates run invoice <= received <=
// approved <= paid; a paid invoice has a paid amount (and, when its
// approved date is empty, was approved the day it was paid); payment
// details need a paid date; a paid amount below the gross is a part
// payment; the credit amount, if any, with the paid amount is no more
// than the gross; an invoice number appears
// once per supplier in the file (compared ignoring case, spaces and
// punctuation).
func ParseInvoices(data []byte) ([]InvoiceRow, error) {
	var ps Problems
	recs := readTable(data, tableSpec{columns: invoiceColumns, what: "historical invoices file"}, &ps)
	out := make([]InvoiceRow, 0, len(recs))
	seen := map[string]int{}
	for _, r := range recs {
		c := cells{r: r, ps: &ps}
		before := ps.Count()
		row := InvoiceRow{
			Line:             r.line,
			SupplierRef:      c.code("supplier_ref", true, 32, "the supplier reference"),
			ContractRef:      c.code("contract_ref", true, 64, "the contract reference"),
			InvoiceNumber:    c.code("invoice_number", true, 64, "the invoice number"),
			PaymentReference: c.code("payment_reference", false, 60, "the payment reference"),
		}
		if row.InvoiceNumber != "" && payments.NormaliseNumber(row.InvoiceNumber) == "" {
			ps.Add(r.line, "invoice_number", "the invoice number must contain a letter or a digit")
		}
		var okInv, okRec, okApp, okPaid bool
		row.InvoiceDate, okInv = c.date("invoice_date", true)
		row.ReceivedDate, okRec = c.date("received_date", true)
		row.ApprovedDate, okApp = c.date("approved_date", false)
		row.PaidDate, okPaid = c.date("paid_date", false)
		if okInv && okRec && row.ReceivedDate < row.InvoiceDate {
			ps.Add(r.line, "received_date", "the received date must be the same as or after the invoice date")
		}
		if okRec && okApp && row.ApprovedDate < row.ReceivedDate {
			ps.Add(r.line, "approved_date", "the approved date must be the same as or after the received date")
		}
		if okRec && okPaid && !okApp && r.get("approved_date") == "" && row.PaidDate < row.ReceivedDate {
			ps.Add(r.line, "paid_date", "the paid date must be the same as or after the received date")
		}
		if okApp && okPaid && row.PaidDate < row.ApprovedDate {
			ps.Add(r.line, "paid_date", "the paid date must be the same as or after the approved date")
		}
		var okNet, okVAT, okGross bool
		row.Net, okNet = c.amount("net", true, false)
		row.VAT, okVAT = c.amount("vat", true, false)
		row.Gross, okGross = c.amount("gross", true, true)
		if okNet && okVAT && okGross && row.Net+row.VAT != row.Gross {
			ps.Add(r.line, "gross", "the gross amount must equal net plus VAT (%s)", format.Pence(row.Net+row.VAT))
		}
		row.PaidAmount, _ = c.amount("paid_amount", false, true)
		paidCell := r.get("paid_date") != ""
		switch {
		case paidCell && r.get("paid_amount") == "":
			ps.Add(r.line, "paid_amount", "enter the amount paid for a paid invoice")
		case !paidCell && r.get("paid_amount") != "":
			ps.Add(r.line, "paid_date", "enter the paid date, or leave the amount paid empty")
		case !paidCell && row.PaymentReference != "":
			ps.Add(r.line, "paid_date", "enter the paid date, or leave the payment reference empty")
		}
		var okCredit bool
		row.CreditAmount, okCredit = c.amount("credit_amount", false, true)
		if okCredit && okGross && row.PaidAmount+row.CreditAmount > row.Gross {
			ps.Add(r.line, "credit_amount", "the credit (%s) and the amount paid (%s) together must not be more than the gross (%s)",
				format.Pence(row.CreditAmount), format.Pence(row.PaidAmount), format.Pence(row.Gross))
		}
		settled := okGross && row.PaidAmount+row.CreditAmount >= row.Gross
		switch {
		case okPaid && settled, !okPaid && okCredit && settled:
			row.Status = StatusPaid
		case okPaid:
			row.Status = StatusPartPaid
		case okApp:
			row.Status = StatusApproved
		default:
			row.Status = StatusSubmitted
		}
		if row.SupplierRef != "" && row.InvoiceNumber != "" {
			key := strings.ToUpper(row.SupplierRef) + "\x00" + payments.NormaliseNumber(row.InvoiceNumber)
			if first, dup := seen[key]; dup {
				ps.Add(r.line, "invoice_number", "invoice %s of supplier %s is already on line %d", row.InvoiceNumber, row.SupplierRef, first)
			} else {
				seen[key] = r.line
			}
		}
		if ps.Count() == before {
			out = append(out, row)
		}
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
