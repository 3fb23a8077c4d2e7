package main

import (
	"context"
	"reflect"
	"testing"

	"careportal/auth"
	"careportal/payments"
)

// TestDemoInvoices checks the demo's contracts and invoices: about 30
// contracts across the demo organisations and every service type, every
// invoice status, overdue and queried invoices (with their reasons), and
// the showcase for Sunrise, whose manager every browser test signs in as.
// A second, bigger run (--invoices) adds providers and contracts to the
// borough sizes and the invoices asked for.
func TestDemoInvoices(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	staff := &auth.Principal{Name: "test", Role: auth.RoleBrokerage}
	contracts, _ := a.Payments.Contracts(ctx, staff, payments.ContractFilter{})
	if len(contracts) < 25 || len(contracts) > 35 {
		t.Errorf("%d contracts, want about 30", len(contracts))
	}
	types := map[payments.ServiceType]bool{}
	for _, c := range contracts {
		types[c.ServiceType] = true
	}
	if len(types) != len(payments.ServiceTypes) {
		t.Errorf("service types used: %v", types)
	}
	invs, _ := a.Payments.Snapshot(ctx)
	today := a.Payments.Today()
	byStatus := map[payments.Status]int{}
	overdue, queriedWithReason := 0, 0
	for _, inv := range invs {
		byStatus[inv.Status]++
		if inv.Overdue(today) {
			overdue++
		}
		if inv.Status == payments.StatusQueried && inv.Reason != "" {
			queriedWithReason++
		}
		if inv.Imported {
			t.Errorf("demo invoice %s is marked imported", inv.Number)
		}
	}
	for _, st := range payments.Statuses {
		if byStatus[st] == 0 {
			t.Errorf("no %s invoice in the demo (%v)", st, byStatus)
		}
	}
	if overdue == 0 || queriedWithReason == 0 {
		t.Errorf("overdue %d, queried with a reason %d", overdue, queriedWithReason)
	}
	sunrise, err := a.Auth.OrgByRef(ctx, "SUP1001")
	if err != nil {
		t.Fatal(err)
	}
	mine, _ := a.Payments.ListInvoices(ctx, &auth.Principal{Role: auth.RoleProvider, OrgID: sunrise.ID}, payments.InvoiceFilter{}, 1, 200)
	seen := map[payments.Status]bool{}
	for _, inv := range mine.Invoices {
		seen[inv.Status] = true
	}
	if len(seen) != len(payments.Statuses) {
		t.Errorf("Sunrise's invoices cover %d statuses, want all %d", len(seen), len(payments.Statuses))
	}

	b := demoApp(t, "--invoices", "500")
	orgs, _ := b.Auth.Orgs(ctx)
	bc, _ := b.Payments.Contracts(ctx, staff, payments.ContractFilter{})
	bi, _ := b.Payments.Snapshot(ctx)
	if len(orgs) != 300 || len(bc) != 2000 || len(bi) < 500 || len(bi) > 520 {
		t.Errorf("--invoices 500: %d organisations, %d contracts, %d invoices", len(orgs), len(bc), len(bi))
	}
	paidOnTime, paidLate := 0, 0
	for _, inv := range bi {
		if inv.Status == payments.StatusPaid {
			if inv.PaidDate <= inv.DueDate {
				paidOnTime++
			} else {
				paidLate++
			}
		}
	}
	if paidOnTime <= paidLate || paidLate == 0 {
		t.Errorf("paid on time %d, late %d: want most on time and some late", paidOnTime, paidLate)
	}
}

// demoApp runs `portal demo` with the tests' password and the extra
// arguments into a new data directory, and opens the app on it (closed
// when the test ends).
func demoApp(t *testing.T, args ...string) *app {
	t.Helper()
	dir := t.TempDir()
	if _, _, err := runCmd(t, dir, "", append([]string{"demo", "--password", "demo password for tests"}, args...)...); err != nil {
		t.Fatalf("demo %v: %v", args, err)
	}
	a := openDataDir(t, dir)
	t.Cleanup(func() { a.Close() })
	return a
}

// TestDemoInvoicesChunked runs the demo's invoices as one import and in
// chunks of 120 (five import runs, the last with the Sunrise showcase):
// the invoices are the same (number, supplier, contract, dates, amounts,
// status, balance and every step of the history), only their ids differ.
func TestDemoInvoicesChunked(t *testing.T) {
	ctx := context.Background()
	type step struct {
		To          payments.Status
		Date        string
		AmountPence int64
		Note        string
	}
	type row struct {
		Number, Supplier, Contract, Received, Due string
		Gross, Paid                               int64
		Status                                    payments.Status
		Steps                                     []step
	}
	invoices := func(a *app) map[string]row {
		t.Helper()
		invs, err := a.Payments.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]row{}
		for _, inv := range invs {
			r := row{inv.Number, inv.SupplierRef, inv.ContractRef, inv.ReceivedDate, inv.DueDate, inv.GrossPence, inv.PaidPence, inv.Status, nil}
			for _, ev := range inv.History {
				r.Steps = append(r.Steps, step{ev.To, ev.Date, ev.AmountPence, ev.Note})
			}
			out[inv.SupplierRef+"/"+inv.Number] = r
		}
		return out
	}
	one := invoices(demoApp(t, "--invoices", "500"))
	defer func(n int) { demoChunk = n }(demoChunk)
	demoChunk = 120
	chunked := demoApp(t, "--invoices", "500")
	runs, err := chunked.Payments.ImportRuns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 5 {
		t.Errorf("%d import runs for 500 invoices in chunks of 120, want 5", len(runs))
	}
	many := invoices(chunked)
	if len(one) != len(many) || len(one) < 500 {
		t.Fatalf("one import made %d invoices, chunks %d", len(one), len(many))
	}
	for k, r := range one {
		if !reflect.DeepEqual(r, many[k]) {
			t.Errorf("invoice %s:\none import %+v\nin chunks  %+v", k, r, many[k])
		}
	}
}
