package metrics

import (
	"testing"
	"time"
)

func d(s string) Date { return MustDate(s) }

// paidInvoice is an invoice received on rec, approved the same day, paid
// in full on paid.
func paidInvoice(id, rec, paid string, gross int64) Invoice {
	return Invoice{
		ID: id, OrgID: "org1", OrgName: "Sunrise", GrossPence: gross,
		Received: d(rec), Status: Paid,
		History:  []Change{{d(rec), Submitted}, {d(rec), Approved}, {d(paid), Paid}},
		Payments: []Payment{{On: d(paid), Pence: gross}},
	}
}

func compute(invs []Invoice, from, to, today string) *Report {
	return Compute(invs, Options{From: d(from), To: d(to), Today: d(today), Rates: NewRateTable()})
}

func TestDay30AndDay31(t *testing.T) {
	invs := []Invoice{
		paidInvoice("a", "2025-04-01", "2025-05-01", 10000), // day 30
		paidInvoice("b", "2025-04-01", "2025-05-02", 10000), // day 31
	}
	r := compute(invs, "2025-04-01", "2025-09-30", "2026-01-01")
	if r.Payments != 2 || r.Paid1to30 != 1 || r.Paid31to60 != 1 || r.Paid61OrMore != 0 {
		t.Fatalf("bands: %+v", r)
	}
	if got := r.MeanDaysToPay().OneDP(); got != "30.5" {
		t.Errorf("mean = %s, want 30.5", got)
	}
	if r.SettledWithin30 != 1 || r.InvoicesSettled != 2 {
		t.Errorf("reg 113: %d of %d within 30", r.SettledWithin30, r.InvoicesSettled)
	}
	if got := r.PctPaid1to30().Percent(); got != "50.0" {
		t.Errorf("pct = %s", got)
	}
}

func TestFridayAndBankHoliday(t *testing.T) {
	if d("2025-10-03").Weekday() != time.Friday {
		t.Fatal("fixture: 3 October 2025 is a Friday")
	}
	invs := []Invoice{
		paidInvoice("fri", "2025-10-03", "2025-11-02", 10000),  // Friday + 30 calendar days (a Sunday)
		paidInvoice("xmas", "2025-12-25", "2026-01-24", 10000), // Christmas Day + 30
		paidInvoice("xmas31", "2025-12-25", "2026-01-25", 10000),
	}
	r := compute(invs, "2025-10-01", "2026-03-31", "2026-06-01")
	if r.Paid1to30 != 2 || r.Paid31to60 != 1 || r.PaymentDays != 91 {
		t.Fatalf("got %d/%d days %d", r.Paid1to30, r.Paid31to60, r.PaymentDays)
	}
}

func TestYearAndLeapYearBoundaries(t *testing.T) {
	cases := []struct {
		rec, paid string
		days      int
	}{
		{"2025-12-15", "2026-01-14", 30},
		{"2024-02-01", "2024-03-02", 30}, // 2024 is a leap year: 29 days in February
		{"2025-02-01", "2025-03-03", 30}, // 2025 is not
		{"2024-02-29", "2024-03-30", 30},
		{"2023-12-31", "2024-12-31", 366},
	}
	for _, c := range cases {
		inv := paidInvoice("x", c.rec, c.paid, 100)
		r := compute([]Invoice{inv}, c.paid, c.paid, c.paid)
		if r.PaymentDays != int64(c.days) {
			t.Errorf("%s -> %s: %d days, want %d", c.rec, c.paid, r.PaymentDays, c.days)
		}
	}
	// A payment on 31 March counts in the half-year ending 31 March, one
	// on 1 April in the next.
	invs := []Invoice{paidInvoice("a", "2026-03-01", "2026-03-31", 100), paidInvoice("b", "2026-03-01", "2026-04-01", 100)}
	if r := compute(invs, "2025-10-01", "2026-03-31", "2026-05-01"); r.Payments != 1 {
		t.Errorf("half-year to 31 March: %d payments", r.Payments)
	}
}

