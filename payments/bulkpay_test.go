package payments

import (
	"fmt"
	"testing"
	"time"

	"careportal/portal/fault"
	"careportal/portal/store/storetest"
)

// PayInFull (the remittance apply's batch) records the same event and
// snapshot as RecordPayment, one payment per invoice; what is not plainly
// valid gets RecordPayment's own refusal, and nothing is paid twice.
func TestRemitPayInFullIsRecordPayment(t *testing.T) {
	s, st, clk := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	ids := fourToPay(t, s)
	clk.Set(time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC))
	// Invoice 0 by RecordPayment, invoices 1 and 3 (not approved: the
	// remittance may pay it) by PayInFull; invoice 2 is paid too little
	// (RecordPayment's part payment) and invoice 1 again (a conflict or
	// already paid: not twice).
	one, err := s.RecordPayment(ctx, staff, ids[0], -1, Money{Date: "2026-03-13", Pence: 100000, Reference: "R1", Source: "remittance"})
	if err != nil {
		t.Fatal(err)
	}
	events := count(t, st, colInvoiceEvents)
	errs := s.PayInFull(ctx, staff, []FullPayment{
		{InvoiceID: ids[1], Date: "2026-03-13", Pence: 100000, Reference: "R1", Source: "remittance"},
		{InvoiceID: ids[2], Date: "2026-03-13", Pence: 40000, Reference: "R1", Source: "remittance"},
		{InvoiceID: ids[3], Date: "2026-03-13", Pence: 100000, Reference: "R1", Source: "remittance"},
		{InvoiceID: ids[1], Date: "2026-03-13", Pence: 100000, Reference: "R1", Source: "remittance"},
		{InvoiceID: ids[0], Date: "2026-03-09", Pence: 100000, Reference: "R1", Source: "remittance"},
	})
	if errs[0] != nil || errs[1] != nil || errs[2] != nil || fault.KindOf(errs[3]) != fault.Conflict || fault.KindOf(errs[4]) != fault.Conflict {
		t.Fatalf("errors %v", errs)
	}
	if e := count(t, st, colInvoiceEvents); e != events+3 {
		t.Fatalf("events %d -> %d, want 3 more", events, e)
	}
	if n := count(t, st, colInvoicePending); n != 0 {
		t.Fatalf("%d intent records left", n)
	}
	want := one.LastEvent()
	for _, id := range ids[1:] {
		inv, err := s.readSnapshot(ctx, id) // read the stored snapshot and events back
		if err != nil {
			t.Fatal(err)
		}
		if inv, err = s.withEvents(ctx, inv); err != nil {
			t.Fatal(err)
		}
		got := inv.LastEvent()
		if id == ids[2] {
			if inv.Status != StatusApproved || inv.Balance() != 60000 {
				t.Fatalf("part payment: %s %d", inv.Status, inv.Balance())
			}
			continue
		}
		if inv.Status != StatusPaid || inv.Balance() != 0 || got.Kind != want.Kind || got.To != StatusPaid || got.AmountPence != want.AmountPence ||
			got.PaymentDate != want.PaymentDate || got.Reference != want.Reference || got.Source != want.Source || got.ByName != want.ByName {
			t.Fatalf("invoice %s: %s %+v, want like %+v", id, inv.Status, got, want)
		}
		if id == ids[3] && got.Note != "Paid from the remittance file without approval in the portal" {
			t.Fatalf("unapproved: %q", got.Note)
		}
	}
}

// fourToPay submits invoices INV-0001 to INV-0004 from provider1 and
// approves the first three (the fourth stays submitted, which a remittance
// may still pay); it returns their ids in that order.
func fourToPay(t *testing.T, s *Service) []string {
	t.Helper()
	ctx := storetest.Context(t)
	var ids []string
	for i := range 4 {
		in := goodInput()
		in.InvoiceNumber = fmt.Sprintf("INV-%04d", i+1)
		inv, err := s.SubmitInvoice(ctx, provider1, in)
		if err != nil {
			t.Fatal(err)
		}
		if i < 3 {
			if inv, err = s.Transition(ctx, staff, inv.ID, inv.Version, StatusApproved, "", Details{}); err != nil {
				t.Fatal(err)
			}
		}
		ids = append(ids, inv.ID)
	}
	return ids
}
