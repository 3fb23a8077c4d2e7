package remittance

import (
	"sync"
	"testing"

	"careportal/auth"
	"careportal/payments"
	"careportal/portal/fault"
	"careportal/portal/store/storetest"
)

var staff2 = &auth.Principal{UserID: "u-staff2", Name: "Sam Sums", Role: auth.RoleBrokerage}

func TestResolveExceptions(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	rep, err := f.rem.Upload(ctx, staff, "run42.csv", []byte(file), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.rem.Apply(ctx, staff, rep.Run.ID); err != nil {
		t.Fatal(err)
	}
	// Lines 3 (difference), 4 and 5 (unknown), 7 (paid without approval).
	if n, err := f.rem.OpenExceptions(ctx, staff); err != nil || n != 4 {
		t.Fatalf("open exceptions %d, %v", n, err)
	}
	// Line 3: £450.00 of £500.00 accepted as a part payment: £50.00 left, still approved.
	d, err := f.rem.Resolve(ctx, staff, rep.Run.ID, 3, Resolution{Kind: ResolveAccept})
	if err != nil || d.ByName != "Pat Payments" || d.At.IsZero() {
		t.Fatalf("accept: %+v %v", d, err)
	}
	if b := f.invoice(t, "INV-B"); b.Status != payments.StatusApproved || b.Balance() != 5000 || b.PaidPence != 45000 {
		t.Fatalf("INV-B: %s balance %d", b.Status, b.Balance())
	}
	events := f.count(t, "invoice_events")
	// Twice: refused, naming who decided, nothing changed.
	_, err = f.rem.Resolve(ctx, staff2, rep.Run.ID, 3, Resolution{Kind: ResolveAccept})
	if fe, _ := fault.As(err); fe == nil || fe.Kind != fault.Conflict || fe.Message != "This line was already resolved by Pat Payments on 10 March 2026: Accepted as paid" {
		t.Fatalf("resolved twice: %v", err)
	}
	// Line 4 matched by hand to INV-A, which is paid in full: refused, nothing changed, still open.
	if _, err := f.rem.Resolve(ctx, staff, rep.Run.ID, 4, Resolution{Kind: ResolveMatch, InvoiceNumber: "INV-A"}); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("matched to a paid invoice: %v", err)
	}
	if _, err := f.rem.Resolve(ctx, staff, rep.Run.ID, 4, Resolution{Kind: ResolveMatch, InvoiceNumber: "INV-NOPE"}); !fault.Fields(fault.FieldsOf(err)).Has("invoice_number") {
		t.Fatalf("matched to no invoice: %v", err)
	}
	if e := f.count(t, "invoice_events"); e != events {
		t.Fatalf("refused decisions changed invoices: %d -> %d", events, e)
	}
	// ... then to INV-B: £1.00 more paid, £49.00 left.
	if _, err := f.rem.Resolve(ctx, staff, rep.Run.ID, 4, Resolution{Kind: ResolveMatch, InvoiceNumber: "inv b"}); err != nil {
		t.Fatal(err)
	}
	if b := f.invoice(t, "INV-B"); b.Balance() != 4900 || len(b.Payments) != 2 {
		t.Fatalf("INV-B after the match: balance %d", b.Balance())
	}
	// Line 7 acknowledged; a wrong kind is refused.
	if _, err := f.rem.Resolve(ctx, staff, rep.Run.ID, 7, Resolution{Kind: ResolveAccept}); !fault.Fields(fault.FieldsOf(err)).Has("kind") {
		t.Fatalf("accepting an unapproved payment: %v", err)
	}
	if _, err := f.rem.Resolve(ctx, staff, rep.Run.ID, 7, Resolution{Kind: ResolveAcknowledge}); err != nil {
		t.Fatal(err)
	}
	// Line 5 "not ours" needs a note; two staff at once: one wins.
	if _, err := f.rem.Resolve(ctx, staff, rep.Run.ID, 5, Resolution{Kind: ResolveNotOurs}); !fault.Fields(fault.FieldsOf(err)).Has("note") {
		t.Fatalf("not ours without a note: %v", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, who := range []*auth.Principal{staff, staff2} {
		wg.Add(1)
		go func(i int, who *auth.Principal) {
			defer wg.Done()
			_, errs[i] = f.rem.Resolve(ctx, who, rep.Run.ID, 5, Resolution{Kind: ResolveNotOurs, Note: "Supplier of the highways team"})
		}(i, who)
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case fault.KindOf(err) != fault.Conflict:
			t.Fatalf("concurrent resolve: %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d of two concurrent decisions won", wins)
	}
	if n, err := f.rem.OpenExceptions(ctx, staff); err != nil || n != 0 {
		t.Fatalf("open exceptions after resolving %d, %v", n, err)
	}
	// Uploading the file again shows the run as it now stands.
	up, err := f.rem.Upload(ctx, staff, "again.csv", []byte(file), nil)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := f.rem.Decisions(ctx, staff, up)
	if err != nil || len(ds) != 4 || ds[4].Number != "INV-B" || ds[5].Kind != ResolveNotOurs {
		t.Fatalf("decisions: %+v %v", ds, err)
	}
}