func TestClockChangeDays(t *testing.T) {
	// 30 March 2025: clocks go forward at 01:00 GMT. 00:30 UTC is 00:30 GMT.
	if got := DateOf(time.Date(2025, 3, 30, 0, 30, 0, 0, time.UTC)); got != d("2025-03-30") {
		t.Errorf("spring: %s", got)
	}
	// 25 October 2025 23:30 UTC is 00:30 BST on 26 October (the day clocks go back).
	if got := DateOf(time.Date(2025, 10, 25, 23, 30, 0, 0, time.UTC)); got != d("2025-10-26") {
		t.Errorf("autumn: %s", got)
	}
	// 29 March 2025 23:30 UTC is still 29 March in London (GMT).
	if got := DateOf(time.Date(2025, 3, 29, 23, 30, 0, 0, time.UTC)); got != d("2025-03-29") {
		t.Errorf("eve of spring: %s", got)
	}
	invs := []Invoice{
		paidInvoice("spring", "2025-03-30", "2025-04-29", 100),
		paidInvoice("autumn", "2025-10-26", "2025-11-25", 100),
	}
	r := compute(invs, "2025-01-01", "2025-12-31", "2026-01-01")
	if r.Paid1to30 != 2 || r.PaymentDays != 60 {
		t.Errorf("clock change: %d within 30, %d days", r.Paid1to30, r.PaymentDays)
	}
}

func TestQueriedThenApproved(t *testing.T) {
	inv := Invoice{
		ID: "q", OrgID: "org1", GrossPence: 50000, Received: d("2025-04-01"), Status: Paid,
		History: []Change{{d("2025-04-01"), Submitted}, {d("2025-04-03"), Queried}, {d("2025-04-20"), Approved},
			{d("2025-05-05"), Scheduled}, {d("2025-05-10"), Paid}},
		Payments: []Payment{{On: d("2025-05-10"), Pence: 50000}},
	}
	r := compute([]Invoice{inv}, "2025-04-01", "2025-09-30", "2025-10-01")
	if r.Paid31to60 != 1 || r.PaymentDays != 39 {
		t.Errorf("queried invoice: 31-60=%d days=%d (the clock does not stop for a query)", r.Paid31to60, r.PaymentDays)
	}
	if r.QueriedInvoices != 1 || r.QueryEpisodes != 1 || r.QueriedDays != 17 {
		t.Errorf("queried: %d invoices, %d episodes, %d days", r.QueriedInvoices, r.QueryEpisodes, r.QueriedDays)
	}
	// Disputed from 3 April (before the 30 April deadline) until approved
	// on 20 April: the 30 days run again from 20 April, so the deadline is
	// 20 April + 29 = 19 May. Paid 10 May: became payable in the period
	// and paid.
	if c := inv.ClockOn(d("2025-05-10")); c.Disputed || c.ValidFrom != d("2025-04-20") || c.Deadline != d("2025-05-19") {
		t.Errorf("clock after the dispute: %+v", c)
	}
	if r.BecamePayable != 1 || r.PayableNotPaid != 0 {
		t.Errorf("payable: %d/%d", r.PayableNotPaid, r.BecamePayable)
	}
	// Still queried at today: the open query counts up to today.
	open := Invoice{ID: "o", GrossPence: 100, Received: d("2025-06-01"), Status: Queried,
		History: []Change{{d("2025-06-01"), Submitted}, {d("2025-06-02"), Queried}}}
	r = compute([]Invoice{open}, "2025-06-01", "2025-06-30", "2025-06-12")
	if r.QueriedDays != 10 {
		t.Errorf("open query days = %d, want 10", r.QueriedDays)
	}
	// Queried when it fell due (received + 29): disputed, not payable; no interest.
	if r2 := compute([]Invoice{open}, "2025-06-01", "2025-12-31", "2025-12-31"); r2.BecamePayable != 0 || r2.InterestAccrued != 0 || r2.FixedSums != 0 {
		t.Errorf("disputed invoice counted as payable or earning interest: %+v", r2)
	}
}

func TestRejectedAndCancelled(t *testing.T) {
	invs := []Invoice{
		{ID: "r", GrossPence: 500000, Received: d("2025-04-01"), Status: Rejected,
			History: []Change{{d("2025-04-01"), Submitted}, {d("2025-04-10"), Rejected}}},
		{ID: "c", GrossPence: 500000, Received: d("2025-04-01"), Status: Cancelled,
			History: []Change{{d("2025-04-01"), Submitted}, {d("2025-04-02"), Cancelled}}},
	}
	r := compute(invs, "2025-04-01", "2026-03-31", "2026-04-01")
	if r.Payments != 0 || r.BecamePayable != 0 || r.InterestAccrued != 0 || r.FixedSums != 0 || r.OverdueCount() != 0 || r.Ageing[AgeNotDue].Count != 0 {
		t.Errorf("rejected/cancelled counted: %+v", r)
	}
	if r.Band != BandNone {
		t.Errorf("band = %s with nothing paid", r.Band)
	}
}

