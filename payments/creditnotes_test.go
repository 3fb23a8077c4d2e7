package payments

import (
	"sync"
	"testing"
	"time"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/store/storetest"
)

var commissioner = &auth.Principal{UserID: "u-c", Name: "Cam Commissioner", Role: auth.RoleCommissioner}

// Hand-worked credit notes: invoice INV-0001 for £1,000.00 dated 1 March
// 2026, received on 10 March. On 14 March the provider sends CN-1 for
// £250.00 dated 12 March ("Two visits not delivered"): £750.00 is left,
// the invoice still submitted (open). The same number again ("cn 1") on
// another invoice is a conflict. Staff record CN-2 for £750.00: the
// balance is nil and the invoice paid (closed). Each refusal by a field
// changes nothing.
func TestCreditNotesHandWorked(t *testing.T) {
	s, st, clk := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	inv, err := s.SubmitInvoice(ctx, provider1, goodInput())
	if err != nil {
		t.Fatal(err)
	}
	in2 := goodInput()
	in2.InvoiceNumber = "INV-0002"
	other, err := s.SubmitInvoice(ctx, provider1, in2)
	if err != nil {
		t.Fatal(err)
	}
	clk.Set(time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC))
	good := CreditNote{InvoiceID: inv.ID, Number: "CN-1", Date: "2026-03-12", Pence: 25000, Reason: "Two visits not delivered"}
	with := func(f func(*CreditNote)) CreditNote { c := good; f(&c); return c }
	events := count(t, st, colInvoiceEvents)
	for _, c := range []struct {
		name   string
		actor  *auth.Principal
		cn     CreditNote
		kind   fault.Kind
		fields map[string]string
	}{
		{"another provider", provider2, good, fault.NotFound, nil},
		{"a commissioner", commissioner, good, fault.Forbidden, nil},
		{"unknown invoice", provider1, with(func(c *CreditNote) { c.InvoiceID = "nope" }), fault.NotFound, nil},
		{"nothing filled in", provider1, CreditNote{InvoiceID: inv.ID}, fault.Invalid, map[string]string{
			"number": "Enter the credit note number",
			"amount": "Enter the amount of the credit note",
			"reason": "Enter the reason for the credit",
		}},
		{"larger than the balance", provider1, with(func(c *CreditNote) { c.Pence = 100001 }), fault.Invalid, map[string]string{
			"amount": "The credit note (£1,000.01) is larger than the balance left on the invoice (£1,000.00)",
		}},
		{"before the invoice date", provider1, with(func(c *CreditNote) { c.Date = "2026-02-28" }), fault.Invalid, map[string]string{
			"date": "Credit note date must be on or after the invoice date (1 March 2026)",
		}},
		{"in the future", provider1, with(func(c *CreditNote) { c.Date = "2026-03-15" }), fault.Invalid, map[string]string{
			"date": "Credit note date must be today or in the past",
		}},
		{"not a date", provider1, with(func(c *CreditNote) { c.Date = "31/02/2026" }), fault.Invalid, map[string]string{"date": ""}},
		{"number without letters or digits", provider1, with(func(c *CreditNote) { c.Number = "--" }), fault.Invalid, map[string]string{
			"number": "The credit note number must contain a letter or a digit",
		}},
	} {
		_, err := s.SubmitCreditNote(ctx, c.actor, c.cn)
		if fault.KindOf(err) != c.kind || err == nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got := fault.FieldsOf(err)
		if len(got) != len(c.fields) {
			t.Fatalf("%s: fields %+v", c.name, got)
		}
		for _, f := range got {
			want, ok := c.fields[f.Field]
			if !ok || want != "" && f.Message != want {
				t.Fatalf("%s: field %s: %q", c.name, f.Field, f.Message)
			}
		}
	}
	if e := count(t, st, colInvoiceEvents); e != events {
		t.Fatalf("refused credit notes wrote events: %d -> %d", events, e)
	}
	if n := count(t, st, colCreditNotes); n != 0 {
		t.Fatalf("refused credit notes left %d number claims", n)
	}

	got, err := s.SubmitCreditNote(ctx, provider1, good)
	if err != nil || got.Balance() != 75000 || got.CreditPence != 25000 || got.Status != StatusSubmitted || !got.PartPaid() {
		t.Fatalf("CN-1: %s balance %d, %v", got.Status, got.Balance(), err)
	}
	ev := got.LastEvent()
	if ev.Kind != KindCredit || ev.By != PartyProvider || ev.ByID != "u-p1" || ev.ByName != "Mo Manager" || ev.Source != "portal" ||
		ev.Reference != "CN-1" || ev.PaymentDate != "2026-03-12" || ev.AmountPence != 25000 || ev.Note != "Two visits not delivered" || !ev.At.Equal(clk.Now()) {
		t.Fatalf("CN-1 history: %+v", ev)
	}
	// The same number (as normalised) on another invoice of the organisation.
	_, err = s.SubmitCreditNote(ctx, provider1, CreditNote{InvoiceID: other.ID, Number: "cn 1", Pence: 100, Reason: "Again"})
	if fault.KindOf(err) != fault.Conflict || len(fault.FieldsOf(err)) != 1 || fault.FieldsOf(err)[0].Field != "number" ||
		fault.FieldsOf(err)[0].Message != "Credit note cn 1 has already been recorded, against invoice INV-0001" {
		t.Fatalf("duplicate number: %v", err)
	}
	// Staff record the provider's second credit note: it settles the invoice.
	got, err = s.SubmitCreditNote(ctx, staff, CreditNote{InvoiceID: inv.ID, Number: "CN-2", Pence: 75000, Reason: "Invoice raised in error"})
	if err != nil || got.Status != StatusPaid || got.Balance() != 0 || got.CreditPence != 100000 || got.PaidPence != 0 {
		t.Fatalf("CN-2: %s balance %d, %v", got.Status, got.Balance(), err)
	}
	if ev := got.LastEvent(); ev.Source != "staff" || ev.By != PartyStaff || ev.PaymentDate != "2026-03-14" || ev.To != StatusPaid {
		t.Fatalf("CN-2 history: %+v", ev)
	}
	if _, err := s.SubmitCreditNote(ctx, provider1, CreditNote{InvoiceID: inv.ID, Number: "CN-3", Pence: 1, Reason: "x"}); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("crediting a closed invoice: %v", err)
	}
	if e, n := count(t, st, colInvoiceEvents), count(t, st, colCreditNotes); e != events+2 || n != 2 {
		t.Fatalf("events %d -> %d, claims %d", events, e, n)
	}
	// Read again from the store, with the full history.
	s2 := NewService(s.db, fixedOrgs, Options{Now: clk.Now})
	back, err := s2.Invoice(ctx, staff, inv.ID)
	if err != nil || back.Balance() != 0 || back.Status != StatusPaid || len(back.Payments) != 2 || !back.Payments[0].Credit ||
		back.Payments[0].Reference != "CN-1" || back.History[1].ByName != "Mo Manager" || back.History[2].Source != "staff" {
		t.Fatalf("reloaded: %+v %v", back, err)
	}
}

