package performance

import (
	"context"
	"fmt"
	"strings"
	"time"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/metrics"
	"careportal/portal/fault"
	"careportal/portal/format"
	"careportal/portal/store"
)

// InterestPayment is a payment of late-payment interest (or a fixed sum)
// that staff recorded against an invoice.
type InterestPayment struct {
	ID        string    `bson:"_id"`
	InvoiceID string    `bson:"invoice_id"`
	OrgID     string    `bson:"org_id"`
	Date      string    `bson:"date"` // YYYY-MM-DD, the day it was paid
	Pence     int64     `bson:"pence"`
	Reference string    `bson:"reference"`
	Note      string    `bson:"note"`
	ByID      string    `bson:"by_id"`
	ByName    string    `bson:"by_name"`
	At        time.Time `bson:"at"`
}

// InterestInput is the form for recording an interest payment, as typed.
type InterestInput struct {
	Date      string
	Amount    string
	Reference string
	Note      string
}

// InterestPayments lists what was recorded against an invoice, oldest first.
func (s *Service) InterestPayments(ctx context.Context, invoiceID string) ([]InterestPayment, error) {
	if err := s.ensureLoaded(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]InterestPayment(nil), s.interest[invoiceID]...), nil
}

// RecordInterestPayment records a payment of interest against an invoice.
// The invoice must exist; the date must be a real day, not in the future
// and not before the invoice was received; the amount must be positive.
func (s *Service) RecordInterestPayment(ctx context.Context, actor *auth.Principal, invoiceID string, in InterestInput) (InterestPayment, error) {
	if !actor.IsStaff() {
		return InterestPayment{}, fault.Forbiddenf("only council staff record interest payments")
	}
	_, inv, err := s.InvoiceInterest(ctx, invoiceID)
	if err != nil {
		return InterestPayment{}, err
	}
	var f fault.Fields
	day, derr := payments.ParseDate(in.Date)
	today := s.Today()
	if derr != nil {
		f.Add("date", "Date paid "+derr.Error())
	} else if d := metrics.MustDate(day); d > today {
		f.Add("date", "Date paid must be today or in the past")
	} else if d < inv.Received {
		f.Add("date", "Date paid must be on or after the day the invoice was received ("+format.Day(inv.Received.String())+")")
	}
	pence, perr := payments.ParsePence(in.Amount, false)
	switch {
	case strings.TrimSpace(in.Amount) == "":
		f.Add("amount", "Enter the amount of interest paid")
	case perr != nil:
		f.Add("amount", "Amount "+perr.Error())
	case pence <= 0:
		f.Add("amount", "Amount must be more than £0")
	}
	in.Reference = strings.TrimSpace(in.Reference)
	in.Note = strings.TrimSpace(in.Note)
	if len(in.Reference) > 100 {
		f.Add("reference", "Payment reference must be 100 characters or fewer")
	}
	if len(in.Note) > 1000 {
		f.Add("note", "Note must be 1,000 characters or fewer")
	}
	if err := f.Err(); err != nil {
		return InterestPayment{}, err
	}
	p := InterestPayment{ID: newID(), InvoiceID: invoiceID, OrgID: inv.OrgID, Date: day, Pence: pence,
		Reference: in.Reference, Note: in.Note, ByID: actor.UserID, ByName: actor.DisplayName(), At: s.now().UTC()}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	if _, err := s.db.Collection(colInterestPayments).InsertOne(ctx, p); err != nil {
		return InterestPayment{}, fmt.Errorf("performance: recording interest payment: %w", err)
	}
	s.mu.Lock()
	list := append(append([]InterestPayment(nil), s.interest[invoiceID]...), p)
	sortInterest(list)
	s.interest[invoiceID] = list
	s.ownWrites++
	s.mu.Unlock()
	return p, nil
}
