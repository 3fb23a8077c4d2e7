package payments

import (
	"testing"
	"time"

	"careportal/portal/fault"
	"careportal/portal/store/storetest"
)

// Hand-worked: an invoice for £1,000.00 received on 10 March 2026,
// approved on 12 March and paid in full on 13 March. On 16 March the
// council corrects it by a credit note of £250.00 (care not delivered):
// £250.00 is overpaid, owed back by the provider. £250.01 is refused (more
// than is overpaid), as are a date before 16 March, a date after today
// (18 March), no method and no reference. On 17 March the provider repays
// £100.00 (£150.00 still overpaid, still on the overpaid list); on 18 March
// £150.00 is set off against a later payment: nothing is overpaid, the
// invoice leaves the list, and a further recovery is refused.
func TestOverpaymentRecovered(t *testing.T) {
	s, st, clk := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	inv, err := s.SubmitInvoice(ctx, provider1, goodInput())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordRecovery(ctx, staff, inv.ID, inv.Version, RecoveryInput{Date: "2026-03-10", Pence: 100, Method: RecoveryRepaid, Reference: "X"}); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("recovering on an invoice not overpaid: %v", err)
	}
	clk.Set(time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC))
	if inv, err = s.Transition(ctx, staff, inv.ID, inv.Version, StatusApproved, "", Details{}); err != nil {
		t.Fatal(err)
	}
	clk.Set(time.Date(2026, 3, 13, 9, 0, 0, 0, time.UTC))
	if inv, err = s.RecordPayment(ctx, staff, inv.ID, inv.Version, Money{Date: "2026-03-13", Pence: 100000, Reference: "BACS-1"}); err != nil || inv.Status != StatusPaid {
		t.Fatalf("payment: %+v %v", inv.Status, err)
	}
	clk.Set(time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC))
	if inv, err = s.RecordCredit(ctx, staff, inv.ID, inv.Version, Money{Date: "2026-03-16", Pence: 25000, Reference: "CN-1", Note: "Care not delivered", Overpayment: true}); err != nil {
		t.Fatal(err)
	}
	if inv.Overpaid() != 25000 || inv.OverpaidSince() != "2026-03-16" {
		t.Fatalf("overpaid %d since %s", inv.Overpaid(), inv.OverpaidSince())
	}
	overpaidList := func() int {
		t.Helper()
		pg, err := s.ListInvoices(ctx, staff, InvoiceFilter{Overpaid: true}, 1, 50)
		if err != nil {
			t.Fatal(err)
		}
		n, err := s.OverpaidCount(ctx)
		if err != nil || n != pg.Total {
			t.Fatalf("overpaid count %d, list %d, %v", n, pg.Total, err)
		}
		return pg.Total
	}
	if n := overpaidList(); n != 1 {
		t.Fatalf("overpaid list %d", n)
	}
	clk.Set(time.Date(2026, 3, 18, 9, 0, 0, 0, time.UTC))
	events := count(t, st, colInvoiceEvents)
	for _, c := range []struct {
		in    RecoveryInput
		field string
		msg   string
	}{
		{RecoveryInput{Date: "2026-03-17", Pence: 25001, Method: RecoveryRepaid, Reference: "RPY-1"}, "recovery_amount", "The amount recovered (£250.01) is more than the overpayment left to recover (£250.00)"},
		{RecoveryInput{Date: "2026-03-17", Pence: 0, Method: RecoveryRepaid, Reference: "RPY-1"}, "recovery_amount", "Enter the amount recovered"},
		{RecoveryInput{Date: "2026-03-15", Pence: 10000, Method: RecoveryRepaid, Reference: "RPY-1"}, "recovery_date", "The date recovered must be on or after 16 March 2026, the day the invoice was overpaid"},
		{RecoveryInput{Date: "2026-03-19", Pence: 10000, Method: RecoveryRepaid, Reference: "RPY-1"}, "recovery_date", "The date recovered must be today or in the past"},
		{RecoveryInput{Date: "2026-03-17", Pence: 10000, Method: "cash", Reference: "RPY-1"}, "recovery_method", "Select how the overpayment was recovered"},
		{RecoveryInput{Date: "2026-03-17", Pence: 10000, Method: RecoveryRepaid, Reference: " "}, "recovery_reference", "Enter the reference of the repayment, or of the payment it was set off against"},
	} {
		_, err := s.RecordRecovery(ctx, staff, inv.ID, inv.Version, c.in)
		fe, _ := fault.As(err)
		if fault.KindOf(err) != fault.Invalid || fe == nil || len(fe.Fields) != 1 || fe.Fields[0].Field != c.field || fe.Fields[0].Message != c.msg {
			t.Fatalf("%+v: %v", c.in, err)
		}
	}
	if _, err := s.RecordRecovery(ctx, provider1, inv.ID, inv.Version, RecoveryInput{Date: "2026-03-17", Pence: 10000, Method: RecoveryRepaid, Reference: "RPY-1"}); fault.KindOf(err) != fault.Forbidden {
		t.Fatalf("a provider records a recovery: %v", err)
	}
	if _, err := s.RecordRecovery(ctx, staff, inv.ID, inv.Version-1, RecoveryInput{Date: "2026-03-17", Pence: 10000, Method: RecoveryRepaid, Reference: "RPY-1"}); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("a recovery against an old version: %v", err)
	}
	if e := count(t, st, colInvoiceEvents); e != events {
		t.Fatalf("refused recoveries wrote events: %d -> %d", events, e)
	}

	inv, err = s.RecordRecovery(ctx, staff, inv.ID, inv.Version, RecoveryInput{Date: "17/3/2026", Pence: 10000, Method: RecoveryRepaid, Reference: "RPY-1"})
	if err != nil || inv.Overpaid() != 15000 || inv.Balance() != -15000 || inv.RecoveredPence != 10000 || inv.Status != StatusPaid {
		t.Fatalf("first recovery: overpaid %d, %v", inv.Overpaid(), err)
	}
	if n := overpaidList(); n != 1 {
		t.Fatalf("partly recovered: overpaid list %d", n)
	}
	inv, err = s.RecordRecovery(ctx, staff, inv.ID, inv.Version, RecoveryInput{Date: "2026-03-18", Pence: 15000, Method: RecoverySetOff, Reference: "BACS-77", Note: "Set off against invoice INV-0044"})
	if err != nil || inv.Overpaid() != 0 || inv.Balance() != 0 || inv.RecoveredPence != 25000 || len(inv.Recoveries) != 2 {
		t.Fatalf("second recovery: overpaid %d, %v", inv.Overpaid(), err)
	}
	if n := overpaidList(); n != 0 {
		t.Fatalf("fully recovered: overpaid list %d", n)
	}
	if _, err := s.RecordRecovery(ctx, staff, inv.ID, inv.Version, RecoveryInput{Date: "2026-03-18", Pence: 1, Method: RecoveryRepaid, Reference: "X"}); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("recovering more after all of it: %v", err)
	}
	// The events are the audit trail: who, when, how much, how, the
	// reference and the note; the paid figures are untouched.
	full, err := s.Invoice(ctx, staff, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := full.History[len(full.History)-1]
	if last.Kind != KindRecovery || last.Method != RecoverySetOff || last.AmountPence != 15000 || last.PaymentDate != "2026-03-18" || last.Reference != "BACS-77" ||
		last.Note != "Set off against invoice INV-0044" || last.ByName != "Pat Payments" || last.From != StatusPaid || last.To != StatusPaid || last.IsMoney() {
		t.Fatalf("recovery event %+v", last)
	}
	if full.PaidPence != 100000 || full.CreditPence != 25000 || len(full.Payments) != 2 {
		t.Fatalf("money steps changed: paid %d credit %d payments %d", full.PaidPence, full.CreditPence, len(full.Payments))
	}
	// The stored snapshot keeps the recoveries (the read model's copy).
	d := docOf(&full)
	back := d.invoice()
	if back.RecoveredPence != 25000 || len(back.Recoveries) != 2 || back.History[len(back.History)-1].Kind != KindRecovery || back.Overpaid() != 0 {
		t.Fatalf("snapshot round trip: %+v", back.Recoveries)
	}
}
