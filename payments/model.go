package payments

import (
	"context"
	"strings"
	"time"
	"unicode"

	"careportal/auth"
	"careportal/portal/store"
)

// Collections the payments domain owns.
const (
	colContracts      = "contracts"
	colInvoices       = "invoices"
	colInvoiceEvents  = "invoice_events"
	colInvoiceNumbers = "invoice_numbers"
	colInvoiceFiles   = "invoice_files"
	colInvoicePending = "invoice_pending"
)

// Orgs is what payments needs of provider organisations; *auth.Service
// provides it.
type Orgs interface {
	Org(ctx context.Context, id string) (*auth.Org, error)
	OrgByRef(ctx context.Context, ref string) (*auth.Org, error)
	Orgs(ctx context.Context) ([]auth.Org, error)
}

// PartyOf is the party an actor takes steps as: council staff (people,
// imports and jobs, see auth.System) or a provider organisation (its users
// and API tokens). Anyone else is no party and may take no step.
func PartyOf(p *auth.Principal) Party {
	switch {
	case p.IsStaff():
		return PartyStaff
	case p.IsProvider():
		return PartyProvider
	}
	return 0
}

// ServiceType is the kind of care a contract buys.
type ServiceType string

// ServiceTypes lists every service type in the order forms show them.
var ServiceTypes = []ServiceType{"home-care", "residential", "nursing", "supported-living", "day-opportunities", "extra-care", "other"}

// ParseServiceType accepts a slug or a page's name in any case ("Home
// care", "home-care", "home care", "Residential care"): every name is its
// slug's words, "care" added for residential and nursing.
func ParseServiceType(s string) (ServiceType, bool) {
	k := strings.ToLower(strings.Join(strings.Fields(strings.ReplaceAll(s, "-", " ")), "-"))
	for _, t := range ServiceTypes {
		if string(t) == k || string(t) == strings.TrimSuffix(k, "-care") {
			return t, true
		}
	}
	return "", false
}

// ContractStatus says whether invoices may be submitted against a contract.
type ContractStatus string

const (
	ContractActive    ContractStatus = "active"
	ContractEnded     ContractStatus = "ended"
	ContractSuspended ContractStatus = "suspended"
)

// ContractStatuses lists every contract status.
var ContractStatuses = []ContractStatus{ContractActive, ContractEnded, ContractSuspended}

// Contract is one entry of the contracts register. Money is in pence,
// dates are "YYYY-MM-DD".
type Contract struct {
	ID               string         `bson:"_id"`
	Reference        string         `bson:"reference"`
	ReferenceKey     string         `bson:"reference_key"` // unique: Reference normalised
	Title            string         `bson:"title"`
	OrgID            string         `bson:"org_id"`
	OrgName          string         `bson:"org_name"`
	SupplierRef      string         `bson:"supplier_ref"`
	ServiceType      ServiceType    `bson:"service_type"`
	Department       string         `bson:"department"`
	Description      string         `bson:"description"`
	StartDate        string         `bson:"start_date"`
	EndDate          string         `bson:"end_date"`
	ReviewDate       string         `bson:"review_date"`
	TotalValue       int64          `bson:"total_value"`
	AnnualValue      int64          `bson:"annual_value"`
	IrrecoverableVAT int64          `bson:"irrecoverable_vat"`
	TermsDays        int            `bson:"terms_days"` // 0: the organisation's terms
	AwardRoute       string         `bson:"award_route"`
	ProcuredUnder    ProcuredUnder  `bson:"procured_under,omitempty"` // "": by start date (ProcuredUnderOrDefault)
	Status           ContractStatus `bson:"status"`
	Version          int            `bson:"version"`
	CreatedAt        time.Time      `bson:"created_at"`
	UpdatedAt        time.Time      `bson:"updated_at"`
}

// Event is one step in an invoice's history: who, when, from, to and a
// note, plus the details of the step. Events are stored in invoice_events
// (the audit trail, the truth) and copied into the invoice's History.
type Event struct {
	Seq    int       `bson:"seq"`
	At     time.Time `bson:"at"`
	Date   string    `bson:"date"` // the London calendar day the step took effect
	ByID   string    `bson:"by_id"`
	ByName string    `bson:"by_name"`
	By     Party     `bson:"by"`
	From   Status    `bson:"from"` // empty for the submission
	To     Status    `bson:"to"`
	Note   string    `bson:"note"`
	// details
	ScheduledDate string `bson:"scheduled_date,omitempty"` // expected payment date
	PaymentDate   string `bson:"payment_date,omitempty"`
	AmountPence   int64  `bson:"amount,omitempty"`
	Reference     string `bson:"reference,omitempty"` // payment (remittance) reference
	Source        string `bson:"source,omitempty"`    // portal, remittance, import, api
	// Kind is "payment" or "credit" for a step that moves money (a part
	// payment keeps the status: From == To); empty for other steps, and
	// for the paid step of older versions, which is read as a payment.
	Kind string `bson:"kind,omitempty"`
	// OverPence is the part of a credit beyond the balance that was left
	// (a council correction of an invoice already paid): an overpayment
	// owed back by the provider, not a reduction of what was owed when
	// the invoice was paid.
	OverPence int64 `bson:"over_pence,omitempty"`
	// Method is how an overpayment was recovered (Kind "recovery"):
	// "repaid" by the provider, or "set-off" against a later payment.
	Method string `bson:"method,omitempty"`
}

