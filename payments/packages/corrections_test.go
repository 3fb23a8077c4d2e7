package packages

import (
	"sync"
	"testing"
	"time"

	"careportal/auth"
	"careportal/payments"
	"careportal/portal/fault"
	"careportal/portal/store/storetest"
)

// TestCorrectionsAfterInvoicing: with hand-worked figures. Two packages of
// 14 hours a week at £23.50, the four weeks from 26 January 2026 confirmed
// as planned (56 hours each, £1,316.00 each) and invoiced: £2,632.00.
func TestCorrectionsAfterInvoicing(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	a := f.placeActive(t, homeCare("P-A"))
	b := f.placeActive(t, homeCare("P-B"))
	const start = "2026-01-26"
	if _, err := f.s.Correct(ctx, f.broker, f.c1.ID, start, a.ID, 0, "50", "x"); kind(err) != fault.Conflict {
		t.Fatalf("correcting a cycle not invoiced: %v", err)
	}
	if _, err := f.s.Confirm(ctx, f.prov1, f.c1.ID, start, nil, ""); err != nil {
		t.Fatal(err)
	}
	bill, err := f.s.Generate(ctx, f.broker, f.c1.ID, start)
	if err != nil {
		t.Fatal(err)
	}
	if bill.NetPence != 263200 {
		t.Fatalf("bill %d", bill.NetPence)
	}
	// Bad input changes nothing.
	for _, tc := range []struct{ units, note, field string }{
		{"", "why", "units"}, {"56", "why", "units"}, {"abc", "why", "units"}, {"50", "", "note"}, {"2000", "why", "units"},
	} {
		if _, err := f.s.Correct(ctx, f.broker, f.c1.ID, start, a.ID, 0, tc.units, tc.note); !hasField(err, tc.field) {
			t.Errorf("units %q note %q: %v", tc.units, tc.note, err)
		}
	}
	if _, err := f.s.Correct(ctx, f.prov1, f.c1.ID, start, a.ID, 0, "50", "why"); kind(err) != fault.Forbidden {
		t.Fatalf("provider corrects: %v", err)
	}

	// Fewer hours: 50 h is £1,175.00, so a credit note of £141.00 against
	// the generated invoice, which is not changed otherwise.
	f.clk.Set(time.Date(2026, 3, 20, 10, 0, 0, 0, time.UTC))
	c1, err := f.s.Correct(ctx, f.broker, f.c1.ID, start, a.ID, 0, "50", "Six hours were not delivered")
	if err != nil {
		t.Fatal(err)
	}
	if !c1.Credit || c1.AmountPence != -14100 || c1.InvoiceID != bill.InvoiceID || c1.Number != bill.InvoiceNumber+"-C-P-A-1" {
		t.Fatalf("credit correction %+v", c1)
	}
	inv, err := f.pay.Invoice(ctx, f.broker, bill.InvoiceID)
	if err != nil {
		t.Fatal(err)
	}
	if inv.NetPence != 263200 || inv.CreditPence != 14100 || inv.Balance() != 263200-14100 {
		t.Fatalf("invoice after the credit: net %d credit %d", inv.NetPence, inv.CreditPence)
	}
	// A correction against what someone saw before it is a conflict.
	if _, err := f.s.Correct(ctx, f.broker2, f.c1.ID, start, a.ID, 0, "40", "Stale"); kind(err) != fault.Conflict {
		t.Fatalf("stale correction: %v", err)
	}
	// More hours: from 50 h to 60 h is £1,410.00 - £1,175.00 = £235.00, a
	// supplementary invoice with one line of 10 hours.
	c2, err := f.s.Correct(ctx, f.broker, f.c1.ID, start, a.ID, 1, "60", "Four extra hours were agreed")
	if err != nil {
		t.Fatal(err)
	}
	if c2.Credit || c2.AmountPence != 23500 || c2.FromUnits != 5000 || c2.ToUnits != 6000 || c2.InvoiceID == bill.InvoiceID {
		t.Fatalf("supplementary correction %+v", c2)
	}
	sup, err := f.pay.Invoice(ctx, f.prov1, c2.InvoiceID)
	if err != nil {
		t.Fatal(err)
	}
	if sup.NetPence != 23500 || len(sup.Lines) != 1 || sup.Lines[0].Quantity != "10" || sup.Lines[0].UnitPricePence != 2350 || sup.Number != bill.InvoiceNumber+"-S-P-A-2" || sup.PeriodStart != start {
		t.Fatalf("supplementary invoice %+v", sup)
	}
	if inv2, _ := f.pay.Invoice(ctx, f.broker, bill.InvoiceID); inv2.NetPence != 263200 || inv2.CreditPence != 14100 {
		t.Fatalf("the sent invoice changed: %+v", inv2)
	}

	// Two people correcting P-B at once: one correction, one credit.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, who := range []int{0, 1} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := f.broker
			if who == 1 {
				p = f.broker2
			}
			_, errs[i] = f.s.Correct(ctx, p, f.c1.ID, start, b.ID, 0, "40", "Sixteen hours were not delivered")
		}()
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("concurrent corrections: %v, %v", errs[0], errs[1])
	}
	inv, _ = f.pay.Invoice(ctx, f.broker, bill.InvoiceID)
	if inv.CreditPence != 14100+37600 {
		t.Fatalf("credits after the concurrent corrections: %d", inv.CreditPence)
	}
	cs, err := f.s.CorrectionsOf(ctx, f.prov1, f.c1.ID, start)
	if err != nil || len(cs) != 3 {
		t.Fatalf("corrections %d %v", len(cs), err)
	}
	if cs, _ := f.s.CorrectionsOf(ctx, f.prov2, f.c1.ID, start); len(cs) != 0 {
		t.Fatalf("another provider sees the corrections")
	}
	// The figures count what is paid now: 60 + 40 hours of 112 planned.
	fg, err := f.s.Figures(ctx, f.broker, "2026-01", "2026-01")
	if err != nil || len(fg.Units) != 1 || fg.Units[0].Commissioned != 11200 || fg.Units[0].Delivered != 10000 {
		t.Fatalf("figures %+v %v", fg.Units, err)
	}
	// A fresh service reads them back.
	s2 := NewService(f.s.db, f.pay, f.auth, Options{Now: f.clk.Now, Logger: f.s.log})
	if err := s2.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if cs, _ := s2.CorrectionsOf(ctx, f.broker, f.c1.ID, start); len(cs) != 3 {
		t.Fatalf("reloaded corrections %d", len(cs))
	}
}

