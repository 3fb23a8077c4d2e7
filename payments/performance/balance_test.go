package performance

import (
	"testing"

	"careportal/payments"
	"careportal/payments/metrics"
)

// Hand-worked: an invoice for £500.00 received 1 March 2026 (30 days
// terms: deadline 30 March). £450.00 paid on 20 March leaves £50.00: the
// metrics see it open, with £50.00 unpaid (overdue from 31 March), not
// settled. A £50.00 credit on 10 April (staff accept the short payment)
// makes the invoice as credited (£450.00) paid in full by the 20 March payment and leaves nothing unpaid; the metrics see
// a gross of £450.00 and one payment.
func TestAdaptPartPaymentAndCredit(t *testing.T) {
	inv := payments.Invoice{ID: "i1", Number: "INV-1", GrossPence: 50000, ReceivedDate: "2026-03-01", TermsDays: 30, DueDate: "2026-03-30",
		Status: payments.StatusApproved, Version: 3,
		History: []payments.Event{
			{Seq: 1, Date: "2026-03-01", To: payments.StatusSubmitted},
			{Seq: 2, Date: "2026-03-02", From: payments.StatusSubmitted, To: payments.StatusApproved},
			{Seq: 3, Date: "2026-03-20", From: payments.StatusApproved, To: payments.StatusApproved, Kind: payments.KindPayment, PaymentDate: "2026-03-20", AmountPence: 45000},
		},
		PaidPence: 45000, PaidDate: "2026-03-20"}
	m := Adapt(&inv, nil, nil, nil)
	day := func(s string) metrics.Date { d, _ := metrics.ParseISO(s); return d }
	if len(m.Payments) != 1 || m.Payments[0].Pence != 45000 || m.GrossPence != 50000 {
		t.Fatalf("part payment: gross %d payments %+v", m.GrossPence, m.Payments)
	}
	if got := m.Settled(day("2026-04-05")); !got.IsZero() {
		t.Fatalf("a part-paid invoice counts as settled on %v", got)
	}
	if _, unpaid, ok := m.Overdue(day("2026-04-05")); !ok || unpaid != 5000 {
		t.Fatalf("part-paid overdue: unpaid %d ok %v", unpaid, ok)
	}
	inv.History = append(inv.History, payments.Event{Seq: 4, Date: "2026-04-10", From: payments.StatusApproved, To: payments.StatusPaid,
		Kind: payments.KindCredit, PaymentDate: "2026-04-10", AmountPence: 5000, Note: "Short payment accepted"})
	inv.Status, inv.CreditPence = payments.StatusPaid, 5000
	m = Adapt(&inv, nil, nil, nil)
	if len(m.Payments) != 1 || m.GrossPence != 45000 {
		t.Fatalf("after the credit: gross %d payments %+v", m.GrossPence, m.Payments)
	}
	// A credit note says the £50.00 was never owed: the £450.00 paid on
	// 20 March paid the invoice as credited in full.
	if got := m.Settled(day("2026-04-10")); got != day("2026-03-20") {
		t.Fatalf("settled %v", got)
	}
	if _, _, ok := m.Overdue(day("2026-04-11")); ok {
		t.Fatal("a settled invoice is overdue")
	}
}

// TestCreditNoteOverpaymentFigures: hand-worked. An invoice for £1,316.00
// received 2 March 2026 (deadline 31 March), paid £1,200.00 on 10 March
// and £116.00 on 25 March: paid in full on 25 March, on time. On 2 April
// the council corrects its actuals to £1,175.00: a credit note of £141.00,
// all beyond the balance (an overpayment the council recovers). The
// figures keep the invoice as paid in full on 25 March for £1,316.00: the
// overpayment is neither a payment nor a reduction of what was owed when
// it was paid (counting it would move the day paid in full back to 10
// March).
//
// The same invoice paid only £1,200.00 and then corrected: £116.00 of the
// credit clears the balance and £25.00 is owed back. The figures count the
// £116.00 as an ordinary credit note (issue 11's rule: paid in full by the
// 10 March payment) and leave the £25.00 out.
func TestCreditNoteOverpaymentFigures(t *testing.T) {
	day := func(s string) metrics.Date { d, _ := metrics.ParseISO(s); return d }
	base := func() payments.Invoice {
		return payments.Invoice{ID: "i1", Number: "CP-1", GrossPence: 131600, ReceivedDate: "2026-03-02", DueDate: "2026-03-31",
			History: []payments.Event{
				{Seq: 1, Date: "2026-03-02", To: payments.StatusSubmitted},
				{Seq: 2, Date: "2026-03-03", From: payments.StatusSubmitted, To: payments.StatusApproved},
				{Seq: 3, Date: "2026-03-10", From: payments.StatusApproved, To: payments.StatusApproved, Kind: payments.KindPayment, PaymentDate: "2026-03-10", AmountPence: 120000},
			}}
	}
	inv := base()
	inv.History = append(inv.History,
		payments.Event{Seq: 4, Date: "2026-03-25", From: payments.StatusApproved, To: payments.StatusPaid, Kind: payments.KindPayment, PaymentDate: "2026-03-25", AmountPence: 11600},
		payments.Event{Seq: 5, Date: "2026-04-02", From: payments.StatusPaid, To: payments.StatusPaid, Kind: payments.KindCredit, PaymentDate: "2026-04-02", AmountPence: 14100, OverPence: 14100})
	inv.Status, inv.PaidPence, inv.CreditPence = payments.StatusPaid, 131600, 14100
	inv.Payments = []payments.Payment{{Seq: 3, Pence: 120000}, {Seq: 4, Pence: 11600}, {Seq: 5, Pence: 14100, Credit: true, OverPence: 14100}}
	if inv.Overpaid() != 14100 {
		t.Fatalf("overpaid %d", inv.Overpaid())
	}
	m := Adapt(&inv, nil, nil, nil)
	if m.GrossPence != 131600 || len(m.Payments) != 2 {
		t.Fatalf("paid in full then corrected: gross %d payments %+v", m.GrossPence, m.Payments)
	}
	if got := m.Settled(day("2026-04-30")); got != day("2026-03-25") {
		t.Fatalf("settled %v, want 25 March", got)
	}

	inv = base()
	inv.History = append(inv.History,
		payments.Event{Seq: 4, Date: "2026-04-02", From: payments.StatusApproved, To: payments.StatusPaid, Kind: payments.KindCredit, PaymentDate: "2026-04-02", AmountPence: 14100, OverPence: 2500})
	inv.Status, inv.PaidPence, inv.CreditPence = payments.StatusPaid, 120000, 14100
	inv.Payments = []payments.Payment{{Seq: 3, Pence: 120000}, {Seq: 4, Pence: 14100, Credit: true, OverPence: 2500}}
	if inv.Overpaid() != 2500 || inv.CreditBeyondBalance() != 2500 {
		t.Fatalf("part-paid: overpaid %d", inv.Overpaid())
	}
	m = Adapt(&inv, nil, nil, nil)
	if m.GrossPence != 120000 || len(m.Payments) != 1 {
		t.Fatalf("part-paid then corrected: gross %d payments %+v", m.GrossPence, m.Payments)
	}
	if got := m.Settled(day("2026-04-30")); got != day("2026-03-10") {
		t.Fatalf("settled %v, want 10 March", got)
	}
	if _, _, ok := m.Overdue(day("2026-04-30")); ok {
		t.Fatal("a settled invoice is overdue")
	}
}
