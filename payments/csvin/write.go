package csvin

import (
	"bytes"
	"encoding/csv"
	"strconv"

	"careportal/payments"
)

// The writers produce files the parsers read back exactly: for templates
// people can fill in, demo files and the tests' round trips.

// WriteContracts writes rows as a contracts register with every column.
func WriteContracts(rows []ContractRow) []byte {
	return write(names(contractColumns), len(rows), func(i int) []string {
		r := rows[i]
		terms := ""
		if r.TermsDays > 0 {
			terms = strconv.Itoa(r.TermsDays)
		}
		return []string{
			r.Reference, r.Title, r.SupplierRef, r.ServiceType, r.StartDate, r.EndDate,
			payments.FormatPence(r.AnnualValue), r.Department, r.Description, r.ReviewDate,
			optPence(r.TotalValue, r.HasTotalValue), optPence(r.IrrecoverableVAT, r.HasIrrecoverableVAT),
			terms, r.AwardRoute, r.Status, r.ProcuredUnder,
		}
	})
}

// WriteInvoices writes rows as a historical invoices file.
func WriteInvoices(rows []InvoiceRow) []byte {
	return write(names(invoiceColumns), len(rows), func(i int) []string {
		r := rows[i]
		return []string{
			r.SupplierRef, r.ContractRef, r.InvoiceNumber, r.InvoiceDate, r.ReceivedDate,
			payments.FormatPence(r.Net), payments.FormatPence(r.VAT), payments.FormatPence(r.Gross),
			r.ApprovedDate, r.PaidDate, optPence(r.PaidAmount, r.PaidDate != ""), r.PaymentReference,
			optPence(r.CreditAmount, r.CreditAmount > 0),
		}
	})
}

// WriteRemittance writes rows as a remittance file with the mapping's
// column names (nil: the defaults).
func WriteRemittance(rows []RemittanceRow, m Mapping) []byte {
	header := make([]string, len(RemittanceFields))
	for i, f := range RemittanceFields {
		header[i] = m.Column(f)
	}
	return write(header, len(rows), func(i int) []string {
		r := rows[i]
		return []string{r.SupplierRef, r.InvoiceNumber, payments.FormatPence(r.AmountPaid), r.PaymentDate, r.PaymentReference}
	})
}

func write(header []string, n int, row func(int) []string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(header)
	for i := 0; i < n; i++ {
		_ = w.Write(row(i))
	}
	w.Flush()
	return b.Bytes()
}

func names(cols []column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.name
	}
	return out
}

func optPence(p int64, has bool) string {
	if !has {
		return ""
	}
	return payments.FormatPence(p)
}
