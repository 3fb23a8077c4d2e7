package portal

// JSON API for providers' finance systems: submit invoices, list them and
// follow one through to payment. The names are stable (issue 7); the
// OpenAPI document (openapi.json) describes them and a test keeps it true.

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"careportal/payments"
	"careportal/portal/fault"
)

// apiInvoiceBodyLimit is the largest POST /api/v1/invoices body.
const apiInvoiceBodyLimit = 64 << 10

// apiPerPage is how many invoices a list page holds.
const apiPerPage = 100

// apiInvoice is an invoice as the API shows it. Amounts are decimal
// strings of pounds and integer pence; dates YYYY-MM-DD; absent payment
// details are null.
type apiInvoice struct {
	ID               string       `json:"id"`
	ContractRef      string       `json:"contract_ref"`
	InvoiceNumber    string       `json:"invoice_number"`
	InvoiceDate      string       `json:"invoice_date"`
	PeriodStart      string       `json:"period_start"`
	PeriodEnd        string       `json:"period_end"`
	ReceivedDate     string       `json:"received_date"`
	DueDate          string       `json:"due_date"`
	Status           string       `json:"status"`
	Net              string       `json:"net"`
	VAT              string       `json:"vat"`
	Gross            string       `json:"gross"`
	NetPence         int64        `json:"net_pence"`
	VATPence         int64        `json:"vat_pence"`
	GrossPence       int64        `json:"gross_pence"`
	Reference        string       `json:"reference"`
	Note             string       `json:"note"`
	ScheduledDate    *string      `json:"scheduled_date"`
	PaidDate         *string      `json:"paid_date"`
	PaidAmount       *string      `json:"paid_amount"`
	PaidAmountPence  *int64       `json:"paid_amount_pence"`
	PaymentReference *string      `json:"payment_reference"`
	Reason           *string      `json:"reason"`
	UpdatedAt        string       `json:"updated_at"`
	History          []apiHistory `json:"history"`
	Lines            []apiLine    `json:"lines"`
	// EInvoice says the invoice was received as an e-invoice (UBL XML).
	EInvoice bool `json:"einvoice"`
	// Credited is the sum of the credit notes; Balance what is still owed
	// (gross less payments and credits).
	Credited      string `json:"credited"`
	CreditedPence int64  `json:"credited_pence"`
	Balance       string `json:"balance"`
	BalancePence  int64  `json:"balance_pence"`
	// Overpaid is what the provider owes back (paid and credited beyond
	// the gross: a council correction after payment); the council
	// recovers it from the provider's next payment.
	Overpaid      string `json:"overpaid"`
	OverpaidPence int64  `json:"overpaid_pence"`
	// CreditNotes lists the credit notes recorded against the invoice, in
	// the order recorded (n is the one to ask .../credit-notes/{n}/ubl for).
	CreditNotes []apiInvoiceCredit `json:"credit_notes"`
}

// apiInvoiceCredit is one credit note of an invoice.
type apiInvoiceCredit struct {
	N             int    `json:"n"`
	Number        string `json:"number"`
	Date          string `json:"date"`
	Amount        string `json:"amount"`
	AmountPence   int64  `json:"amount_pence"`
	Reason        string `json:"reason"`
	Overpaid      string `json:"overpaid"`
	OverpaidPence int64  `json:"overpaid_pence"`
}

// apiLine is an invoice line: amounts as decimal strings of pounds and
// integer pence; quantity, unit price and VAT rate exact decimals.
type apiLine struct {
	Description    string `json:"description"`
	Quantity       string `json:"quantity"`
	Unit           string `json:"unit"`
	UnitPrice      string `json:"unit_price"`
	UnitPricePence int64  `json:"unit_price_pence"`
	Net            string `json:"net"`
	NetPence       int64  `json:"net_pence"`
	VATCategory    string `json:"vat_category"`
	VATRate        string `json:"vat_rate"`
}

func toAPILines(lines []payments.InvoiceLine) []apiLine {
	out := make([]apiLine, 0, len(lines))
	for _, l := range lines {
		price := l.UnitPrice
		if price == "" {
			price = payments.FormatPence(l.UnitPricePence)
		}
		out = append(out, apiLine{Description: l.Description, Quantity: l.Quantity, Unit: l.Unit, UnitPrice: price, UnitPricePence: l.UnitPricePence,
			Net: payments.FormatPence(l.NetPence), NetPence: l.NetPence, VATCategory: l.VATCategory, VATRate: l.VATRate})
	}
	return out
}

