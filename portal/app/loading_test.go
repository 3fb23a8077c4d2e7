package app

import (
	"context"
	"errors"
	"testing"
	"time"

	"careportal/auth"
	"careportal/portal/store/storetest"
)

// TestStartupStatusSaysWhatAndSinceWhen: the start-up states in words, on
// a clock the test moves.
func TestStartupStatusSaysWhatAndSinceWhen(t *testing.T) {
	now := time.Date(2026, 12, 2, 19, 0, 0, 0, time.UTC)
	s := newStartup(func() time.Time { return now }, nil)
	step := func(d time.Duration) { now = now.Add(d) }
	tests := []struct {
		do    func()
		state LoadState
		want  string
	}{
		{func() {}, NotStarted, "not started"},
		{func() { s.begin() }, Loading, "loading: the read models, started 0 s ago"},
		{func() { step(12 * time.Second); s.loading("the payments read model (contracts and invoices)") }, Loading,
			"loading: the payments read model (contracts and invoices), started 12 s ago"},
		{func() { step(time.Second); s.failed(4 * time.Second) }, Retrying,
			"loading: the read models failed to load (1 attempts, see the log), trying again in 4 s; started 13 s ago"},
		{func() { step(3 * time.Second) }, Retrying,
			"loading: the read models failed to load (1 attempts, see the log), trying again in 1 s; started 16 s ago"},
		{func() { step(2 * time.Second) }, Retrying, // past the retry time, not yet begun
			"loading: the read models failed to load (1 attempts, see the log), trying again in 0 s; started 18 s ago"},
		{func() { s.begin(); s.loading("the care packages read model") }, Loading,
			"loading: the care packages read model, started 18 s ago (attempt 2; the earlier ones failed, see the log)"},
		{func() { step(2 * time.Second); s.loaded() }, Loaded, "loaded in 20 s"},
		{func() { step(time.Minute); s.begin(); s.failed(time.Second); s.loaded() }, Loaded, "loaded in 20 s"}, // loaded stays loaded
	}
	for i, tt := range tests {
		tt.do()
		st := s.Status()
		if st.State != tt.state || st.String() != tt.want {
			t.Errorf("step %d: %v %q, want %v %q", i, st.State, st.String(), tt.state, tt.want)
		}
	}
	select {
	case <-s.Done():
	default:
		t.Error("Done is open after loaded")
	}
}

// TestLoadThroughStartup: Load runs BeforeLoad first and records Loaded,
// and a failed BeforeLoad fails the attempt and leaves Done open.
func TestLoadThroughStartup(t *testing.T) {
	ctx := storetest.Context(t)
	fail := errors.New("held")
	a, err := New(ctx, storetest.New(t), Options{Hash: auth.CheapHashParams, BeforeLoad: func(context.Context) error { return fail }})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Load(ctx); !errors.Is(err, fail) {
		t.Fatalf("Load with a failing BeforeLoad: %v", err)
	}
	if st := a.Startup.Status(); st.State != Loading {
		t.Fatalf("after a failed Load: %+v", st)
	}
	select {
	case <-a.Startup.Done():
		t.Fatal("Done after a failed Load")
	default:
	}
	a.Startup.before = nil
	if err := a.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if st := a.Startup.Status(); st.State != Loaded {
		t.Fatalf("after Load: %+v", st)
	}
}
