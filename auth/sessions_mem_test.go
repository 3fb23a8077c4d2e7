package auth

import (
	"testing"
	"time"

	"careportal/portal/fault"
)

// Sessions held in memory are written through: a restarted service (a new
// Service on the same store) knows every live session with its flash, and
// forgets ended ones; a sign-out in memory is refused on the next read
// without a store round trip.
func TestSessionsInMemoryWriteThrough(t *testing.T) {
	s, clk, ctx := newTestService(t)
	s.mem = &sessionMemory{}
	to := SessionTimeouts{Idle: 30 * time.Minute, Absolute: 12 * time.Hour}
	u := mustUser(t, s, ctx, UserInput{Email: "a@example.org", Name: "A", Role: RoleAdmin})
	live, err := s.StartSession(ctx, u.ID, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	ended, _ := s.StartSession(ctx, u.ID, "192.0.2.2")
	if err := s.SetFlash(ctx, live.ID, "Saved"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Session(ctx, live.ID, to); err != nil || got.Flash != "Saved" {
		t.Fatalf("flash in memory: %+v %v", got, err)
	}
	if err := s.EndSession(ctx, ended.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, ended.ID, to); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("ended session still served from memory: %v", err)
	}
	clk.Add(2 * time.Minute) // past touchEvery: last seen is written through
	if _, err := s.Session(ctx, live.ID, to); err != nil {
		t.Fatal(err)
	}

	restarted := NewService(s.db, Options{Now: clk.Now, Hash: CheapHashParams, SessionsInMemory: true})
	got, err := restarted.Session(ctx, live.ID, to)
	if err != nil {
		t.Fatalf("live session lost on restart: %v", err)
	}
	if got.Flash != "Saved" || got.UserID != u.ID || !got.LastSeenAt.Equal(clk.Now().UTC().Truncate(time.Millisecond)) {
		t.Errorf("restarted session %+v, want flash Saved, user %s, last seen %s", got, u.ID, clk.Now())
	}
	if _, err := restarted.Session(ctx, ended.ID, to); fault.KindOf(err) != fault.NotFound {
		t.Errorf("ended session back after restart: %v", err)
	}
	if err := restarted.ClearFlash(ctx, live.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := restarted.Session(ctx, live.ID, to); got == nil || got.Flash != "" {
		t.Errorf("flash not cleared in memory: %+v", got)
	}
}
