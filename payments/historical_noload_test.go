package payments

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"sort"
	"testing"

	"careportal/portal/store/storetest"
)

// TestHistoricalImportDoesNotLoadTheInvoices: `portal invoices import`
// checks each row's number through its claim document (by _id), not
// against every invoice, so an import on a fresh service leaves the
// invoices read model unloaded; and it counts, refuses and writes exactly
// what the same imports do on a service whose read model is loaded.
func TestHistoricalImportDoesNotLoadTheInvoices(t *testing.T) {
	base := []HistoricalInvoice{
		{SupplierRef: "SUP1001", ContractRef: "HC-001", InvoiceNumber: "H-1", InvoiceDate: "2025-06-01", ReceivedDate: "2025-06-02", NetPence: 5000, GrossPence: 5000,
			Steps: HistoryFromDates("2025-06-05", "2025-06-20", 5000, "R1")},
		{SupplierRef: "SUP1002", ContractRef: "RES-001", InvoiceNumber: "H-2", InvoiceDate: "2025-06-01", ReceivedDate: "2025-06-03", NetPence: 100, VATPence: 20, GrossPence: 120},
	}
	newRow := HistoricalInvoice{SupplierRef: "SUP1001", ContractRef: "HC-001", InvoiceNumber: "H-3", InvoiceDate: "2025-07-01", ReceivedDate: "2025-07-02", NetPence: 700, GrossPence: 700}
	changed := base[1]
	changed.GrossPence, changed.NetPence = 999, 979 // the same number with other details
	// The same number written differently is the same invoice.
	respelt := base[0]
	respelt.InvoiceNumber = "h 1"
	cases := []struct {
		name               string
		rows               []HistoricalInvoice
		created, unchanged int
		problems           []string // row:field
	}{
		{"the same file again", base, 0, 2, nil},
		{"a number spelt differently", []HistoricalInvoice{respelt}, 0, 1, nil},
		{"a new invoice beside known ones", []HistoricalInvoice{base[0], newRow, base[1]}, 1, 2, nil},
		{"the new one again", []HistoricalInvoice{newRow}, 0, 1, nil},
		{"a known number with other details", []HistoricalInvoice{newRow, changed}, 0, 0, []string{"1:invoice_number"}},
		{"twice in one file", []HistoricalInvoice{{SupplierRef: "SUP1001", ContractRef: "HC-001", InvoiceNumber: "H-9", InvoiceDate: "2025-07-01", ReceivedDate: "2025-07-02", NetPence: 1, GrossPence: 1},
			{SupplierRef: "SUP1001", ContractRef: "HC-001", InvoiceNumber: "H-9", InvoiceDate: "2025-07-01", ReceivedDate: "2025-07-02", NetPence: 1, GrossPence: 1}}, 0, 0, []string{"1:invoice_number"}},
	}
	type outcome struct {
		created, unchanged int
		problems           []string
	}
	run := func(t *testing.T, loaded bool) ([]outcome, []string) {
		s, st, clk := newTestService(t)
		seedContracts(t, s)
		ctx := storetest.Context(t)
		if _, _, err := s.ImportHistorical(ctx, staff, base); err != nil {
			t.Fatal(err)
		}
		fresh := NewService(st.DB, fixedOrgs, Options{Now: clk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if loaded {
			if err := fresh.Load(ctx); err != nil {
				t.Fatal(err)
			}
		}
		var got []outcome
		for _, c := range cases {
			if _, err := fresh.ClearOrphanNumbers(ctx, c.rows); err != nil {
				t.Fatal(err)
			}
			cr, un, err := fresh.ImportHistorical(ctx, staff, c.rows)
			o := outcome{created: cr, unchanged: un}
			var re *RowsError
			if errors.As(err, &re) {
				for _, r := range re.Rows {
					o.problems = append(o.problems, fmt.Sprintf("%d:%s", r.Row, r.Field))
				}
			} else if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			got = append(got, o)
		}
		if !loaded && fresh.invoicesRM.Loaded() {
			t.Fatal("a historical import loaded the invoices read model")
		}
		// What the store holds, read afresh.
		check := NewService(st.DB, fixedOrgs, Options{Now: clk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		invs, err := check.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var held []string
		for _, inv := range invs {
			held = append(held, fmt.Sprintf("%s %s %d %s", inv.SupplierRef, inv.Number, inv.GrossPence, inv.Status))
		}
		sort.Strings(held)
		return got, held
	}
	cold, coldStore := run(t, false)
	warm, warmStore := run(t, true)
	for i, c := range cases {
		want := outcome{created: c.created, unchanged: c.unchanged, problems: c.problems}
		if !reflect.DeepEqual(cold[i], want) {
			t.Errorf("%s, read model not loaded: got %+v, want %+v", c.name, cold[i], want)
		}
		if !reflect.DeepEqual(warm[i], cold[i]) {
			t.Errorf("%s: loaded %+v, not loaded %+v", c.name, warm[i], cold[i])
		}
	}
	if !reflect.DeepEqual(coldStore, warmStore) || len(coldStore) != 3 {
		t.Errorf("stored invoices: not loaded %v, loaded %v (want H-1, H-2, H-3)", coldStore, warmStore)
	}
}
