package payments

import (
	"io"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/portal/store"
	"careportal/portal/store/storetest"
)

// TestInvoicesAreQueryableDocuments runs the driver equivalent of
//
//	db.invoices.find({status: "approved", gross_pence: {$gt: 100000}})
//
// on the store, and reads a stored invoice's fields as a MongoDB user
// would: amounts in pence, days as dates, no history nested.
func TestInvoicesAreQueryableDocuments(t *testing.T) {
	s, st, _ := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	bigIn := goodInput()
	bigIn.Net, bigIn.Gross = "1,500.00", "1500.00"
	big, err := s.SubmitInvoice(ctx, provider1, bigIn)
	if err != nil {
		t.Fatal(err)
	}
	small := goodInput()
	small.InvoiceNumber, small.Net, small.Gross = "INV-0002", "1000.00", "1000.00" // exactly £1,000: not more
	sm, err := s.SubmitInvoice(ctx, provider1, small)
	if err != nil {
		t.Fatal(err)
	}
	third := bigIn
	third.InvoiceNumber = "INV-0003"
	unapproved, err := s.SubmitInvoice(ctx, provider1, third)
	if err != nil {
		t.Fatal(err)
	}
	for _, inv := range []Invoice{big, sm} {
		if _, err := s.Transition(ctx, staff, inv.ID, 1, StatusApproved, "", Details{}); err != nil {
			t.Fatal(err)
		}
	}
	type found struct {
		ID      string    `bson:"_id"`
		Gross   int64     `bson:"gross_pence"`
		Invoice time.Time `bson:"invoice_date"`
		Due     time.Time `bson:"due_date"`
		Org     string    `bson:"org_id"`
		Number  string    `bson:"number"`
	}
	filter := bson.D{{Key: "status", Value: "approved"}, {Key: "gross_pence", Value: bson.D{{Key: "$gt", Value: 100000}}}}
	got, err := store.FindAll[found](ctx, st.DB.Collection(colInvoices), filter)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != big.ID || got[0].Gross != 150000 || got[0].Org != "org1" || got[0].Number != "INV-0001" {
		t.Fatalf("found %+v; want only %s (approved, £1,500.00), not %s (under) nor %s (submitted)", got, big.ID, sm.ID, unapproved.ID)
	}
	if want := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC); !got[0].Invoice.Equal(want) || got[0].Due.IsZero() {
		t.Fatalf("invoice_date %v (want the date %v), due_date %v", got[0].Invoice, want, got[0].Due)
	}
	var raw bson.M
	if err := st.DB.Collection(colInvoices).FindOne(ctx, bson.D{{Key: "_id", Value: big.ID}}).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{"doc", "history", "net", "gross"} {
		if _, ok := raw[gone]; ok {
			t.Errorf("stored invoice has %q: %v", gone, raw)
		}
	}
	if _, ok := raw["invoice_date"].(bson.DateTime); !ok {
		t.Errorf("invoice_date is %T, want a BSON date", raw["invoice_date"])
	}
	if _, ok := raw["gross_pence"].(int64); !ok {
		t.Errorf("gross_pence is %T, want int64", raw["gross_pence"])
	}
}

// TestStoredNamesAreSnakeCase: the naming rule for every document type
// payments stores.
func TestStoredNamesAreSnakeCase(t *testing.T) {
	for _, v := range []any{invoiceDoc{}, eventDoc{}, Contract{}, numberDoc{}, fileDoc{}, pendingDoc{}} {
		if p := store.FieldNameProblems(v); len(p) > 0 {
			t.Errorf("%T: %v", v, p)
		}
	}
}

