package payments

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/portal/store/storetest"
)

type heard struct {
	mu   sync.Mutex
	got  []string
	fail bool
}

func (h *heard) InvoiceChanged(_ context.Context, inv Invoice, ev Event) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fail {
		return errors.New("outbox down")
	}
	h.got = append(h.got, fmt.Sprintf("%s:%d:%s", inv.Number, ev.Seq, ev.To))
	return nil
}

func TestListenerHearsEveryChangeAndRepairRetells(t *testing.T) {
	s, st, clk := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	h := &heard{}
	s.SetListener(h)
	inv, err := s.SubmitInvoice(ctx, provider1, goodInput())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Transition(ctx, staff, inv.ID, 1, StatusQueried, "Hours do not match", Details{}); err != nil {
		t.Fatal(err)
	}
	// A failing listener does not fail the change, and leaves it pending.
	h.fail = true
	if _, err := s.Transition(ctx, provider1, inv.ID, 2, StatusSubmitted, "Corrected", Details{}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, st, colInvoicePending); n != 1 {
		t.Fatalf("%d pending after a failed telling", n)
	}
	h.fail = false
	if !slices.Equal(h.got, []string{"INV-0001:2:queried"}) {
		t.Fatalf("heard %v", h.got)
	}
	// Start-up repair tells the pending change again and clears it.
	s2 := NewService(st.DB, fixedOrgs, Options{Now: clk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	s2.SetListener(h)
	if err := s2.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(h.got, []string{"INV-0001:2:queried", "INV-0001:3:submitted"}) {
		t.Fatalf("heard after repair %v", h.got)
	}
	if n := count(t, st, colInvoicePending); n != 0 {
		t.Fatalf("%d pending after repair", n)
	}
	// A crash after the event insert (no snapshot, pending left): told by the repair.
	ev := Event{Seq: 4, At: clk.Now(), Date: "2026-03-10", ByName: "Pat", By: PartyStaff, From: StatusSubmitted, To: StatusApproved}
	if _, err := st.DB.Collection(colInvoicePending).InsertOne(ctx, pendingDoc{ID: eventID(inv.ID, 4), InvoiceID: inv.ID, Seq: 4}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB.Collection(colInvoiceEvents).InsertOne(ctx, eventDoc{ID: eventID(inv.ID, 4), InvoiceID: inv.ID, Event: ev}); err != nil {
		t.Fatal(err)
	}
	s3 := NewService(st.DB, fixedOrgs, Options{Now: clk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	s3.SetListener(h)
	if err := s3.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if h.got[len(h.got)-1] != "INV-0001:4:approved" {
		t.Fatalf("heard after crash repair %v", h.got)
	}
	if n, _ := st.DB.Collection(colInvoicePending).CountDocuments(ctx, bson.D{}); n != 0 {
		t.Fatalf("%d pending", n)
	}
}
