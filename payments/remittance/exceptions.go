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
	var pay func() error
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
		pay = func() error {
			_, err := s.pay.RecordPayment(ctx, actor, inv.ID, -1, payments.Money{Date: row.PaymentDate, Pence: row.AmountPaid, Reference: row.PaymentReference, Source: "remittance"})
			return err
		}
	case ResolveAccept:
		if row.Outcome != Difference {
			return Decision{}, fault.InvalidField("kind", "Only a line with a different amount can be accepted as a part or over payment")
		}
		d.InvoiceID, d.Number = row.InvoiceID, row.InvoiceNumber
		pay = func() error {
			_, err := s.pay.RecordPayment(ctx, actor, row.InvoiceID, -1, payments.Money{Date: row.PaymentDate, Pence: row.AmountPaid, Reference: row.PaymentReference, Source: "remittance", AcceptOver: true})
			return err
		}
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
	// The decision is the claim: one person wins the line.
	if _, err := s.db.Collection(colDecisions).InsertOne(ctx, d); err != nil {
		if store.IsDuplicateKey(err) {
			prev, _, _ := s.decision(ctx, run.ID, line)
			return Decision{}, resolvedTwice(prev)
		}
		return Decision{}, fmt.Errorf("remittance: recording the decision: %w", err)
	}
	if pay != nil {
		if err := pay(); err != nil {
			// Refused: take the decision back, nothing changed.
			if _, derr := s.db.Collection(colDecisions).DeleteOne(ctx, bson.D{{Key: "_id", Value: d.ID}}); derr != nil {
				return Decision{}, errors.Join(err, derr)
			}
			return Decision{}, err
		}
	}
	return d, nil
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
	if err := staffOnly(actor); err != nil {
		return nil, err
	}
	out := map[int]Decision{}
	if !rep.Applied() {
		return out, nil
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	for _, r := range rep.Rows {
		if !r.Outcome.NeedsAttention() {
			continue
		}
		d, ok, err := s.decision(ctx, rep.Run.ID, r.Line)
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