// A credit note recorded by staff before numbers were claimed (RecordCredit)
// still counts: the provider cannot send the same number again.
func TestCreditNoteNumberOfRecordedCredit(t *testing.T) {
	s, _, _ := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	inv, err := s.SubmitInvoice(ctx, provider1, goodInput())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordCredit(ctx, staff, inv.ID, -1, Money{Pence: 100, Reference: "CR-9", Note: "Short payment accepted"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SubmitCreditNote(ctx, provider1, CreditNote{InvoiceID: inv.ID, Number: "CR-9", Pence: 100, Reason: "x"}); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("number of an older credit: %v", err)
	}
	// Provider 2 may use the same number for its own credit note.
	in := goodInput()
	in.ContractRef = "RES-001"
	inv2, err := s.SubmitInvoice(ctx, provider2, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SubmitCreditNote(ctx, provider2, CreditNote{InvoiceID: inv2.ID, Number: "CR-9", Pence: 100, Reason: "x"}); err != nil {
		t.Fatalf("another organisation's number: %v", err)
	}
}

// Credit notes sent at the same moment that together exceed the balance:
// each is checked against the balance the others left, so no more than the
// £1,000.00 owed is credited and nothing is applied twice.
func TestCreditNotesConcurrent(t *testing.T) {
	for _, c := range []struct {
		name  string
		notes []int64
		ok    int
	}{
		{"two of £600.00", []int64{60000, 60000}, 1},
		{"five of £300.00", []int64{30000, 30000, 30000, 30000, 30000}, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, st, _ := newTestService(t)
			seedContracts(t, s)
			ctx := storetest.Context(t)
			inv, err := s.SubmitInvoice(ctx, provider1, goodInput())
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make([]error, len(c.notes))
			start := make(chan struct{})
			for i, p := range c.notes {
				wg.Add(1)
				go func(i int, p int64) {
					defer wg.Done()
					<-start
					_, errs[i] = s.SubmitCreditNote(ctx, provider1, CreditNote{InvoiceID: inv.ID, Number: "CN-" + string(rune('A'+i)), Pence: p, Reason: "Visits not delivered"})
				}(i, p)
			}
			close(start)
			wg.Wait()
			ok := 0
			var credited int64
			for i, err := range errs {
				switch {
				case err == nil:
					ok++
					credited += c.notes[i]
				case fault.KindOf(err) == fault.Invalid && fault.Fields(fault.FieldsOf(err)).Has("amount"), fault.KindOf(err) == fault.Conflict:
				default:
					t.Fatalf("credit note %d: %v", i, err)
				}
			}
			if ok > c.ok || ok == 0 {
				t.Fatalf("%d credit notes succeeded: %v", ok, errs)
			}
			got, err := s.Invoice(ctx, provider1, inv.ID)
			if err != nil || got.CreditPence != credited || got.Balance() != 100000-credited || len(got.Payments) != ok || got.Version != 1+ok {
				t.Fatalf("after: credited %d balance %d payments %d, %v", got.CreditPence, got.Balance(), len(got.Payments), err)
			}
			if e, n := count(t, st, colInvoiceEvents), count(t, st, colCreditNotes); e != int64(1+ok) || n != int64(ok) {
				t.Fatalf("events %d, claims %d, for %d credit notes", e, n, ok)
			}
		})
	}
}
