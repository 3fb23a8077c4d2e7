package remittance

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/csvin"
	"careportal/payments/paymentstest"
	"careportal/portal/fault"
	"careportal/portal/store"
	"careportal/portal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

var orgs = paymentstest.Orgs{
	{ID: "org1", Name: "Sunrise Home Care Ltd", SupplierRef: "SUP1001", TermsDays: 30, Active: true},
	{ID: "org2", Name: "Oakfield Residential Homes", SupplierRef: "SUP1002", TermsDays: 14, Active: true},
}

var (
	staff    = &auth.Principal{UserID: "u-staff", Name: "Pat Payments", Role: auth.RoleBrokerage}
	provider = &auth.Principal{UserID: "u-p1", Name: "Mo Manager", Role: auth.RoleProvider, OrgID: "org1"}
)

type fixture struct {
	st  *store.Store
	pay *payments.Service
	rem *Service
	now time.Time
	ids map[string]string // invoice number -> id
}

// newFixture has invoices of SUP1001 in every state a remittance line can
// meet: INV-A and INV-B approved (gross £1,200.00 and £500.00), INV-C paid,
// INV-D submitted, INV-E scheduled (£99.99).
func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := storetest.Context(t)
	st := storetest.New(t)
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	pay := payments.NewService(st.DB, orgs, payments.Options{Now: clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	rem := NewService(st.DB, pay, Options{Now: clock})
	for _, ensure := range []func(context.Context) error{pay.EnsureIndexes, rem.EnsureIndexes, st.Prepare, pay.Load} {
		if err := ensure(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, _, err := pay.UpsertContracts(ctx, staff, []payments.ContractInput{
		{Reference: "HC-001", Title: "Home care north", SupplierRef: "SUP1001", ServiceType: "home care", StartDate: "2025-04-01", EndDate: "2028-03-31", AnnualValue: "250000"},
	}); err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, pay: pay, rem: rem, now: now, ids: map[string]string{}}
	for _, x := range []struct{ number, net, vat, to string }{
		{"INV-A", "1000", "200", "approved"}, {"INV-B", "500", "0", "approved"}, {"INV-C", "10", "0", "paid"},
		{"INV-D", "20", "0", "submitted"}, {"INV-E", "99.99", "0", "scheduled"},
	} {
		inv, err := pay.SubmitInvoice(ctx, provider, payments.SubmitInput{ContractRef: "HC-001", InvoiceNumber: x.number, InvoiceDate: "2026-03-01",
			PeriodStart: "2026-02-01", PeriodEnd: "2026-02-28", Net: x.net, VAT: x.vat})
		if err != nil {
			t.Fatal(err)
		}
		f.ids[x.number] = inv.ID
		if x.to == "submitted" {
			continue
		}
		inv, err = pay.Transition(ctx, staff, inv.ID, inv.Version, payments.StatusApproved, "", payments.Details{})
		if err != nil {
			t.Fatal(err)
		}
		switch x.to {
		case "paid":
			if _, err := pay.MarkPaid(ctx, staff, inv.ID, "2026-03-10", inv.GrossPence, "EARLIER-RUN", "portal"); err != nil {
				t.Fatal(err)
			}
		case "scheduled":
			if _, err := pay.Transition(ctx, staff, inv.ID, inv.Version, payments.StatusScheduled, "", payments.Details{ScheduledDate: "2026-03-12"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return f
}

func (f *fixture) invoice(t *testing.T, number string) payments.Invoice {
	t.Helper()
	inv, err := f.pay.Invoice(storetest.Context(t), staff, f.ids[number])
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func (f *fixture) count(t *testing.T, col string) int64 {
	t.Helper()
	if err := f.pay.Settle(storetest.Context(t)); err != nil { // submissions' events are written in the background
		t.Fatal(err)
	}
	n, err := f.st.DB.Collection(col).CountDocuments(storetest.Context(t), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

const file = "supplier_ref,invoice_number,amount_paid,payment_date,payment_reference\n" +
	"SUP1001,inv-a,1200.00,2026-03-10,RUN-42\n" + // line 2: matched
	"SUP1001,INV-B,450.00,2026-03-10,RUN-42\n" + // line 3: difference
	"SUP1001,INV-Z,1.00,2026-03-10,RUN-42\n" + // line 4: unknown invoice
	"SUP9999,INV-A,1.00,2026-03-10,RUN-42\n" + // line 5: unknown supplier
	"SUP1001,INV-C,10.00,2026-03-10,RUN-42\n" + // line 6: already paid
	"SUP1001,INV-D,20.00,2026-03-10,RUN-42\n" + // line 7: not approved: paid all the same (the file is a fact), an exception
	"SUP1001,INV E,99.99,2026-03-10,RUN-42\n" // line 8: matched (scheduled)

func outcomes(rows []Row) map[int]Outcome {
	m := map[int]Outcome{}
	for _, r := range rows {
		m[r.Line] = r.Outcome
	}
	return m
}

func TestPreviewApplyAndApplyAgain(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	rep, err := f.rem.Upload(ctx, staff, "run42.csv", []byte(file), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]Outcome{2: Matched, 3: Difference, 4: Unknown, 5: Unknown, 6: AlreadyPaid, 7: Matched, 8: Matched}
	if got := outcomes(rep.Rows); !equalOutcomes(got, want) {
		t.Fatalf("preview outcomes %v, want %v", got, want)
	}
	if rep.Applied() || rep.Count(Matched) != 3 || rep.Sum(Matched) != 131999 || rep.Run.Total != 178199 {
		t.Fatalf("preview: applied %v, matched %d (%d), total %d", rep.Applied(), rep.Count(Matched), rep.Sum(Matched), rep.Run.Total)
	}
	if d := rep.With(Difference)[0].Note; d != "Paid £450.00 but the invoice is for £500.00: £50.00 less" {
		t.Fatalf("difference note %q", d)
	}
	// The preview changed no invoice.
	if f.invoice(t, "INV-A").Status != payments.StatusApproved {
		t.Fatal("preview paid an invoice")
	}

	res, err := f.rem.Apply(ctx, staff, rep.Run.ID)
	if err != nil {
		t.Fatal(err)
	}
	want[2], want[7], want[8] = Paid, PaidUnapproved, Paid
	if got := outcomes(res.Rows); res.AlreadyApplied || res.PaidNow != 3 || !equalOutcomes(got, want) {
		t.Fatalf("apply: already %v, paid %d, outcomes %v", res.AlreadyApplied, res.PaidNow, got)
	}
	a := f.invoice(t, "INV-A")
	if a.Status != payments.StatusPaid || a.PaidDate != "2026-03-10" || a.PaidPence != 120000 || a.PaymentReference != "RUN-42" || a.PaymentSource != "remittance" {
		t.Fatalf("INV-A after apply: %+v", a)
	}
	if b := f.invoice(t, "INV-B"); b.Status != payments.StatusApproved {
		t.Fatalf("a difference was applied: %s", b.Status)
	}
	if c := f.invoice(t, "INV-C"); c.PaymentReference != "EARLIER-RUN" {
		t.Fatalf("an already paid invoice was paid again: %+v", c)
	}
	if e := f.invoice(t, "INV-E"); e.Status != payments.StatusPaid || e.PaidDate != "2026-03-10" {
		t.Fatalf("INV-E: %s %s", e.Status, e.PaidDate)
	}
	// The submitted invoice is paid from the file, its history says so,
	// and the line is an exception for staff.
	d := f.invoice(t, "INV-D")
	if last := d.LastEvent(); d.Status != payments.StatusPaid || d.Balance() != 0 || last.From != payments.StatusSubmitted ||
		last.Note != "Paid from the remittance file without approval in the portal" || last.Source != "remittance" {
		t.Fatalf("INV-D: %s balance %d, last step %+v", d.Status, d.Balance(), last)
	}
	if !PaidUnapproved.NeedsAttention() || res.Count(PaidUnapproved) != 1 {
		t.Fatal("the unapproved payment is not an exception")
	}

	// The same file again, applied or uploaded: nothing changes.
	events, rows := f.count(t, "invoice_events"), f.count(t, colRows)
	again, err := f.rem.Apply(ctx, staff, rep.Run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !again.AlreadyApplied || again.PaidNow != 0 || !equalOutcomes(outcomes(again.Rows), want) {
		t.Fatalf("second apply: %+v", again)
	}
	up, err := f.rem.Upload(ctx, staff, "again.csv", []byte(file), nil)
	if err != nil || !up.Applied() || up.Run.FileName != "run42.csv" {
		t.Fatalf("upload again: %v applied=%v name=%s", err, up.Applied(), up.Run.FileName)
	}
	if e, r := f.count(t, "invoice_events"), f.count(t, colRows); e != events || r != rows || r != 7 {
		t.Fatalf("events %d -> %d, rows %d -> %d", events, e, rows, r)
	}
	runs, err := f.rem.Runs(ctx, staff, 10)
	if err != nil || len(runs) != 1 || runs[0].State != StateApplied || runs[0].Counts["paid"] != 2 || runs[0].Counts["paid_unapproved"] != 1 || runs[0].Data != nil {
		t.Fatalf("runs: %v %+v", err, runs)
	}
}

func equalOutcomes(a, b map[int]Outcome) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestMalformedFileChangesNothing(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	bad := strings.Replace(file, "RUN-42\nSUP1001,INV-C,10.00,2026-03-10", "RUN-42\nSUP1001,INV-C,10.0x,2026-03-10", 1)
	_, err := f.rem.Upload(ctx, staff, "bad.csv", []byte(bad), nil)
	ps, ok := csvin.AsProblems(err)
	if !ok || len(ps.List) != 1 || ps.List[0].String() != "line 6, column amount_paid: enter an amount like 1234.50" {
		t.Fatalf("got %v", err)
	}
	if n := f.count(t, colRuns); n != 0 {
		t.Fatalf("%d runs kept for a malformed file", n)
	}
	if f.invoice(t, "INV-A").Status != payments.StatusApproved {
		t.Fatal("a malformed file paid an invoice")
	}
	if _, err := f.rem.Apply(ctx, staff, Hash([]byte(bad))); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("applying a file never kept: %v", err)
	}
	if _, err := f.rem.Report(ctx, staff, "not-a-hash"); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("report of a bad id: %v", err)
	}
}

func TestOnlyStaff(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	if _, err := f.rem.Upload(ctx, provider, "x.csv", []byte(file), nil); fault.KindOf(err) != fault.Forbidden {
		t.Fatalf("provider upload: %v", err)
	}
	rep, err := f.rem.Upload(ctx, staff, "x.csv", []byte(file), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.rem.Apply(ctx, provider, rep.Run.ID); fault.KindOf(err) != fault.Forbidden {
		t.Fatalf("provider apply: %v", err)
	}
}

func TestMappedColumns(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	m, err := csvin.ParseMapping("supplier_ref=Vendor,invoice_number=Document,amount_paid=Value,payment_date=Paid On,payment_reference=Run")
	if err != nil {
		t.Fatal(err)
	}
	data := "Vendor,Document,Value,Paid On,Run,Cost centre\nSUP1001,INV-A,\"£1,200.00\",2026-03-10,RUN-7,ADULT\n"
	if _, err := f.rem.Upload(ctx, staff, "x.csv", []byte(data), nil); err == nil {
		t.Fatal("default mapping read a mapped file")
	}
	rep, err := f.rem.Upload(ctx, staff, "x.csv", []byte(data), m)
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.rem.Apply(ctx, staff, rep.Run.ID)
	if err != nil || res.PaidNow != 1 {
		t.Fatalf("apply: %v %+v", err, res)
	}
}

// A run cut short after paying an invoice but before recording the line
// is finished by applying again, without paying twice.
func TestApplyAfterCrashCompletes(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	rep, err := f.rem.Upload(ctx, staff, "run42.csv", []byte(file), nil)
	if err != nil {
		t.Fatal(err)
	}
	// What a crash leaves: the run marked applying, line 2's invoice paid,
	// line 3 recorded, nothing else.
	run := rep.Run
	run.State, run.AppliedBy, run.AppliedAt = StateApplying, staff.Name, f.now
	if _, err := f.st.DB.Collection(colRuns).ReplaceOne(ctx, bson.D{{Key: "_id", Value: run.ID}}, run); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pay.MarkPaid(ctx, staff, f.ids["INV-A"], "2026-03-10", 120000, "RUN-42", "remittance"); err != nil {
		t.Fatal(err)
	}
	line3 := rep.Rows[1]
	if _, err := f.st.DB.Collection(colRows).InsertOne(ctx, rowDoc{ID: rowID(run.ID, 3), Run: run.ID, At: f.now, Row: line3}); err != nil {
		t.Fatal(err)
	}
	events := f.count(t, "invoice_events")
	res, err := f.rem.Apply(ctx, staff, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := outcomes(res.Rows)
	if got[2] != Paid || got[8] != Paid || got[7] != PaidUnapproved || got[3] != Difference || res.PaidNow != 2 {
		t.Fatalf("resumed apply: paid now %d, outcomes %v", res.PaidNow, got)
	}
	if e := f.count(t, "invoice_events"); e != events+2 {
		t.Fatalf("events %d -> %d: want exactly INV-D's and INV-E's payments", events, e)
	}
	if n := f.count(t, colRows); n != 7 {
		t.Fatalf("%d rows recorded", n)
	}
}

// Two people applying the same file at once pay each invoice once.
func TestConcurrentApply(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	rep, err := f.rem.Upload(ctx, staff, "run42.csv", []byte(file), nil)
	if err != nil {
		t.Fatal(err)
	}
	events := f.count(t, "invoice_events")
	var wg sync.WaitGroup
	results := make([]Result, 4)
	errs := make([]error, 4)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i], errs[i] = f.rem.Apply(ctx, staff, rep.Run.ID)
		}(i)
	}
	wg.Wait()
	paid := 0
	for i := range results {
		if errs[i] != nil {
			t.Fatalf("apply %d: %v", i, errors.Unwrap(errs[i]))
		}
		paid += results[i].PaidNow
	}
	if paid != 3 {
		t.Fatalf("%d payments made by 4 concurrent applies, want 3", paid)
	}
	if e := f.count(t, "invoice_events"); e != events+3 {
		t.Fatalf("events %d -> %d", events, e)
	}
	final, err := f.rem.Report(ctx, staff, rep.Run.ID)
	if err != nil || !final.Applied() || final.Count(Paid) != 2 {
		t.Fatalf("final: %v %+v", err, final.Run)
	}
}
