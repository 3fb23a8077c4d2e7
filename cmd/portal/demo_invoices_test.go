package main

import (
	"bytes"
	"context"
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
	a, err := openApp(context.Background(), config{Database: "portal", DataDir: dir}, newLogger(&bytes.Buffer{}, false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}
