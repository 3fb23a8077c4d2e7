// Package importer loads CSV files into the payments domain: the contracts
// register and historical invoices. Each import is all or nothing: the
// file is read and every row checked (format by payments/csvin, then the
// domain's rules against the register), and nothing is written unless the
// whole file is valid. Problems come back as a *csvin.Problems naming the
// line and column. Importing the same file again changes nothing.
//
// Remittance files (payment runs) are payments/remittance.
package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/csvin"
)

// ContractsResult counts what a contracts import did.
type ContractsResult struct {
	Rows                        int
	Created, Updated, Unchanged int
}

// Contracts imports a contracts register: new references are created,
// known ones updated where they differ, identical ones left alone.
func Contracts(ctx context.Context, pay *payments.Service, actor *auth.Principal, data []byte) (ContractsResult, error) {
	rows, err := csvin.ParseContracts(data)
	if err != nil {
		return ContractsResult{}, err
	}
	in := make([]payments.ContractInput, len(rows))
	for i, r := range rows {
		in[i] = ContractInput(r)
	}
	res := ContractsResult{Rows: len(rows)}
	res.Created, res.Updated, res.Unchanged, err = pay.UpsertContracts(ctx, actor, in)
	if err != nil {
		return res, rowsProblems(err, func(i int) int { return rows[i].Line }, contractColumn)
	}
	return res, nil
}

// ContractInput is a register row as the domain's contract input.
func ContractInput(r csvin.ContractRow) payments.ContractInput {
	in := payments.ContractInput{
		Reference: r.Reference, Title: r.Title, SupplierRef: r.SupplierRef, ServiceType: r.ServiceType,
		Department: r.Department, Description: r.Description, StartDate: r.StartDate, EndDate: r.EndDate,
		ReviewDate: r.ReviewDate, AnnualValue: payments.FormatPence(r.AnnualValue), AwardRoute: r.AwardRoute, Status: r.Status,
		ProcuredUnder: r.ProcuredUnder,
	}
	if r.HasTotalValue {
		in.TotalValue = payments.FormatPence(r.TotalValue)
	}
	if r.HasIrrecoverableVAT {
		in.IrrecoverableVAT = payments.FormatPence(r.IrrecoverableVAT)
	}
	if r.TermsDays > 0 {
		in.TermsDays = strconv.Itoa(r.TermsDays)
	}
	return in
}

var contractColumns = map[string]bool{}

func init() {
	for _, f := range payments.ContractFields {
		contractColumns[f] = true
	}
}

func contractColumn(field string) string {
	if contractColumns[field] {
		return field
	}
	return ""
}

// InvoicesResult counts what a historical invoices import did.
type InvoicesResult struct {
	Rows               int
	Created, Unchanged int
}

// Invoices imports historical invoices with the history their dates
// imply (submitted on the received date, approved, paid); the history says
// they were imported. An invoice already in the portal with the same
// details is left alone.
func Invoices(ctx context.Context, pay *payments.Service, actor *auth.Principal, data []byte) (InvoicesResult, error) {
	rows, err := csvin.ParseInvoices(data)
	if err != nil {
		return InvoicesResult{}, err
	}
	in := make([]payments.HistoricalInvoice, len(rows))
	for i, r := range rows {
		in[i] = HistoricalInvoice(r)
	}
	res := InvoicesResult{Rows: len(rows)}
	// A run cut short leaves number claims without invoices: clear them so
	// this run completes.
	if _, err := pay.ClearOrphanNumbers(ctx, in); err != nil {
		return res, err
	}
	// The file's digest names the run: importing the same file again after a
	// crash completes it.
	sum := sha256.Sum256(data)
	res.Created, res.Unchanged, err = pay.ImportHistoricalFrom(ctx, actor, payments.ImportSource{SHA256: hex.EncodeToString(sum[:])}, in)
	if err != nil {
		return res, rowsProblems(err, func(i int) int { return rows[i].Line }, invoiceColumn)
	}
	return res, nil
}

// HistoricalInvoice is a historical invoices row as the domain's input.
func HistoricalInvoice(r csvin.InvoiceRow) payments.HistoricalInvoice {
	steps := payments.HistoryFromDates(r.ApprovedDate, r.PaidDate, r.PaidAmount, r.PaymentReference)
	if r.CreditAmount > 0 {
		// dated with the last step the file gives: the credit is known to
		// have been given by then
		on := r.ReceivedDate
		if len(steps) > 0 {
			on = steps[len(steps)-1].Date
		}
		steps = append(steps, payments.CreditStep(on, r.CreditAmount))
	}
	return payments.HistoricalInvoice{
		SupplierRef: r.SupplierRef, ContractRef: r.ContractRef, InvoiceNumber: r.InvoiceNumber,
		InvoiceDate: r.InvoiceDate, ReceivedDate: r.ReceivedDate,
		NetPence: r.Net, VATPence: r.VAT, GrossPence: r.Gross,
		Steps: steps,
	}
}

var invoiceColumns = map[string]bool{
	"supplier_ref": true, "contract_ref": true, "invoice_number": true, "invoice_date": true, "received_date": true,
	"net": true, "vat": true, "gross": true, "approved_date": true, "paid_date": true, "paid_amount": true, "payment_reference": true, "credit_amount": true,
}

func invoiceColumn(field string) string {
	if invoiceColumns[field] {
		return field
	}
	return ""
}

// rowsProblems turns the domain's row errors into problems by line and
// column; other errors pass through.
func rowsProblems(err error, line func(int) int, column func(string) string) error {
	var re *payments.RowsError
	if !errors.As(err, &re) {
		return err
	}
	var ps csvin.Problems
	for _, r := range re.Rows {
		ps.Add(line(r.Row), column(r.Field), "%s", lowerFirst(strings.TrimSuffix(r.Message, ".")))
	}
	return ps.Err()
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	if r2, _ := utf8.DecodeRuneInString(s[n:]); unicode.IsUpper(r2) {
		return s // an acronym: VAT
	}
	return string(unicode.ToLower(r)) + s[n:]
}
