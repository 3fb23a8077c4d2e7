package payments

import (
	"errors"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"careportal/portal/store/storetest"
)

// TestRepairImportsBatchCutShort leaves two import runs as a kill in the
// middle of a batch would: of each run's pending invoices one was written
// (snapshot, events, number claim) and one was not (its events and its
// number claim are there, its snapshot is not). One run's record names
// the batch's events by the highest event number (pending_events_up_to),
// the other lists every event id (records written before that field).
// Repair removes every event and the number claim of each invoice not
// written, keeps everything of the invoices written, and marks both runs
// interrupted with nothing left pending.
func TestRepairImportsBatchCutShort(t *testing.T) {
	s, st, clk := newTestService(t)
	ctx := storetest.Context(t)
	seed := func(inv string, events int, snapshot bool) {
		t.Helper()
		var evs []any
		for seq := 1; seq <= events; seq++ {
			evs = append(evs, eventDoc{ID: eventID(inv, seq), InvoiceID: inv, Event: Event{Seq: seq, At: clk.Now(), To: StatusSubmitted}})
		}
		if _, err := st.DB.Collection(colInvoiceEvents).InsertMany(ctx, evs); err != nil {
			t.Fatal(err)
		}
		if _, err := st.DB.Collection(colInvoiceNumbers).InsertOne(ctx, numberDoc{ID: "org1:" + inv, InvoiceID: inv, CreatedAt: clk.Now()}); err != nil {
			t.Fatal(err)
		}
		if snapshot {
			doc := invoiceDoc{ID: inv, OrgID: "org1", Status: StatusSubmitted, Version: events, ReceivedAt: clk.Now(), UpdatedAt: clk.Now()}
			if _, err := st.DB.Collection(colInvoices).InsertOne(ctx, doc); err != nil {
				t.Fatal(err)
			}
		}
	}
	seed("new-written", 4, true)
	seed("new-missing", 3, false)
	seed("old-written", 2, true)
	seed("old-missing", 2, false)
	runs := []any{
		bson.D{{Key: "_id", Value: "invoices:new"}, {Key: "kind", Value: "invoices"}, {Key: "status", Value: ImportRunning},
			{Key: "pending_invoice_ids", Value: []string{"new-written", "new-missing"}},
			{Key: "pending_number_ids", Value: []string{"org1:new-written", "org1:new-missing"}},
			{Key: "pending_events_up_to", Value: 4}},
		bson.D{{Key: "_id", Value: "invoices:old"}, {Key: "kind", Value: "invoices"}, {Key: "status", Value: ImportRunning},
			{Key: "pending_invoice_ids", Value: []string{"old-written", "old-missing"}},
			{Key: "pending_number_ids", Value: []string{"org1:old-written", "org1:old-missing"}},
			{Key: "pending_event_ids", Value: []string{eventID("old-written", 1), eventID("old-written", 2), eventID("old-missing", 1), eventID("old-missing", 2)}}},
	}
	if _, err := st.DB.Collection(colImportRuns).InsertMany(ctx, runs); err != nil {
		t.Fatal(err)
	}

	n, err := s.RepairImports(ctx)
	if err != nil || n != 2 {
		t.Fatalf("RepairImports = %d, %v; want 2 runs repaired", n, err)
	}
	exists := func(col, id string) bool {
		t.Helper()
		err := st.DB.Collection(col).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Err()
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			t.Fatal(err)
		}
		return err == nil
	}
	for _, c := range []struct {
		inv    string
		events int
		keep   bool
	}{{"new-written", 4, true}, {"new-missing", 3, false}, {"old-written", 2, true}, {"old-missing", 2, false}} {
		for seq := 1; seq <= c.events; seq++ {
			if got := exists(colInvoiceEvents, eventID(c.inv, seq)); got != c.keep {
				t.Errorf("event %s there after the repair: %v, want %v", eventID(c.inv, seq), got, c.keep)
			}
		}
		if got := exists(colInvoiceNumbers, "org1:"+c.inv); got != c.keep {
			t.Errorf("number claim of %s there after the repair: %v, want %v", c.inv, got, c.keep)
		}
	}
	all, err := s.ImportRuns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range all {
		if r.Status != ImportInterrupted || len(r.PendingInvoices)+len(r.PendingNumbers)+len(r.PendingEvents) != 0 || r.PendingEventsUpTo != 0 {
			t.Errorf("run %s after the repair: %+v; want interrupted, nothing pending", r.ID, r)
		}
	}
}
