package payments

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"careportal/portal/fault"
	"careportal/portal/store"
)

// invoiceRecord is how an invoice snapshot is stored: a few plain fields
// to find and poll by, and the whole Invoice (history included) as one
// BSON document in Doc.
//
// Why: FerretDB 1.24 decodes every field of every document it scans, and
// nested arrays of documents are slow to decode. Measured on 30,000
// invoices with their history as nested documents (about 4 KB each in
// FerretDB's format) a full read took over a minute on a busy 2-core
// machine; stored as one binary field it takes a few seconds. The snapshot
// is derived data (the events are the truth), so nothing is lost by
// storing it opaquely.
type invoiceRecord struct {
	ID        string    `bson:"_id"`
	OrgID     string    `bson:"org_id"`
	Status    Status    `bson:"status"`
	Version   int       `bson:"version"`
	UpdatedAt time.Time `bson:"updated_at"`
	Doc       []byte    `bson:"doc"`
}

func toRecord(inv *Invoice) (invoiceRecord, error) {
	doc, err := bson.Marshal(inv)
	if err != nil {
		return invoiceRecord{}, fmt.Errorf("payments: encoding invoice %s: %w", inv.ID, err)
	}
	return invoiceRecord{ID: inv.ID, OrgID: inv.OrgID, Status: inv.Status, Version: inv.Version, UpdatedAt: inv.UpdatedAt, Doc: doc}, nil
}

func (r *invoiceRecord) invoice() (Invoice, error) {
	var inv Invoice
	if err := bson.Unmarshal(r.Doc, &inv); err != nil {
		return Invoice{}, fmt.Errorf("payments: decoding invoice %s: %w", r.ID, err)
	}
	return inv, nil
}

func (s *Service) insertSnapshot(ctx context.Context, inv *Invoice) error {
	rec, err := toRecord(inv)
	if err != nil {
		return err
	}
	_, err = s.db.Collection(colInvoices).InsertOne(ctx, rec)
	return err
}

func (s *Service) replaceSnapshot(ctx context.Context, inv *Invoice) error {
	rec, err := toRecord(inv)
	if err != nil {
		return err
	}
	_, err = s.db.Collection(colInvoices).ReplaceOne(ctx, bson.D{{Key: "_id", Value: inv.ID}}, rec)
	return err
}

// readSnapshot reads one snapshot from the store by bare _id.
func (s *Service) readSnapshot(ctx context.Context, id string) (Invoice, error) {
	var rec invoiceRecord
	if err := s.db.Collection(colInvoices).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&rec); err != nil {
		return Invoice{}, notFoundOr(err, "invoice")
	}
	return rec.invoice()
}

func (s *Service) readSnapshots(ctx context.Context, filter any) ([]Invoice, error) {
	recs, err := store.FindAll[invoiceRecord](ctx, s.db.Collection(colInvoices), filter)
	if err != nil {
		return nil, err
	}
	out := make([]Invoice, 0, len(recs))
	for i := range recs {
		inv, err := recs[i].invoice()
		if err != nil {
			return nil, err
		}
		out = append(out, inv)
	}
	return out, nil
}

// pendingDoc is the intent log of a change in flight: written before the
// event (its _id is the event's, so two writers of the same step collide
// here first) and removed once the snapshot is written. What is left at
// start-up marks the only invoices that can be out of step with their
// events, so repair never scans the events.
type pendingDoc struct {
	ID        string    `bson:"_id"` // invoiceID:seq
	InvoiceID string    `bson:"invoice_id"`
	Seq       int       `bson:"seq"`
	NumberID  string    `bson:"number_id,omitempty"` // for a submission: the invoice number claimed
	At        time.Time `bson:"at"`
}

func (s *Service) clearPending(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, err := s.db.Collection(colInvoicePending).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		s.log.Error("payments: clearing a finished change failed; start-up will check it", "change", id, "err", err)
	}
}

// repairPending finishes or undoes the changes a crash left in flight: the
// snapshot catches up with its events (events are the truth), a submission
// event missing from the store is written from the snapshot, and a
// submission that never wrote its snapshot releases its invoice number.
//
// At start-up every record is repaired (before=zero); Poll repairs those
// older than a minute, left by another instance that stopped mid-change.
func (s *Service) repairPending(ctx context.Context, before time.Time) error {
	filter := bson.D{}
	if !before.IsZero() {
		filter = bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: before}}}}
	}
	pend, err := store.FindAll[pendingDoc](ctx, s.db.Collection(colInvoicePending), filter)
	if err != nil {
		return fmt.Errorf("payments: reading changes in flight: %w", err)
	}
	for _, p := range pend {
		keep := false
		inv, err := s.readSnapshot(ctx, p.InvoiceID)
		switch {
		case err != nil && fault.KindOf(err) != fault.NotFound:
			return err
		case err != nil: // the snapshot was never written: undo the submission
			if p.NumberID != "" {
				_, _ = s.db.Collection(colInvoiceNumbers).DeleteOne(ctx, bson.D{{Key: "_id", Value: p.NumberID}, {Key: "invoice_id", Value: p.InvoiceID}})
			}
			_, _ = s.db.Collection(colInvoiceEvents).DeleteOne(ctx, bson.D{{Key: "_id", Value: eventID(p.InvoiceID, p.Seq)}})
		default:
			changed := false
			for seq := inv.Version + 1; ; seq++ {
				var d eventDoc
				err := s.db.Collection(colInvoiceEvents).FindOne(ctx, bson.D{{Key: "_id", Value: eventID(inv.ID, seq)}}).Decode(&d)
				if errors.Is(err, mongo.ErrNoDocuments) {
					break
				}
				if err != nil {
					return fmt.Errorf("payments: repairing invoice %s: %w", inv.ID, err)
				}
				inv.apply(d.Event)
				changed = true
			}
			if changed {
				if err := s.replaceSnapshot(ctx, &inv); err != nil {
					return fmt.Errorf("payments: repairing invoice %s: %w", inv.ID, err)
				}
				s.log.Warn("payments: invoice snapshot was behind its events; rebuilt", "invoice", inv.ID, "version", inv.Version)
				if s.loaded {
					s.putInvoice(&inv)
				}
			}
			for _, ev := range inv.History {
				if ev.Seq != p.Seq {
					continue
				}
				if !s.tell(ctx, inv, ev) {
					keep = true // the next repair tells it again
				}
				_, err := s.db.Collection(colInvoiceEvents).InsertOne(ctx, eventDoc{ID: eventID(inv.ID, ev.Seq), InvoiceID: inv.ID, Event: ev})
				if err == nil {
					s.log.Warn("payments: invoice event was missing; written from the snapshot", "invoice", inv.ID, "seq", ev.Seq)
				}
			}
		}
		if keep {
			continue
		}
		if _, err := s.db.Collection(colInvoicePending).DeleteOne(ctx, bson.D{{Key: "_id", Value: p.ID}}); err != nil {
			return err
		}
	}
	return nil
}
