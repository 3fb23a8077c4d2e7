package performance

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/metrics"
	"careportal/portal/fault"
	"careportal/portal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

var staff = &auth.Principal{UserID: "u-staff", Name: "Pat Payments", Role: auth.RoleBrokerage}

type fixture struct {
	perf  *Service
	pay   *payments.Service
	auth  *auth.Service
	clk   *clock
	orgID string
}

// newFixture wires auth, payments and performance on a fresh database with
// two providers, two contracts and a handful of invoices with histories.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := storetest.New(t)
	ctx := storetest.Context(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	clk := &clock{t: time.Date(2025, 10, 15, 9, 0, 0, 0, time.UTC)}
	au := auth.NewService(st.DB, auth.Options{Hash: auth.CheapHashParams, Logger: log, Now: clk.Now})
	pay := payments.NewService(st.DB, au, payments.Options{Now: clk.Now, Logger: log})
	perf := NewService(st.DB, PaymentsSource(pay, au.Orgs), Options{Now: clk.Now, Logger: log})
	for _, s := range []interface{ EnsureIndexes(context.Context) error }{au, pay, perf} {
		if err := s.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	sun, err := au.CreateOrg(ctx, auth.CommandLine, auth.OrgInput{SupplierRef: "SUP1001", Name: "Sunrise Home Care Ltd", TermsDays: 30, SME: true, SmallBusiness: true, CompanyNumber: "01234567"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := au.CreateOrg(ctx, auth.CommandLine, auth.OrgInput{SupplierRef: "SUP1002", Name: "=Oakfield Homes", TermsDays: 30}); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := pay.UpsertContracts(ctx, staff, []payments.ContractInput{
		{Reference: "HC-001", Title: "Home care north", SupplierRef: "SUP1001", ServiceType: "home-care", Department: "Adult Social Care", StartDate: "2025-04-01", EndDate: "2028-03-31", AnnualValue: "250,000", TotalValue: "750,000"},
		{Reference: "RES-001", Title: "Residential beds", SupplierRef: "SUP1002", ServiceType: "residential", StartDate: "2025-01-01", EndDate: "2027-12-31", AnnualValue: "4,000"},
	}); err != nil {
		t.Fatal(err)
	}
	steps := payments.HistoryFromDates
	rows := []payments.HistoricalInvoice{
		// paid on day 30 and day 31 (received 1 April 2025)
		{SupplierRef: "SUP1001", ContractRef: "HC-001", InvoiceNumber: "A1", InvoiceDate: "2025-04-01", ReceivedDate: "2025-04-01", NetPence: 120000, GrossPence: 120000, Steps: steps("2025-04-02", "2025-05-01", 120000, "PAY1")},
		{SupplierRef: "SUP1001", ContractRef: "HC-001", InvoiceNumber: "A2", InvoiceDate: "2025-04-01", ReceivedDate: "2025-04-01", NetPence: 60000, GrossPence: 60000, Steps: steps("2025-04-02", "2025-05-02", 60000, "PAY2")},
		// queried then approved, paid day 39
		{SupplierRef: "SUP1002", ContractRef: "RES-001", InvoiceNumber: "B1", InvoiceDate: "2025-04-01", ReceivedDate: "2025-04-01", NetPence: 50000, GrossPence: 50000, Steps: []payments.HistoricalStep{
			{To: payments.StatusQueried, Date: "2025-04-03", Note: "Missing care hours"},
			{To: payments.StatusSubmitted, Date: "2025-04-20", Note: "Corrected"},
			{To: payments.StatusApproved, Date: "2025-04-21"},
			{To: payments.StatusPaid, Date: "2025-05-10", PaymentDate: "2025-05-10", AmountPence: 50000, Reference: "PAY3"},
		}},
		// approved, unpaid, overdue at the end of September
		{SupplierRef: "SUP1002", ContractRef: "RES-001", InvoiceNumber: "B2", InvoiceDate: "2025-08-01", ReceivedDate: "2025-08-01", NetPence: 250000, GrossPence: 250000, Steps: steps("2025-08-05", "", 0, "")},
		// rejected
		{SupplierRef: "SUP1001", ContractRef: "HC-001", InvoiceNumber: "A3", InvoiceDate: "2025-06-01", ReceivedDate: "2025-06-01", NetPence: 99900, GrossPence: 99900, Steps: []payments.HistoricalStep{{To: payments.StatusRejected, Date: "2025-06-05", Note: "Duplicate"}}},
	}
	if _, _, err := pay.ImportHistorical(ctx, staff, rows); err != nil {
		t.Fatalf("ImportHistorical: %v", err)
	}
	return &fixture{perf: perf, pay: pay, auth: au, clk: clk, orgID: sun.ID}
}

func TestReportFromThePaymentsReadModel(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	r, err := f.perf.Report(ctx, metrics.MustDate("2025-04-01"), metrics.MustDate("2025-09-30"), metrics.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	// Payments: day 30, day 31, day 39: one within 30, two within 31-60.
	if r.Payments != 3 || r.Paid1to30 != 1 || r.Paid31to60 != 2 || r.PaymentDays != 30+31+39 {
		t.Fatalf("reg 38 figures: %+v", r)
	}
	if got := r.MeanDaysToPay().OneDP(); got != "33.3" {
		t.Errorf("mean days = %s, want 33.3", got)
	}
	// B2 is due 30 August (received + 29, or the payments core's due date):
	// became payable in the period and unpaid.
	if r.PayableNotPaid < 1 || r.OverdueCount() != 1 || r.OverduePence() != 250000 {
		t.Errorf("payable/overdue: %d/%d, overdue %d %d", r.PayableNotPaid, r.BecamePayable, r.OverdueCount(), r.OverduePence())
	}
	if r.QueriedInvoices != 1 || r.QueriedDays != 17 {
		t.Errorf("queried: %d invoices %d days", r.QueriedInvoices, r.QueriedDays)
	}
	// All three within 60 days, but only 1 of Sunrise's 2 (an SME) within
	// 30: Bronze, not Silver.
	if r.Band != metrics.BandBronze {
		t.Errorf("band %s, want Bronze", r.Band)
	}
	// One provider.
	r1, err := f.perf.Report(ctx, metrics.MustDate("2025-04-01"), metrics.MustDate("2025-09-30"), metrics.Scope{OrgID: f.orgID})
	if err != nil {
		t.Fatal(err)
	}
	if r1.Payments != 2 || r1.SmallSettled != 2 {
		t.Errorf("Sunrise only: %+v", r1)
	}
	// Service type scope comes from the contract.
	r2, err := f.perf.Report(ctx, metrics.MustDate("2025-04-01"), metrics.MustDate("2025-09-30"), metrics.Scope{ServiceType: "residential"})
	if err != nil {
		t.Fatal(err)
	}
	if r2.Payments != 1 {
		t.Errorf("residential: %d payments", r2.Payments)
	}
	// Bad range: field errors.
	if _, err := f.perf.Report(ctx, metrics.MustDate("2025-09-30"), metrics.MustDate("2025-04-01"), metrics.Scope{}); fault.KindOf(err) != fault.Invalid {
		t.Errorf("reversed range: %v", err)
	}
}

func TestInterestPaymentsAndCacheInvalidation(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	var b2 string
	invs, _ := f.pay.Snapshot(ctx)
	for _, inv := range invs {
		if inv.Number == "B2" {
			b2 = inv.ID
		}
	}
	res, _, err := f.perf.InvoiceInterest(ctx, b2)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Applies || res.Days <= 0 || res.FixedSum != 7000 || res.Interest <= 0 {
		t.Fatalf("B2 interest: %+v", res)
	}
	from, to := metrics.MustDate("2025-10-01"), metrics.MustDate("2025-10-31")
	before, err := f.perf.Report(ctx, from, to, metrics.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	// Bad input: every field named, nothing written.
	_, err = f.perf.RecordInterestPayment(ctx, staff, b2, InterestInput{Date: "2030-01-01", Amount: "-5"})
	fe := fault.FieldsOf(err)
	if len(fe) != 2 || fe[0].Field != "date" || fe[1].Field != "amount" {
		t.Fatalf("bad interest input: %v", err)
	}
	if _, err := f.perf.RecordInterestPayment(ctx, &auth.Principal{Role: auth.RoleProvider}, b2, InterestInput{Date: "2025-10-10", Amount: "12.34"}); fault.KindOf(err) != fault.Forbidden {
		t.Errorf("provider recorded interest: %v", err)
	}
	if _, err := f.perf.RecordInterestPayment(ctx, staff, "nope", InterestInput{Date: "2025-10-10", Amount: "1"}); fault.KindOf(err) != fault.NotFound {
		t.Errorf("unknown invoice: %v", err)
	}
	if _, err := f.perf.RecordInterestPayment(ctx, staff, b2, InterestInput{Date: "10/10/2025", Amount: "£12.34", Reference: "INT-1"}); err != nil {
		t.Fatal(err)
	}
	after, err := f.perf.Report(ctx, from, to, metrics.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if before.InterestPaid != 0 || after.InterestPaid != 1234 {
		t.Errorf("interest paid before %d after %d: the cache was not invalidated", before.InterestPaid, after.InterestPaid)
	}
	// A fresh service reads it back from the store.
	again := NewService(f.perf.db, f.perf.src, Options{Now: f.clk.Now})
	ps, err := again.InterestPayments(ctx, b2)
	if err != nil || len(ps) != 1 || ps[0].Pence != 1234 || ps[0].ByName != "Pat Payments" {
		t.Errorf("reloaded: %+v %v", ps, err)
	}
	// An invoice paid now changes the figures at once.
	inv, _ := f.pay.Invoice(ctx, staff, b2)
	if _, err := f.pay.MarkPaid(ctx, staff, inv.ID, "2025-10-14", 250000, "PAY9", "portal"); err != nil {
		t.Fatalf("MarkPaid: %v", err)
	}
	paid, err := f.perf.Report(ctx, from, to, metrics.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if paid.Payments != after.Payments+1 {
		t.Errorf("a payment did not show: %d -> %d", after.Payments, paid.Payments)
	}
}

// TestInvoiceInterestWithoutTheSnapshot: one invoice's interest, adapted on
// its own (Source.Invoice), is what the snapshot of every invoice gives
// for it, for every invoice of the fixture and after an interest payment,
// and it reads no other invoice.
func TestInvoiceInterestWithoutTheSnapshot(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	src := PaymentsSource(f.pay, f.auth.Orgs)
	reads, inner := countFullReads(&src)
	one := NewService(f.perf.db, src, Options{Now: f.clk.Now})
	bySnap := src
	bySnap.Invoices, bySnap.Invoice = inner, nil // the snapshot's reads are not counted
	invs, err := f.pay.Snapshot(ctx)
	if err != nil || len(invs) < 5 {
		t.Fatalf("%d invoices (%v)", len(invs), err)
	}
	if _, err := one.RecordInterestPayment(ctx, staff, invs[0].ID, InterestInput{Date: "2025-10-10", Amount: "3.21"}); err != nil {
		t.Fatal(err)
	}
	whole := NewService(f.perf.db, bySnap, Options{Now: f.clk.Now}) // from the snapshot, the payment read back
	if *reads != 0 {
		t.Fatalf("recording interest read every invoice %d times", *reads)
	}
	applies := 0
	for _, inv := range invs {
		gotRes, got, err := one.InvoiceInterest(ctx, inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantRes, want, err := whole.InvoiceInterest(ctx, inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotRes, wantRes) {
			t.Errorf("invoice %s:\non its own    %+v %+v\nfrom snapshot %+v %+v", inv.Number, got, gotRes, want, wantRes)
		}
		if gotRes.Applies {
			applies++
		}
	}
	if applies == 0 {
		t.Error("no invoice of the fixture has interest: the comparison is weak")
	}
	if _, inv, _ := one.InvoiceInterest(ctx, invs[0].ID); len(inv.InterestPaid) != 1 || inv.InterestPaid[0].Pence != 321 {
		t.Errorf("interest paid on the invoice adapted on its own: %+v", inv.InterestPaid)
	}
	if *reads != 0 {
		t.Errorf("one invoice's interest read every invoice %d times", *reads)
	}
	if _, _, err := one.InvoiceInterest(ctx, "nope"); fault.KindOf(err) != fault.NotFound {
		t.Errorf("unknown invoice: %v", err)
	}
}

func TestSettingsBaseRatesAndExports(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	_, err := f.perf.SaveSettings(ctx, staff, SettingsInput{AuthorityEmail: "not an email", AuthorityWebsite: "ftp://x"})
	got := map[string]bool{}
	for _, e := range fault.FieldsOf(err) {
		got[e.Field] = true
	}
	for _, k := range []string{"authority_name", "authority_address", "authority_email", "authority_website", "approver_name", "approver_job_title"} {
		if !got[k] {
			t.Errorf("no error for %s: %v", k, err)
		}
	}
	set, err := f.perf.SaveSettings(ctx, staff, SettingsInput{AuthorityName: "London Borough of Example", AuthorityAddress: "Town Hall, Example Street",
		ApproverName: "Alex Director", ApproverJobTitle: "Director of Finance", Department: "Adults and Health"})
	if err != nil || !set.Complete() {
		t.Fatalf("SaveSettings: %+v %v", set, err)
	}
	// Bank Rate: bad input, then a new change used for interest starting after it.
	if _, err := f.perf.AddBaseRate(ctx, staff, BaseRateInput{Effective: "31/2/2026", Rate: "3.755"}); len(fault.FieldsOf(err)) != 2 {
		t.Errorf("bad rate: %v", err)
	}
	if _, err := f.perf.AddBaseRate(ctx, staff, BaseRateInput{Effective: "18 12 2025", Rate: "3.75"}); err != nil {
		t.Fatal(err)
	}
	rates, _ := f.perf.Rates(ctx)
	if bp, _ := rates.StatutoryRate(metrics.MustDate("2026-01-10")); bp != 1175 {
		t.Errorf("statutory rate for H1 2026 = %d, want 1175", bp)
	}
	// Notice: every reg 38(2) field.
	r, err := f.perf.Report(ctx, metrics.MustDate("2025-04-01"), metrics.MustDate("2025-09-30"), metrics.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(NoticeOf(r, set)); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"contracting_authority", "reporting_period_first_day", "reporting_period_last_day", "average_days_to_pay",
		"paid_days_1_to_30_pct", "paid_days_31_to_60_pct", "paid_day_61_or_later_pct", "not_paid_within_period_pct", "approval_statement", "approver_name", "approver_job_title"} {
		if !strings.Contains(buf.String(), `"`+k+`"`) {
			t.Errorf("notice JSON lacks %s", k)
		}
	}
	if !strings.Contains(buf.String(), `"average_days_to_pay":33.3`) || !strings.Contains(buf.String(), "Alex Director, Director of Finance") {
		t.Errorf("notice: %s", buf.String())
	}
	// Transparency contracts: HC-001 (over £5,000) but not RES-001 (£4,000); neutralised cells.
	buf.Reset()
	if err := f.perf.ContractsCSV(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[1][0] != "HC-001" || rows[1][5] != "01234567" || rows[1][6] != "750000.00" || rows[1][13] != "Yes" {
		t.Errorf("contracts CSV: %v", rows)
	}
	// Spend over £500 by payment date: A1 (£1,200) only; A2 £600 too; B1 is £500 exactly: left out.
	buf.Reset()
	if err := f.perf.SpendCSV(ctx, &buf, metrics.MustDate("2025-04-01"), metrics.MustDate("2025-09-30"), nil); err != nil {
		t.Fatal(err)
	}
	rows, _ = csv.NewReader(&buf).ReadAll()
	if len(rows) != 3 || rows[1][1] != "2025-05-01" || rows[1][8] != "1200.00" || rows[2][8] != "600.00" || rows[1][0] != "London Borough of Example" {
		t.Errorf("spend CSV: %v", rows)
	}
	// Figures CSV and JSON carry the agreed names.
	buf.Reset()
	if err := WriteFiguresJSON(&buf, r, "Whole council"); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"invoices_paid", "mean_days_to_pay", "paid_within_30_days_pct", "paid_31_to_60_days_pct", "paid_61_days_or_more_pct",
		"payable_not_paid_pct", "interest_accrued_pence", "interest_paid_pence", "fair_payment_code_band"} {
		if !strings.Contains(buf.String(), `"`+k+`"`) {
			t.Errorf("figures JSON lacks %s", k)
		}
	}
	var fig map[string]any
	if err := json.Unmarshal(buf.Bytes(), &fig); err != nil || fig["paid_within_30_days_pct"] != 33.3 || fig["invoices_paid"] != 3.0 {
		t.Errorf("figures: %v %v", fig, err)
	}
}

func TestPeriods(t *testing.T) {
	from, to, ok := HalfYear(metrics.MustDate("2026-03-31"))
	if !ok || from != metrics.MustDate("2025-10-01") || to != metrics.MustDate("2026-03-31") {
		t.Errorf("half-year to March: %s %s", from, to)
	}
	if _, _, ok := HalfYear(metrics.MustDate("2026-03-30")); ok {
		t.Error("30 March is not a period end")
	}
	if got := LatestHalfYearEnd(metrics.MustDate("2025-10-15")); got != metrics.MustDate("2025-09-30") {
		t.Errorf("latest end = %s", got)
	}
	if got := LatestHalfYearEnd(metrics.MustDate("2026-02-01")); got != metrics.MustDate("2025-09-30") {
		t.Errorf("latest end = %s", got)
	}
	if CurrentFinancialYear(metrics.MustDate("2026-03-31")) != 2025 || CurrentFinancialYear(metrics.MustDate("2026-04-01")) != 2026 {
		t.Error("financial year")
	}
	if bp, err := ParseRateBP("5.25"); err != nil || bp != 525 {
		t.Errorf("ParseRateBP: %d %v", bp, err)
	}
}

// TestImportedPaidHistoryShowsAtOnce: an invoice imported straight into
// paid changes no work queue and carries an old update time; the figures
// must still include it on the very next request (the read model's
// generation marks every change), not after the snapshot's lifetime.
func TestImportedPaidHistoryShowsAtOnce(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	from, to := metrics.MustDate("2025-04-01"), metrics.MustDate("2025-09-30")
	before, err := f.perf.Report(ctx, from, to, metrics.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.pay.ImportHistorical(ctx, staff, []payments.HistoricalInvoice{{
		SupplierRef: "SUP1001", ContractRef: "HC-001", InvoiceNumber: "A9", InvoiceDate: "2025-05-01", ReceivedDate: "2025-05-01",
		NetPence: 10000, GrossPence: 10000, Steps: payments.HistoryFromDates("2025-05-02", "2025-05-10", 10000, "PAY9"),
	}}); err != nil {
		t.Fatal(err)
	}
	after, err := f.perf.Report(ctx, from, to, metrics.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if after.Payments != before.Payments+1 || after.Paid1to30 != before.Paid1to30+1 {
		t.Fatalf("imported paid invoice not counted at once: before %d payments (%d within 30), after %d (%d)",
			before.Payments, before.Paid1to30, after.Payments, after.Paid1to30)
	}
}
