package performance

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/metrics"
	"careportal/portal/fault"
	"careportal/portal/store/storetest"
)

// The fixture's contracts: HC-001 (Sunrise) starts 1 April 2025, so by
// default it is under the Procurement Act 2023; RES-001 (Oakfield) starts
// 1 January 2025, before 24 February 2025, so by default PCR 2015.
func TestRegimesSplitTheStatutoryReports(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	from, to := metrics.MustDate("2025-04-01"), metrics.MustDate("2025-09-30")
	notice, err := f.perf.Report(ctx, from, to, NoticeScope)
	if err != nil {
		t.Fatal(err)
	}
	// The notice: A1 (day 30) and A2 (day 31) only.
	if notice.Payments != 2 || notice.PaymentDays != 30+31 {
		t.Errorf("notice (Act contracts): %d payments, %d days", notice.Payments, notice.PaymentDays)
	}
	reg113, err := f.perf.Report(ctx, metrics.MustDate("2025-04-01"), metrics.MustDate("2026-03-31"), Reg113Scope)
	if err != nil {
		t.Fatal(err)
	}
	// Reg 113: B1, received 1 April, queried 3 April (before the 30 April
	// deadline), resubmitted 20 April, paid 10 May. Valid and undisputed
	// from 20 April: 10 May - 20 April = 20 days, within 30 (from receipt
	// it is 39 days, so the Fair Payment Code's 30 days is missed).
	if reg113.Payments != 1 || reg113.InvoicesSettled != 1 || reg113.Reg113Within30 != 1 || reg113.SettledWithin30 != 0 {
		t.Errorf("reg 113 (PCR 2015 contracts): %+v", reg113)
	}
	// Staff mark RES-001 as procured under the Act: B1 moves to the notice.
	var res payments.Contract
	cs, _ := f.pay.Contracts(ctx, staff, payments.ContractFilter{})
	for _, c := range cs {
		if c.Reference == "RES-001" {
			res = c
		}
	}
	if res.ProcuredUnderOrDefault() != payments.ProcuredPCR2015 || res.ProcuredUnder != "" {
		t.Fatalf("RES-001 default: %q / %q", res.ProcuredUnder, res.ProcuredUnderOrDefault())
	}
	in := res.Input()
	in.ProcuredUnder = "Procurement Act 2023"
	if _, err := f.pay.UpdateContract(ctx, staff, res.ID, res.Version, in); err != nil {
		t.Fatal(err)
	}
	notice, err = f.perf.Report(ctx, from, to, NoticeScope)
	if err != nil {
		t.Fatal(err)
	}
	if notice.Payments != 3 {
		t.Errorf("after marking RES-001 under the Act: %d payments in the notice", notice.Payments)
	}
	in.ProcuredUnder = "1993 rules"
	if _, err := f.pay.UpdateContract(ctx, staff, res.ID, res.Version+1, in); !fault.Fields(fault.FieldsOf(err)).Has("procured_under") {
		t.Errorf("bad procured_under: %v", err)
	}
}