type eventDoc struct {
	ID        string `bson:"_id"` // invoiceID:seq (zero-padded)
	InvoiceID string `bson:"invoice_id"`
	Event     `bson:",inline"`
}

// eventID is an event's fixed id (store.EventID): the invoice id and the
// zero-padded sequence number, so a second writer of the same step
// collides on _id.
func eventID(invoiceID string, seq int) string { return store.EventID(invoiceID, seq) }

// Invoice is the snapshot of one invoice: its fields, where it is now and
// its history. It is rebuilt from the events when behind them. It is
// stored as an invoiceDoc (record.go); its own bson tags are the layout of
// the single-blob records of older versions, read only by their migration.
type Invoice struct {
	ID            string `bson:"_id"`
	OrgID         string `bson:"org_id"`
	OrgName       string `bson:"org_name"`
	SupplierRef   string `bson:"supplier_ref"`
	ContractID    string `bson:"contract_id"`
	ContractRef   string `bson:"contract_ref"`
	ContractTitle string `bson:"contract_title"`
	Number        string `bson:"number"`
	NumberKey     string `bson:"number_key"`
	InvoiceDate   string `bson:"invoice_date"`
	PeriodStart   string `bson:"period_start"`
	PeriodEnd     string `bson:"period_end"`
	NetPence      int64  `bson:"net"`
	VATPence      int64  `bson:"vat"`
	GrossPence    int64  `bson:"gross"`
	Reference     string `bson:"reference"` // purchase order or care package reference
	Note          string `bson:"note"`
	FileID        string `bson:"file_id,omitempty"`
	FileName      string `bson:"file_name,omitempty"`
	FileSize      int64  `bson:"file_size,omitempty"`
	// Lines, the e-invoice as received and the seller's VAT number it gave (lines.go).
	Lines            []InvoiceLine `bson:"lines,omitempty"`
	EInvoiceFileID   string        `bson:"einvoice_file_id,omitempty"`
	EInvoiceFileName string        `bson:"einvoice_file_name,omitempty"`
	SellerVATNumber  string        `bson:"seller_vat_number,omitempty"`

	ReceivedAt   time.Time `bson:"received_at"`
	ReceivedDate string    `bson:"received_date"` // London day of receipt: the clock starts
	TermsDays    int       `bson:"terms_days"`
	DueDate      string    `bson:"due_date"`               // last day on which payment is on time
	OwnDueDate   string    `bson:"own_due_date,omitempty"` // the date the invoice itself gives, if any

	Status           Status `bson:"status"`
	Version          int    `bson:"version"` // = the Seq of the last event applied
	ApprovedDate     string `bson:"approved_date,omitempty"`
	ScheduledDate    string `bson:"scheduled_date,omitempty"` // expected payment date
	PaidDate         string `bson:"paid_date,omitempty"`
	PaidPence        int64  `bson:"paid_amount,omitempty"`
	PaymentReference string `bson:"payment_reference,omitempty"`
	PaymentSource    string `bson:"payment_source,omitempty"`
	Reason           string `bson:"reason,omitempty"` // the latest query or rejection reason
	Imported         bool   `bson:"imported,omitempty"`
	// Payments are the money steps (payments and credit notes), in order;
	// PaidPence is the sum of the payments, CreditPence of the credits.
	Payments    []Payment `bson:"payments,omitempty"`
	CreditPence int64     `bson:"credit_pence,omitempty"`
	// Recoveries are the overpayments recovered from the provider, in
	// order; RecoveredPence is their sum (recovery.go).
	Recoveries     []Recovery `bson:"recoveries,omitempty"`
	RecoveredPence int64      `bson:"recovered_pence,omitempty"`

	History   []Event   `bson:"history"`
	UpdatedAt time.Time `bson:"updated_at"`

	// partial: History holds only what the stored snapshot keeps of each
	// step (day, statuses, payment); Service.Invoice reads the events.
	partial bool
}

// eventDay is the London calendar day an event took effect.
func eventDay(ev Event) string {
	if ev.Date != "" {
		return ev.Date
	}
	return LondonDay(ev.At)
}