func TestPartialPayments(t *testing.T) {
	inv := Invoice{ID: "p", GrossPence: 100000, Received: d("2025-04-01"), Status: Paid, // deadline 1 April + 29 = 30 April
		History:  []Change{{d("2025-04-01"), Submitted}, {d("2025-04-02"), Approved}, {d("2025-05-16"), Paid}},
		Payments: []Payment{{On: d("2025-04-11"), Pence: 40000}, {On: d("2025-05-16"), Pence: 60000}},
	}
	r := compute([]Invoice{inv}, "2025-04-01", "2025-09-30", "2025-10-01")
	if r.Payments != 2 || r.Paid1to30 != 1 || r.Paid31to60 != 1 || r.PaymentDays != 10+45 {
		t.Errorf("instalments: %+v", r)
	}
	if r.InvoicesSettled != 1 || r.SettledWithin30 != 0 || r.SettledWithin60 != 1 {
		t.Errorf("settled: %+v", r)
	}
	// Interest: due 30 April; interest runs 1 May to 16 May (16 days) on
	// the £600 balance. Reference rate: 31 Dec 2024 Bank Rate 4.75% -> 12.75%.
	// 60000 x 1275 x 16 / 3,650,000 = 335.34 -> 335 pence. Fixed sum £70 (the debt is £1,000).
	res := NewRateTable().Interest(&inv, d("2025-10-01"))
	if res.RateBP != 1275 || res.Days != 16 || res.Interest != 335 || res.FixedSum != 7000 {
		t.Errorf("interest: %+v", res)
	}
	// Ageing at 1 May: approved, £600 unpaid, 1 day overdue.
	r = compute([]Invoice{inv}, "2025-04-01", "2025-05-01", "2025-10-01")
	if b := r.Ageing[Age1to30]; b.Count != 1 || b.Pence != 60000 {
		t.Errorf("ageing part-paid: %+v", r.Ageing)
	}
}

func TestUnpaidAtEndOfPeriod(t *testing.T) {
	inv := Invoice{ID: "u", OrgID: "o", OrgName: "Oak", GrossPence: 250000, Received: d("2025-08-01"), Status: Approved, // deadline 30 August
		History: []Change{{d("2025-08-01"), Submitted}, {d("2025-08-05"), Approved}}}
	notDue := Invoice{ID: "n", GrossPence: 1000, Received: d("2025-09-20"), Status: Approved, // deadline 19 October
		History: []Change{{d("2025-09-20"), Submitted}, {d("2025-09-21"), Approved}}}
	r := compute([]Invoice{inv, notDue}, "2025-04-01", "2025-09-30", "2026-01-01")
	if r.BecamePayable != 1 || r.PayableNotPaid != 1 || r.PctPayableNotPaid().Percent() != "100.0" {
		t.Errorf("payable not paid: %d/%d", r.PayableNotPaid, r.BecamePayable)
	}
	if b := r.Ageing[Age31to60]; b.Count != 1 || b.Pence != 250000 { // 31 days overdue at 30 September
		t.Errorf("ageing: %+v", r.Ageing)
	}
	if b := r.Ageing[AgeNotDue]; b.Count != 1 || b.Pence != 1000 {
		t.Errorf("not yet due: %+v", r.Ageing)
	}
	top := TopOverdue([]Invoice{inv, notDue}, Scope{}, d("2025-09-30"), 5)
	if len(top) != 1 || top[0].OrgName != "Oak" || top[0].Pence != 250000 {
		t.Errorf("top overdue: %+v", top)
	}
	// Paid on 1 October: still "not paid within" the half-year to 30 September.
	inv.Payments = []Payment{{On: d("2025-10-01"), Pence: 250000}}
	inv.Status = Paid
	r = compute([]Invoice{inv}, "2025-04-01", "2025-09-30", "2026-01-01")
	if r.PayableNotPaid != 1 {
		t.Errorf("paid after the period counted as paid within it")
	}
	// Without a due date of its own, s68: received + 29.
	sub := Invoice{ID: "s", GrossPence: 100, Received: d("2025-09-01"), Status: Submitted}
	if got := sub.ClockOn(d("2025-10-01")).Deadline; got != d("2025-09-30") {
		t.Errorf("s68 deadline = %s", got)
	}
}

