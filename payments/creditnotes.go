package payments

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/store"
)

// colCreditNotes holds one document per credit note number of an
// organisation (_id "org:NUMBERKEY"): inserting it claims the number, so
// two credit notes with the same number cannot both be recorded, even at
// the same moment.
const colCreditNotes = "credit_notes"

// CreditNote is a credit note against one invoice: from the provider
// (portal, API, e-invoice) or recorded by payments staff.
type CreditNote struct {
	InvoiceID string // the invoice it credits
	Number    string // the provider's credit note number (unique within the organisation)
	Date      string // "YYYY-MM-DD"; "" means today
	Pence     int64
	Reason    string
	Source    string // "portal", "api", "einvoice", "staff"
	// Overpayment: the council's own correction (care actuals), which may
	// credit more than the balance, also of an invoice paid in full; the
	// part beyond is an overpayment the provider owes back. Staff only.
	Overpayment bool
}

// creditNoteDoc is the claim of a credit note number.
type creditNoteDoc struct {
	ID        string    `bson:"_id"` // orgID:NumberKey
	OrgID     string    `bson:"org_id"`
	Number    string    `bson:"number"`
	InvoiceID string    `bson:"invoice_id"`
	At        time.Time `bson:"at"`
}

// Field names of SubmitCreditNote's field errors (forms and the API use
// them): number, date, amount, reason.
var creditNoteFields = map[string]string{"reference": "number", "credit_date": "date", "note": "reason"}

// SubmitCreditNote records a credit note against an invoice. Providers may
// credit their own organisation's invoices, payments staff any invoice. It
// follows the balance rules of RecordCredit: it reduces the balance, one
// that settles it closes the invoice (paid), one larger than the balance
// is refused by the field amount, and a reason is required. The number is
// required and unique within the organisation: a second credit note with
// it is a Conflict (with the field number). The history records who, when
// and the source.
//
// Two credit notes for the same invoice at the same moment cannot both
// take the same step (the event's _id): the second is checked again
// against the balance the first left, so together they never credit more
// than was owed.
func (s *Service) SubmitCreditNote(ctx context.Context, actor *auth.Principal, cn CreditNote) (Invoice, error) {
	switch {
	case actor.IsStaff():
		if !auth.Can(actor, auth.ActionInvoiceWork) {
			return Invoice{}, fault.Forbiddenf("Only payments staff can record credit notes")
		}
		if cn.Source == "" {
			cn.Source = "staff"
		}
	case actor.IsProvider() && actor.OrgID != "":
		if cn.Source == "" || cn.Source == "staff" {
			cn.Source = "portal"
		}
	default:
		return Invoice{}, fault.Forbiddenf("Only providers and payments staff can record credit notes")
	}
	if err := s.ensureLoaded(ctx); err != nil {
		return Invoice{}, err
	}
	s.mu.RLock()
	var orgID string
	i, ok := s.pos[cn.InvoiceID]
	if ok {
		orgID = s.parties[s.rows[i].party].orgID
	}
	s.mu.RUnlock()
	if !ok || !actor.CanSeeOrg(orgID) {
		return Invoice{}, fault.NotFoundf("invoice not found")
	}
	number := strings.TrimSpace(cn.Number)
	key := NormaliseNumber(number)
	var fields fault.Fields
	switch {
	case number == "":
		fields.Add("number", "Enter the credit note number")
	case len(number) > 60:
		fields.Add("number", "The credit note number must be 60 characters or fewer")
	case key == "":
		fields.Add("number", "The credit note number must contain a letter or a digit")
	}
	if cn.Overpayment && !actor.IsStaff() {
		return Invoice{}, fault.Forbiddenf("Only the council's own corrections may credit more than the balance")
	}
	m := Money{Date: cn.Date, Pence: cn.Pence, Reference: number, Source: cn.Source, Note: cn.Reason, Overpayment: cn.Overpayment}
	claimed := false
	defer func() {
		if claimed {
			s.releaseCreditNote(ctx, orgID, key)
		}
	}()
	for attempt := 0; ; attempt++ {
		inv, ev, err := s.prepareMoney(ctx, actor, cn.InvoiceID, -1, KindCredit, m)
		if fault.KindOf(err) == fault.Invalid || err == nil && len(fields) > 0 {
			for _, f := range fault.FieldsOf(err) {
				if n, ok := creditNoteFields[f.Field]; ok {
					f.Field = n
				}
				if f.Field == "number" && fields.Has("number") {
					continue
				}
				fields.Add(f.Field, strings.Replace(f.Message, "The reference must", "The credit note number must", 1))
			}
			return Invoice{}, sortFields(fields, "number", "date", "amount", "reason").Err()
		}
		if err != nil {
			return Invoice{}, err
		}
		if !claimed {
			if other, ok := s.creditNoteOn(orgID, key); ok {
				return Invoice{}, duplicateCreditNote(number, other)
			}
			if err := s.claimCreditNote(ctx, orgID, key, number, cn.InvoiceID); err != nil {
				return Invoice{}, err
			}
			claimed = true
		}
		got, err := s.record(ctx, inv, ev)
		if err == nil {
			claimed = false
			return got, nil
		}
		// Another step was taken at the same moment: check again against
		// the balance it left (a few times; then say so).
		if fault.KindOf(err) != fault.Conflict || attempt >= 4 {
			return Invoice{}, err
		}
	}
}

