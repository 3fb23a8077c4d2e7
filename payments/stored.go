package payments

// Reads of the stored invoices that do not need the invoices read model:
// the command line's report (`portal report payments`) walks every
// invoice once, one batch at a time, and keeps none of
// them, instead of loading all of them into memory first.

import (
	"context"
	"fmt"
	"time"
)

// EachStoredInvoice calls fn with every invoice snapshot in the store, in
// no particular order, as the read model would hold it (decodeInvoice),
// without loading the read model: one pass over the invoices collection
// through the read model's own reader (ReadModel.Each: Options.BulkRead,
// the embedded store's SQLite, when it can, else a driver cursor), batch
// by batch, each invoice dropped once fn returns. fn must not keep the
// pointer. It runs prepare first (migrations, the repair of changes a
// crash left in flight), so every snapshot is current. An error from fn
// stops the walk and is returned.
func (s *Service) EachStoredInvoice(ctx context.Context, fn func(inv *Invoice) error) error {
	if err := s.prepare(ctx); err != nil {
		return err
	}
	// A walk over a million invoices takes a minute or more.
	ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	var fnErr error // fn's own error is returned as it is
	err := s.invoicesRM.Each(ctx, func(invs []Invoice) error {
		for i := range invs {
			if fnErr = fn(&invs[i]); fnErr != nil {
				return fnErr
			}
		}
		return nil
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("payments: reading invoices: %w", err)
	}
	return nil
}

// InvoicesLoaded reports whether the invoices read model has been loaded
// (the command-line tests check that a command did not load it).
func (s *Service) InvoicesLoaded() bool { return s.invoicesRM.Loaded() }