func TestInterestAcrossReferenceRateChange(t *testing.T) {
	rates := NewRateTable()
	// Due 25 June 2023: interest starts 26 June 2023 (Jan-Jun), so the
	// reference rate is Bank Rate on 31 Dec 2022 (3.5%): 11.5%, and it stays
	// 11.5% after 1 July 2023 even though the reference rate for debts
	// starting in July-December 2023 is 5% (30 June 2023) -> 13%.
	inv := Invoice{ID: "i", GrossPence: 1000000, Received: d("2023-05-27"), Status: Approved, // deadline 27 May + 29 = 25 June
		History: []Change{{d("2023-05-27"), Submitted}, {d("2023-05-28"), Approved}}}
	res := rates.Interest(&inv, d("2023-07-10"))
	// 15 days (26 June - 10 July) x £10,000 x 11.5% / 365
	// = 1,000,000 x 1150 x 15 / 3,650,000 = 4726.03 -> 4726 pence.
	if res.RateBP != 1150 || res.Days != 15 || res.Interest != 4726 || res.FixedSum != 10000 {
		t.Errorf("across 1 July: %+v", res)
	}
	later := inv
	later.FallsDue = d("2023-06-01") // its own due date starts the 30 days: deadline 1 June + 29 = 30 June; interest starts 1 July 2023 -> 13%
	res = rates.Interest(&later, d("2023-07-10"))
	// 10 days: 1,000,000 x 1300 x 10 / 3,650,000 = 3561.64 -> 3562.
	if res.RateBP != 1300 || res.Days != 10 || res.Interest != 3562 {
		t.Errorf("starting 1 July: %+v", res)
	}
	// Reg 113 accrual split by period adds up (to within rounding) and the
	// fixed sum falls in the period interest started.
	a := Compute([]Invoice{inv}, Options{From: d("2023-06-01"), To: d("2023-06-30"), Today: d("2023-07-10"), Rates: rates})
	b := Compute([]Invoice{inv}, Options{From: d("2023-07-01"), To: d("2023-07-31"), Today: d("2023-07-10"), Rates: rates})
	// June: 5 days -> 1575.34 -> 1575; July: 10 days -> 3150.68 -> 3151.
	if a.InterestAccrued != 1575 || b.InterestAccrued != 3151 || a.FixedSums != 10000 || b.FixedSums != 0 {
		t.Errorf("split: June %d + %d, July %d + %d", a.InterestAccrued, a.FixedSums, b.InterestAccrued, b.FixedSums)
	}
	// Admin adds a rate change: the table answers with it.
	rates.Add(BaseRate{d("2099-01-01"), 123})
	if bp, _ := rates.InForce(d("2099-06-30")); bp != 123 {
		t.Errorf("added rate: %d", bp)
	}
	if got, _ := rates.StatutoryRate(d("2024-01-15")); got != 1325 {
		t.Errorf("H1 2024 statutory rate = %d, want 1325 (5.25%% + 8)", got)
	}
}

func TestFixedSumThresholds(t *testing.T) {
	for _, c := range []struct{ gross, want int64 }{
		{1, 4000}, {99999, 4000}, {100000, 7000}, {999999, 7000}, {1000000, 10000}, {50000000, 10000},
	} {
		if got := FixedSum(c.gross); got != c.want {
			t.Errorf("FixedSum(%d) = %d, want %d", c.gross, got, c.want)
		}
	}
	// Paid on the due date: no interest, no fixed sum. A day late: both.
	inv := paidInvoice("f", "2025-01-01", "2025-01-30", 100000)
	if res := NewRateTable().Interest(&inv, d("2025-12-31")); res.Days != 0 || res.FixedSum != 0 || res.Interest != 0 {
		t.Errorf("on time: %+v", res)
	}
	inv = paidInvoice("f", "2025-01-01", "2025-01-31", 100000)
	if res := NewRateTable().Interest(&inv, d("2025-12-31")); res.Days != 1 || res.FixedSum != 7000 {
		t.Errorf("a day late: %+v", res)
	}
}

