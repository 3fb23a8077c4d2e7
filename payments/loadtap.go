package payments

import (
	"context"
	"errors"
	"sync"
)

// LoadTap is handed every invoice the read model's start-up load reads,
// batch by batch, as it reads them: another feature that needs every
// invoice once (the payment figures' first build) works from the same
// single pass over the store instead of reading it all again afterwards.
type LoadTap struct {
	// Begin runs once the contracts are loaded, before the first batch
	// (and again if a failed load is tried again). An error turns the tap
	// off for this load; the load itself goes on.
	Begin func(ctx context.Context) error
	// Batch receives invoices as stored, with the read model's generation
	// once they are in it. The slice is the load's, valid for the call
	// only. An error turns the tap off for this load.
	Batch func(invs []Invoice, gen uint64) error
	// End runs once for every Begin that returned nil, when the load
	// ends: err nil with the read model's generation after the last
	// batch, else the load's error or the one Batch returned.
	End func(ctx context.Context, gen uint64, err error)
}

// loadTap is the tap installed by TapLoad and whether it is on for the
// load under way.
type loadTap struct {
	mu     sync.Mutex
	tap    *LoadTap
	begun  bool   // Begin returned nil: End is owed
	failed error  // what Batch returned, if it did
	gen    uint64 // the generation after the last batch given
}

// TapLoad installs t for the start-up load (call it before Load; a load
// that already finished is not read again).
func (s *Service) TapLoad(t LoadTap) {
	s.tap.mu.Lock()
	s.tap.tap = &t
	s.tap.mu.Unlock()
}

func (s *Service) tapBegin(ctx context.Context) {
	s.tap.mu.Lock()
	defer s.tap.mu.Unlock()
	t := s.tap.tap
	if t == nil {
		return
	}
	if s.tap.begun && t.End != nil {
		// A load that failed and is tried again: the first try's End.
		t.End(ctx, 0, errRetried)
	}
	s.tap.begun, s.tap.failed = false, nil
	if t.Begin != nil {
		if err := t.Begin(ctx); err != nil {
			s.log.Warn("payments: a start-up load tap did not start; it reads the invoices itself later", "err", err)
			return
		}
	}
	s.tap.begun = true
}

var errRetried = errors.New("payments: the load is being tried again")

// tapBatch hands the batch to the tap; s.mu is not held (the tap may be
// slow), gen is the generation once the batch was put.
func (s *Service) tapBatch(invs []Invoice, gen uint64) {
	s.tap.mu.Lock()
	defer s.tap.mu.Unlock()
	if !s.tap.begun || s.tap.failed != nil || s.tap.tap.Batch == nil {
		return
	}
	if err := s.tap.tap.Batch(invs, gen); err != nil {
		s.log.Warn("payments: a start-up load tap stopped; it reads the invoices itself later", "err", err)
		s.tap.failed = err
		return
	}
	s.tap.gen = gen
}

func (s *Service) tapEnd(ctx context.Context, err error) {
	s.tap.mu.Lock()
	defer s.tap.mu.Unlock()
	if !s.tap.begun {
		return
	}
	s.tap.begun = false
	t := s.tap.tap
	if err == nil {
		s.tap.tap = nil // once: a finished load does not run again
		err = s.tap.failed
	}
	if err == nil {
		s.mu.RLock()
		gen := s.gen
		s.mu.RUnlock()
		if gen != s.tap.gen {
			// Something changed after the last batch (no writes are
			// taken while loading, so this is not expected): the tap's
			// changes are those after its last batch, which the next
			// ChangedSince lists.
			gen = s.tap.gen
		}
		if t.End != nil {
			t.End(ctx, gen, nil)
		}
		return
	}
	if t.End != nil {
		t.End(ctx, 0, err)
	}
}
