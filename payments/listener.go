package payments

import "context"

// Listener hears of every invoice status change once its event is written
// (the wiring tells the provider by email and in the portal). It is called
// before the snapshot is updated and again by the crash repair for a
// change left in flight, so it may hear of the same event twice: it must
// be idempotent (key what it writes on invoice id and event seq). It
// should do one cheap write and leave the rest to a background job.
type Listener interface {
	InvoiceChanged(ctx context.Context, inv Invoice, ev Event) error
}

// SetListener sets the listener; call it while wiring, before serving.
func (s *Service) SetListener(l Listener) { s.listener = l }

// tell calls the listener, if any (store.Changes.Told): a failure keeps
// the change's intent record, so the repair tells it again.
func (s *Service) tell(ctx context.Context, inv *Invoice, ev Event) error {
	if s.listener == nil {
		return nil
	}
	return s.listener.InvoiceChanged(ctx, *inv, ev)
}
