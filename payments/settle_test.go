package payments

import (
	"io"
	"log/slog"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/portal/store/storetest"
)

// settling lists the services the tests made (newTestService), so that a
// count of stored documents first waits for their background removal of
// finished intent records (store.Changes.FinishSoon).
var settling services

type services struct {
	mu  sync.Mutex
	all []*Service
}

func (l *services) add(s *Service) {
	l.mu.Lock()
	l.all = append(l.all, s)
	l.mu.Unlock()
}

func settleAll(t *testing.T) {
	t.Helper()
	settling.mu.Lock()
	all := append([]*Service(nil), settling.all...)
	settling.mu.Unlock()
	for _, s := range all {
		if err := s.changes.Settle(storetest.Context(t)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSubmissionEventRewrittenAfterACrash is a crash after a submission's
// snapshot and before the background writer wrote its event
// (store.Changes.EventSoon): the intent record is left, no event. Start-up
// repair writes the event from the snapshot, whole (who, when, note,
// source), and the number stays claimed by the invoice.
func TestSubmissionEventRewrittenAfterACrash(t *testing.T) {
	s, st, clk := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	in := goodInput()
	in.Note = "For February"
	inv, err := s.SubmitInvoice(ctx, provider1, in)
	if err != nil {
		t.Fatal(err)
	}
	settleAll(t)
	want, err := s.changes.Event(ctx, inv.ID, 1)
	if err != nil || want.ByName == "" || want.Note != "For February" || want.Source != "portal" {
		t.Fatalf("the submission's event as written: %+v, %v", want, err)
	}
	// Put the store back as the crash left it: the intent record as Begin
	// wrote it, no event.
	if err := s.changes.Begin(ctx, inv.ID, 1, inv.OrgID+":"+inv.NumberKey, clk.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB.Collection(colInvoiceEvents).DeleteOne(ctx, bson.D{{Key: "_id", Value: eventID(inv.ID, 1)}}); err != nil {
		t.Fatal(err)
	}
	s2 := NewService(st.DB, fixedOrgs, Options{Now: clk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := s2.Load(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := s2.changes.Event(ctx, inv.ID, 1)
	if err != nil || got.ByName != want.ByName || got.Note != want.Note || got.Source != want.Source || !got.At.Equal(want.At) || got.To != StatusSubmitted {
		t.Fatalf("event after repair %+v, %v; want %+v", got, err, want)
	}
	if n := count(t, st, colInvoicePending); n != 0 {
		t.Fatalf("%d intent records left after repair", n)
	}
	if _, err := s2.SubmitInvoice(ctx, provider1, in); err == nil {
		t.Fatal("the repaired submission's number was given again")
	}
	full, err := s2.Invoice(ctx, staff, inv.ID)
	if err != nil || len(full.History) != 1 || full.History[0].Note != "For February" {
		t.Fatalf("history after repair: %+v, %v", full.History, err)
	}
}
