package remittance

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/portal/store/storetest"
)

// A crash between saving a decision and recording its payment leaves the
// decision as the payment's intent; the start-up repair makes the payment,
// once, and a second repair (or the decision already paid) changes
// nothing.
func TestDecisionCrashRepaired(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	rep, err := f.rem.Upload(ctx, staff, "run42.csv", []byte(file), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.rem.Apply(ctx, staff, rep.Run.ID); err != nil {
		t.Fatal(err)
	}
	events := f.count(t, "invoice_events")
	crashing := f.service(Options{SingleInstance: true})
	crashing.crashIn = -1
	// Line 3: £450.00 of £500.00 accepted. It stops after the first write.
	if _, err := crashing.Resolve(ctx, staff, rep.Run.ID, 3, Resolution{Kind: ResolveAccept}); err == nil {
		t.Fatal("no crash")
	}
	if _, err := crashing.Resolve(ctx, staff, rep.Run.ID, 7, Resolution{Kind: ResolveAcknowledge}); err != nil {
		t.Fatalf("acknowledging pays nothing, so nothing to cut short: %v", err)
	}
	if b := f.invoice(t, "INV-B"); b.PaidPence != 0 || f.count(t, "invoice_events") != events {
		t.Fatal("the payment was made before the crash")
	}
	// Line 4 (£1.00) matched by hand to INV-B too, crashing the same way:
	// both decisions meant to take the same step of INV-B, so the repair
	// pays the second at the next step.
	if _, err := crashing.Resolve(ctx, staff, rep.Run.ID, 4, Resolution{Kind: ResolveMatch, InvoiceNumber: "INV-B"}); err == nil {
		t.Fatal("no crash")
	}
	pending := func() int64 {
		n, err := f.st.DB.Collection(colDecisions).CountDocuments(ctx, bson.D{{Key: "pending", Value: true}})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if pending() != 2 {
		t.Fatalf("%d decisions pending", pending())
	}
	restarted := f.service(Options{SingleInstance: true})
	restarted.Resume(ctx)
	if b := f.invoice(t, "INV-B"); b.PaidPence != 45100 || b.Balance() != 4900 {
		t.Fatalf("INV-B after repair: paid %d balance %d", b.PaidPence, b.Balance())
	}
	if got := f.count(t, "invoice_events"); got != events+2 || pending() != 0 {
		t.Fatalf("events %d -> %d, %d pending", events, got, pending())
	}
	// Again: nothing more.
	if err := restarted.RepairDecisions(ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.count(t, "invoice_events"); got != events+2 {
		t.Fatalf("a second repair paid again: %d", got-events)
	}
	// The payment made but the intent not cleared (a crash just after):
	// the repair sees the payment and only clears it.
	if _, err := f.st.DB.Collection(colDecisions).UpdateOne(ctx, bson.D{{Key: "_id", Value: rowID(rep.Run.ID, 3)}}, bson.D{{Key: "$set", Value: bson.D{{Key: "pending", Value: true}}}}); err != nil {
		t.Fatal(err)
	}
	if err := restarted.RepairDecisions(ctx); err != nil || pending() != 0 || f.count(t, "invoice_events") != events+2 {
		t.Fatalf("repair of a paid decision: %v, %d pending", err, pending())
	}
}
