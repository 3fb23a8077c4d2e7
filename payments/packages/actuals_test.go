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

func TestCycles(t *testing.T) {
	b := DefaultBilling("c")
	for day, want := range map[string]string{"2026-01-26": "2026-01-26", "2026-02-22": "2026-01-26", "2026-02-23": "2026-02-23", "2023-12-31": "2023-12-04"} {
		if got := b.CycleStartOn(day); got != want {
			t.Errorf("four-weekly cycle of %s starts %s, want %s", day, got, want)
		}
	}
	w := Billing{Frequency: Weekly, Weekday: int(time.Thursday)}
	if got := w.CycleStartOn("2026-03-11"); got != "2026-03-05" {
		t.Errorf("weekly Thursday cycle of Wed 2026-03-11 starts %s", got)
	}
	if got := w.CycleEnd("2026-03-05"); got != "2026-03-11" {
		t.Errorf("end %s", got)
	}
	tol := DefaultBilling("c")
	for _, tt := range []struct {
		planned, units int64
		want           bool
	}{{5600, 5600, true}, {5600, 5320, true}, {5600, 5319, false}, {5600, 5601, false}, {200, 100, true}, {200, 99, false}} {
		if got := tol.Within(tt.planned, tt.units); got != tt.want {
			t.Errorf("Within(%d, %d) = %v", tt.planned, tt.units, got)
		}
	}
}

