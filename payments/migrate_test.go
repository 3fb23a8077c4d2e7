package payments

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"careportal/portal/store"
	"careportal/portal/store/storetest"
)

// BenchmarkMigrateInvoiceDocuments times the one-time blob-to-fields
// migration on a store written in the old format with PORTAL_MIGRATE_N
// invoices (default 2,000; the demo has 30,000), next to the one-by-one
// replace it replaced, run back to back so that both see the same load:
//
//	PORTAL_MIGRATE_N=2000 go test ./payments -run '^$' -bench MigrateInvoice -benchtime 1x
func BenchmarkMigrateInvoiceDocuments(b *testing.B) {
	n := 2000
	if v, err := strconv.Atoi(os.Getenv("PORTAL_MIGRATE_N")); err == nil && v > 0 {
		n = v
	}
	for _, c := range []struct {
		name    string
		migrate func(context.Context, *mongo.Database) error
	}{
		{"batched", migrateInvoiceDocuments},
		{"one-by-one", replaceInvoiceDocumentsOneByOne},
	} {
		b.Run(c.name, func(b *testing.B) {
			st := storetest.New(b)
			coll := st.DB.Collection(colInvoices)
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				ctx := context.Background()
				if err := coll.Drop(ctx); err != nil {
					b.Fatal(err)
				}
				writeLegacyInvoices(b, coll, n)
				// As at start-up, the embedded store's _id indexes come
				// before the migrations (app.New: Prepare, then Load).
				if err := st.Prepare(ctx); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start := time.Now()
				if err := c.migrate(ctx, st.DB); err != nil {
					b.Fatal(err)
				}
				took := time.Since(start)
				b.StopTimer()
				left, err := coll.CountDocuments(ctx, bson.D{{Key: "doc", Value: bson.D{{Key: "$exists", Value: true}}}})
				if err != nil || left != 0 {
					b.Fatalf("%d blob records left (%v)", left, err)
				}
				if all, err := coll.CountDocuments(ctx, bson.D{}); err != nil || all != int64(n) {
					b.Fatalf("%d invoices after the migration, want %d (%v)", all, n, err)
				}
				b.ReportMetric(float64(n), "invoices")
				b.ReportMetric(float64(took.Microseconds())/float64(n), "µs/invoice")
				b.Logf("%s: %d invoices migrated in %s", c.name, n, took.Round(time.Millisecond))
			}
		})
	}
}

// replaceInvoiceDocumentsOneByOne is the migration as it was first
// written, kept to measure against: read every blob, replace each.
func replaceInvoiceDocumentsOneByOne(ctx context.Context, db *mongo.Database) error {
	coll := db.Collection(colInvoices)
	recs, err := store.FindAll[legacyRecord](ctx, coll, bson.D{{Key: "doc", Value: bson.D{{Key: "$exists", Value: true}}}})
	if err != nil {
		return err
	}
	for _, r := range recs {
		var inv Invoice
		if err := bson.Unmarshal(r.Doc, &inv); err != nil {
			return err
		}
		cctx, cancel := store.CallContext(ctx)
		_, err := coll.ReplaceOne(cctx, bson.D{{Key: "_id", Value: r.ID}}, docOf(&inv))
		cancel()
		if err != nil {
			return err
		}
	}
	return nil
}

// writeLegacyInvoices stores n invoices as versions before the document
// layout did: a few fields and the whole invoice, history included, in doc.
func writeLegacyInvoices(tb testing.TB, coll *mongo.Collection, n int) {
	tb.Helper()
	ctx := context.Background()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	batch := make([]any, 0, 1000)
	for i := range n {
		inv := Invoice{ID: fmt.Sprintf("inv%06d", i), OrgID: "org1", OrgName: "Sunrise Care", SupplierRef: "SUP1001",
			ContractID: "c1", ContractRef: "HC-001", ContractTitle: "Home care north",
			Number: fmt.Sprintf("INV-%06d", i), NumberKey: fmt.Sprintf("INV%06d", i),
			InvoiceDate: "2026-03-01", PeriodStart: "2026-02-01", PeriodEnd: "2026-02-28",
			NetPence: 100000 + int64(i), GrossPence: 100000 + int64(i), Reference: "PO-1", ReceivedAt: at, ReceivedDate: "2026-03-02",
			TermsDays: 30, DueDate: "2026-04-01", Status: StatusApproved, Version: 2, ApprovedDate: "2026-03-03",
			History: []Event{
				{Seq: 1, At: at, Date: "2026-03-02", ByID: "u1", ByName: "Ann", By: PartyProvider, To: StatusSubmitted, Source: "portal"},
				{Seq: 2, At: at.Add(24 * time.Hour), Date: "2026-03-03", ByID: "s1", ByName: "Pat", By: PartyStaff, From: StatusSubmitted, To: StatusApproved},
			},
			UpdatedAt: at.Add(24 * time.Hour)}
		blob, err := bson.Marshal(inv)
		if err != nil {
			tb.Fatal(err)
		}
		batch = append(batch, legacyRecord0{ID: inv.ID, OrgID: inv.OrgID, Status: inv.Status, Version: inv.Version, UpdatedAt: inv.UpdatedAt, Doc: blob})
		if len(batch) == cap(batch) || i == n-1 {
			if _, err := coll.InsertMany(ctx, batch); err != nil {
				tb.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}

// TestMigrateInvoiceDocumentsResumes: the blob migration, stopped at each
// of its steps, finishes on the next run with every invoice rewritten once,
// and a further run changes nothing.
func TestMigrateInvoiceDocumentsResumes(t *testing.T) {
	const n = migrateBatch + 37 // more than one batch
	st := storetest.New(t)
	ctx := storetest.Context(t)
	coll, copied := st.DB.Collection(colInvoices), st.DB.Collection(colInvoicesMigrating)
	check := func(step string) {
		t.Helper()
		docs, err := store.FindAll[bson.Raw](ctx, coll, bson.D{})
		if err != nil || len(docs) != n {
			t.Fatalf("%s: %d invoices, want %d (%v)", step, len(docs), n, err)
		}
		for _, d := range docs {
			if _, err := d.LookupErr("doc"); err == nil {
				t.Fatalf("%s: a blob is left: %s", step, d.Lookup("_id"))
			}
			if g, ok := d.Lookup("gross_pence").AsInt64OK(); !ok || g < 100000 {
				t.Fatalf("%s: %s has gross_pence %v", step, d.Lookup("_id"), d.Lookup("gross_pence"))
			}
		}
		if any, _ := any1(ctx, copied); any {
			t.Fatalf("%s: the copy is left behind", step)
		}
	}

	// Stopped while copying: a part-made copy, the old collection whole.
	writeLegacyInvoices(t, coll, n)
	if _, err := copied.InsertOne(ctx, bson.D{{Key: "_id", Value: "inv000001"}, {Key: "half", Value: true}}); err != nil {
		t.Fatal(err)
	}
	if err := migrateInvoiceDocuments(ctx, st.DB); err != nil {
		t.Fatal(err)
	}
	check("after a stop while copying")

	// Stopped after dropping the old collection, before the rename: the
	// whole copy, and the empty collection start-up makes.
	rename := bson.D{{Key: "renameCollection", Value: st.DB.Name() + "." + colInvoices}, {Key: "to", Value: st.DB.Name() + "." + colInvoicesMigrating}}
	if err := st.DB.Client().Database("admin").RunCommand(ctx, rename).Err(); err != nil {
		t.Fatal(err)
	}
	if err := st.DB.CreateCollection(ctx, colInvoices); err != nil {
		t.Fatal(err)
	}
	if err := migrateInvoiceDocuments(ctx, st.DB); err != nil {
		t.Fatal(err)
	}
	check("after a stop before the rename")

	// Run again on the migrated store: nothing changes.
	if err := migrateInvoiceDocuments(ctx, st.DB); err != nil {
		t.Fatal(err)
	}
	check("after a second run")
}
