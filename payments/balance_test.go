package payments

import (
	"testing"
	"time"

	"careportal/portal/fault"
	"careportal/portal/store/storetest"
)

// Hand-worked: an invoice for £1,000.00 received on 10 March 2026 and
// approved on 12 March. £400.00 paid on 13 March leaves £600.00, part-paid
// and still approved (open); a £700.00 credit note is refused (more than
// £600.00 left); a £100.00 credit leaves £500.00; £500.00 paid on 14
// March makes the balance nil and the invoice paid.
func TestBalancePartPaymentsAndCredits(t *testing.T) {
	s, st, clk := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	inv, err := s.SubmitInvoice(ctx, provider1, goodInput())
	if err != nil {
		t.Fatal(err)
	}
	// Staff cannot pay an invoice that is not approved.
	if _, err := s.RecordPayment(ctx, staff, inv.ID, inv.Version, Money{Date: "2026-03-10", Pence: 1000}); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("paying a submitted invoice by hand: %v", err)
	}
	clk.Set(time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC))
	inv, err = s.Transition(ctx, staff, inv.ID, inv.Version, StatusApproved, "", Details{})
	if err != nil {
		t.Fatal(err)
	}
	clk.Set(time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC))
	events := count(t, st, colInvoiceEvents)
	// Bad input: a clear message by the field, nothing changed.
	for _, c := range []struct {
		m     Money
		field string
		msg   string
	}{
		{Money{Date: "2026-03-09", Pence: 40000}, "payment_date", "Payment date must be on or after the day the invoice was received (10 March 2026)"},
		{Money{Date: "2026-03-11", Pence: 40000}, "payment_date", "Payment date must be on or after the day the invoice was approved (12 March 2026)"},
		{Money{Date: "2026-03-13", Pence: 100001}, "amount", "The payment (£1,000.01) is more than the balance left on the invoice (£1,000.00): an over-payment is resolved by staff"},
	} {
		_, err := s.RecordPayment(ctx, staff, inv.ID, inv.Version, c.m)
		fe, _ := fault.As(err)
		if fault.KindOf(err) != fault.Invalid || fe == nil || len(fe.Fields) != 1 || fe.Fields[0].Field != c.field || fe.Fields[0].Message != c.msg {
			t.Fatalf("%+v: %v", c.m, err)
		}
	}
	if e := count(t, st, colInvoiceEvents); e != events {
		t.Fatalf("refused payments wrote events: %d -> %d", events, e)
	}
	p1, err := s.RecordPayment(ctx, staff, inv.ID, inv.Version, Money{Date: "2026-03-13", Pence: 40000, Reference: "BACS-1"})
	if err != nil || p1.Status != StatusApproved || p1.Balance() != 60000 || !p1.PartPaid() || p1.PaidPence != 40000 {
		t.Fatalf("part payment: %s balance %d, %v", p1.Status, p1.Balance(), err)
	}
	if q, _ := s.QueueCounts(ctx); q[QueueApproved] != 1 {
		t.Fatalf("a part-paid invoice left the approved queue: %v", q)
	}
	_, err = s.RecordCredit(ctx, staff, inv.ID, p1.Version, Money{Pence: 70000, Reference: "CN-1", Note: "Hours not delivered"})
	if fe, _ := fault.As(err); fe == nil || len(fe.Fields) != 1 || fe.Fields[0].Message != "The credit note (£700.00) is larger than the balance left on the invoice (£600.00)" {
		t.Fatalf("credit over the balance: %v", err)
	}
	if _, err := s.RecordCredit(ctx, staff, inv.ID, p1.Version, Money{Pence: 10000, Reference: "CN-1"}); !fault.Fields(fault.FieldsOf(err)).Has("note") {
		t.Fatalf("credit without a reason: %v", err)
	}
	if e := count(t, st, colInvoiceEvents); e != events+1 {
		t.Fatalf("refused credits wrote events: %d -> %d", events+1, e)
	}
	c1, err := s.RecordCredit(ctx, staff, inv.ID, p1.Version, Money{Pence: 10000, Reference: "CN-1", Note: "Hours not delivered"})
	if err != nil || c1.Balance() != 50000 || c1.CreditPence != 10000 || c1.Status != StatusApproved {
		t.Fatalf("credit: balance %d, %v", c1.Balance(), err)
	}
	p2, err := s.MarkPaid(ctx, staff, inv.ID, "2026-03-14", 50000, "BACS-2", "remittance")
	if err != nil || p2.Status != StatusPaid || p2.Balance() != 0 || p2.PaidPence != 90000 || len(p2.Payments) != 3 || p2.PaidDate != "2026-03-14" {
		t.Fatalf("final payment: %s balance %d payments %d, %v", p2.Status, p2.Balance(), len(p2.Payments), err)
	}
	if _, err := s.MarkPaid(ctx, staff, inv.ID, "2026-03-14", 1, "BACS-3", "remittance"); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("paying a paid invoice: %v", err)
	}
	// A fresh service reads the same money from the snapshot.
	s2 := NewService(s.db, fixedOrgs, Options{Now: clk.Now})
	snap, err := s2.Snapshot(ctx)
	if err != nil || len(snap) != 1 {
		t.Fatal(err)
	}
	got := snap[0]
	if got.Balance() != 0 || got.PaidPence != 90000 || got.CreditPence != 10000 || len(got.Payments) != 3 || !got.Payments[1].Credit ||
		got.History[2].Kind != KindPayment || got.History[2].AmountPence != 40000 || got.History[3].Kind != KindCredit || got.ApprovedDate != "2026-03-12" {
		t.Fatalf("reloaded: %+v", got)
	}
}

