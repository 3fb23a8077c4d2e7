package payments

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"careportal/portal/store/storetest"
)

// A service whose read model is not loaded (a command-line remittance
// import) finds invoices by number and pays them through the store by
// _id, with the same answers and the same stored result as the loaded
// service, and never loads the read model.
func TestLookupsBeforeLoadReadTheStore(t *testing.T) {
	s, st, clk := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	ids := fourToPay(t, s)
	clk.Set(time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC))

	// A second service on the same store, as a command starts it.
	cli := NewService(st.DB, fixedOrgs, Options{Now: clk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := cli.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	f, loaded := cli.NewInvoiceFinder(), s.NewInvoiceFinder()
	for _, q := range []struct{ supplier, number string }{{"SUP1001", "inv 0002"}, {"sup1001", "INV-0004"}, {"SUP1001", "INV-0099"}, {"SUP9999", "INV-0001"}, {"SUP1002", "INV-0001"}} {
		got, gk, gf, err := f.Find(ctx, q.supplier, q.number)
		if err != nil {
			t.Fatal(err)
		}
		want, wk, wf, err := loaded.Find(ctx, q.supplier, q.number)
		if err != nil {
			t.Fatal(err)
		}
		if gk != wk || gf != wf || got.ID != want.ID || got.Version != want.Version || got.Status != want.Status || got.Balance() != want.Balance() {
			t.Fatalf("Find(%s, %s) before load = %s v%d %s %v %v; loaded = %s v%d %s %v %v", q.supplier, q.number,
				got.ID, got.Version, got.Status, gk, gf, want.ID, want.Version, want.Status, wk, wf)
		}
	}
	errs := cli.PayInFull(ctx, staff, []FullPayment{
		{InvoiceID: ids[1], Date: "2026-03-13", Pence: 100000, Reference: "R1", Source: "remittance"},
		{InvoiceID: ids[3], Date: "2026-03-13", Pence: 100000, Reference: "R1", Source: "remittance"},
		{InvoiceID: "no-such-invoice", Date: "2026-03-13", Pence: 100000, Reference: "R1", Source: "remittance"},
	})
	if errs[0] != nil || errs[1] != nil || errs[2] == nil {
		t.Fatalf("PayInFull before load: %v", errs)
	}
	// The single path (a part payment) reads the stored snapshot too.
	if _, err := cli.MarkPaid(ctx, staff, ids[2], "2026-03-13", 40000, "R1", "remittance"); err != nil {
		t.Fatal(err)
	}
	// Paid again: refused as the loaded service refuses it.
	if _, err := cli.MarkPaid(ctx, staff, ids[1], "2026-03-13", 100000, "R1", "remittance"); err == nil {
		t.Fatal("paying a paid invoice again was accepted")
	}
	if cli.invoicesRM.Loaded() {
		t.Fatal("the lookups loaded the read model")
	}
	for id, want := range map[string]struct {
		status  Status
		balance int64
	}{ids[1]: {StatusPaid, 0}, ids[2]: {StatusApproved, 60000}, ids[3]: {StatusPaid, 0}} {
		inv, ok, err := cli.current(ctx, id)
		if err != nil || !ok || inv.Status != want.status || inv.Balance() != want.balance {
			t.Fatalf("invoice %s after paying: %s %d %v %v", id, inv.Status, inv.Balance(), ok, err)
		}
	}
	// Loading afterwards gives the same invoices.
	if err := cli.Load(ctx); err != nil {
		t.Fatal(err)
	}
	inv, _, _, err := cli.NewInvoiceFinder().Find(ctx, "SUP1001", "INV-0003")
	if err != nil || inv.Status != StatusApproved || inv.Balance() != 60000 {
		t.Fatalf("after load: %s %d %v", inv.Status, inv.Balance(), err)
	}
	if n := count(t, st, colInvoicePending); n != 0 {
		t.Fatalf("%d intent records left", n)
	}
}