// TestHistoryAfterRestart: a restarted service holds the snapshot's summary
// of each step and gives the invoice page the whole history from the
// events.
func TestHistoryAfterRestart(t *testing.T) {
	s, st, clk := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	inv, err := s.SubmitInvoice(ctx, provider1, goodInput())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Transition(ctx, staff, inv.ID, 1, StatusQueried, "Which week?", Details{}); err != nil {
		t.Fatal(err)
	}
	want, err := s.Transition(ctx, provider1, inv.ID, 2, StatusSubmitted, "The first week", Details{})
	if err != nil {
		t.Fatal(err)
	}
	s2 := NewService(st.DB, fixedOrgs, Options{Now: clk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	snap, err := s2.Snapshot(ctx)
	if err != nil || len(snap) != 1 {
		t.Fatalf("snapshot = %v, %v", snap, err)
	}
	steps := snap[0].History
	if len(steps) != 3 || steps[1].To != StatusQueried || steps[1].From != StatusSubmitted || steps[1].Date != LondonDay(clk.Now()) || steps[2].To != StatusSubmitted {
		t.Fatalf("summary of the steps = %+v", steps)
	}
	got, err := s2.Invoice(ctx, provider1, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.History, want.History) {
		t.Fatalf("history after restart:\n%+v\nwant\n%+v", got.History, want.History)
	}
	page, err := s2.ListInvoices(ctx, staff, InvoiceFilter{WithHistory: true}, 1, 50)
	if err != nil || len(page.Invoices) != 1 || page.Invoices[0].History[1].Note != "Which week?" {
		t.Fatalf("list with history = %+v, %v", page, err)
	}
}

// legacyRecord0 is the invoice record exactly as versions before the
// document layout wrote it.
type legacyRecord0 struct {
	ID        string    `bson:"_id"`
	OrgID     string    `bson:"org_id"`
	Status    Status    `bson:"status"`
	Version   int       `bson:"version"`
	UpdatedAt time.Time `bson:"updated_at"`
	Doc       []byte    `bson:"doc"`
}

// TestMigrateBlobRecords: a store written in the old format (invoices as
// one BSON blob, intent records with invoice_id and number_id) is
// migrated when the service loads, once, and reads the same.
func TestMigrateBlobRecords(t *testing.T) {
	s, st, clk := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	var want []Invoice
	for _, n := range []string{"INV-1", "INV-2"} {
		in := goodInput()
		in.InvoiceNumber = n
		inv, err := s.SubmitInvoice(ctx, provider1, in)
		if err != nil {
			t.Fatal(err)
		}
		if n == "INV-2" {
			if inv, err = s.Transition(ctx, staff, inv.ID, 1, StatusApproved, "", Details{}); err != nil {
				t.Fatal(err)
			}
		}
		want = append(want, inv)
	}
	// Rewrite them as the old code stored them.
	for _, inv := range want {
		blob, err := bson.Marshal(inv)
		if err != nil {
			t.Fatal(err)
		}
		rec := legacyRecord0{ID: inv.ID, OrgID: inv.OrgID, Status: inv.Status, Version: inv.Version, UpdatedAt: inv.UpdatedAt, Doc: blob}
		if _, err := st.DB.Collection(colInvoices).ReplaceOne(ctx, bson.D{{Key: "_id", Value: inv.ID}}, rec); err != nil {
			t.Fatal(err)
		}
	}
	// An old intent record of a submission that never wrote its snapshot.
	if _, err := st.DB.Collection(colInvoicePending).InsertOne(ctx, bson.D{{Key: "_id", Value: eventID("ghost", 1)},
		{Key: "invoice_id", Value: "ghost"}, {Key: "seq", Value: 1}, {Key: "number_id", Value: "org1:INV3"}, {Key: "at", Value: clk.Now()}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB.Collection(colInvoiceNumbers).InsertOne(ctx, numberDoc{ID: "org1:INV3", InvoiceID: "ghost"}); err != nil {
		t.Fatal(err)
	}
	_ = st.DB.Collection(store.MigrationsCollection).Drop(ctx)

	for run := 0; run < 2; run++ {
		s2 := NewService(st.DB, fixedOrgs, Options{Now: clk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		for _, w := range want {
			got, err := s2.Invoice(ctx, staff, w.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, w) {
				t.Fatalf("run %d: after migration\n%+v\nwant\n%+v", run, got, w)
			}
		}
		if n, _ := st.DB.Collection(colInvoices).CountDocuments(ctx, bson.D{{Key: "doc", Value: bson.D{{Key: "$exists", Value: true}}}}); n != 0 {
			t.Fatalf("run %d: %d blob records left", run, n)
		}
		if n, _ := st.DB.Collection(colInvoiceNumbers).CountDocuments(ctx, bson.D{{Key: "_id", Value: "org1:INV3"}}); n != 0 {
			t.Fatalf("run %d: the old intent record's number was not released", run)
		}
	}
	if n := count(t, st, store.MigrationsCollection); n != 2 {
		t.Fatalf("%d migrations recorded, want 2", n)
	}
}