// Overdue reports whether the council owes the invoice after its due date:
// approved, scheduled or still waiting for approval (an unapproved invoice
// is overdue once its deadline has passed), or queried only after the
// deadline had passed (a late query does not stop the clock). An invoice
// queried before its deadline is disputed, so not overdue while the query
// lasts (payments/metrics.Invoice.ClockOn is the same rule).
func (inv *Invoice) Overdue(today string) bool {
	if inv.DueDate == "" || inv.DueDate >= today {
		return false
	}
	switch inv.Status {
	case StatusSubmitted, StatusApproved, StatusScheduled:
		return true
	case StatusQueried:
		return eventDay(inv.LastEvent()) > inv.DueDate
	}
	return false
}

// DueSoonDays is how near its due date (the s68 deadline) an unpaid
// invoice must be to be in the "due soon" work queue.
const DueSoonDays = 5

// DueSoon reports whether the invoice is unpaid, not queried, and due
// today or within DueSoonDays: the ones to pay now to stay within s68.
func (inv *Invoice) DueSoon(today string) bool {
	if inv.DueDate == "" || inv.DueDate < today || inv.DueDate > AddDays(today, DueSoonDays) {
		return false
	}
	switch inv.Status {
	case StatusSubmitted, StatusApproved, StatusScheduled:
		return true
	}
	return false
}

// DaysOverdue is how many days past the due date an unpaid invoice is
// (0 when not overdue).
func (inv *Invoice) DaysOverdue(today string) int {
	if !inv.Overdue(today) {
		return 0
	}
	return DaysBetween(inv.DueDate, today)
}

// DaysUntilDue is how many days remain until the due date (0 on the day).
func (inv *Invoice) DaysUntilDue(today string) int { return DaysBetween(today, inv.DueDate) }

// LastEvent is the latest step of the history.
func (inv *Invoice) LastEvent() Event {
	if len(inv.History) == 0 {
		return Event{}
	}
	return inv.History[len(inv.History)-1]
}

// apply moves the snapshot through one event. History is copied, never
// appended in place, so earlier copies handed out stay as they were.
func (inv *Invoice) apply(ev Event) {
	// Disputes (the rule of payments/metrics.Invoice.ClockOn): a query
	// raised on or before the deadline suspends s68(2); when it ends the
	// invoice is valid and undisputed from that day and the deadline is
	// worked out again from it. A query raised after the deadline leaves
	// the deadline where it was.
	if inv.Status == StatusQueried && ev.To != StatusQueried && len(inv.History) > 0 {
		if q := inv.History[len(inv.History)-1]; q.To == StatusQueried && eventDay(q) <= inv.DueDate {
			inv.DueDate = Deadline(eventDay(ev), inv.OwnDueDate, inv.TermsDays)
		}
	}
	h := make([]Event, len(inv.History), len(inv.History)+1)
	copy(h, inv.History)
	inv.History = append(h, ev)
	inv.Status = ev.To
	inv.Version = ev.Seq
	inv.UpdatedAt = ev.At
	// A part payment or credit keeps the status: it is not a new approval.
	to := ev.To
	if ev.IsMoney() && ev.From == ev.To {
		to = ""
	}
	switch to {
	case StatusQueried, StatusRejected:
		inv.Reason = ev.Note
	case StatusApproved:
		inv.ApprovedDate = ev.Date
	case StatusScheduled:
		inv.ScheduledDate = ev.ScheduledDate
	}
	if ev.Kind == KindRecovery {
		r := make([]Recovery, len(inv.Recoveries), len(inv.Recoveries)+1)
		copy(r, inv.Recoveries)
		inv.Recoveries = append(r, Recovery{Seq: ev.Seq, Date: ev.PaymentDate, Pence: ev.AmountPence, Method: ev.Method, Reference: ev.Reference, Note: ev.Note, ByName: ev.ByName})
		inv.RecoveredPence += ev.AmountPence
	}
	if ev.IsMoney() {
		p := make([]Payment, len(inv.Payments), len(inv.Payments)+1)
		copy(p, inv.Payments)
		inv.Payments = append(p, Payment{Seq: ev.Seq, Date: ev.PaymentDate, Pence: ev.AmountPence, Reference: ev.Reference,
			Source: ev.Source, Credit: ev.Kind == KindCredit, Note: ev.Note, OverPence: ev.OverPence})
		if ev.Kind == KindCredit {
			inv.CreditPence += ev.AmountPence
		} else {
			inv.PaidDate = ev.PaymentDate
			inv.PaidPence += ev.AmountPence
			inv.PaymentReference = ev.Reference
			inv.PaymentSource = ev.Source
		}
	}
}

// NormaliseNumber is the form of an invoice number used to spot duplicates:
// upper case, letters and digits only ("inv-001 " and "INV 001" are the
// same invoice).
func NormaliseNumber(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	return b.String()
}

// normaliseRef is the unique key of a contract reference: upper case,
// spaces trimmed.
func normaliseRef(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }
