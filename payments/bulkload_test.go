package payments

import (
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"careportal/portal/store/storetest"
)

// TestBulkLoadMatchesDriver writes invoice snapshots through the driver —
// one submitted through the service, one with every optional field set
// (strings, int64 pence, dates, the arrays of step days and statuses) and
// one with every optional field empty — then loads the read model twice,
// once through the embedded bulk reader (store.Store.ReadAllRaw) and once
// through the driver, and compares every invoice field by field.
func TestBulkLoadMatchesDriver(t *testing.T) {
	s, st, clk := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	if _, err := s.SubmitInvoice(ctx, provider1, goodInput()); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	full := invoiceDoc{
		ID: "inv-full", OrgID: "org1", OrgName: `Sunrise "Home" Care \ Ltd ✓`, SupplierRef: "SUP1001",
		ContractID: "c1", ContractRef: "HC-001", ContractTitle: "Home care north", Number: "INV-9", NumberKey: "inv-9",
		InvoiceDate: day, PeriodStart: day.AddDate(0, -1, 0), PeriodEnd: day.AddDate(0, 0, -1),
		NetPence: 123456789012, VATPence: 2469135780, GrossPence: 125925924792,
		Reference: "PO 7", Note: "line one\nline two <b>", FileID: "f1", FileName: "inv.pdf", FileSize: 1 << 33,
		ReceivedAt: time.Date(2026, 3, 29, 1, 30, 15, 250e6, time.UTC), ReceivedDate: day, TermsDays: 30,
		DueDate: day.AddDate(0, 0, 30), OwnDueDate: day.AddDate(0, 0, 20),
		Status: StatusPaid, Version: 4, ApprovedDate: day.AddDate(0, 0, 1), ScheduledDate: day.AddDate(0, 0, 2),
		PaidDate: day.AddDate(0, 0, 3), PaidPence: 125925924792, PaymentReference: "BACS-1", PaymentSource: "remittance",
		Reason: "why", Imported: true, SubmittedByID: "u-p1", SubmittedByName: "Mo Manager", SubmittedBy: 1, Source: "import",
		SubmissionNote: "Imported",
		StepsOn:        []time.Time{day, day.AddDate(0, 0, 1), day.AddDate(0, 0, 2), day.AddDate(0, 0, 3)},
		StepsTo:        []Status{StatusSubmitted, StatusApproved, StatusScheduled, StatusPaid},
		UpdatedAt:      clk.Now(),
	}
	sparse := invoiceDoc{ID: "inv-sparse", OrgID: "org2", Status: StatusSubmitted, Version: 1,
		StepsOn: []time.Time{}, StepsTo: []Status{}, ReceivedAt: clk.Now(), UpdatedAt: clk.Now()}
	if _, err := st.DB.Collection(colInvoices).InsertMany(ctx, []any{full, sparse}); err != nil {
		t.Fatal(err)
	}
	load := func(bulk bool) map[string]Invoice {
		o := Options{Now: clk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		if bulk {
			o.BulkRead = st.EachRaw
		}
		s2 := NewService(st.DB, fixedOrgs, o)
		if err := s2.Load(ctx); err != nil {
			t.Fatal(err)
		}
		snap, err := s2.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]Invoice{}
		for _, inv := range snap {
			out[inv.ID] = inv
		}
		return out
	}
	viaDriver, viaBulk := load(false), load(true)
	if len(viaDriver) != 3 || len(viaBulk) != 3 {
		t.Fatalf("driver loaded %d invoices, bulk %d; want 3", len(viaDriver), len(viaBulk))
	}
	if got := viaBulk["inv-full"]; got.NetPence != 123456789012 || got.FileSize != 1<<33 || len(got.History) != 4 || got.OrgName != full.OrgName {
		t.Errorf("bulk-loaded full invoice lost values: %+v", got)
	}
	for id, want := range viaDriver {
		got, ok := viaBulk[id]
		if !ok {
			t.Errorf("bulk load has no invoice %s", id)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("invoice %s differs:\nbulk   %+v\ndriver %+v", id, got, want)
		}
		wv, gv := reflect.ValueOf(want), reflect.ValueOf(got)
		for i := 0; i < wv.NumField(); i++ {
			if !wv.Type().Field(i).IsExported() {
				continue // covered by the DeepEqual above
			}
			if !reflect.DeepEqual(wv.Field(i).Interface(), gv.Field(i).Interface()) {
				t.Errorf("invoice %s field %s: bulk %v, driver %v", id, wv.Type().Field(i).Name,
					fmt.Sprint(gv.Field(i).Interface()), fmt.Sprint(wv.Field(i).Interface()))
			}
		}
	}
}