// The journey: three packages, a cycle confirmed with differences, one
// waiting for brokerage, decided, then invoiced once.
func TestActualsToInvoice(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	a := f.placeActive(t, homeCare("P-A"))
	f.placeActive(t, homeCare("P-B"))
	f.placeActive(t, homeCare("P-C"))
	e := f.placeActive(t, homeCare("P-E"))
	if _, err := f.s.End(ctx, f.broker, e.ID, e.Version, "Died", "2026-01-20"); err != nil {
		t.Fatal(err)
	}
	prop, err := f.s.Create(ctx, f.broker, homeCare("P-PROP"))
	if err != nil {
		t.Fatal(err)
	}
	_ = prop
	const start = "2026-01-26"
	sh, err := f.s.Sheet(ctx, f.prov1, f.c1.ID, start, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if sh.Total != 3 || len(sh.Lines) != 2 || sh.Lines[0].Ref != "P-A" || sh.Lines[0].Planned != 5600 || !sh.Open || sh.End != "2026-02-22" {
		t.Fatalf("sheet %+v", sh)
	}
	if _, err := f.s.Sheet(ctx, f.prov2, f.c1.ID, start, 1, 50); kind(err) != fault.NotFound {
		t.Fatalf("other provider's sheet: %v", err)
	}
	// Bad input changes nothing.
	bad := [][]Entry{
		{{Ref: "P-B", Units: "50"}},                     // difference without a reason
		{{Ref: "P-B", Units: "-1", Reason: "hospital"}}, // negative
		{{Ref: "P-B", Units: "1000", Reason: "other", Note: "x"}},
		{{Ref: "P-E", Units: "0", Reason: "died"}},   // ended before the cycle
		{{Ref: "P-PROP", Units: "5"}},                // not accepted
		{{Ref: "P-B", Units: "50", Reason: "other"}}, // other without a note
	}
	fields := []string{"reason-P-B", "units-P-B", "units-P-B", "package-P-E", "package-P-PROP", "note-P-B"}
	for i, entries := range bad {
		if _, err := f.s.Confirm(ctx, f.prov1, f.c1.ID, start, entries, ""); !hasField(err, fields[i]) {
			t.Errorf("bad entries %d: %v", i, err)
		}
	}
	if _, err := f.s.Confirm(ctx, f.prov2, f.c1.ID, start, nil, ""); kind(err) != fault.NotFound {
		t.Fatalf("other provider confirms: %v", err)
	}
	if _, err := f.s.Confirm(ctx, f.prov1, f.c1.ID, "2026-02-23", nil, ""); kind(err) != fault.Conflict {
		t.Fatalf("cycle not ended yet: %v", err)
	}
	// A draft for one page, then the confirmation of the rest.
	if err := f.s.SaveDraft(ctx, f.prov1, f.c1.ID, start, []Entry{{Ref: "P-C", Units: "55", Reason: "cancelled"}}); err != nil {
		t.Fatal(err)
	}
	f.clk.Set(time.Date(2026, 3, 12, 15, 0, 0, 0, time.UTC))
	cy, err := f.s.Confirm(ctx, f.prov1, f.c1.ID, start, []Entry{{Ref: "P-B", Units: "50", Reason: "hospital"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if cy.ConfirmedDate != "2026-03-12" || len(cy.PackageIDs) != 3 {
		t.Fatalf("cycle %+v", cy)
	}
	if _, err := f.s.Confirm(ctx, f.prov1, f.c1.ID, start, nil, ""); kind(err) != fault.Conflict {
		t.Fatalf("confirmed twice: %v", err)
	}
	sh, _ = f.s.Sheet(ctx, f.prov1, f.c1.ID, start, 1, 50)
	states := map[string]LineState{}
	for _, l := range sh.Lines {
		states[l.Ref] = l.State
	}
	if states["P-A"] != LineAccepted || states["P-B"] != LineWaiting || states["P-C"] != LineAccepted || sh.Waiting != 1 {
		t.Fatalf("states %v waiting %d", states, sh.Waiting)
	}
	// Waiting differences block the invoice.
	if _, err := f.s.Generate(ctx, f.broker, f.c1.ID, start); kind(err) != fault.Conflict {
		t.Fatalf("generate with a waiting difference: %v", err)
	}
	w, err := f.s.WaitingList(ctx, f.broker)
	if err != nil || len(w) != 1 || w[0].Ref != "P-B" {
		t.Fatalf("waiting %+v %v", w, err)
	}
	if _, err := f.s.WaitingList(ctx, f.prov1); kind(err) != fault.Forbidden {
		t.Fatalf("provider sees the queue: %v", err)
	}
	if _, err := f.s.Decide(ctx, f.broker, f.c1.ID, start, w[0].PackageID, true, "52", ""); !hasField(err, "note") {
		t.Fatalf("adjust without note: %v", err)
	}
	if _, err := f.s.Decide(ctx, f.broker, f.c1.ID, start, w[0].PackageID, true, "52", "Two visits took place"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Decide(ctx, f.broker2, f.c1.ID, start, w[0].PackageID, false, "", ""); kind(err) != fault.Conflict {
		t.Fatalf("decided twice: %v", err)
	}
	bill, err := f.s.Generate(ctx, f.broker, f.c1.ID, start)
	if err != nil {
		t.Fatal(err)
	}
	// 56 h + 52 h + 55 h at £23.50.
	if bill.NetPence != 131600+122200+129250 || len(bill.Lines()) != 3 || bill.Lines()[1].Units != 5200 {
		t.Fatalf("bill %+v", bill)
	}
	inv, err := f.pay.Invoice(ctx, f.prov1, bill.InvoiceID)
	if err != nil {
		t.Fatal(err)
	}
	if inv.Status != payments.StatusSubmitted || inv.ReceivedDate != "2026-03-12" || inv.GrossPence != bill.NetPence || inv.PeriodStart != start || inv.ContractID != f.c1.ID {
		t.Fatalf("invoice %+v", inv)
	}
	if len(inv.Lines) != 3 || payments.LinesTotal(inv.Lines) != inv.NetPence || inv.Lines[1].Quantity != "52" {
		t.Fatalf("invoice lines %+v", inv.Lines)
	}
	if _, err := f.s.Generate(ctx, f.broker, f.c1.ID, start); kind(err) != fault.Conflict {
		t.Fatalf("generated twice: %v", err)
	}
	// A rate change into the invoiced cycle is refused; after it is fine.
	cur, _ := f.s.get(ctx, f.broker, a.ID)
	if _, err := f.s.ChangeRate(ctx, f.broker, a.ID, cur.Version, "2026-02-01", "30"); !hasField(err, "from") {
		t.Fatalf("rate change into an invoiced cycle: %v", err)
	}
	if _, err := f.s.ChangeRate(ctx, f.broker, a.ID, cur.Version, "2026-03-09", "25"); err != nil {
		t.Fatal(err)
	}

	// The next cycle: the rate changed within it (a line per rate), and
	// generation by several staff at once makes one invoice.
	f.clk.Set(time.Date(2026, 3, 23, 9, 0, 0, 0, time.UTC))
	if _, err := f.s.Confirm(ctx, f.prov1, f.c1.ID, "2026-02-23", nil, "api"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([]GenerateResult, 4)
	errs := make([]error, 4)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			who := f.broker
			if i%2 == 1 {
				who = f.broker2
			}
			results[i], errs[i] = f.s.GenerateCycle(ctx, who, "2026-02-23")
		}(i)
	}
	wg.Wait()
	generated := 0
	for i := range results {
		if errs[i] != nil {
			t.Fatalf("generate %d: %v", i, errs[i])
		}
		generated += len(results[i].Generated)
	}
	if generated != 1 {
		t.Fatalf("%d invoices generated for one cycle: %+v", generated, results)
	}
	b2, err := f.s.BillOf(ctx, f.prov1, f.c1.ID, "2026-02-23")
	if err != nil {
		t.Fatal(err)
	}
	// P-A: 28 days, 14 at £23.50 and 14 at £25.00, 28 h each half.
	if len(b2.Lines()) != 4 || b2.Lines()[0].RatePence != 2350 || b2.Lines()[1].RatePence != 2500 || b2.Lines()[0].Units != 2800 {
		t.Fatalf("second bill %+v", b2.Lines())
	}
	invs, err := f.pay.ListInvoices(ctx, f.prov1, payments.InvoiceFilter{}, 1, 50)
	if err != nil || invs.Total != 2 {
		t.Fatalf("invoices: %d %v", invs.Total, err)
	}
	if _, err := f.s.BillOf(ctx, f.prov2, f.c1.ID, "2026-02-23"); kind(err) != fault.NotFound {
		t.Fatalf("other provider sees the bill: %v", err)
	}
	// The schedule names the coming cycles.
	sched, err := f.s.Schedule(ctx, f.prov1, 3)
	// The cycle just confirmed (its deadline not passed) is paid within 30
	// days of its confirmation; the next is due by its deadline.
	if err != nil || len(sched) != 3 || sched[0].Start != "2026-02-23" || !sched[0].Confirmed || sched[0].PaymentBy != "2026-04-21" ||
		sched[1].Start != "2026-03-23" || sched[1].Deadline != "2026-04-26" || sched[1].PaymentBy != "2026-05-25" {
		t.Fatalf("schedule %+v %v", sched, err)
	}
	if s2, _ := f.s.Schedule(ctx, f.prov2, 3); len(s2) != 0 {
		t.Fatalf("provider 2 has no packages yet sees %+v", s2)
	}
	_ = auth.RoleAdmin
}

func TestFigures(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	in := homeCare("P-F1")
	in.RequestDate = "2026-01-01"
	f.placeActive(t, in) // placed 2026-03-11: 69 days after the request
	f.placeActive(t, homeCare("P-F2"))
	f.clk.Set(time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC))
	if _, err := f.s.Confirm(ctx, f.prov1, f.c1.ID, "2026-01-26", []Entry{{Ref: "P-F2", Units: "50", Reason: "hospital"}}, ""); err != nil {
		t.Fatal(err)
	}
	w, _ := f.s.WaitingList(ctx, f.broker)
	if _, err := f.s.Decide(ctx, f.broker, f.c1.ID, "2026-01-26", w[0].PackageID, true, "52", "checked"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Figures(ctx, f.prov1, "2026-01", "2026-12"); kind(err) != fault.Forbidden {
		t.Fatalf("provider sees figures: %v", err)
	}
	fig, err := f.s.Figures(ctx, f.broker, "2026-01", "2026-12")
	if err != nil {
		t.Fatal(err)
	}
	if len(fig.Units) != 1 || fig.Units[0].Month != "2026-01" || fig.Units[0].Commissioned != 11200 || fig.Units[0].Delivered != 5600+5200 {
		t.Fatalf("units %+v", fig.Units)
	}
	if len(fig.Flow) != 1 || fig.Flow[0].Month != "2026-01" || fig.Flow[0].Started != 2 {
		t.Fatalf("flow %+v", fig.Flow)
	}
	// 14 h a week at £23.50 = £329.00.
	if len(fig.WeeklyCost) != 1 || fig.WeeklyCost[0].AvgWeeklyCost != 32900 || fig.WeeklyCost[0].Packages != 2 {
		t.Fatalf("cost %+v", fig.WeeklyCost)
	}
	if fig.PlacementCount != 1 || fig.PlacementTenths != 690 {
		t.Fatalf("placement %d %d", fig.PlacementCount, fig.PlacementTenths)
	}
}

// careDays (interval arithmetic) agrees with counting CaresOn day by day.
func TestCareDaysAgreesWithCaresOn(t *testing.T) {
	pkgs := []Package{
		{Details: Details{StartDate: "2026-01-10"}, PlacedDate: "2026-01-01", SuspendedFrom: []string{}, SuspendedTo: []string{}},
		{Details: Details{StartDate: "2026-01-01", EndDate: "2026-03-01"}, PlacedDate: "2026-01-01", SuspendedFrom: []string{"2026-01-20", "2026-02-10"}, SuspendedTo: []string{"2026-01-25", ""}},
		{Details: Details{StartDate: "2026-01-01"}, PlacedDate: "2026-01-01", EndedDate: "2026-02-05", SuspendedFrom: []string{"2026-02-01"}, SuspendedTo: []string{"2026-02-05"}},
		{Details: Details{StartDate: "2026-01-01"}, SuspendedFrom: []string{}, SuspendedTo: []string{}}, // never accepted
	}
	for pi := range pkgs {
		p := &pkgs[pi]
		for start := "2025-12-01"; start < "2026-03-15"; start = payments.AddDays(start, 5) {
			for _, l := range []int{1, 7, 28} {
				end := payments.AddDays(start, l-1)
				want := 0
				for d := start; d <= end; d = payments.AddDays(d, 1) {
					if p.CaresOn(d) {
						want++
					}
				}
				if got := careDays(p, start, end); got != want {
					t.Fatalf("package %d, %s..%s: careDays %d, CaresOn counts %d", pi, start, end, got, want)
				}
			}
		}
	}
}
