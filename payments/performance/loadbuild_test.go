package performance

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/metrics"
	"careportal/portal/store/storetest"
)

// TestFiguresBuiltFromTheStartupLoad: a portal starting on a store with
// history builds its figures from the payments load's own pass over the
// invoices (more than one batch of them), reads no invoice again for
// them, and its figures equal a full recomputation before and after
// changes; when the tap cannot start, the figures read the invoices once
// themselves and are the same.
func TestFiguresBuiltFromTheStartupLoad(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	// More than one load batch (store.RawBatch) of closed history.
	var rows []payments.HistoricalInvoice
	for i := range 5200 {
		d := fmt.Sprintf("2025-%02d-%02d", 4+i%6, 1+i%28)
		rows = append(rows, payments.HistoricalInvoice{SupplierRef: []string{"SUP1001", "SUP1002"}[i%2], ContractRef: []string{"HC-001", "RES-001"}[i%2],
			InvoiceNumber: fmt.Sprintf("L%05d", i), InvoiceDate: d, ReceivedDate: d, NetPence: int64(1000 + i), GrossPence: int64(1000 + i),
			Steps: payments.HistoryFromDates(d, []string{"", d}[i%2], []int64{0, int64(1000 + i)}[i%2], "PAYL")})
	}
	if _, _, err := f.pay.ImportHistorical(ctx, staff, rows); err != nil {
		t.Fatal(err)
	}
	scopes := []metrics.Scope{{}, NoticeScope, Reg113Scope, {OrgID: f.orgID}}
	system := auth.System("test")

	// start is a second portal process on the same store: a payments
	// service not yet loaded and a figures service, as app.Load wires them.
	start := func(failOrgs bool) (*payments.Service, *Service, *int) {
		pay := payments.NewService(f.perf.db, f.auth, payments.Options{Now: f.clk.Now})
		src := PaymentsSource(pay, f.auth.Orgs)
		reads := 0
		inner := src.Invoices
		src.Invoices = func(ctx context.Context, each func([]payments.Invoice) error) error { reads++; return inner(ctx, each) }
		if failOrgs {
			orgs, failed := src.Orgs, false
			src.Orgs = func(ctx context.Context) ([]auth.Org, error) {
				if !failed {
					failed = true
					return nil, errors.New("organisations unavailable")
				}
				return orgs(ctx)
			}
		}
		perf := NewService(f.perf.db, src, Options{Now: f.clk.Now})
		pay.TapLoad(perf.LoadTap())
		if err := pay.Load(ctx); err != nil {
			t.Fatal(err)
		}
		return pay, perf, &reads
	}
	check := func(label string, pay *payments.Service, perf *Service) {
		t.Helper()
		invs, err := pay.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(invs) < 5205 {
			t.Fatalf("%s: %d invoices, want every one", label, len(invs))
		}
		contracts, err := pay.Contracts(ctx, system, payments.ContractFilter{})
		if err != nil {
			t.Fatal(err)
		}
		orgs, err := f.auth.Orgs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		checkFigures(t, label, perf, referenceOf(t, perf, invs, contracts, orgs, perf.Today()), scopes)
	}

	pay, perf, reads := start(false)
	check("built from the load", pay, perf)
	var b2 payments.Invoice
	all, err := pay.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, inv := range all {
		if inv.Number == "B2" {
			b2 = inv
		}
	}
	if _, err := pay.RecordPayment(ctx, staff, b2.ID, b2.Version, payments.Money{Date: "2025-10-14", Pence: 250000, Reference: "B2PAID"}); err != nil {
		t.Fatal(err)
	}
	check("after a payment", pay, perf)
	if *reads != 0 {
		t.Fatalf("the figures read every invoice %d times after the load, want none", *reads)
	}

	pay, perf, reads = start(true)
	check("tap could not start", pay, perf)
	if *reads != 1 {
		t.Fatalf("without the tap the figures read every invoice %d times, want once", *reads)
	}
}
