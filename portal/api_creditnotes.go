package portal

// POST /api/v1/credit-notes: a credit note against one of the provider's
// invoices, as JSON or as a UBL 2.1 CreditNote (application/xml or
// text/xml) whose billing reference is the invoice's number. 201 with the
// invoice as it now is and the credit note; 409 for a credit note number
// already used; 422 by field (JSON properties, or element paths with rule
// ids for XML); 404 for an invoice that is not theirs (JSON).

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"careportal/payments"
	"careportal/portal/fault"
)

// apiCreditNoteBodyLimit is the largest JSON credit note body.
const apiCreditNoteBodyLimit = 16 << 10

// apiCreditNoteFields are the properties a JSON credit note takes, in the
// order errors are listed: the invoice by id or by number (one of them),
// the credit note's own number, date (optional, today), amount and reason.
var apiCreditNoteFields = []string{"invoice_id", "invoice_number", "number", "date", "amount", "reason"}

type apiCreditNote struct {
	InvoiceID   string `json:"invoice_id"`
	Number      string `json:"number"`
	Date        string `json:"date"`
	Amount      string `json:"amount"`
	AmountPence int64  `json:"amount_pence"`
	Reason      string `json:"reason"`
	Source      string `json:"source"`
}

type apiCreditNoteResult struct {
	Invoice    apiInvoice    `json:"invoice"`
	CreditNote apiCreditNote `json:"credit_note"`
}

// decodeAPICreditNote reads a JSON credit note (parseAPICreditNote) and
// finds the invoice it names by number.
func (s *Server) decodeAPICreditNote(r *http.Request) (payments.CreditNote, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return payments.CreditNote{}, err
		}
		return payments.CreditNote{}, fault.Wrap(fault.Invalid, err, "The request body could not be read")
	}
	cn, number, err := parseAPICreditNote(body)
	if err != nil {
		return payments.CreditNote{}, err
	}
	if cn.InvoiceID == "" {
		inv, err := s.Payments.FindInvoiceByNumber(r.Context(), principal(r).OrgID, number)
		if err != nil {
			return payments.CreditNote{}, fault.InvalidField("invoice_number", "You have no invoice "+number+" in the portal")
		}
		cn.InvoiceID = inv.ID
	}
	return cn, nil
}

// parseAPICreditNote reads a JSON credit note strictly: an object of
// known string properties, amount a decimal string, date YYYY-MM-DD. It
// returns the credit note and the number of the invoice it names (when
// named by number rather than id).
func parseAPICreditNote(body []byte) (payments.CreditNote, string, error) {
	vals, fields, unknown, err := apiStringFields(body, apiCreditNoteFields, `{"invoice_number": "INV-1", "number": "CN-1", "amount": "100.00", "reason": "..."}`)
	if err != nil {
		return payments.CreditNote{}, "", err
	}
	if v := vals["amount"]; v == "" {
		fields.Add("amount", "amount is required: the credit in pounds, like \"100.00\"")
	} else if !apiDecimal.MatchString(v) {
		fields.Add("amount", "amount must be a decimal string with at most two decimals, like \"100.00\"")
	}
	if v := vals["date"]; v != "" && !apiDate.MatchString(v) {
		fields.Add("date", "date must be a date written YYYY-MM-DD")
	}
	if vals["invoice_id"] == "" && vals["invoice_number"] == "" {
		fields.Add("invoice_number", "Give the invoice this credits: invoice_number (its number) or invoice_id")
	}
	addUnknownProperties(&fields, unknown, "a credit note", apiCreditNoteFields)
	if err := fields.Err(); err != nil {
		return payments.CreditNote{}, "", err
	}
	pence, err := payments.ParsePence(vals["amount"], false)
	if err != nil {
		return payments.CreditNote{}, "", fault.InvalidField("amount", "amount "+err.Error())
	}
	cn := payments.CreditNote{InvoiceID: vals["invoice_id"], Number: vals["number"], Date: vals["date"], Pence: pence, Reason: vals["reason"], Source: "api"}
	return cn, vals["invoice_number"], nil
}

// handleAPICreditNoteCreate: POST /api/v1/credit-notes.
func (s *Server) handleAPICreditNoteCreate(w http.ResponseWriter, r *http.Request) error {
	actor := principal(r)
	var inv payments.Invoice
	var cn payments.CreditNote
	var err error
	if isXMLBody(r) {
		data, rerr := readEInvoiceBody(r)
		if rerr != nil {
			return rerr
		}
		inv, cn, err = s.Payments.SubmitECreditNote(r.Context(), actor, data, "einvoice")
	} else {
		if r.ContentLength > apiCreditNoteBodyLimit {
			return &http.MaxBytesError{Limit: apiCreditNoteBodyLimit}
		}
		r.Body = http.MaxBytesReader(w, r.Body, apiCreditNoteBodyLimit)
		if cn, err = s.decodeAPICreditNote(r); err != nil {
			return err
		}
		inv, err = s.Payments.SubmitCreditNote(r.Context(), actor, cn)
	}
	if err != nil {
		return err
	}
	date := cn.Date
	if date == "" {
		date = s.Payments.Today()
	}
	w.Header().Set("Location", "/api/v1/invoices/"+inv.ID)
	return writeJSON(w, r, http.StatusCreated, apiCreditNoteResult{Invoice: toAPIInvoice(inv),
		CreditNote: apiCreditNote{InvoiceID: inv.ID, Number: strings.TrimSpace(cn.Number), Date: date, Amount: payments.FormatPence(cn.Pence),
			AmountPence: cn.Pence, Reason: cn.Reason, Source: cn.Source}})
}
