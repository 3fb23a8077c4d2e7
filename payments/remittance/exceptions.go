package remittance

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"careportal/auth"
	"careportal/payments"
	"careportal/portal/fault"
	"careportal/portal/format"
	"careportal/portal/store"
)

const colDecisions = "remittance_decisions"

// Resolution kinds: what staff decide about an exception.
const (
	ResolveMatch       = "match"       // an unknown line matched to an invoice by hand (then paid by the balance rules)
	ResolveAccept      = "accept"      // an amount different accepted as a part or over payment
	ResolveAcknowledge = "acknowledge" // an invoice paid without approval, or not applied, acknowledged
	ResolveNotOurs     = "not_ours"    // the line is not for this portal, with a note
)

// Decision is how an exception was resolved: who, when, what. Its _id is
// the line's (run:line), so a line is resolved once: a second decision
// collides on _id.
type Decision struct {
	ID        string    `bson:"_id"`
	Run       string    `bson:"run"`
	Line      int       `bson:"line"`
	Kind      string    `bson:"kind"`
	InvoiceID string    `bson:"invoice_id,omitempty"`
	Number    string    `bson:"invoice_number,omitempty"`
	Note      string    `bson:"note,omitempty"`
	ByID      string    `bson:"by_id"`
	ByName    string    `bson:"by_name"`
	At        time.Time `bson:"at"`
	// A decision that pays (match, accept) is written first as the intent
	// of its payment: Pending, with the payment and the invoice step it
	// takes (Seq), then the payment, then Pending cleared. A crash between
	// them leaves a pending decision that RepairDecisions completes: it
	// pays unless step Seq of the invoice is already this payment, so the
	// payment is made once.
	Pending    bool   `bson:"pending,omitempty"`
	Seq        int    `bson:"seq,omitempty"`
	PayDate    string `bson:"pay_date,omitempty"`
	PayPence   int64  `bson:"pay_pence,omitempty"`
	PayRef     string `bson:"pay_reference,omitempty"`
	AcceptOver bool   `bson:"accept_over,omitempty"`
}

// Resolution is what a person decides about one exception line.
type Resolution struct {
	Kind string
	// SupplierRef and InvoiceNumber name the invoice (ResolveMatch); an
	// empty SupplierRef is the line's.
	SupplierRef   string
	InvoiceNumber string
	Note          string // required for ResolveNotOurs
}

