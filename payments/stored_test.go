package payments

import (
	"context"
	"io"
	"log/slog"
	"reflect"
	"sort"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/portal/store"
	"careportal/portal/store/storetest"
)

// TestEachStoredInvoice: the walk over the stored invoices, straight from
// SQLite or through the driver, gives every invoice as the loaded read
// model loaded from the store holds it (Snapshot), and loads nothing.
func TestEachStoredInvoice(t *testing.T) {
	s, st, clk := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	for i := 0; i < 25; i++ {
		in := goodInput()
		in.InvoiceNumber = "INV-" + string(rune('A'+i))
		inv, err := s.SubmitInvoice(ctx, provider1, in)
		if err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			if _, err := s.Transition(ctx, staff, inv.ID, 1, StatusApproved, "", Details{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, _, err := s.ImportHistorical(ctx, staff, []HistoricalInvoice{
		{SupplierRef: "SUP1001", ContractRef: "HC-001", InvoiceNumber: "H-1", InvoiceDate: "2025-06-01", ReceivedDate: "2025-06-02", NetPence: 5000, GrossPence: 5000,
			Steps: HistoryFromDates("2025-06-05", "2025-06-20", 5000, "R1")},
	}); err != nil {
		t.Fatal(err)
	}
	// As a read model loaded from the store holds them (the command line
	// never wrote them: own writes keep more history in memory).
	loaded := NewService(st.DB, fixedOrgs, Options{Now: clk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	want, err := loaded.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	streams := map[string]func(context.Context, string, func([]bson.Raw) error) error{"driver": nil, "sqlite": st.EachRaw,
		"cannot": func(context.Context, string, func([]bson.Raw) error) error { return store.ErrNoBulkRead }}
	for name, raw := range streams {
		fresh := NewService(st.DB, fixedOrgs, Options{Now: clk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), BulkRead: raw})
		var got []Invoice
		if err := fresh.EachStoredInvoice(ctx, func(inv *Invoice) error { got = append(got, *inv); return nil }); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sort.Slice(got, func(i, j int) bool { return got[i].ID < got[j].ID })
		if len(got) != 26 || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %d invoices, differ from the read model's %d", name, len(got), len(want))
		}
		if fresh.InvoicesLoaded() {
			t.Errorf("%s: the walk loaded the read model", name)
		}
		stop := io.ErrUnexpectedEOF
		n := 0
		if err := fresh.EachStoredInvoice(ctx, func(*Invoice) error { n++; return stop }); err != stop || n != 1 {
			t.Errorf("%s: fn's error: got %v after %d", name, err, n)
		}
	}
}
