package payments

import (
	"context"
	"fmt"
	"strings"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/format"
)

// KindRecovery is the Event.Kind of an overpayment recovered from the
// provider. It moves money back to the council, so it is not a payment or
// credit of the invoice (Event.IsMoney is false): the payment figures and
// remittance advice leave it out.
const KindRecovery = "recovery"

// How an overpayment was recovered (Event.Method).
const (
	RecoveryRepaid = "repaid"  // the provider paid the money back
	RecoverySetOff = "set-off" // set off against a later payment to the provider
)

// Recovery is one overpayment recovered from the provider: the day, the
// amount (pence), how, the reference (the provider's repayment, or the
// payment it was set off against) and a note.
type Recovery struct {
	Seq       int    `bson:"seq"`
	Date      string `bson:"date"`
	Pence     int64  `bson:"pence"`
	Method    string `bson:"method"`
	Reference string `bson:"reference,omitempty"`
	Note      string `bson:"note,omitempty"`
	ByName    string `bson:"by_name,omitempty"`
}

// RecoveryInput is what RecordRecovery is given.
type RecoveryInput struct {
	Date      string // the day the money came back or was set off ("YYYY-MM-DD" or as typed)
	Pence     int64
	Method    string // RecoveryRepaid or RecoverySetOff
	Reference string
	Note      string
}

// OverpaidSince is the day the invoice became overpaid: the day of the
// payment or credit note that took the balance below zero ("" when it
// never was).
func (inv *Invoice) OverpaidSince() string {
	left := inv.GrossPence
	for _, p := range inv.Payments {
		left -= p.Pence
		if left < 0 {
			return p.Date
		}
	}
	return ""
}

// RecordRecovery records that an overpayment on the invoice was
// recovered: repaid by the provider, or set off against a later payment.
// Staff only. The amount may not be more than what is still overpaid
// (Invoice.Overpaid); once all of it is recovered the invoice leaves the
// overpaid list. The event is the audit trail: who, when, how much, how,
// the reference and the note. Bad input changes nothing.
func (s *Service) RecordRecovery(ctx context.Context, actor *auth.Principal, invoiceID string, expectedVersion int, in RecoveryInput) (Invoice, error) {
	if !actor.IsStaff() {
		return Invoice{}, fault.Forbiddenf("Only council staff can record an overpayment recovered")
	}
	inv, ok, err := s.current(ctx, invoiceID)
	if err != nil {
		return Invoice{}, err
	}
	if !ok || !actor.CanSeeOrg(inv.OrgID) {
		return Invoice{}, fault.NotFoundf("invoice not found")
	}
	if expectedVersion >= 0 && inv.Version != expectedVersion {
		return Invoice{}, fault.Conflictf(ErrChanged)
	}
	over := inv.Overpaid()
	if over == 0 {
		return Invoice{}, fault.Conflictf("Nothing is overpaid on this invoice, so there is nothing to recover")
	}
	now := s.now().UTC()
	today := LondonDay(now)
	var fields fault.Fields
	date, derr := ParseDate(in.Date)
	since := inv.OverpaidSince()
	switch {
	case strings.TrimSpace(in.Date) == "":
		fields.Add("recovery_date", "Enter the date the overpayment was recovered")
	case derr != nil:
		fields.Add("recovery_date", "The date recovered "+derr.Error())
	case date > today:
		fields.Add("recovery_date", "The date recovered must be today or in the past")
	case since != "" && date < since:
		fields.Add("recovery_date", fmt.Sprintf("The date recovered must be on or after %s, the day the invoice was overpaid", format.Day(since)))
	}
	switch {
	case in.Pence <= 0 || in.Pence >= MaxPence:
		fields.Add("recovery_amount", "Enter the amount recovered")
	case in.Pence > over:
		fields.Add("recovery_amount", fmt.Sprintf("The amount recovered (%s) is more than the overpayment left to recover (%s)", format.Pence(in.Pence), format.Pence(over)))
	}
	switch in.Method {
	case RecoveryRepaid, RecoverySetOff:
	default:
		fields.Add("recovery_method", "Select how the overpayment was recovered")
	}
	ref, note := strings.TrimSpace(in.Reference), strings.TrimSpace(in.Note)
	switch {
	case ref == "":
		fields.Add("recovery_reference", "Enter the reference of the repayment, or of the payment it was set off against")
	case len(ref) > 60:
		fields.Add("recovery_reference", "The reference must be 60 characters or fewer")
	}
	if len(note) > 2000 {
		fields.Add("recovery_note", "The note must be 2000 characters or fewer")
	}
	if err := fields.Err(); err != nil {
		return Invoice{}, err
	}
	ev := Event{Seq: inv.Version + 1, At: now, Date: today, ByID: actor.UserID, ByName: actor.DisplayName(), By: PartyOf(actor),
		From: inv.Status, To: inv.Status, Source: "portal", Kind: KindRecovery, PaymentDate: date, AmountPence: in.Pence,
		Reference: ref, Note: note, Method: in.Method}
	return s.record(ctx, inv, ev)
}
