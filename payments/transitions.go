package payments

import (
	"context"
	"fmt"
	"strings"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/store"
)

// Details are the particulars of a step: the expected payment date when
// scheduling, the payment date, amount and reference when paid.
type Details struct {
	ScheduledDate string // "YYYY-MM-DD" or as typed
	PaymentDate   string
	AmountPence   int64
	Reference     string
	Source        string // portal, remittance, api, import
}

// ErrChanged is the message of the Conflict a stale or concurrent change
// gets.
const ErrChanged = "This invoice was changed by someone else; check its latest status"

// Transition moves an invoice one step along the lifecycle. expectedVersion
// is the version the person saw (forms carry it); if the invoice has moved
// on since, or another writer takes the same step at the same moment, the
// answer is a Conflict (ErrChanged) and nothing changes.
//
// The step is one inserted event with _id invoiceID:seq — atomic on both
// stores — then a replace of the snapshot by bare _id.
func (s *Service) Transition(ctx context.Context, actor *auth.Principal, invoiceID string, expectedVersion int, to Status, note string, d Details) (Invoice, error) {
	inv, err := s.Invoice(ctx, actor, invoiceID)
	if err != nil {
		return Invoice{}, err
	}
	if inv.Version != expectedVersion {
		return Invoice{}, fault.Conflictf(ErrChanged)
	}
	if err := CanMove(inv.Status, to, PartyOf(actor)); err != nil {
		return Invoice{}, &fault.Error{Kind: fault.Conflict, Message: "This invoice cannot be changed that way: " + err.Error()}
	}
	if to == StatusPaid {
		// Money follows the balance rules (balance.go).
		return s.recordMoney(ctx, actor, invoiceID, expectedVersion, KindPayment, Money{Date: d.PaymentDate, Pence: d.AmountPence, Reference: d.Reference, Source: d.Source, Note: note})
	}
	st := stepOf(inv.Status, to)
	now := s.now().UTC()
	today := LondonDay(now)
	ev := Event{Seq: inv.Version + 1, At: now, Date: today, ByID: actor.UserID, ByName: actor.DisplayName(), By: PartyOf(actor),
		From: inv.Status, To: to, Note: strings.TrimSpace(note), Source: d.Source}
	if ev.Source == "" {
		ev.Source = "portal"
	}
	var fields fault.Fields
	if len(ev.Note) > 2000 {
		fields.Add("note", "The note must be 2000 characters or fewer")
	}
	if st.needsNote && ev.Note == "" {
		switch to {
		case StatusQueried:
			fields.Add("note", "Enter what you need from the provider")
		case StatusRejected:
			fields.Add("note", "Enter the reason for rejecting the invoice")
		default:
			fields.Add("note", "Enter your answer to the query")
		}
	}
	switch to {
	case StatusScheduled:
		date, err := ParseDate(d.ScheduledDate)
		switch {
		case strings.TrimSpace(d.ScheduledDate) == "":
			fields.Add("scheduled_date", "Enter the expected payment date")
		case err != nil:
			fields.Add("scheduled_date", "Expected payment date "+err.Error())
		case date < today:
			fields.Add("scheduled_date", "Expected payment date must be today or in the future")
		}
		ev.ScheduledDate = date
	case StatusPaid:
		date, err := ParseDate(d.PaymentDate)
		switch {
		case strings.TrimSpace(d.PaymentDate) == "":
			fields.Add("payment_date", "Enter the payment date")
		case err != nil:
			fields.Add("payment_date", "Payment date "+err.Error())
		case date > today:
			fields.Add("payment_date", "Payment date must be today or in the past")
		case date < inv.ReceivedDate:
			fields.Add("payment_date", "Payment date must be on or after the day the invoice was received")
		}
		if d.AmountPence <= 0 || d.AmountPence >= MaxPence {
			fields.Add("amount", "Enter the amount paid")
		}
		if len(d.Reference) > 60 {
			fields.Add("reference", "Payment reference must be 60 characters or fewer")
		}
		ev.PaymentDate, ev.AmountPence, ev.Reference = date, d.AmountPence, strings.TrimSpace(d.Reference)
	}
	if err := fields.Err(); err != nil {
		return Invoice{}, err
	}
	return s.record(ctx, inv, ev)
}

// record takes the step: the intent record, the event, the snapshot
// (store.Changes.Append). Once the event is written the change has
// happened and the read model shows it at once (Changes.Written), even if
// the snapshot write then fails (repair rebuilds it from the events).
func (s *Service) record(ctx context.Context, inv Invoice, ev Event) (Invoice, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	inv.apply(ev)
	if err := s.changes.Append(ctx, inv.ID, ev.Seq, ev, &inv, "", ev.At); err != nil {
		if fault.KindOf(err) == fault.Conflict {
			return Invoice{}, err
		}
		return Invoice{}, fmt.Errorf("payments: recording the change: %w", err)
	}
	return inv, nil
}

// MarkPaid records a payment (remittance import or staff) with the balance
// rules of RecordPayment: the whole balance pays the invoice, less leaves
// it part-paid. amountPence is what was paid; reference is the remittance
// reference; source says where it came from ("remittance").
func (s *Service) MarkPaid(ctx context.Context, actor *auth.Principal, invoiceID, paidDate string, amountPence int64, reference, source string) (Invoice, error) {
	return s.RecordPayment(ctx, actor, invoiceID, -1, Money{Date: paidDate, Pence: amountPence, Reference: reference, Source: source})
}
