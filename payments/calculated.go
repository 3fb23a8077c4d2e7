package payments

import (
	"context"
	"fmt"
	"strings"
	"time"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/store"
)

// CalculatedInput is an invoice the council calculated itself on a
// provider's behalf (for example from the care packages' confirmed
// actuals). It is not typed by anyone, so it skips the amount checks a
// provider's invoice gets; it must still be against one of the provider's
// active contracts.
type CalculatedInput struct {
	// ID is the invoice's id, chosen by the caller so that the same
	// calculation always lands on the same invoice: a second submission of
	// the same id (or of the same number) is refused and nothing changes.
	ID         string
	ContractID string
	// Number is the invoice number, unique per provider as for any invoice.
	Number      string
	InvoiceDate string // YYYY-MM-DD
	PeriodStart string
	PeriodEnd   string
	NetPence    int64
	VATPence    int64
	Reference   string
	Note        string
	// ReceivedAt starts the payment clock (the received date is its London
	// day), for example when the provider confirmed the care delivered.
	ReceivedAt time.Time
	// Source says where it came from, e.g. "actuals".
	Source string
	// Lines (optional) must add up to NetPence.
	Lines []InvoiceLine
}

// SubmitCalculated records an invoice calculated by the council as
// submitted, received at in.ReceivedAt, due by the contract's or
// organisation's terms: the same lifecycle as every invoice from there on.
// Only staff (or an import they run) submit one. A second call with the
// same id or number is a fault.Conflict (*DuplicateInvoiceError for the
// number) and changes nothing.
func (s *Service) SubmitCalculated(ctx context.Context, actor *auth.Principal, in CalculatedInput) (Invoice, error) {
	if !actor.IsStaff() {
		return Invoice{}, fault.Forbiddenf("Only council staff submit calculated invoices")
	}
	if err := s.ensureLoaded(ctx); err != nil {
		return Invoice{}, err
	}
	s.mu.RLock()
	c, ok := s.contracts[in.ContractID]
	s.mu.RUnlock()
	existing, dup, err := s.get(ctx, in.ID)
	if err != nil {
		return Invoice{}, err
	}
	switch {
	case in.ID == "" || strings.ContainsAny(in.ID, ":."):
		return Invoice{}, fmt.Errorf("payments: calculated invoice needs an id without ':' or '.'")
	case dup:
		return Invoice{}, &DuplicateInvoiceError{Existing: existing}
	case !ok:
		return Invoice{}, fault.NotFoundf("Contract not found")
	case c.Status != ContractActive:
		return Invoice{}, fault.Conflictf("Contract %s is %s; invoices can only be raised against active contracts", c.Reference, string(c.Status))
	case in.NetPence < 0 || in.VATPence < 0 || in.NetPence+in.VATPence <= 0:
		return Invoice{}, fault.InvalidField("net", "The invoice total must be more than £0")
	case NormaliseNumber(in.Number) == "":
		return Invoice{}, fault.InvalidField("invoice_number", "Invoice number must include letters or numbers")
	case len(in.Lines) > 0 && LinesTotal(in.Lines) != in.NetPence:
		return Invoice{}, fault.InvalidField("lines", "The lines add up to "+FormatPence(LinesTotal(in.Lines))+" but the net amount is "+FormatPence(in.NetPence))
	}
	now := s.now().UTC()
	received := in.ReceivedAt.UTC()
	if received.IsZero() || received.After(now) {
		received = now
	}
	inv := Invoice{
		ID: in.ID, ContractID: c.ID, ContractRef: c.Reference, ContractTitle: c.Title,
		OrgID: c.OrgID, OrgName: c.OrgName, SupplierRef: c.SupplierRef,
		Number: strings.Join(strings.Fields(in.Number), " "), NumberKey: NormaliseNumber(in.Number),
		InvoiceDate: in.InvoiceDate, PeriodStart: in.PeriodStart, PeriodEnd: in.PeriodEnd,
		NetPence: in.NetPence, VATPence: in.VATPence, GrossPence: in.NetPence + in.VATPence,
		Reference: in.Reference, Note: in.Note, Lines: in.Lines,
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	terms := c.TermsDays
	if terms == 0 {
		var err error
		if terms, err = s.orgTerms(ctx, c.OrgID); err != nil {
			return Invoice{}, err
		}
	}
	if terms <= 0 || terms > DefaultTermsDays {
		terms = DefaultTermsDays
	}
	inv.TermsDays = terms
	inv.ReceivedAt = received
	inv.ReceivedDate = LondonDay(received)
	inv.DueDate = DueDate(inv.ReceivedDate, terms)
	source := in.Source
	if source == "" {
		source = "calculated"
	}
	inv.apply(Event{Seq: 1, At: now, Date: inv.ReceivedDate, ByID: actor.UserID, ByName: actor.DisplayName(), By: PartyOf(actor), To: StatusSubmitted, Note: inv.Note, Source: source})
	inv.UpdatedAt = now

	numberID := inv.OrgID + ":" + inv.NumberKey
	if err := s.changes.Begin(ctx, inv.ID, 1, numberID, now); err != nil {
		return Invoice{}, err
	}
	defer s.changes.Finish(ctx, inv.ID, 1)
	if err := s.claimNumber(ctx, actor, &inv); err != nil {
		return Invoice{}, err
	}
	undo := func() {
		uctx, ucancel := store.CallContext(context.WithoutCancel(ctx))
		defer ucancel()
		_, _ = s.db.Collection(colInvoiceNumbers).DeleteOne(uctx, map[string]string{"_id": numberID})
	}
	if err := s.changes.AppendEvent(ctx, inv.ID, 1, inv.History[0]); err != nil {
		undo()
		return Invoice{}, fmt.Errorf("payments: saving the invoice: %w", err)
	}
	if err := s.changes.WriteSnapshot(ctx, inv.ID, &inv, true); err != nil {
		uctx, ucancel := store.CallContext(context.WithoutCancel(ctx))
		_, _ = s.db.Collection(colInvoiceEvents).DeleteOne(uctx, map[string]string{"_id": eventID(inv.ID, 1)})
		ucancel()
		undo()
		return Invoice{}, fmt.Errorf("payments: saving the invoice: %w", err)
	}
	s.putInvoice(&inv)
	return inv, nil
}