// Resolve records staff's decision about an exception line of an applied
// run. Matching by hand and accepting a different amount record the
// line's payment on the invoice (payments.RecordPayment: the balance
// rules; an accepted over-payment leaves a negative balance). A line is
// resolved once: a second decision, or two people at once, gets a
// Conflict naming who decided, and changes nothing. A refused payment
// (say, a matched invoice that is cancelled) changes nothing either.
func (s *Service) Resolve(ctx context.Context, actor *auth.Principal, runID string, line int, res Resolution) (Decision, error) {
	if err := staffOnly(actor); err != nil {
		return Decision{}, err
	}
	if !ValidID(runID) {
		return Decision{}, fault.NotFoundf("payment run not found")
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	run, err := s.run(ctx, runID)
	if err != nil {
		return Decision{}, err
	}
	row, ok, err := s.recorded(ctx, run.ID, line)
	if err != nil {
		return Decision{}, err
	}
	if !ok || run.State != StateApplied {
		return Decision{}, fault.NotFoundf("line %d of this payment run has not been applied", line)
	}
	if !row.Outcome.NeedsAttention() {
		return Decision{}, fault.Conflictf("Line %d is not an exception (%s)", line, row.Outcome)
	}
	if prev, ok, err := s.decision(ctx, run.ID, line); err != nil {
		return Decision{}, err
	} else if ok {
		return Decision{}, resolvedTwice(prev)
	}
	d := Decision{ID: rowID(run.ID, line), Run: run.ID, Line: line, Kind: res.Kind, Note: strings.TrimSpace(res.Note),
		ByID: actor.UserID, ByName: actor.DisplayName(), At: s.now().UTC()}
	if len(d.Note) > 2000 {
		return Decision{}, fault.InvalidField("note", "The note must be 2000 characters or fewer")
	}
	pays := false
	switch res.Kind {
	case ResolveMatch:
		if row.Outcome != Unknown {
			return Decision{}, fault.InvalidField("kind", "Only a line for an unknown invoice can be matched by hand")
		}
		supplier := strings.TrimSpace(res.SupplierRef)
		if supplier == "" {
			supplier = row.SupplierRef
		}
		if strings.TrimSpace(res.InvoiceNumber) == "" {
			return Decision{}, fault.InvalidField("invoice_number", "Enter the number of the invoice this line pays")
		}
		inv, known, found, err := s.pay.NewInvoiceFinder().Find(ctx, supplier, res.InvoiceNumber)
		if err != nil {
			return Decision{}, err
		}
		if !known || !found {
			return Decision{}, fault.InvalidField("invoice_number", fmt.Sprintf("Supplier %s has no invoice numbered %s in the portal", supplier, strings.TrimSpace(res.InvoiceNumber)))
		}
		d.InvoiceID, d.Number = inv.ID, inv.Number
		pays = true
	case ResolveAccept:
		if row.Outcome != Difference {
			return Decision{}, fault.InvalidField("kind", "Only a line with a different amount can be accepted as a part or over payment")
		}
		d.InvoiceID, d.Number = row.InvoiceID, row.InvoiceNumber
		d.AcceptOver, pays = true, true
	case ResolveAcknowledge:
		if row.Outcome != PaidUnapproved && row.Outcome != NotPayable {
			return Decision{}, fault.InvalidField("kind", "Only a line for an invoice not approved, or not applied, can be acknowledged")
		}
		d.InvoiceID, d.Number = row.InvoiceID, row.InvoiceNumber
	case ResolveNotOurs:
		if d.Note == "" {
			return Decision{}, fault.InvalidField("note", "Enter why this line is not for the portal")
		}
	default:
		return Decision{}, fault.InvalidField("kind", "Choose what to do with this line")
	}
	if pays {
		inv, err := s.pay.Invoice(ctx, actor, d.InvoiceID)
		if err != nil {
			return Decision{}, err
		}
		d.Pending, d.Seq, d.PayDate, d.PayPence, d.PayRef = true, inv.Version+1, row.PaymentDate, row.AmountPaid, row.PaymentReference
	}
	// The decision is the claim: one person wins the line.
	if _, err := s.db.Collection(colDecisions).InsertOne(ctx, d); err != nil {
		if store.IsDuplicateKey(err) {
			prev, _, _ := s.decision(ctx, run.ID, line)
			return Decision{}, resolvedTwice(prev)
		}
		return Decision{}, fmt.Errorf("remittance: recording the decision: %w", err)
	}
	if !pays {
		return d, nil
	}
	if s.crashIn < 0 {
		return Decision{}, errCrash
	}
	if err := s.payDecision(ctx, actor, &d); err != nil {
		return Decision{}, err
	}
	return d, nil
}

// payDecision records a pending decision's payment as step d.Seq of the
// invoice, then clears Pending. A refused payment takes the decision back
// (nothing changed) and is returned.
func (s *Service) payDecision(ctx context.Context, actor *auth.Principal, d *Decision) error {
	_, err := s.pay.RecordPayment(ctx, actor, d.InvoiceID, d.Seq-1, payments.Money{Date: d.PayDate, Pence: d.PayPence, Reference: d.PayRef, Source: "remittance", AcceptOver: d.AcceptOver})
	if err != nil {
		if paid, perr := s.decisionPaid(ctx, d); perr == nil && paid {
			err = nil // another instance's repair made it
		}
	}
	if err != nil {
		// Refused: take the decision back, nothing changed.
		if _, derr := s.db.Collection(colDecisions).DeleteOne(ctx, bson.D{{Key: "_id", Value: d.ID}}); derr != nil {
			return errors.Join(err, derr)
		}
		return err
	}
	d.Pending = false
	if _, err := s.db.Collection(colDecisions).UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "pending", Value: false}}}}); err != nil {
		// The payment is made; repair sees it and clears Pending.
		s.log.Error("remittance: clearing a decision's intent failed; repair clears it", "decision", d.ID, "err", err)
	}
	return nil
}

// decisionPaid reports whether step d.Seq of the invoice is the decision's
// payment.
func (s *Service) decisionPaid(ctx context.Context, d *Decision) (bool, error) {
	inv, err := s.pay.Invoice(ctx, auth.System("payment runs"), d.InvoiceID)
	if err != nil {
		return false, err
	}
	for _, ev := range inv.History {
		if ev.Seq == d.Seq {
			return ev.Kind == payments.KindPayment && ev.Source == "remittance" && ev.AmountPence == d.PayPence &&
				ev.PaymentDate == d.PayDate && ev.Reference == strings.TrimSpace(d.PayRef) && ev.ByID == d.ByID, nil
		}
	}
	return false, nil
}