type apiHistory struct {
	At   string  `json:"at"`
	From *string `json:"from"`
	To   string  `json:"to"`
	By   string  `json:"by"`
	Note string  `json:"note"`
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toAPIInvoice(inv payments.Invoice) apiInvoice {
	out := apiInvoice{
		ID: inv.ID, ContractRef: inv.ContractRef, InvoiceNumber: inv.Number, InvoiceDate: inv.InvoiceDate,
		PeriodStart: inv.PeriodStart, PeriodEnd: inv.PeriodEnd, ReceivedDate: inv.ReceivedDate, DueDate: inv.DueDate,
		Status: string(inv.Status), Net: payments.FormatPence(inv.NetPence), VAT: payments.FormatPence(inv.VATPence),
		Gross: payments.FormatPence(inv.GrossPence), NetPence: inv.NetPence, VATPence: inv.VATPence, GrossPence: inv.GrossPence,
		Reference: inv.Reference, Note: inv.Note, ScheduledDate: optString(inv.ScheduledDate),
		UpdatedAt: inv.UpdatedAt.UTC().Format(time.RFC3339), History: make([]apiHistory, 0, len(inv.History)),
		Lines: toAPILines(inv.Lines), EInvoice: inv.EInvoiceFileID != "",
		Credited: payments.FormatPence(inv.CreditPence), CreditedPence: inv.CreditPence, Balance: payments.FormatPence(inv.Balance()), BalancePence: inv.Balance(),
	}
	out.Overpaid, out.OverpaidPence = payments.FormatPence(inv.Overpaid()), inv.Overpaid()
	out.CreditNotes = []apiInvoiceCredit{}
	for _, p := range inv.Payments {
		if p.Credit {
			out.CreditNotes = append(out.CreditNotes, apiInvoiceCredit{N: len(out.CreditNotes) + 1, Number: p.Reference, Date: p.Date,
				Amount: payments.FormatPence(p.Pence), AmountPence: p.Pence, Reason: p.Note, Overpaid: payments.FormatPence(p.OverPence), OverpaidPence: p.OverPence})
		}
	}
	if inv.Status == payments.StatusPaid {
		out.PaidDate = optString(inv.PaidDate)
		amount, pence := payments.FormatPence(inv.PaidPence), inv.PaidPence
		out.PaidAmount, out.PaidAmountPence = &amount, &pence
		out.PaymentReference = optString(inv.PaymentReference)
	}
	if inv.Status == payments.StatusQueried || inv.Status == payments.StatusRejected {
		out.Reason = optString(inv.Reason)
	}
	for _, ev := range inv.History {
		out.History = append(out.History, apiHistory{At: ev.At.UTC().Format(time.RFC3339), From: optString(string(ev.From)),
			To: string(ev.To), By: ev.ByName, Note: ev.Note})
	}
	return out
}

// apiInvoiceFields are the properties POST /api/v1/invoices accepts, in
// the order errors are listed.
var apiInvoiceFields = []string{"contract_ref", "invoice_number", "invoice_date", "period_start", "period_end", "net", "vat", "gross", "reference", "note"}

var (
	apiDecimal = regexp.MustCompile(`^[0-9]{1,10}(\.[0-9]{1,2})?$`)
	apiDate    = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
)

// decodeAPIInvoice reads the JSON body strictly: an object whose
// properties are all known and all strings; amounts decimal strings with
// at most two decimals; dates YYYY-MM-DD. Every bad property is named.
func decodeAPIInvoice(r *http.Request) (payments.SubmitInput, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return payments.SubmitInput{}, err
		}
		return payments.SubmitInput{}, fault.Wrap(fault.Invalid, err, "The request body could not be read")
	}
	vals, fields, unknown, err := apiStringFields(body, apiInvoiceFields, `{"contract_ref": "HC-001", ...}`)
	if err != nil {
		return payments.SubmitInput{}, err
	}
	for _, f := range []string{"net", "vat", "gross"} {
		if v, ok := vals[f]; ok && v != "" && !apiDecimal.MatchString(v) {
			fields.Add(f, fmt.Sprintf("%s must be a decimal string with at most two decimals, like \"1234.50\"", f))
		}
	}
	for _, f := range []string{"invoice_date", "period_start", "period_end"} {
		if v, ok := vals[f]; ok && v != "" && !apiDate.MatchString(v) {
			fields.Add(f, fmt.Sprintf("%s must be a date written YYYY-MM-DD", f))
		}
	}
	addUnknownProperties(&fields, unknown, "an invoice", apiInvoiceFields)
	if err := fields.Err(); err != nil {
		return payments.SubmitInput{}, err
	}
	return payments.SubmitInput{
		ContractRef: vals["contract_ref"], InvoiceNumber: vals["invoice_number"], InvoiceDate: vals["invoice_date"],
		PeriodStart: vals["period_start"], PeriodEnd: vals["period_end"], Net: vals["net"], VAT: vals["vat"],
		Gross: vals["gross"], Reference: vals["reference"], Note: vals["note"], Source: "api",
	}, nil
}

