package performance

import (
	"context"
	"sync"

	"careportal/portal/store"
)

// flights runs one computation per key for every caller that asks while it
// is running (single flight): thirty requests arriving while the figures
// are rebuilt wait for the one rebuild instead of each starting their own.
// The computation's context ends when every caller has given up (their
// requests were abandoned: store.Abandoned), so a rebuild no one waits for
// stops at its next check; it is never cancelled by one caller alone.
type flights struct {
	mu    sync.Mutex
	calls map[string]*flight
}

type flight struct {
	done    chan struct{}
	val     any
	err     error
	waiters int
	cancel  context.CancelFunc
}

// do returns fn's result for key, running fn only if no call for key is in
// flight. fn gets a context with ctx's values (not its cancellation) that
// ends when no caller waits any more.
func (f *flights) do(ctx context.Context, key string, fn func(ctx context.Context) (any, error)) (any, error) {
	f.mu.Lock()
	if f.calls == nil {
		f.calls = map[string]*flight{}
	}
	c, ok := f.calls[key]
	if !ok {
		runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		c = &flight{done: make(chan struct{}), cancel: cancel}
		f.calls[key] = c
		go func() {
			defer cancel()
			c.val, c.err = fn(runCtx)
			f.mu.Lock()
			if f.calls[key] == c {
				delete(f.calls, key)
			}
			f.mu.Unlock()
			close(c.done)
		}()
	}
	c.waiters++
	f.mu.Unlock()
	select {
	case <-c.done:
		return c.val, c.err
	case <-store.Abandoned(ctx):
		f.mu.Lock()
		c.waiters--
		if c.waiters == 0 {
			c.cancel()
			// A caller arriving now starts afresh rather than joining a
			// call that is stopping.
			if f.calls[key] == c {
				delete(f.calls, key)
			}
		}
		f.mu.Unlock()
		if err := context.Cause(ctx); err != nil {
			return nil, err
		}
		return nil, context.Canceled
	}
}
