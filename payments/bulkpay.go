package payments

// Paying many invoices in full at once, for the remittance apply: the same
// event-plus-snapshot step as RecordPayment (intent record, event,
// snapshot, intent cleared), written a batch at a time so that a payment
// run costs a few round trips per hundred lines rather than five per line.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/store"
)

// FullPayment is one payment of PayInFull: the whole balance of the
// invoice, paid on Date with Reference, from Source.
type FullPayment struct {
	InvoiceID string
	Date      string // "YYYY-MM-DD"
	Pence     int64
	Reference string
	Source    string
}

// PayInFull records each payment like RecordPayment (expected version -1)
// and returns, by index, what RecordPayment would have: nil when the
// invoice is now paid. A payment that is not plainly valid (not the whole
// balance, a date out of range, an invoice not payable, an invoice named
// twice) goes through RecordPayment itself after the others, so its
// refusal is exactly RecordPayment's. The
// valid ones are written together: their intent records in one insert,
// their events in one insert, then each snapshot, then the intent records
// cleared in one delete. Each step stays atomic on its own (a second
// writer of an invoice's step gets a Conflict for that invoice only) and a
// crash part-way leaves intent records that the start-up repair finishes,
// as for a single payment.
func (s *Service) PayInFull(ctx context.Context, actor *auth.Principal, ps []FullPayment) []error {
	errs := make([]error, len(ps))
	if !actor.IsStaff() {
		for i := range errs {
			errs[i] = fault.Forbiddenf("Only council staff can record payments and credit notes")
		}
		return errs
	}
	now := s.now().UTC()
	today := LondonDay(now)
	var steps []fullStep
	var single []int // after the batch: RecordPayment on its own
	outer := ctx
	defer func() {
		for _, i := range single {
			p := ps[i]
			_, errs[i] = s.RecordPayment(outer, actor, p.InvoiceID, -1, Money{Date: p.Date, Pence: p.Pence, Reference: p.Reference, Source: p.Source})
		}
	}()
	seen := map[string]bool{}
	for i, p := range ps {
		// The read model's copy, or before it is loaded the stored
		// snapshot (lookup.go).
		inv, ok, err := s.current(ctx, p.InvoiceID)
		if err != nil {
			for k := range errs {
				errs[k] = err
			}
			return errs
		}
		date, derr := ParseDate(p.Date)
		ref := strings.TrimSpace(p.Reference)
		plain := ok && actor.CanSeeOrg(inv.OrgID) && !seen[p.InvoiceID] && derr == nil && date <= today && date >= inv.ReceivedDate &&
			p.Pence > 0 && p.Pence < MaxPence && p.Pence == inv.Balance() && len(ref) <= 60 &&
			inv.Status != StatusRejected && inv.Status != StatusCancelled && inv.Status != StatusPaid &&
			(p.Source == "remittance" || (inv.Status != StatusSubmitted && inv.Status != StatusQueried && (inv.ApprovedDate == "" || date >= inv.ApprovedDate)))
		if !plain {
			single = append(single, i)
			continue
		}
		seen[p.InvoiceID] = true
		source := p.Source
		if source == "" {
			source = "portal"
		}
		ev := Event{Seq: inv.Version + 1, At: now, Date: today, ByID: actor.UserID, ByName: actor.DisplayName(), By: PartyOf(actor),
			From: inv.Status, To: StatusPaid, Source: source, Kind: KindPayment, Reference: ref, PaymentDate: date, AmountPence: p.Pence}
		if inv.Status == StatusSubmitted || inv.Status == StatusQueried {
			ev.Note = "Paid from the remittance file without approval in the portal"
		}
		inv.apply(ev)
		steps = append(steps, fullStep{i: i, inv: inv, ev: ev})
	}
	if len(steps) == 0 {
		return errs
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	c := s.changes
	fail := func(st []fullStep, err error) {
		for _, x := range st {
			errs[x.i] = err
		}
	}
	// Intent records first: a step someone else is taking collides here.
	pend := make([]any, len(steps))
	for k, x := range steps {
		pend[k] = store.Pending{ID: store.EventID(x.inv.ID, x.ev.Seq), Entity: x.inv.ID, Seq: x.ev.Seq, At: now}
	}
	dups, err := InsertEach(ctx, c.Pending, pend)
	if err != nil {
		s.clearPending(ctx, steps)
		fail(steps, fmt.Errorf("payments: recording the payments: %w", err))
		return errs
	}
	conflict := fault.Conflictf(ErrChanged)
	var begun []fullStep
	for k, x := range steps {
		if dups[k] {
			errs[x.i] = conflict
			continue
		}
		begun = append(begun, x)
	}
	evs := make([]any, len(begun))
	for k, x := range begun {
		doc, err := c.EventDoc(x.inv.ID, x.ev.Seq, x.ev)
		if err != nil {
			s.clearPending(ctx, begun)
			fail(begun, err)
			return errs
		}
		evs[k] = doc
	}
	dups, err = InsertEach(ctx, c.Events, evs)
	if err != nil {
		// Which events were written is unknown: keep the intent records,
		// so that repair brings each snapshot up to its events.
		fail(begun, fmt.Errorf("payments: recording the payments: %w", err))
		return errs
	}
	var written, lost []fullStep
	for k, x := range begun {
		if dups[k] {
			errs[x.i] = conflict
			lost = append(lost, x)
			continue
		}
		written = append(written, x)
	}
	s.clearPending(ctx, lost)
	// The payments have happened: the read model shows them at once, the
	// listener hears of them, then the snapshots are written.
	var told []fullStep
	for _, x := range written {
		inv := x.inv
		s.putInvoice(&inv)
		if err := s.tell(ctx, &inv, x.ev); err != nil {
			s.log.Error("payments: telling of a payment failed; repair tells it again", "invoice", inv.ID, "seq", x.ev.Seq, "err", err)
		} else {
			told = append(told, x)
		}
	}
	for _, x := range written {
		inv := x.inv
		if err := c.WriteSnapshot(ctx, inv.ID, &inv, false); err != nil {
			// The event stands; the intent record stays and repair
			// rebuilds the snapshot from the events.
			s.log.Error("payments: writing a snapshot failed; repair rebuilds it from its events", "invoice", inv.ID, "err", err)
			told = slices.DeleteFunc(told, func(t fullStep) bool { return t.i == x.i })
		}
	}
	s.clearPending(ctx, told)
	return errs
}

// fullStep is one payment of PayInFull on its way: ps[i], the invoice as
// it will be, and its event.
type fullStep struct {
	i   int
	inv Invoice
	ev  Event
}

// clearPending removes the intent records of finished (or refused) steps
// in one delete (the pending collection holds only steps in flight, so the
// filter's scan is short on the embedded store).
func (s *Service) clearPending(ctx context.Context, steps []fullStep) {
	if len(steps) == 0 {
		return
	}
	ids := make(bson.A, len(steps))
	for k, x := range steps {
		ids[k] = store.EventID(x.inv.ID, x.ev.Seq)
	}
	ctx, cancel := store.CallContext(context.WithoutCancel(ctx))
	defer cancel()
	if _, err := s.changes.Pending.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}); err != nil {
		s.log.Error("payments: clearing finished payments failed; start-up will check them", "err", err)
	}
}

// InsertEach inserts docs into col unordered, so one refused document
// does not stop the others. It returns, by index, the documents refused as
// duplicates (a key already used); any other failure is err. The bulk
// payment and the remittance import (package remittance) both insert this
// way.
func InsertEach(ctx context.Context, col *mongo.Collection, docs []any) (map[int]bool, error) {
	if len(docs) == 0 {
		return nil, nil
	}
	_, err := col.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err == nil {
		return nil, nil
	}
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil {
		return nil, err
	}
	dups := map[int]bool{}
	for _, we := range bwe.WriteErrors {
		if !store.IsDuplicateKey(mongo.WriteException{WriteErrors: []mongo.WriteError{we.WriteError}}) {
			return nil, err
		}
		dups[we.Index] = true
	}
	return dups, nil
}