// TestCorrectionOverpayment: hand-worked. One package of 14 hours a week at
// £23.50: the four weeks from 26 January 2026 are 56 hours, £1,316.00,
// invoiced and approved.
//
// Paid in full (£1,316.00), then corrected to 50 hours: a credit note of
// £141.00 is recorded whole; nothing was unpaid, so all £141.00 is an
// overpayment the provider owes back (balance -£141.00). The invoice stays
// paid, on the day it was paid.
//
// Part-paid (£1,200.00 of £1,316.00), then corrected to 50 hours: the
// £141.00 credit clears the £116.00 balance (the invoice is paid) and
// £25.00 is owed back.
//
// A provider's own credit note still cannot exceed the balance (issue 11).
func TestCorrectionOverpayment(t *testing.T) {
	const start = "2026-01-26"
	type step struct {
		paid           int64
		wantOver       int64
		wantCredit     int64
		wantStatusPaid bool
	}
	for name, tc := range map[string]step{
		"paid in full": {paid: 131600, wantOver: 14100, wantCredit: 14100, wantStatusPaid: true},
		"part-paid":    {paid: 120000, wantOver: 2500, wantCredit: 14100, wantStatusPaid: true},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			ctx := storetest.Context(t)
			a := f.placeActive(t, homeCare("P-A"))
			if _, err := f.s.Confirm(ctx, f.prov1, f.c1.ID, start, nil, ""); err != nil {
				t.Fatal(err)
			}
			bill, err := f.s.Generate(ctx, f.broker, f.c1.ID, start)
			if err != nil || bill.NetPence != 131600 {
				t.Fatalf("bill %d %v", bill.NetPence, err)
			}
			sent, err := f.pay.Invoice(ctx, f.broker, bill.InvoiceID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.pay.Transition(ctx, f.broker, bill.InvoiceID, sent.Version, payments.StatusApproved, "", payments.Details{}); err != nil {
				t.Fatal(err)
			}
			inv, err := f.pay.RecordPayment(ctx, f.broker, bill.InvoiceID, -1, payments.Money{Date: "2026-03-11", Pence: tc.paid, Reference: "BACS-1"})
			if err != nil {
				t.Fatal(err)
			}
			paidDate := inv.PaidDate
			// Nothing to credit on a paid invoice, and never more than the
			// balance: the provider's own credit notes keep issue 11's rules.
			pcn := payments.CreditNote{InvoiceID: bill.InvoiceID, Number: "CN-PROV-1", Pence: 14100, Reason: "Six hours not delivered"}
			_, perr := f.pay.SubmitCreditNote(ctx, f.prov1, pcn)
			if tc.paid == 131600 && kind(perr) != fault.Conflict || tc.paid < 131600 && !hasField(perr, "amount") {
				t.Fatalf("provider's credit note beyond the balance: %v", perr)
			}
			pcn.Overpayment = true
			if _, err := f.pay.SubmitCreditNote(ctx, f.prov1, pcn); kind(err) != fault.Forbidden {
				t.Fatalf("provider's overpayment credit: %v", err)
			}
			f.clk.Set(time.Date(2026, 3, 20, 10, 0, 0, 0, time.UTC))
			c, err := f.s.Correct(ctx, f.broker, f.c1.ID, start, a.ID, 0, "50", "Six hours were not delivered")
			if err != nil {
				t.Fatal(err)
			}
			if !c.Credit || c.AmountPence != -14100 || c.OverPence != tc.wantOver || c.InvoiceID != bill.InvoiceID {
				t.Fatalf("correction %+v", c)
			}
			inv, err = f.pay.Invoice(ctx, f.prov1, bill.InvoiceID)
			if err != nil {
				t.Fatal(err)
			}
			if inv.CreditPence != tc.wantCredit || inv.Overpaid() != tc.wantOver || inv.Balance() != -tc.wantOver ||
				inv.CreditBeyondBalance() != tc.wantOver || (inv.Status == payments.StatusPaid) != tc.wantStatusPaid {
				t.Fatalf("invoice: credit %d overpaid %d balance %d status %s", inv.CreditPence, inv.Overpaid(), inv.Balance(), inv.Status)
			}
			if inv.PaidPence != tc.paid || inv.PaidDate != paidDate || inv.NetPence != 131600 {
				t.Fatalf("the payment changed: %d on %s, net %d", inv.PaidPence, inv.PaidDate, inv.NetPence)
			}
			// Two people making the next correction at once: one correction.
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, who := range []*auth.Principal{f.broker, f.broker2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = f.s.Correct(ctx, who, f.c1.ID, start, a.ID, 1, "48", "Two more hours were not delivered")
				}()
			}
			wg.Wait()
			if (errs[0] == nil) == (errs[1] == nil) {
				t.Fatalf("concurrent corrections: %v, %v", errs[0], errs[1])
			}
			// 48 h is £1,128.00: a further £47.00, all owed back.
			inv, _ = f.pay.Invoice(ctx, f.broker, bill.InvoiceID)
			if inv.CreditPence != tc.wantCredit+4700 || inv.Overpaid() != tc.wantOver+4700 {
				t.Fatalf("after the second correction: credit %d overpaid %d", inv.CreditPence, inv.Overpaid())
			}
			cs, _ := f.s.CorrectionsOf(ctx, f.prov1, f.c1.ID, start)
			if len(cs) != 2 || cs[1].OverPence != 4700 {
				t.Fatalf("corrections %+v", cs)
			}
			// Read back from the store: the overpayment is kept.
			pay2 := payments.NewService(f.s.db, f.auth, payments.Options{Now: f.clk.Now, Logger: f.s.log})
			inv2, err := pay2.Invoice(ctx, f.broker, bill.InvoiceID)
			if err != nil || inv2.CreditBeyondBalance() != tc.wantOver+4700 {
				t.Fatalf("reloaded: beyond %d %v", inv2.CreditBeyondBalance(), err)
			}
			list, err := pay2.ListInvoices(ctx, f.broker, payments.InvoiceFilter{Overpaid: true}, 1, 50)
			if err != nil || list.Total != 1 || list.Invoices[0].ID != bill.InvoiceID {
				t.Fatalf("overpaid list %d %v", list.Total, err)
			}
			if list, _ := pay2.ListInvoices(ctx, f.prov2, payments.InvoiceFilter{Overpaid: true}, 1, 50); list.Total != 0 {
				t.Fatalf("another provider sees the overpaid invoice")
			}
		})
	}
}