// sortFields puts field errors in the form's order.
func sortFields(f fault.Fields, order ...string) fault.Fields {
	out := make(fault.Fields, 0, len(f))
	for _, name := range order {
		for _, e := range f {
			if e.Field == name {
				out = append(out, e)
			}
		}
	}
	for _, e := range f {
		if !out.Has(e.Field) {
			out = append(out, e)
		}
	}
	return out
}

func duplicateCreditNote(number string, on *Invoice) error {
	msg := fmt.Sprintf("Credit note %s has already been recorded", number)
	if on != nil {
		msg = fmt.Sprintf("Credit note %s has already been recorded, against invoice %s", number, on.Number)
	}
	return &fault.Error{Kind: fault.Conflict, Message: msg, Fields: []fault.FieldError{{Field: "number", Message: msg}}}
}

// creditNoteOn finds the organisation's invoice that has a credit with the
// number key (in the read model): credits recorded before numbers were
// claimed count too.
func (s *Service) creditNoteOn(orgID, key string) (*Invoice, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for i := range s.byOrg[orgID].all {
		r := &s.rows[i]
		if r.facts == nil {
			continue
		}
		for _, p := range r.facts.pays {
			if p.credit && p.ref != "" && NormaliseNumber(p.ref) == key {
				// What duplicateCreditNote names: the invoice's number.
				return &Invoice{ID: r.id, Number: r.facts.number}, true
			}
		}
	}
	return nil, false
}

// claimCreditNote inserts the number's claim. A claim already there is a
// duplicate — unless it was left by a credit note that was never recorded
// (the portal stopped half-way), which is cleared and claimed again.
func (s *Service) claimCreditNote(ctx context.Context, orgID, key, number, invoiceID string) error {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	coll := s.db.Collection(colCreditNotes)
	id := orgID + ":" + key
	for attempt := 0; attempt < 2; attempt++ {
		_, err := coll.InsertOne(ctx, creditNoteDoc{ID: id, OrgID: orgID, Number: number, InvoiceID: invoiceID, At: s.now().UTC()})
		if err == nil {
			return nil
		}
		if !store.IsDuplicateKey(err) {
			return fmt.Errorf("payments: claiming the credit note number: %w", err)
		}
		var d creditNoteDoc
		if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
			if errors.Is(err, mongo.ErrNoDocuments) {
				continue
			}
			return fmt.Errorf("payments: reading the credit note number: %w", err)
		}
		if on, ok := s.creditNoteOn(orgID, key); ok {
			return duplicateCreditNote(number, on)
		}
		if d.At.After(s.now().Add(-time.Minute)) {
			return &fault.Error{Kind: fault.Conflict, Message: fmt.Sprintf("Credit note %s is being recorded at this moment; check the invoice in a minute", number),
				Fields: []fault.FieldError{{Field: "number", Message: fmt.Sprintf("Credit note %s is being recorded at this moment; check the invoice in a minute", number)}}}
		}
		_, _ = coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	}
	return fault.Conflictf("Credit note %s could not be recorded; try again", number)
}

// releaseCreditNote removes the claim of a credit note that was not
// recorded (by bare _id: no one else can hold the claim while this does).
func (s *Service) releaseCreditNote(ctx context.Context, orgID, key string) {
	ctx, cancel := store.CallContext(context.WithoutCancel(ctx))
	defer cancel()
	_, err := s.db.Collection(colCreditNotes).DeleteOne(ctx, bson.D{{Key: "_id", Value: orgID + ":" + key}})
	if err != nil {
		s.log.Error("payments: releasing a credit note number failed", "org", orgID, "err", err)
	}
}
