package payments

import (
	"context"
	"fmt"
	"strings"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/format"
)

// Kinds of money step (Event.Kind).
const (
	KindPayment = "payment"
	KindCredit  = "credit"
)

// Payment is one money step of an invoice: a payment received by the
// provider, or a credit note reducing what is owed. Amounts are pence.
type Payment struct {
	Seq       int    `bson:"seq"` // the event's sequence number
	Date      string `bson:"date"`
	Pence     int64  `bson:"pence"`
	Reference string `bson:"reference,omitempty"`
	Source    string `bson:"source,omitempty"`
	Credit    bool   `bson:"credit,omitempty"`
	Note      string `bson:"note,omitempty"` // the credit's reason
	// OverPence is the part of a credit beyond the balance it found: an
	// overpayment owed back by the provider (Event.OverPence).
	OverPence int64 `bson:"over_pence,omitempty"`
}

// IsMoney reports whether the step moves money: a payment or credit, or
// the paid step of older versions (which had no Kind).
func (ev *Event) IsMoney() bool {
	return ev.Kind == KindPayment || ev.Kind == KindCredit || (ev.Kind == "" && ev.To == StatusPaid)
}

// Balance is what is still owed on the invoice: gross, minus payments,
// minus credit notes, plus overpayments recovered from the provider
// (pence). Negative when over-paid and not yet recovered.
func (inv *Invoice) Balance() int64 {
	return inv.GrossPence - inv.PaidPence - inv.CreditPence + inv.RecoveredPence
}

// Overpaid is what the provider owes back (pence): the council paid and
// credited more than the invoice's gross (a correction of care not
// delivered after it was paid, or an over-payment staff accepted). The
// council recovers it from the provider's next payment; 0 when none.
func (inv *Invoice) Overpaid() int64 {
	if b := inv.Balance(); b < 0 {
		return -b
	}
	return 0
}

// CreditBeyondBalance is the sum of the credits' parts beyond the balance
// they found (overpayments). The payment figures leave it out: it did not
// reduce what was owed when the invoice was paid, and recovering it is
// not a payment of the invoice.
func (inv *Invoice) CreditBeyondBalance() int64 {
	var n int64
	for _, p := range inv.Payments {
		if p.Credit {
			n += p.OverPence
		}
	}
	return n
}

// PartPaid reports whether some money has been paid or credited but a
// balance is left.
func (inv *Invoice) PartPaid() bool {
	return inv.Status != StatusPaid && (inv.PaidPence > 0 || inv.CreditPence > 0) && inv.Balance() > 0
}

// Money is what RecordPayment and RecordCredit are given.
type Money struct {
	Date      string // payment date "YYYY-MM-DD" (or as typed); for a credit, the credit note's date (today if empty)
	Pence     int64
	Reference string // payment reference, or the credit note's number
	Source    string // portal, remittance, api, import
	Note      string // the reason (required for a credit)
	// AcceptOver lets a payment be more than the balance: staff accepting
	// an over-payment from the remittance (the balance goes below zero:
	// owed back by the provider).
	AcceptOver bool
	// Overpayment lets a credit be more than the balance, also on an
	// invoice already paid in full: the council's own correction of care
	// it paid for that was not delivered (care actuals corrections, staff
	// only). The part beyond the balance is an overpayment owed back by
	// the provider (Event.OverPence).
	Overpayment bool
}

// RecordPayment records a payment against the invoice. A payment of the
// whole balance makes the invoice paid; less leaves it part-paid, in the
// status it was (still open: in the queues and the ageing). A payment over
// the balance is refused (an over-payment is for staff to resolve).
//
// The remittance file is a fact: source "remittance" may pay an invoice
// that is submitted or queried; its history then says it was paid from the
// remittance without approval in the portal. Other sources need the
// invoice approved or scheduled, and a payment date on or after the day it
// was approved. No source may pay a rejected or cancelled invoice, or date
// a payment before the invoice was received.
func (s *Service) RecordPayment(ctx context.Context, actor *auth.Principal, invoiceID string, expectedVersion int, m Money) (Invoice, error) {
	return s.recordMoney(ctx, actor, invoiceID, expectedVersion, KindPayment, m)
}

// RecordCredit records a credit note against the invoice: it reduces the
// balance, and a credit that settles it closes the invoice (paid). A credit
// larger than the balance is refused and changes nothing. A reason is
// required (a short payment staff accept as settling is a credit, with its
// reason).
func (s *Service) RecordCredit(ctx context.Context, actor *auth.Principal, invoiceID string, expectedVersion int, m Money) (Invoice, error) {
	return s.recordMoney(ctx, actor, invoiceID, expectedVersion, KindCredit, m)
}

func (s *Service) recordMoney(ctx context.Context, actor *auth.Principal, invoiceID string, expectedVersion int, kind string, m Money) (Invoice, error) {
	if !actor.IsStaff() {
		return Invoice{}, fault.Forbiddenf("Only council staff can record payments and credit notes")
	}
	inv, ev, err := s.prepareMoney(ctx, actor, invoiceID, expectedVersion, kind, m)
	if err != nil {
		return Invoice{}, err
	}
	return s.record(ctx, inv, ev)
}

