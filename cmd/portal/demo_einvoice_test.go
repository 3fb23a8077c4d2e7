package main

import (
	"context"
	"testing"
	"time"

	"careportal/auth"
	"careportal/payments/einvoice"
)

// TestDemoEInvoices writes every invoice of the demo (the small set, which
// includes invoices generated from care package actuals) as a UBL invoice
// and as its invoice responses, and checks each passes the validator.
func TestDemoEInvoices(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	set, err := a.Performance.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	council := set.Council()
	if council.Name == "" || council.Email == "" {
		t.Fatalf("the demo's reporting settings give no council: %+v", council)
	}
	staff := &auth.Principal{Name: "test", Role: auth.RoleBrokerage}
	invs, err := a.Payments.Snapshot(ctx)
	if err != nil || len(invs) < 20 {
		t.Fatalf("%d demo invoices (%v)", len(invs), err)
	}
	withLines, responses, credits := 0, 0, 0
	began := time.Now()
	for _, inv := range invs {
		_, data, err := a.Payments.EInvoice(ctx, staff, inv.ID, council)
		if err != nil {
			t.Errorf("invoice %s (%s, %d lines): %v", inv.Number, inv.Status, len(inv.Lines), err)
			continue
		}
		doc, err := einvoice.Parse(data)
		if err != nil {
			t.Errorf("invoice %s: the produced document fails the validator: %v", inv.Number, err)
			continue
		}
		if doc.Totals.NetPence != inv.NetPence || doc.Totals.VATPence != inv.VATPence || doc.Customer.LegalName != council.Name {
			t.Errorf("invoice %s: document totals %+v, invoice net %d VAT %d", inv.Number, doc.Totals, inv.NetPence, inv.VATPence)
		}
		if len(inv.Lines) > 0 {
			withLines++
		}
		n := 0
		for _, p := range inv.Payments {
			if !p.Credit {
				continue
			}
			n++
			if _, data, err := a.Payments.CreditNoteEInvoice(ctx, staff, inv.ID, n, council); err != nil {
				t.Errorf("invoice %s credit note %d: %v", inv.Number, n, err)
			} else if err := einvoice.Validate(data); err != nil {
				t.Errorf("invoice %s credit note %d fails the validator: %v", inv.Number, n, err)
			}
			credits++
		}
		rs, err := a.Payments.InvoiceResponses(ctx, staff, inv.ID, council)
		if err != nil || len(rs) == 0 {
			t.Errorf("invoice %s: %d responses (%v)", inv.Number, len(rs), err)
		}
		for _, r := range rs {
			out, err := einvoice.MarshalResponse(r)
			if err == nil {
				_, err = einvoice.ParseResponse(out)
			}
			if err != nil {
				t.Errorf("invoice %s response %s: %v", inv.Number, r.Status, err)
			}
			responses++
		}
	}
	t.Logf("%d demo invoices (%d with lines), %d credit notes and %d invoice responses written and validated in %s", len(invs), withLines, credits, responses, time.Since(began).Round(time.Millisecond))
}
