package payments

// Point lookups that work before the read model is loaded. The portal
// loads the invoices read model at start-up, but a command-line import
// (a remittance file) touches a few invoices out of every one ever
// received: it finds each by its number through the invoice number
// document (orgID:number, by _id) and reads its snapshot by _id, instead
// of loading the whole history first. Once the read model is loaded the
// lookups answer from memory, as before.

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

// prepare runs, once, what must happen before any invoice is read from the
// store: the one-time migrations of older stores, the repair of changes a
// crash left in flight, and the contracts read model. The invoices read
// model's Load runs it first; point lookups made before that run it on
// their own.
func (s *Service) prepare(ctx context.Context) error {
	s.prepMu.Lock()
	defer s.prepMu.Unlock()
	if s.prepared {
		return nil
	}
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	if err := s.changes.Repair(ctx, time.Time{}); err != nil {
		return err
	}
	if err := s.contractsRM.Load(ctx); err != nil {
		return err
	}
	s.prepared = true
	return nil
}

// current is the invoice's snapshot as it is now: the read model's copy
// once it is loaded (read by _id when compacted, rows.go); before that, read from the store by _id (a snapshot
// written by this process is found there too). ok is false when there is
// no such invoice.
func (s *Service) current(ctx context.Context, id string) (inv Invoice, ok bool, err error) {
	if s.invoicesRM.Loaded() {
		return s.get(ctx, id)
	}
	if err := s.prepare(ctx); err != nil {
		return Invoice{}, false, err
	}
	cctx, cancel := store.CallContext(ctx)
	defer cancel()
	inv, err = s.readSnapshot(cctx, id)
	if fault.KindOf(err) == fault.NotFound {
		return Invoice{}, false, nil
	}
	if err != nil {
		return Invoice{}, false, fmt.Errorf("payments: reading invoice %s: %w", id, err)
	}
	return inv, true, nil
}

// byNumberNow is the invoice of the organisation numbered key (a
// NormaliseNumber key): from the read model once it is loaded; before
// that through the invoice number document (the number's claim, by _id)
// and the snapshot it names. A claim whose invoice was never written (a
// submission cut short) finds nothing, as in the read model.
func (s *Service) byNumberNow(ctx context.Context, orgID, key string) (inv Invoice, ok bool, err error) {
	if s.invoicesRM.Loaded() {
		s.mu.RLock()
		i, ok := s.rowByNumber(orgID, key)
		return s.getRow(ctx, i, ok)
	}
	if err := s.prepare(ctx); err != nil {
		return Invoice{}, false, err
	}
	cctx, cancel := store.CallContext(ctx)
	var nd numberDoc
	err = s.db.Collection(colInvoiceNumbers).FindOne(cctx, bson.D{{Key: "_id", Value: orgID + ":" + key}}).Decode(&nd)
	cancel()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Invoice{}, false, nil
	}
	if err != nil {
		return Invoice{}, false, fmt.Errorf("payments: reading invoice number %s: %w", key, err)
	}
	return s.current(ctx, nd.InvoiceID)
}
