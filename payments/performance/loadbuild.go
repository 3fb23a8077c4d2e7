package performance

import (
	"context"
	"sync"

	"careportal/payments"
)

// loadBuild is a first build fed by the payments read model's start-up
// load (LoadTap): while it runs, a request for figures waits for it
// rather than starting a second read of every invoice.
type loadBuild struct {
	mu      sync.Mutex
	pending chan struct{} // closed when the build fed by the load ends
}

func (l *loadBuild) begin() {
	l.mu.Lock()
	if l.pending == nil {
		l.pending = make(chan struct{})
	}
	l.mu.Unlock()
}

func (l *loadBuild) end() {
	l.mu.Lock()
	if l.pending != nil {
		close(l.pending)
		l.pending = nil
	}
	l.mu.Unlock()
}

// wait returns when no build fed by the load is under way, or ctx ends.
func (l *loadBuild) wait(ctx context.Context) error {
	l.mu.Lock()
	ch := l.pending
	l.mu.Unlock()
	if ch == nil {
		return nil
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// LoadTap builds the figures' invoice list from the payments read model's
// start-up load, batch by batch as it reads the store, so the first build
// costs no second read of every stored invoice (at 1,000,000 invoices that
// read took minutes). Install it with payments.Service.TapLoad before the
// load. If the load fails, or a batch cannot be adapted, nothing is
// installed and the first figures asked for read the invoices themselves
// (Source.Invoices), as without the tap.
func (s *Service) LoadTap() payments.LoadTap {
	var b *build
	return payments.LoadTap{
		Begin: func(ctx context.Context) error {
			if err := s.ensureLoaded(ctx); err != nil { // interest payments, rates
				return err
			}
			nb, err := s.startBuild(ctx)
			if err != nil {
				return err
			}
			b = nb
			s.fromLoad.begin()
			return nil
		},
		Batch: func(invs []payments.Invoice, _ uint64) error {
			// The load has its own deadline; a build never outlives it
			// (End comes either way).
			return b.add(context.Background(), invs)
		},
		End: func(ctx context.Context, gen uint64, err error) {
			defer s.fromLoad.end()
			built := b
			b = nil
			if err != nil {
				return
			}
			if _, err := built.install(ctx, gen); err != nil {
				s.log.Warn("performance: the figures built from the start-up load were not kept; the first figures asked for read the invoices", "err", err)
			}
		},
	}
}
