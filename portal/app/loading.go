package app

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Startup follows the start-up load (App.Load: the payments and care
// packages read models), so that the portal can listen at once and load in
// the background: /readyz says what is loading, and pages that need the
// read models wait on Done while static and sign-in pages answer at once.
//
// Before anything loads (a test that never calls Load, an admin command)
// the state is NotStarted, and the read models load lazily on first use as
// they always have.
type Startup struct {
	now    func() time.Time
	before func(ctx context.Context) error // Options.BeforeLoad

	mu       sync.Mutex
	state    LoadState
	phase    string    // what is loading now
	began    time.Time // when the first attempt began
	attempts int       // failed attempts so far
	retryAt  time.Time // when the next attempt begins, after a failure
	took     time.Duration
	done     chan struct{} // closed when loaded
	stopped  chan struct{} // closed when a background load gave up (shutting down)
	stopOnce sync.Once
	waiters  atomic.Int64 // requests waiting on Done (AddWaiter)
}

// LoadState is how far the start-up load has got.
type LoadState int

const (
	NotStarted LoadState = iota // nothing asked for the start-up load yet
	Loading                     // an attempt is running
	Retrying                    // an attempt failed; the next begins at RetryAt
	Loaded                      // every read model is in memory
)

func newStartup(now func() time.Time, before func(context.Context) error) *Startup {
	if now == nil {
		now = time.Now
	}
	return &Startup{now: now, before: before, done: make(chan struct{}), stopped: make(chan struct{})}
}

// Done is closed when the start-up load has succeeded.
func (s *Startup) Done() <-chan struct{} { return s.done }

// Stopped is closed when a background load ended without success because
// its context ended (the portal is shutting down): nothing waiting on
// Done should wait any longer.
func (s *Startup) Stopped() <-chan struct{} { return s.stopped }

func (s *Startup) stop() { s.stopOnce.Do(func() { close(s.stopped) }) }

// AddWaiter counts requests waiting on Done (+1 as one starts waiting, -1
// as it stops), so that the log and tests can see who waits.
func (s *Startup) AddWaiter(delta int) { s.waiters.Add(int64(delta)) }

// Waiters is how many requests are waiting on Done now.
func (s *Startup) Waiters() int { return int(s.waiters.Load()) }

// Status is a snapshot of the start-up load.
type Status struct {
	State    LoadState
	Phase    string        // what is loading (Loading)
	Since    time.Duration // how long ago the first attempt began
	Attempts int           // failed attempts so far
	RetryIn  time.Duration // until the next attempt (Retrying)
	Took     time.Duration // how long the load took (Loaded)
}

// Status says how far the start-up load has got.
func (s *Startup) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	st := Status{State: s.state, Phase: s.phase, Attempts: s.attempts, Took: s.took}
	if s.state != NotStarted {
		st.Since = now.Sub(s.began)
	}
	if s.state == Retrying {
		st.RetryIn = max(s.retryAt.Sub(now), 0)
	}
	return st
}

// String is the status in words, for /readyz and the log: for example
// "loading: the payments read model (contracts and invoices), started 12 s
// ago". It never carries an error's detail (that goes to the log).
func (st Status) String() string {
	secs := func(d time.Duration) string { return fmt.Sprintf("%d s", int(d.Round(time.Second)/time.Second)) }
	switch st.State {
	case Loading:
		s := fmt.Sprintf("loading: %s, started %s ago", st.Phase, secs(st.Since))
		if st.Attempts > 0 {
			s += fmt.Sprintf(" (attempt %d; the earlier ones failed, see the log)", st.Attempts+1)
		}
		return s
	case Retrying:
		return fmt.Sprintf("loading: the read models failed to load (%d attempts, see the log), trying again in %s; started %s ago", st.Attempts, secs(st.RetryIn), secs(st.Since))
	case Loaded:
		return fmt.Sprintf("loaded in %s", secs(st.Took))
	}
	return "not started"
}

// begin marks an attempt as running (the first one starts the clock).
func (s *Startup) begin() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == Loaded {
		return
	}
	if s.state == NotStarted {
		s.began = s.now()
	}
	s.state = Loading
	if s.phase == "" {
		s.phase = "the read models"
	}
}

// loading names what the running attempt loads now.
func (s *Startup) loading(phase string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != Loaded {
		s.phase = phase
	}
}

// failed records a failed attempt; the next begins after wait.
func (s *Startup) failed(wait time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == Loaded {
		return
	}
	s.attempts++
	s.state = Retrying
	s.retryAt = s.now().Add(wait)
}

// loaded records success and releases everyone waiting on Done.
func (s *Startup) loaded() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == Loaded {
		return
	}
	s.took = s.now().Sub(s.began)
	s.state = Loaded
	s.phase = ""
	close(s.done)
}

// Load-retry backoff: the first retry after a second, doubling up to a
// minute.
const (
	firstRetry = time.Second
	lastRetry  = time.Minute
)

// LoadInBackground runs Load in a goroutine on ctx — never a request's
// context: the load holds the embedded store's one connection, and a
// cancellation mid-operation would close it under every other caller.
// The state is Loading before it returns, so a server started right after
// it already makes pages wait. A failed attempt is logged and tried again
// after a backoff (1 s doubling to 1 min) until one succeeds or ctx ends;
// until then Done stays open, so no page is served from a read model that
// is not whole. After success it logs "read models loaded" with the
// duration and calls then (if not nil) in the same goroutine: serving
// starts the background jobs there. finished is closed when the goroutine
// has ended (after then, or once ctx ends).
func (a *App) LoadInBackground(ctx context.Context, then func()) (finished <-chan struct{}) {
	a.Startup.begin()
	end := make(chan struct{})
	go func() {
		defer close(end)
		start := time.Now()
		backoff := firstRetry
		for attempt := 1; ; attempt++ {
			err := a.Load(ctx)
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				a.Startup.stop()
				return
			}
			a.Startup.failed(backoff)
			a.Log.Error("loading the read models failed; trying again", "attempt", attempt, "retry_in_ms", backoff.Milliseconds(), "err", err)
			t := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				a.Startup.stop()
				return
			case <-t.C:
			}
			backoff = min(2*backoff, lastRetry)
		}
		a.Log.Info("read models loaded", "duration_ms", time.Since(start).Milliseconds())
		if then != nil {
			then()
		}
	}()
	return end
}