// prepareMoney checks a money step against the balance rules and builds its
// event, writing nothing; the caller checks who may take it.
func (s *Service) prepareMoney(ctx context.Context, actor *auth.Principal, invoiceID string, expectedVersion int, kind string, m Money) (Invoice, Event, error) {
	// The read model's copy: a money step needs the amounts and the steps'
	// days and statuses (what the snapshot keeps), not the whole history
	// read back from the events (one lookup per step: the cost of a
	// remittance line). Before the read model is loaded (a command-line
	// import), the stored snapshot (lookup.go).
	inv, ok, err := s.current(ctx, invoiceID)
	if err != nil {
		return Invoice{}, Event{}, err
	}
	if !ok || !actor.CanSeeOrg(inv.OrgID) {
		return Invoice{}, Event{}, fault.NotFoundf("invoice not found")
	}
	if expectedVersion >= 0 && inv.Version != expectedVersion {
		return Invoice{}, Event{}, fault.Conflictf(ErrChanged)
	}
	word := "paid"
	if kind == KindCredit {
		word = "credited"
	}
	switch inv.Status {
	case StatusRejected, StatusCancelled:
		return Invoice{}, Event{}, fault.Conflictf("This invoice is %s, so it cannot be %s", inv.Status.word(), word)
	case StatusPaid:
		if kind != KindCredit || !m.Overpayment {
			return Invoice{}, Event{}, fault.Conflictf("This invoice is already paid in full")
		}
	case StatusSubmitted, StatusQueried:
		if m.Source != "remittance" && kind == KindPayment {
			return Invoice{}, Event{}, fault.Conflictf("This invoice is %s: approve it before recording a payment", inv.Status.word())
		}
	}
	now := s.now().UTC()
	today := LondonDay(now)
	source := m.Source
	if source == "" {
		source = "portal"
	}
	ev := Event{Seq: inv.Version + 1, At: now, Date: today, ByID: actor.UserID, ByName: actor.DisplayName(), By: PartyOf(actor),
		From: inv.Status, To: inv.Status, Source: source, Kind: kind, Reference: strings.TrimSpace(m.Reference), Note: strings.TrimSpace(m.Note)}
	var fields fault.Fields
	dateField, dateName := "payment_date", "Payment date"
	if kind == KindCredit {
		dateField, dateName = "credit_date", "Credit note date"
	}
	date, derr := ParseDate(m.Date)
	switch {
	case strings.TrimSpace(m.Date) == "" && kind == KindCredit:
		date = today
	case strings.TrimSpace(m.Date) == "":
		fields.Add(dateField, "Enter the payment date")
	case derr != nil:
		fields.Add(dateField, dateName+" "+derr.Error())
	case date > today:
		fields.Add(dateField, dateName+" must be today or in the past")
	case kind == KindCredit && date < creditFloor(&inv):
		// A credit note is the provider's document: it may be dated
		// before the invoice reached the council or was approved, not
		// before the invoice itself.
		fields.Add(dateField, fmt.Sprintf("%s must be on or after the invoice date (%s)", dateName, format.Day(creditFloor(&inv))))
	case kind == KindPayment && date < inv.ReceivedDate:
		fields.Add(dateField, fmt.Sprintf("%s must be on or after the day the invoice was received (%s)", dateName, format.Day(inv.ReceivedDate)))
	case kind == KindPayment && source != "remittance" && inv.ApprovedDate != "" && date < inv.ApprovedDate:
		fields.Add(dateField, fmt.Sprintf("%s must be on or after the day the invoice was approved (%s)", dateName, format.Day(inv.ApprovedDate)))
	}
	ev.PaymentDate = date
	balance := inv.Balance()
	switch {
	case m.Pence <= 0 || m.Pence >= MaxPence:
		if kind == KindCredit {
			fields.Add("amount", "Enter the amount of the credit note")
		} else {
			fields.Add("amount", "Enter the amount paid")
		}
	case m.Overpayment && (kind != KindCredit || !actor.IsStaff()):
		return Invoice{}, Event{}, fault.Forbiddenf("Only the council's own corrections may credit more than the balance")
	case m.Pence > balance && kind == KindCredit && !m.Overpayment:
		fields.Add("amount", fmt.Sprintf("The credit note (%s) is larger than the balance left on the invoice (%s)", format.Pence(m.Pence), format.Pence(balance)))
	case m.Pence > balance && kind == KindPayment && !m.AcceptOver:
		fields.Add("amount", fmt.Sprintf("The payment (%s) is more than the balance left on the invoice (%s): an over-payment is resolved by staff", format.Pence(m.Pence), format.Pence(balance)))
	}
	ev.AmountPence = m.Pence
	if len(ev.Reference) > 60 {
		fields.Add("reference", "The reference must be 60 characters or fewer")
	}
	if len(ev.Note) > 2000 {
		fields.Add("note", "The reason must be 2000 characters or fewer")
	}
	if kind == KindCredit && ev.Note == "" {
		fields.Add("note", "Enter the reason for the credit")
	}
	if err := fields.Err(); err != nil {
		return Invoice{}, Event{}, err
	}
	if m.Pence >= balance {
		ev.To = StatusPaid
	}
	if kind == KindCredit && m.Pence > balance {
		// Only an Overpayment credit gets here: what it finds owed is
		// cleared, the rest is owed back by the provider.
		ev.OverPence = m.Pence - max(balance, 0)
	}
	if kind == KindPayment && (inv.Status == StatusSubmitted || inv.Status == StatusQueried) && ev.Note == "" {
		ev.Note = "Paid from the remittance file without approval in the portal"
	}
	return inv, ev, nil
}

// creditFloor is the earliest day a credit note on inv may be dated: the
// invoice's own date, or the day it was received when it gives none.
func creditFloor(inv *Invoice) string {
	if inv.InvoiceDate != "" && inv.InvoiceDate < inv.ReceivedDate {
		return inv.InvoiceDate
	}
	return inv.ReceivedDate
}
