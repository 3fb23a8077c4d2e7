package performance

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"careportal/payments"
	"careportal/payments/metrics"
	"careportal/portal/store/storetest"
)

// countingSource is a synthetic model whose invoice reads are counted and
// can be held back, to see how many rebuilds the cache starts.
type countingSource struct {
	model *SyntheticModel
	reads atomic.Int64
	gate  chan struct{} // when not nil, every read waits for it to close
	mu    sync.Mutex
}

func (c *countingSource) source() Source {
	src := c.model.Source()
	inner := src.Invoices
	src.Invoices = func(ctx context.Context, each func([]payments.Invoice) error) error {
		c.reads.Add(1)
		c.mu.Lock()
		g := c.gate
		c.mu.Unlock()
		if g != nil {
			<-g
		}
		return inner(ctx, each)
	}
	return src
}

func (c *countingSource) hold() chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gate = make(chan struct{})
	return c.gate
}

func newCountingService(t *testing.T) (*Service, *countingSource, metrics.Date) {
	t.Helper()
	today := metrics.MustDate("2026-03-31")
	st := storetest.New(t)
	cs := &countingSource{model: NewSyntheticModel(Synthetic(2000, 20, 1, today))}
	s := NewService(st.DB, cs.source(), Options{Now: today.Time})
	if err := s.EnsureIndexes(storetest.Context(t)); err != nil {
		t.Fatal(err)
	}
	return s, cs, today
}

// The cached figures are kept while nothing changed, however long ago they
// were built: the check time moves on, the invoices are not re-read.
func TestFiguresCacheKeptWhileNothingChanged(t *testing.T) {
	s, cs, today := newCountingService(t)
	ctx := context.Background()
	from := metrics.MustDate("2025-04-01")
	first, err := s.Dashboard(ctx, from, today, metrics.Scope{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if n := cs.reads.Load(); n != 1 {
		t.Fatalf("first dashboard read the invoices %d times, want 1", n)
	}
	for range 3 {
		s.cacheMu.Lock()
		s.snap.built = time.Now().Add(-2 * orgsTTL) // long past the organisations' TTL
		s.cacheMu.Unlock()
		d, err := s.Dashboard(ctx, from, today, metrics.Scope{}, false)
		if err != nil {
			t.Fatal(err)
		}
		if d != first {
			t.Fatal("the dashboard was recomputed although nothing changed")
		}
		s.cacheMu.Lock()
		age := time.Since(s.snap.built)
		s.cacheMu.Unlock()
		if age > time.Minute {
			t.Fatalf("the snapshot's check time did not move on (%s old)", age)
		}
	}
	if n := cs.reads.Load(); n != 1 {
		t.Fatalf("invoices read %d times while nothing changed, want 1", n)
	}
	// A change is still seen.
	cs.model.Touch(17, time.Now())
	d, err := s.Dashboard(ctx, from, today, metrics.Scope{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if d == first || cs.reads.Load() != 2 {
		t.Fatalf("a changed invoice did not rebuild once (reads %d)", cs.reads.Load())
	}
}

// Twenty requests arriving while the snapshot is stale share one rebuild,
// and get the same figures.
func TestFiguresCacheSingleFlight(t *testing.T) {
	s, cs, today := newCountingService(t)
	ctx := context.Background()
	from := metrics.MustDate("2025-04-01")
	if _, err := s.Report(ctx, from, today, metrics.Scope{}); err != nil {
		t.Fatal(err)
	}
	cs.model.Touch(5, time.Now())
	gate := cs.hold()
	before := cs.reads.Load()
	var wg sync.WaitGroup
	reports := make([]*metrics.Report, 20)
	errs := make([]error, 20)
	for i := range reports {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reports[i], errs[i] = s.Report(ctx, from, today, metrics.Scope{})
		}()
	}
	time.Sleep(300 * time.Millisecond) // every request is waiting on the held read
	close(gate)
	wg.Wait()
	for i := range reports {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if reports[i] != reports[0] {
			t.Fatalf("request %d got its own computation", i)
		}
	}
	if n := cs.reads.Load() - before; n != 1 {
		t.Fatalf("20 concurrent requests read the invoices %d times, want 1 rebuild", n)
	}
}

// A rebuild whose every waiter gave up stops and installs nothing; the
// next request rebuilds.
func TestFiguresRebuildStopsWhenNoOneWaits(t *testing.T) {
	s, cs, today := newCountingService(t)
	from := metrics.MustDate("2025-04-01")
	gate := cs.hold()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := s.Dashboard(ctx, from, today, metrics.Scope{}, false)
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("abandoned request: %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a request that gave up still waited for the rebuild")
	}
	close(gate)
	time.Sleep(200 * time.Millisecond)
	s.cacheMu.Lock()
	installed := s.snap != nil
	s.cacheMu.Unlock()
	if installed {
		t.Fatal("a rebuild no one waited for went on and installed its snapshot")
	}
	if _, err := s.Dashboard(context.Background(), from, today, metrics.Scope{}, false); err != nil {
		t.Fatalf("next request after an abandoned rebuild: %v", err)
	}
}