func TestRounding(t *testing.T) {
	if roundDiv(1825000, interestDivisor) != 1 || roundDiv(1824999, interestDivisor) != 0 {
		t.Error("half a penny rounds up")
	}
	for _, c := range []struct {
		r    Ratio
		want string
	}{{Ratio{1, 8}, "12.5"}, {Ratio{49, 400}, "12.3"}, {Ratio{2, 3}, "66.7"}, {Ratio{1, 3}, "33.3"}, {Ratio{0, 5}, "0.0"}, {Ratio{19, 20}, "95.0"}} {
		if got := c.r.Percent(); got != c.want {
			t.Errorf("%v = %s, want %s", c.r, got, c.want)
		}
	}
	if (Ratio{-1, 8}).Percent() != "-12.5" || (Ratio{-49, 400}).Percent() != "-12.3" {
		t.Error("half away from zero for negatives")
	}
}

func TestFairPaymentCodeBands(t *testing.T) {
	mk := func(n30, n60, nLate int, small bool) []Invoice {
		var out []Invoice
		for i := 0; i < n30; i++ {
			out = append(out, paidInvoice("a", "2025-04-01", "2025-04-20", 100))
		}
		for i := 0; i < n60; i++ {
			out = append(out, paidInvoice("b", "2025-04-01", "2025-05-20", 100))
		}
		for i := 0; i < nLate; i++ {
			out = append(out, paidInvoice("c", "2025-04-01", "2025-07-20", 100))
		}
		for i := range out {
			out[i].SmallSupplier = small
		}
		return out
	}
	cases := []struct {
		invs []Invoice
		want Band
	}{
		{mk(19, 1, 0, false), BandGold},   // exactly 95% within 30
		{mk(18, 2, 0, false), BandSilver}, // 90% within 30, 100% within 60, no small suppliers
		{mk(18, 2, 0, true), BandBronze},  // small suppliers only 90% within 30
		{mk(18, 1, 1, false), BandSilver}, // 95% within 60
		{mk(17, 1, 2, false), BandNone},   // 90% within 60
		{nil, BandNone},
	}
	for i, c := range cases {
		r := compute(c.invs, "2025-04-01", "2025-09-30", "2025-10-01")
		if r.Band != c.want {
			t.Errorf("case %d: band %s, want %s", i, r.Band, c.want)
		}
	}
}

func TestScopeAndHeadline(t *testing.T) {
	a := paidInvoice("a", "2025-04-01", "2025-04-10", 100)
	b := paidInvoice("b", "2025-04-01", "2025-06-10", 100)
	b.OrgID, b.ContractRef, b.ServiceType = "org2", "C2", "residential"
	invs := []Invoice{a, b}
	r := Compute(invs, Options{From: d("2025-04-01"), To: d("2025-09-30"), Today: d("2025-10-01"), Scope: Scope{ServiceType: "residential"}})
	if r.Payments != 1 || r.Paid61OrMore != 1 {
		t.Errorf("scope: %+v", r)
	}
	h := HeadlineFor(invs, d("2025-04-01"), d("2025-09-30"), d("2025-10-01"), nil)
	if h.Payments != 2 || h.PaidWithin30Pct.Percent() != "50.0" || h.MeanDaysToPay.OneDP() != "39.5" {
		t.Errorf("headline: %+v", h)
	}
}

func TestReferenceDates(t *testing.T) {
	for _, c := range [][2]string{{"2024-01-01", "2023-12-31"}, {"2024-06-30", "2023-12-31"}, {"2024-07-01", "2024-06-30"}, {"2024-12-31", "2024-06-30"}} {
		if got := ReferenceDate(d(c[0])); got != d(c[1]) {
			t.Errorf("ReferenceDate(%s) = %s, want %s", c[0], got, c[1])
		}
	}
	if FormatBP(1325) != "13.25%" || FormatBP(10) != "0.1%" || FormatBP(1300) != "13%" {
		t.Error("FormatBP")
	}
}

func TestParseISOAgreesWithTime(t *testing.T) {
	for d := D(1999, 12, 1); d < D(2031, 3, 1); d++ {
		got, ok := ParseISO(d.String())
		if !ok || got != d {
			t.Fatalf("ParseISO(%s) = %d %v, want %d", d, got, ok, d)
		}
	}
	for _, bad := range []string{"", "2025-02-29", "2024-13-01", "2024-00-10", "2024-1-01", "2024-01-32", "abcd-ef-gh", "2024/01/01"} {
		if _, ok := ParseISO(bad); ok {
			t.Errorf("ParseISO(%q) accepted", bad)
		}
	}
}
