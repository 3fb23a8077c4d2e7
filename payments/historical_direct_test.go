package payments

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/portal/store"
	"careportal/portal/store/storetest"
)

// TestDirectImportWritesWhatTheDriverWrites imports the same 2,500
// invoices (three batches) on an embedded store opened for bulk writes,
// once through the driver and once written directly (Options.BulkInsert),
// and checks that the invoices, their events and their number claims are
// the same documents, byte for byte. Before the direct import, one
// invoice's events and number claim are already there, as an earlier
// attempt cut short leaves them: its batch falls back to the driver, which
// completes it, and the other two batches are written directly.
func TestDirectImportWritesWhatTheDriverWrites(t *testing.T) {
	ctx := storetest.Context(t)
	st, err := store.Open(ctx, store.Options{Database: "portal", DataDir: t.TempDir(), BulkWrites: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.Close(context.Background()) }()
	clk := &clock{t: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)}
	direct := 0
	open := func(db *store.Store, bulk bool) *Service {
		o := Options{Now: clk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		if bulk {
			o.BulkInsert = func(ctx context.Context, rows *store.RawRows) error {
				err := db.InsertRows(ctx, rows)
				if err == nil {
					direct++
				}
				return err
			}
		}
		s := NewService(db.DB, fixedOrgs, o)
		if err := s.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
		if err := db.Prepare(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.Load(ctx); err != nil {
			t.Fatal(err)
		}
		seedContracts(t, s)
		return s
	}
	var rows []HistoricalInvoice
	for i := 0; i < 2500; i++ {
		h := HistoricalInvoice{SupplierRef: []string{"SUP1001", "SUP1002"}[i%2], ContractRef: []string{"HC-001", "RES-001"}[i%2],
			InvoiceNumber: fmt.Sprintf("D-%05d", i), InvoiceDate: "2025-06-01", ReceivedDate: "2025-06-02", NetPence: int64(1000 + i), GrossPence: int64(1000 + i)}
		switch i % 3 {
		case 0:
			h.Steps = HistoryFromDates("2025-06-05", "2025-06-20", h.GrossPence, fmt.Sprintf("R%d", i))
		case 1:
			h.Steps = HistoryFromDates("2025-06-09", "", 0, "")
		}
		rows = append(rows, h)
	}
	byDriver := open(st.WithDatabase("by_driver"), false)
	if made, _, err := byDriver.ImportHistorical(ctx, staff, rows); err != nil || made != len(rows) {
		t.Fatalf("through the driver: %d made, %v", made, err)
	}
	// An earlier attempt of the direct import wrote row 1,200's events
	// and number claim, not its invoice.
	driverDB, directDB := st.WithDatabase("by_driver").DB, st.DB
	directly := open(st, true)
	var left *numberDoc
	for _, n := range all[numberDoc](t, ctx, driverDB, colInvoiceNumbers) {
		if n.ID == "org1:"+NormaliseNumber("D-01200") {
			left = &n
		}
	}
	if left == nil {
		t.Fatal("no number claim of row 1,200 in the driver's import")
	}
	if _, err := directDB.Collection(colInvoiceNumbers).InsertOne(ctx, left); err != nil {
		t.Fatal(err)
	}
	for _, ev := range all[bson.Raw](t, ctx, driverDB, colInvoiceEvents) {
		if inv, _ := ev.Lookup("invoice_id").StringValueOK(); inv == left.InvoiceID {
			if _, err := directDB.Collection(colInvoiceEvents).InsertOne(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	if made, _, err := directly.ImportHistorical(ctx, staff, rows); err != nil || made != len(rows) {
		t.Fatalf("directly: %d made, %v", made, err)
	}
	if direct != 2 {
		t.Errorf("%d batches written directly, want 2 (the third falls back to the driver)", direct)
	}
	// The two registers gave their contracts ids of their own: name the
	// direct one's by the driver one's (ids are the same length, so the
	// documents stay valid).
	var renames [][2][]byte
	for _, c := range all[Contract](t, ctx, directDB, colContracts) {
		for _, d := range all[Contract](t, ctx, driverDB, colContracts) {
			if c.Reference == d.Reference {
				renames = append(renames, [2][]byte{[]byte(c.ID), []byte(d.ID)})
			}
		}
	}
	sameIDs := func(doc bson.Raw) bson.Raw {
		for _, r := range renames {
			doc = bytes.ReplaceAll(doc, r[0], r[1])
		}
		return doc
	}
	for _, col := range []string{colInvoices, colInvoiceEvents, colInvoiceNumbers} {
		want, got := all[bson.Raw](t, ctx, driverDB, col), all[bson.Raw](t, ctx, directDB, col)
		for i := range got {
			got[i] = sameIDs(got[i])
		}
		if len(got) != len(want) || len(want) < len(rows) {
			t.Fatalf("%s: %d documents directly, %d through the driver", col, len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("%s document %d:\ndirectly %s\ndriver   %s", col, i, got[i], want[i])
			}
		}
	}
	// And the service reads them as its own: a fresh load lists them all.
	fresh := NewService(directDB, fixedOrgs, Options{Now: clk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := fresh.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if invs, err := fresh.Snapshot(ctx); err != nil || len(invs) != len(rows) {
		t.Errorf("a fresh load: %d invoices (%v), want %d", len(invs), err, len(rows))
	}
}

// all reads a collection in _id order.
func all[T any](t *testing.T, ctx context.Context, db *mongo.Database, col string) []T {
	t.Helper()
	out, err := store.FindAll[T](ctx, db.Collection(col), bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		t.Fatal(err)
	}
	return out
}