func TestSmallBusinessFlagNotSME(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	from, to := metrics.MustDate("2025-04-01"), metrics.MustDate("2025-09-30")
	// Sunrise is an SME and a small business: its A1 (30 days) and A2 (31
	// days) are small-business invoices, 1 of 2 within 30: Bronze.
	r, err := f.perf.Report(ctx, from, to, metrics.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if r.SmallSettled != 2 || r.Band != metrics.BandBronze {
		t.Fatalf("small business: %d settled, band %s", r.SmallSettled, r.Band)
	}
	// Still an SME (under 250) but not a small business (under 50): the
	// Fair Payment Code test has no small-business invoices, so Silver
	// (all 3 within 60 days).
	o, err := f.auth.Org(ctx, f.orgID)
	if err != nil {
		t.Fatal(err)
	}
	in := o.Input()
	in.SmallBusiness = false
	if _, err := f.auth.UpdateOrg(ctx, auth.CommandLine, f.orgID, in); err != nil {
		t.Fatal(err)
	}
	fresh := NewService(f.perf.db, PaymentsSource(f.pay, f.auth.Orgs), Options{Now: f.clk.Now}) // a fresh organisations cache
	r, err = fresh.Report(ctx, from, to, metrics.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if r.SmallSettled != 0 || r.Band != metrics.BandSilver {
		t.Errorf("SME only: %d small settled, band %s", r.SmallSettled, r.Band)
	}
}

func TestRateWarningAndReview(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	// 15 October 2025: interest starting now uses Bank Rate on 30 June
	// 2025, inside the shipped table (checked through 19 March 2026).
	if _, warn, err := f.perf.RateWarning(ctx); err != nil || warn {
		t.Fatalf("warning on 15 October 2025: %v %v", warn, err)
	}
	// 2 July 2026: the half-year from 1 July 2026 uses 30 June 2026, after
	// 19 March 2026: warn.
	f.clk.Set(time.Date(2026, 7, 2, 9, 0, 0, 0, time.UTC))
	w, warn, err := f.perf.RateWarning(ctx)
	if err != nil || !warn || w.ReferenceDate != metrics.MustDate("2026-06-30") || w.HalfYearStart != metrics.MustDate("2026-07-01") || w.CheckedThrough != metrics.MustDate("2026-03-19") {
		t.Fatalf("warning on 2 July 2026: %v %+v %v", warn, w, err)
	}
	// A check in the future is refused; nothing changes.
	if _, err := f.perf.ReviewRates(ctx, staff, "2026-07-03"); !fault.Fields(fault.FieldsOf(err)).Has("reviewed_through") {
		t.Errorf("future review: %v", err)
	}
	if _, err := f.perf.ReviewRates(ctx, staff, "31 2 2026"); !fault.Fields(fault.FieldsOf(err)).Has("reviewed_through") {
		t.Errorf("bad date: %v", err)
	}
	if _, warn, _ := f.perf.RateWarning(ctx); !warn {
		t.Error("a refused review silenced the warning")
	}
	// An administrator confirms the table up to 30 June 2026.
	if _, err := f.perf.ReviewRates(ctx, staff, "30/6/2026"); err != nil {
		t.Fatal(err)
	}
	if _, warn, _ := f.perf.RateWarning(ctx); warn {
		t.Error("warning after the review")
	}
	// Saving the other settings keeps the review; a fresh service reads it.
	if _, err := f.perf.SaveSettings(ctx, staff, SettingsInput{AuthorityName: "LB Example", AuthorityAddress: "Town Hall", ApproverName: "A", ApproverJobTitle: "B"}); err != nil {
		t.Fatal(err)
	}
	again := NewService(f.perf.db, f.perf.src, Options{Now: f.clk.Now})
	if _, warn, err := again.RateWarning(ctx); err != nil || warn {
		t.Errorf("reloaded review: %v %v", warn, err)
	}
	set, _ := again.Settings(ctx)
	if set.RatesReviewedThrough != "2026-06-30" || set.RatesReviewedBy != "Pat Payments" {
		t.Errorf("review stored: %+v", set)
	}
	// The next half-year (1 January 2027) warns again.
	f.clk.Set(time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC))
	if _, warn, _ := again.RateWarning(ctx); !warn {
		t.Error("no warning on 1 January 2027")
	}
}

func TestNoticeExportRefusesBlanks(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	r, err := f.perf.Report(ctx, metrics.MustDate("2025-04-01"), metrics.MustDate("2025-09-30"), NoticeScope)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	err = WriteNoticeCSV(&buf, r, Settings{AuthorityName: "LB Example", ApproverName: "Alex Director"})
	if fault.KindOf(err) != fault.Conflict || buf.Len() != 0 {
		t.Fatalf("incomplete settings exported: %v (%d bytes)", err, buf.Len())
	}
	if want := "enter the authority's address and the approving officer's job title on the reporting settings page"; !strings.Contains(err.Error(), want) {
		t.Errorf("message %q lacks %q", err.Error(), want)
	}
	if _, err := NoticeExport(r, Settings{}); fault.KindOf(err) != fault.Conflict {
		t.Errorf("empty settings: %v", err)
	}
	full := Settings{AuthorityName: "LB Example", AuthorityAddress: "Town Hall", ApproverName: "Alex Director", ApproverJobTitle: "Director of Finance"}
	if err := WriteNoticeCSV(&buf, r, full); err != nil || !strings.Contains(buf.String(), "approver_job_title,Director of Finance") {
		t.Errorf("complete settings: %v", err)
	}
}

func TestClosedHalfYearDoesNotChange(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	from, to := metrics.MustDate("2025-04-01"), metrics.MustDate("2025-09-30")
	before, err := f.perf.Report(ctx, from, to, metrics.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	fig := FiguresOf(before, "Whole council")
	// Months later B2 (unpaid and overdue at 30 September) is paid, and a
	// new invoice arrives.
	f.clk.Set(time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC))
	var b2 string
	invs, _ := f.pay.Snapshot(ctx)
	for _, inv := range invs {
		if inv.Number == "B2" {
			b2 = inv.ID
		}
	}
	if _, err := f.pay.MarkPaid(ctx, staff, b2, "2026-01-05", 250000, "PAY10", "portal"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.pay.ImportHistorical(ctx, staff, []payments.HistoricalInvoice{{SupplierRef: "SUP1001", ContractRef: "HC-001", InvoiceNumber: "A9",
		InvoiceDate: "2025-12-01", ReceivedDate: "2025-12-01", NetPence: 1000, GrossPence: 1000, Steps: payments.HistoryFromDates("2025-12-02", "", 0, "")}}); err != nil {
		t.Fatal(err)
	}
	after, err := f.perf.Report(ctx, from, to, metrics.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if after.Today == before.Today {
		t.Fatal("the clock did not move")
	}
	if got := FiguresOf(after, "Whole council"); !reflect.DeepEqual(got, fig) {
		t.Errorf("closed half-year changed:\nbefore %+v\nafter  %+v", fig, got)
	}
	// B2 was overdue at 30 September (30 August + 31 days) and stays so.
	if after.OverdueCount() != 1 || after.OverduePence() != 250000 || after.PayableNotPaid != before.PayableNotPaid {
		t.Errorf("overdue at the period's end: %d %d", after.OverdueCount(), after.OverduePence())
	}
}
