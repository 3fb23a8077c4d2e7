package payments

// Reads of the stored invoices that do not need the invoices read model:
// the command line's report (`portal report payments`) walks every
// invoice once, through a cursor, one batch at a time, and keeps none of
// them, instead of loading all of them into memory first.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/portal/store"
)

// storedBatch is how many invoice documents a cursor batch carries.
const storedBatch = 1000

// RawStream reads every document of a collection, one at a time, straight
// from the store (store.Store.StreamRaw in embedded mode); it returns
// store.ErrNoBulkRead, before handing any document, when it cannot.
type RawStream func(ctx context.Context, collection string, fn func(doc bson.Raw) error) error

// EachStoredInvoice calls fn with every invoice snapshot in the store, in
// no particular order, as the read model would hold it (decodeInvoice),
// without loading the read model: one pass over the invoices collection,
// through raw when given (the embedded store's SQLite, several times
// faster) or else a driver cursor read batch by batch, each invoice
// dropped once fn returns. fn must not keep the pointer. It runs prepare
// first (migrations, the repair of changes a crash left in flight), so
// every snapshot is current. An error from fn stops the walk and is
// returned.
func (s *Service) EachStoredInvoice(ctx context.Context, raw RawStream, fn func(inv *Invoice) error) error {
	if err := s.prepare(ctx); err != nil {
		return err
	}
	// A walk over a million invoices takes a minute or more.
	ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	each := func(doc bson.Raw) error {
		inv, err := decodeInvoice(doc)
		if err != nil {
			return err
		}
		return fn(&inv)
	}
	if raw != nil {
		err := raw(ctx, colInvoices, each)
		if !errors.Is(err, store.ErrNoBulkRead) {
			return err
		}
	}
	cur, err := s.db.Collection(colInvoices).Find(ctx, bson.D{}, options.Find().SetBatchSize(storedBatch))
	if err != nil {
		return fmt.Errorf("payments: reading invoices: %w", err)
	}
	defer cur.Close(context.WithoutCancel(ctx))
	for cur.Next(ctx) {
		if err := each(cur.Current); err != nil {
			return err
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("payments: reading invoices: %w", err)
	}
	return nil
}

// InvoicesLoaded reports whether the invoices read model has been loaded
// (the command-line tests check that a command did not load it).
func (s *Service) InvoicesLoaded() bool { return s.invoicesRM.Loaded() }