// RepairDecisions completes the decisions whose payment a crash cut short
// (pending ones): a decision whose payment is step Seq of the invoice is
// marked done; one whose payment was never made is paid now, as the
// person who decided; one whose payment is refused now (the invoice was
// cancelled meanwhile) is taken back, so the line is open again. On a
// shared store only decisions older than a minute are repaired (a newer
// one may be another instance's, still on its way). The decisions are
// few (one per resolved exception), so the scan is short.
func (s *Service) RepairDecisions(ctx context.Context) error {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	ds, err := store.FindAll[Decision](ctx, s.db.Collection(colDecisions), bson.D{{Key: "pending", Value: true}})
	if err != nil {
		return fmt.Errorf("remittance: reading decisions in flight: %w", err)
	}
	for _, d := range ds {
		if !s.single && s.now().Sub(d.At) < time.Minute {
			continue
		}
		paid, err := s.decisionPaid(ctx, &d)
		if err != nil {
			return err
		}
		if paid {
			if _, err := s.db.Collection(colDecisions).UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "pending", Value: false}}}}); err != nil {
				return fmt.Errorf("remittance: completing a decision: %w", err)
			}
			continue
		}
		inv, err := s.pay.Invoice(ctx, auth.System("payment runs"), d.InvoiceID)
		if err != nil {
			return err
		}
		if inv.Version >= d.Seq {
			// Step Seq is someone else's: the payment was never made. Take
			// the next step, saying so first, so it is still made once.
			d.Seq = inv.Version + 1
			if _, err := s.db.Collection(colDecisions).UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "seq", Value: d.Seq}}}}); err != nil {
				return fmt.Errorf("remittance: completing a decision: %w", err)
			}
		}
		actor := &auth.Principal{UserID: d.ByID, Name: d.ByName, Role: auth.RoleBrokerage}
		if err := s.payDecision(ctx, actor, &d); err != nil {
			s.log.Warn("remittance: a decision's payment was refused on repair; the line is open again", "decision", d.ID, "err", err)
		} else {
			s.log.Info("remittance: completed a decision's payment after a crash", "decision", d.ID)
		}
	}
	return nil
}

func resolvedTwice(prev Decision) error {
	if prev.ByName == "" {
		return fault.Conflictf("This line has already been resolved")
	}
	return fault.Conflictf("This line was already resolved by %s on %s: %s", prev.ByName, format.Day(payments.LondonDay(prev.At)), prev.describe())
}

func (s *Service) decision(ctx context.Context, run string, line int) (Decision, bool, error) {
	var d Decision
	err := s.db.Collection(colDecisions).FindOne(ctx, bson.D{{Key: "_id", Value: rowID(run, line)}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Decision{}, false, nil
	}
	if err != nil {
		return Decision{}, false, fmt.Errorf("remittance: reading the decision on line %d: %w", line, err)
	}
	return d, true, nil
}

// Decisions returns the decisions on a run's exception lines, by line
// (one lookup by _id per exception).
func (s *Service) Decisions(ctx context.Context, actor *auth.Principal, rep Report) (map[int]Decision, error) {
	return s.DecisionsOn(ctx, actor, rep.Run, rep.Rows)
}

// DecisionsOn returns the decisions on the exception lines among rows of
// the run (a page of its lines), by line.
func (s *Service) DecisionsOn(ctx context.Context, actor *auth.Principal, run Run, rows []Row) (map[int]Decision, error) {
	if err := staffOnly(actor); err != nil {
		return nil, err
	}
	out := map[int]Decision{}
	if run.State != StateApplied {
		return out, nil
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	for _, r := range rows {
		if !r.Outcome.NeedsAttention() {
			continue
		}
		d, ok, err := s.decision(ctx, run.ID, r.Line)
		if err != nil {
			return nil, err
		}
		if ok {
			out[r.Line] = d
		}
	}
	return out, nil
}

// OpenExceptions is the number of exception lines of applied runs not yet
// resolved, for the staff home page: the runs' counts of lines needing
// attention, less the decisions made.
func (s *Service) OpenExceptions(ctx context.Context, actor *auth.Principal) (int, error) {
	runs, err := s.Runs(ctx, actor, 0)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range runs {
		for o, c := range r.Counts {
			if Outcome(o).NeedsAttention() {
				n += c
			}
		}
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	done, err := s.db.Collection(colDecisions).CountDocuments(ctx, bson.D{})
	if err != nil {
		return 0, fmt.Errorf("remittance: counting decisions: %w", err)
	}
	return max(n-int(done), 0), nil
}

// describe is the decision in this package's messages.
func (d Decision) describe() string {
	switch d.Kind {
	case ResolveMatch:
		return "Matched by hand to invoice " + d.Number
	case ResolveAccept:
		return "Accepted as paid"
	case ResolveAcknowledge:
		return "Acknowledged"
	case ResolveNotOurs:
		return "Not ours"
	}
	return d.Kind
}