// A credit that settles the balance closes the invoice.
func TestCreditSettlingClosesInvoice(t *testing.T) {
	s, _, clk := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	inv, err := s.SubmitInvoice(ctx, provider1, goodInput())
	if err != nil {
		t.Fatal(err)
	}
	inv, err = s.Transition(ctx, staff, inv.ID, inv.Version, StatusApproved, "", Details{})
	if err != nil {
		t.Fatal(err)
	}
	clk.Set(time.Date(2026, 3, 20, 9, 0, 0, 0, time.UTC))
	inv, err = s.MarkPaid(ctx, staff, inv.ID, "2026-03-20", 90000, "BACS-9", "portal")
	if err != nil || inv.Status != StatusApproved || inv.Balance() != 10000 {
		t.Fatalf("short payment: %s %d %v", inv.Status, inv.Balance(), err)
	}
	// Staff accept the short payment as settling: a credit with a reason.
	inv, err = s.RecordCredit(ctx, staff, inv.ID, inv.Version, Money{Pence: 10000, Note: "Short payment accepted: one visit missed"})
	if err != nil || inv.Status != StatusPaid || inv.Balance() != 0 || inv.PaidPence != 90000 {
		t.Fatalf("settling credit: %s %d %v", inv.Status, inv.Balance(), err)
	}
	if _, err := s.RecordCredit(ctx, provider1, inv.ID, inv.Version, Money{Pence: 1, Note: "x"}); fault.KindOf(err) != fault.Forbidden {
		t.Fatalf("a provider recording a credit: %v", err)
	}
}

// Hand-worked remittance advice: two invoices of provider 1 (£1,000.00
// each) paid by BACS-7 on 20 March, £1,000.00 and £600.00: the advice is
// £1,600.00, with £0.00 and £400.00 left. Provider 2 sees no advice, and
// provider 1's is not found for it.
func TestRemittanceAdvice(t *testing.T) {
	s, _, clk := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	var ids []string
	for _, n := range []string{"INV-1", "INV-2"} {
		in := goodInput()
		in.InvoiceNumber = n
		inv, err := s.SubmitInvoice(ctx, provider1, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Transition(ctx, staff, inv.ID, inv.Version, StatusApproved, "", Details{}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, inv.ID)
	}
	clk.Set(time.Date(2026, 3, 20, 9, 0, 0, 0, time.UTC))
	if _, err := s.MarkPaid(ctx, staff, ids[0], "2026-03-20", 100000, "BACS-7", "remittance"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MarkPaid(ctx, staff, ids[1], "2026-03-20", 60000, "BACS-7", "remittance"); err != nil {
		t.Fatal(err)
	}
	list, err := s.Advices(ctx, provider1, "")
	if err != nil || len(list) != 1 {
		t.Fatalf("advices: %+v %v", list, err)
	}
	a := list[0]
	if a.Total != 160000 || a.Date != "2026-03-20" || a.Reference != "BACS-7" || len(a.Lines) != 2 ||
		a.Lines[0].Number != "INV-1" || a.Lines[0].PaidPence != 100000 || a.Lines[0].BalanceAfter != 0 ||
		a.Lines[1].PaidPence != 60000 || a.Lines[1].BalanceAfter != 40000 || a.Lines[1].GrossPence != 100000 {
		t.Fatalf("advice: %+v", a)
	}
	if got, err := s.AdviceByID(ctx, provider1, a.ID); err != nil || got.Total != 160000 {
		t.Fatalf("advice by id: %v", err)
	}
	if other, _ := s.Advices(ctx, provider2, ""); len(other) != 0 {
		t.Fatalf("provider 2 sees %d advices", len(other))
	}
	if _, err := s.AdviceByID(ctx, provider2, a.ID); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("another provider's advice: %v", err)
	}
}