// handleAPIInvoiceCreate: POST /api/v1/invoices. 201 with the invoice;
// resubmitting an identical invoice answers 200 with the one already
// there; a different invoice under the same number is 409. An XML body is
// an e-invoice (einvoice_api.go).
func (s *Server) handleAPIInvoiceCreate(w http.ResponseWriter, r *http.Request) error {
	if isXMLBody(r) {
		return s.handleAPIEInvoiceCreate(w, r)
	}
	if r.ContentLength > apiInvoiceBodyLimit {
		return &http.MaxBytesError{Limit: apiInvoiceBodyLimit}
	}
	r.Body = http.MaxBytesReader(w, r.Body, apiInvoiceBodyLimit)
	in, err := decodeAPIInvoice(r)
	if err != nil {
		return err
	}
	actor := principal(r)
	inv, err := s.Payments.SubmitInvoice(r.Context(), actor, in)
	var dup *payments.DuplicateInvoiceError
	if errors.As(err, &dup) {
		if sameSubmission(dup.Existing, in) {
			w.Header().Set("Location", "/api/v1/invoices/"+dup.Existing.ID)
			return writeJSON(w, r, http.StatusOK, toAPIInvoice(dup.Existing))
		}
		return fault.Conflictf("Invoice %s already exists (id %s) with different details; use a new invoice number", dup.Existing.Number, dup.Existing.ID)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/invoices/"+inv.ID)
	return writeJSON(w, r, http.StatusCreated, toAPIInvoice(inv))
}

// sameSubmission reports whether a resubmission asks for exactly the
// invoice already recorded under its number.
func sameSubmission(inv payments.Invoice, in payments.SubmitInput) bool {
	pence := func(s string) (int64, bool) {
		p, err := payments.ParsePence(s, false)
		return p, err == nil
	}
	net, ok1 := pence(in.Net)
	vat, ok2 := pence(in.VAT)
	if !ok1 || !ok2 {
		return false
	}
	gross := net + vat
	if in.Gross != "" {
		g, ok := pence(in.Gross)
		if !ok {
			return false
		}
		gross = g
	}
	return strings.EqualFold(strings.TrimSpace(in.ContractRef), inv.ContractRef) &&
		in.InvoiceDate == inv.InvoiceDate && in.PeriodStart == inv.PeriodStart && in.PeriodEnd == inv.PeriodEnd &&
		net == inv.NetPence && vat == inv.VATPence && gross == inv.GrossPence &&
		strings.TrimSpace(in.Reference) == inv.Reference && strings.TrimSpace(in.Note) == inv.Note
}

// apiInvoiceList is a page of GET /api/v1/invoices.
type apiInvoiceList struct {
	Invoices []apiInvoice `json:"invoices"`
	NextPage *int         `json:"next_page"`
	Total    int          `json:"total"`
}

// handleAPIInvoiceList: GET /api/v1/invoices?status=&updated_since=&page=
func (s *Server) handleAPIInvoiceList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := payments.InvoiceFilter{WithHistory: true}
	var fields fault.Fields
	for k := range q {
		switch k {
		case "status", "updated_since", "page":
		default:
			fields.Add(k, fmt.Sprintf("%s is not a parameter of this list; use status, updated_since or page", strconv.Quote(k)))
		}
	}
	if v := q.Get("status"); v != "" {
		st := payments.Status(v)
		if !st.Valid() {
			names := make([]string, len(payments.Statuses))
			for i, x := range payments.Statuses {
				names[i] = string(x)
			}
			fields.Add("status", "status must be one of "+strings.Join(names, ", "))
		}
		f.Status = st
	}
	if v := q.Get("updated_since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			d, derr := time.ParseInLocation(time.DateOnly, v, london)
			if derr != nil {
				fields.Add("updated_since", "updated_since must be a time like 2026-03-01T09:00:00Z or a date like 2026-03-01")
			}
			t = d
		}
		f.UpdatedSince = t
	}
	page := 1
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1_000_000 {
			fields.Add("page", "page must be a whole number from 1")
		}
		page = n
	}
	if err := fields.Err(); err != nil {
		return err
	}
	actor := principal(r)
	res, err := s.Payments.ListInvoices(r.Context(), actor, f, page, apiPerPage)
	if err != nil {
		return err
	}
	out := apiInvoiceList{Invoices: make([]apiInvoice, 0, len(res.Invoices)), Total: res.Total}
	if res.Page != page { // past the last page: an empty page
		res.Invoices = nil
	}
	for _, inv := range res.Invoices {
		out.Invoices = append(out.Invoices, toAPIInvoice(inv))
	}
	if page < res.Pages {
		next := page + 1
		out.NextPage = &next
	}
	return writeJSON(w, r, http.StatusOK, out)
}

// handleAPIInvoiceShow: GET /api/v1/invoices/{id}. Another
// organisation's invoice is 404.
func (s *Server) handleAPIInvoiceShow(w http.ResponseWriter, r *http.Request) error {
	inv, err := s.Payments.Invoice(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if err := visibleTo(r, inv.OrgID, "invoice"); err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, toAPIInvoice(inv))
}
