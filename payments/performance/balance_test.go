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
