package metrics

import (
	"reflect"
	"testing"
)

// Hand-worked cases for the corrected rules (issue 11, "Figures
// corrected"). Each case works the dates, day counts and pence in its
// comments.

func TestBankRateDecember2025(t *testing.T) {
	rates := NewRateTable()
	cases := []struct {
		name       string
		start      string // the day interest starts to run
		ref        string // 31 December or 30 June before it
		bankBP, bp int64  // Bank Rate on ref; statutory rate = Bank Rate + 8
	}{
		// Started in July-December 2025: Bank Rate on 30 June 2025 was 4.25%
		// (cut to 4.25% on 8 May 2025; to 4% only on 7 August).
		{"31 Dec 2025", "2025-12-31", "2025-06-30", 425, 1225},
		// Started in January-June 2026: Bank Rate on 31 December 2025 was
		// 3.75% (cut on 18 December 2025), so 11.75%, not 12%.
		{"1 Jan 2026", "2026-01-01", "2025-12-31", 375, 1175},
		{"30 Jun 2026", "2026-06-30", "2025-12-31", 375, 1175},
	}
	for _, c := range cases {
		if got := ReferenceDate(d(c.start)); got != d(c.ref) {
			t.Errorf("%s: reference date %s, want %s", c.name, got, c.ref)
		}
		if bp, _ := rates.InForce(d(c.ref)); bp != c.bankBP {
			t.Errorf("%s: Bank Rate on %s = %d, want %d", c.name, c.ref, bp, c.bankBP)
		}
		if bp, _ := rates.StatutoryRate(d(c.start)); bp != c.bp {
			t.Errorf("%s: statutory rate %d, want %d", c.name, bp, c.bp)
		}
	}
	// Received 2 December 2025: deadline 2 Dec + 29 = 31 December 2025;
	// interest starts 1 January 2026 at 11.75%. Paid 31 January 2026:
	// 31 days (1-31 January) on £1,000.
	// 100,000 p x 1175 bp x 31 / 3,650,000 = 3,642,500,000 / 3,650,000
	// = 997.95 -> 998 p (at the old 12% it would be 1,019.18 -> 1,019 p).
	// Fixed sum: £1,000 is in the £1,000 to £9,999.99 band: £70.
	inv := paidInvoice("jan", "2025-12-02", "2026-01-31", 100000)
	res := rates.Interest(&inv, d("2026-02-01"))
	if res.RateBP != 1175 || res.Days != 31 || res.Interest != 998 || res.FixedSum != 7000 {
		t.Errorf("interest from 1 January 2026: %+v", res)
	}
	if rates.CheckedThrough() != d("2026-03-19") {
		t.Errorf("shipped table checked through %s, want 2026-03-19 (the 19 March 2026 decision)", rates.CheckedThrough())
	}
}

func TestRateTableWarning(t *testing.T) {
	rates := NewRateTable() // checked through 19 March 2026
	cases := []struct {
		today string
		warn  bool
		ref   string
	}{
		{"2026-03-19", false, "2025-12-31"},
		{"2026-06-30", false, "2025-12-31"}, // half-year from 1 January 2026: 31 Dec 2025 <= 19 Mar 2026
		{"2026-07-01", true, "2026-06-30"},  // half-year from 1 July 2026: 30 June 2026 > 19 March 2026
		{"2026-12-01", true, "2026-06-30"},
	}
	for _, c := range cases {
		w, warn := rates.Warning(d(c.today))
		if warn != c.warn || w.ReferenceDate != d(c.ref) || w.CheckedThrough != d("2026-03-19") {
			t.Errorf("%s: warning %v %+v, want %v with reference date %s", c.today, warn, w, c.warn, c.ref)
		}
	}
	w, _ := rates.Warning(d("2026-07-01"))
	if w.HalfYearStart != d("2026-07-01") {
		t.Errorf("half-year start %s", w.HalfYearStart)
	}
	// An administrator confirms the rate on 30 June 2026: no warning until
	// the next half-year (reference date 31 December 2026) starts.
	rates.Reviewed(d("2026-06-30"))
	if _, warn := rates.Warning(d("2026-12-31")); warn {
		t.Error("warned after review through 30 June 2026")
	}
	if _, warn := rates.Warning(d("2027-01-01")); !warn {
		t.Error("no warning for the half-year from 1 January 2027")
	}
	// A change added on 5 November 2026 moves the mark too; an earlier
	// review does not move it back.
	rates.Add(BaseRate{d("2026-11-05"), 350})
	rates.Reviewed(d("2026-01-01"))
	if rates.CheckedThrough() != d("2026-11-05") {
		t.Errorf("checked through %s", rates.CheckedThrough())
	}
}

func TestS68Deadline(t *testing.T) {
	cases := []struct {
		name               string
		received, fallsDue string
		terms              int
		want               string
	}{
		{"no own due date", "2025-05-01", "", 0, "2025-05-30"},              // 1 May + 29
		{"own due date later", "2025-05-01", "2025-05-10", 0, "2025-06-08"}, // 10 May + 29 = 39 May = 8 June
		{"own due date earlier", "2025-05-01", "2025-04-20", 0, "2025-05-30"},
		{"own due date the same day", "2025-05-01", "2025-05-01", 0, "2025-05-30"},
		{"14-day terms", "2025-05-01", "", 14, "2025-05-14"},                      // 1 May + 13
		{"14-day terms, own later", "2025-05-01", "2025-05-10", 14, "2025-05-23"}, // 10 May + 13
		{"terms over 30 capped", "2025-05-01", "", 45, "2025-05-30"},
		{"leap year", "2024-02-15", "", 0, "2024-03-15"},       // 15 Feb + 29: 14 days left in February (29 days), 15 into March
		{"not a leap year", "2025-02-15", "", 0, "2025-03-16"}, // 13 days left in February (28 days), 16 into March
		{"across the year end", "2025-12-15", "", 0, "2026-01-13"},
	}
	for _, c := range cases {
		var own Date
		if c.fallsDue != "" {
			own = d(c.fallsDue)
		}
		if got := Deadline(d(c.received), own, c.terms); got != d(c.want) {
			t.Errorf("%s: deadline %s, want %s", c.name, got, c.want)
		}
		inv := Invoice{Received: d(c.received), FallsDue: own, TermsDays: c.terms}
		if got := inv.ClockOn(d("2027-01-01")).Deadline; got != d(c.want) {
			t.Errorf("%s: clock deadline %s, want %s", c.name, got, c.want)
		}
	}
	// Received 1 May 2025, due under the invoice on 10 May: deadline 8 June.
	// Paid 8 June: on time, no interest. Paid 9 June: one day of interest
	// (9 June) and the fixed sum; the old rule (deadline = 10 May) charged
	// 30 days.
	// Rate: starts 9 June 2025 -> 31 Dec 2024 Bank Rate 4.75% -> 12.75%.
	// 50,000 p x 1275 x 1 / 3,650,000 = 17.47 -> 17 p; fixed sum £40.
	onTime := paidInvoice("o", "2025-05-01", "2025-06-08", 50000)
	onTime.FallsDue = d("2025-05-10")
	late := paidInvoice("l", "2025-05-01", "2025-06-09", 50000)
	late.FallsDue = d("2025-05-10")
	rates := NewRateTable()
	if res := rates.Interest(&onTime, d("2025-07-01")); res.Days != 0 || res.Interest != 0 || res.FixedSum != 0 || res.DueDate != d("2025-06-08") {
		t.Errorf("paid on the deadline: %+v", res)
	}
	if res := rates.Interest(&late, d("2025-07-01")); res.Days != 1 || res.Interest != 17 || res.FixedSum != 4000 || res.RateBP != 1275 {
		t.Errorf("paid a day late: %+v", res)
	}
	// reg 38(2)(c) still counts from receipt: 38 and 39 days (31-60 band);
	// paid by the s68 deadline: 1 of 2.
	r := compute([]Invoice{onTime, late}, "2025-04-01", "2025-09-30", "2025-10-01")
	if r.Paid31to60 != 2 || r.PaymentDays != 38+39 || r.PaidOnTime != 1 {
		t.Errorf("reg 38: %+v", r)
	}
	// Became payable on 8 June (in the half-year), both paid within it.
	if r.BecamePayable != 2 || r.PayableNotPaid != 0 {
		t.Errorf("payable: %d of %d not paid", r.PayableNotPaid, r.BecamePayable)
	}
}

func TestDay30IsInTheBandButLate(t *testing.T) {
	// Received 1 April 2025. Deadline 1 April + 29 = 30 April.
	cases := []struct {
		paid    string
		days    int  // reg 38 days: day 1 = 2 April
		band30  bool // reg 38 "days 1 to 30"
		onTime  bool // by the s68 deadline
		intDays int
	}{
		{"2025-04-30", 29, true, true, 0},
		{"2025-05-01", 30, true, false, 1}, // day 30: in the band, one day late
		{"2025-05-02", 31, false, false, 2},
	}
	for _, c := range cases {
		inv := paidInvoice("x", "2025-04-01", c.paid, 10000)
		r := compute([]Invoice{inv}, "2025-04-01", "2025-09-30", "2025-10-01")
		if int(r.PaymentDays) != c.days || (r.Paid1to30 == 1) != c.band30 || (r.PaidOnTime == 1) != c.onTime {
			t.Errorf("paid %s: %d days, band %d, on time %d", c.paid, r.PaymentDays, r.Paid1to30, r.PaidOnTime)
		}
		if res := NewRateTable().Interest(&inv, d("2025-10-01")); res.Days != c.intDays {
			t.Errorf("paid %s: %d days of interest, want %d", c.paid, res.Days, c.intDays)
		}
	}
}

// disputed builds an unpaid invoice of £500 received on 1 April 2025
// (deadline 30 April) with the given status changes.
func disputed(id string, changes ...Change) Invoice {
	inv := Invoice{ID: id, OrgID: "org1", OrgName: "Sunrise", GrossPence: 50000, Received: d("2025-04-01"), Status: Submitted,
		History: append([]Change{{d("2025-04-01"), Submitted}}, changes...)}
	if n := len(inv.History); n > 0 {
		inv.Status = inv.History[n-1].To
	}
	return inv
}

func TestDisputesOneRule(t *testing.T) {
	rates := NewRateTable()
	// A: queried on 10 April (before the 30 April deadline), answered on
	// 25 April (back to submitted), never approved, unpaid.
	a := disputed("a", Change{d("2025-04-10"), Queried}, Change{d("2025-04-25"), Submitted})
	// While disputed (20 April): no deadline.
	if c := a.ClockOn(d("2025-04-20")); !c.Disputed || !c.Deadline.IsZero() || c.ValidFrom != d("2025-04-01") {
		t.Errorf("A on 20 April: %+v", c)
	}
	// After: valid and undisputed from 25 April; deadline 25 April + 29 = 24 May.
	if c := a.ClockOn(d("2025-05-31")); c.Disputed || c.ValidFrom != d("2025-04-25") || c.Deadline != d("2025-05-24") {
		t.Errorf("A on 31 May: %+v", c)
	}
	// As at 20 April (period April, today 20 April): not payable, not aged,
	// listed as disputed, no interest.
	r := compute([]Invoice{a}, "2025-04-01", "2025-04-30", "2025-04-20")
	if r.BecamePayable != 0 || r.OverdueCount() != 0 || r.Ageing[AgeNotDue].Count != 0 || r.Disputed.Count != 1 || r.Disputed.Pence != 50000 || r.InterestAccrued != 0 {
		t.Errorf("A while disputed: %+v", r)
	}
	// As at 31 May (period 1 April - 31 May): deadline 24 May in the period,
	// not paid: payable, not paid (1 of 1). 31 May - 24 May = 7 days
	// overdue (1-30 bucket). Interest 25-31 May = 7 days; starts 25 May
	// 2025 -> 31 Dec 2024 Bank Rate 4.75% -> 12.75%:
	// 50,000 x 1275 x 7 / 3,650,000 = 446,250,000 / 3,650,000 = 122.26 -> 122 p.
	// Fixed sum £40 (under £1,000).
	r = compute([]Invoice{a}, "2025-04-01", "2025-05-31", "2025-06-15")
	if r.BecamePayable != 1 || r.PayableNotPaid != 1 || r.Ageing[Age1to30].Count != 1 || r.InterestAccrued != 122 || r.FixedSums != 4000 || r.Disputed.Count != 0 {
		t.Errorf("A after the dispute: payable %d/%d ageing %+v interest %d fixed %d", r.PayableNotPaid, r.BecamePayable, r.Ageing, r.InterestAccrued, r.FixedSums)
	}
	if res := rates.Interest(&a, d("2025-05-31")); res.DueDate != d("2025-05-24") || res.Days != 7 || res.Interest != 122 {
		t.Errorf("A interest: %+v", res)
	}

	// B: queried on 5 May, after the 30 April deadline, still queried on
	// 31 May: the late query does not stop the clock. 31 May - 30 April =
	// 31 days overdue (31-60). Interest 1-31 May = 31 days at 12.75%:
	// 50,000 x 1275 x 31 / 3,650,000 = 1,976,250,000 / 3,650,000 = 541.44 -> 541 p.
	b := disputed("b", Change{d("2025-05-05"), Queried})
	r = compute([]Invoice{b}, "2025-04-01", "2025-05-31", "2025-06-15")
	if r.BecamePayable != 1 || r.PayableNotPaid != 1 || r.Ageing[Age31to60].Count != 1 || r.Disputed.Count != 0 || r.InterestAccrued != 541 || r.FixedSums != 4000 {
		t.Errorf("B late query: payable %d/%d ageing %+v disputed %+v interest %d", r.PayableNotPaid, r.BecamePayable, r.Ageing, r.Disputed, r.InterestAccrued)
	}

	// C: queried on 2 April, approved on 21 April, paid on 20 May.
	// Reg 38(2)(c): 49 days from receipt (31-60). Reg 113: valid and
	// undisputed from 21 April; 20 May - 21 April = 29 days: within 30.
	// Fair Payment Code (from receipt, 49 days): not within 30.
	// Deadline 21 April + 29 = 20 May: paid on the deadline, no interest.
	c := disputed("c", Change{d("2025-04-02"), Queried}, Change{d("2025-04-21"), Approved}, Change{d("2025-05-20"), Paid})
	c.Payments = []Payment{{On: d("2025-05-20"), Pence: 50000}}
	r = compute([]Invoice{c}, "2025-04-01", "2025-09-30", "2025-10-01")
	if r.Paid31to60 != 1 || r.PaymentDays != 49 || r.InvoicesSettled != 1 || r.Reg113Within30 != 1 || r.SettledWithin30 != 0 ||
		r.InterestAccrued != 0 || r.FixedSums != 0 || r.PaidOnTime != 1 || r.BecamePayable != 1 || r.PayableNotPaid != 0 {
		t.Errorf("C: %+v", r)
	}
	if got := r.PctReg113Within30().Percent(); got != "100.0" {
		t.Errorf("reg 113 share %s", got)
	}
}

func TestOverdueIncludesUnapproved(t *testing.T) {
	// Received 1 August 2025, never approved: deadline 30 August. On 30
	// September it is 31 days overdue (31-60) and carries interest:
	// 31 Aug - 30 Sep = 31 days, starts 31 Aug -> 30 June 2025 Bank Rate
	// 4.25% -> 12.25%: 250,000 x 1225 x 31 / 3,650,000 = 9,493,750,000 /
	// 3,650,000 = 2,601.03 -> 2,601 p; fixed sum £70 (£2,500).
	waiting := Invoice{ID: "w", OrgID: "o", OrgName: "Oak", GrossPence: 250000, Received: d("2025-08-01"), Status: Submitted,
		History: []Change{{d("2025-08-01"), Submitted}}}
	r := compute([]Invoice{waiting}, "2025-04-01", "2025-09-30", "2026-01-01")
	if b := r.Ageing[Age31to60]; b.Count != 1 || b.Pence != 250000 || r.OverdueCount() != 1 || r.OverduePence() != 250000 {
		t.Errorf("unapproved invoice not aged: %+v", r.Ageing)
	}
	if r.InterestAccrued != 2601 || r.FixedSums != 7000 {
		t.Errorf("interest %d fixed %d", r.InterestAccrued, r.FixedSums)
	}
	h := HeadlineOf(r)
	if h.OverdueCount != 1 || h.OverduePence != 250000 {
		t.Errorf("headline overdue: %+v", h)
	}
	top := TopOverdue([]Invoice{waiting}, Scope{}, d("2025-09-30"), 5)
	if len(top) != 1 || top[0].OrgName != "Oak" || top[0].Count != 1 || top[0].Pence != 250000 {
		t.Errorf("top overdue: %+v", top)
	}
	// On 30 August (its deadline) it is not yet due.
	r = compute([]Invoice{waiting}, "2025-08-01", "2025-08-30", "2026-01-01")
	if r.Ageing[AgeNotDue].Count != 1 || r.OverdueCount() != 0 {
		t.Errorf("on the deadline: %+v", r.Ageing)
	}
}

func TestClosedPeriodIsStable(t *testing.T) {
	// Half-year 1 April - 30 September 2025, first computed on 15 October.
	// q: received 10 September (deadline 9 October), queried 20 September
	// (before the deadline): disputed and open at 30 September.
	q := disputed("q", Change{d("2025-09-20"), Queried})
	q.Received, q.History[0].On = d("2025-09-10"), d("2025-09-10")
	unpaid := Invoice{ID: "u", GrossPence: 120000, Received: d("2025-08-01"), Status: Approved,
		History: []Change{{d("2025-08-01"), Submitted}, {d("2025-08-05"), Approved}}} // deadline 30 Aug, 31 days overdue at 30 Sep
	rejectLater := Invoice{ID: "r", GrossPence: 30000, Received: d("2025-06-01"), Status: Submitted,
		History: []Change{{d("2025-06-01"), Submitted}}} // deadline 30 June, unpaid at 30 Sep
	invs := []Invoice{q, unpaid, rejectLater}
	before := Compute(invs, Options{From: d("2025-04-01"), To: d("2025-09-30"), Today: d("2025-10-15"), Rates: NewRateTable()})
	// The open query counts 20-30 September: 10 days, not to today (25).
	if before.QueriedDays != 10 || before.Disputed.Count != 1 || before.OverdueCount() != 2 || before.BecamePayable != 2 || before.PayableNotPaid != 2 {
		t.Fatalf("closed period: queried days %d disputed %d overdue %d payable %d/%d", before.QueriedDays, before.Disputed.Count, before.OverdueCount(), before.PayableNotPaid, before.BecamePayable)
	}
	// Later events: the query ends on 20 October, the unpaid invoice is
	// paid on 1 November, the other rejected on 5 November, a new invoice
	// arrives; "now" moves to 10 January 2026.
	q.History = append(q.History, Change{d("2025-10-20"), Approved})
	q.Status = Approved
	unpaid.History = append(unpaid.History, Change{d("2025-11-01"), Paid})
	unpaid.Status = Paid
	unpaid.Payments = []Payment{{On: d("2025-11-01"), Pence: 120000}}
	rejectLater.History = append(rejectLater.History, Change{d("2025-11-05"), Rejected})
	rejectLater.Status = Rejected
	fresh := paidInvoice("n", "2025-10-05", "2025-10-06", 5000)
	after := Compute([]Invoice{q, unpaid, rejectLater, fresh}, Options{From: d("2025-04-01"), To: d("2025-09-30"), Today: d("2026-01-10"), Rates: NewRateTable()})
	after.Today = before.Today
	if !reflect.DeepEqual(before, after) {
		t.Errorf("closed period changed:\nbefore %+v\nafter  %+v", before, after)
	}
}

func TestRegimeScope(t *testing.T) {
	if DefaultRegime(d("2025-02-23")) != RegimePCR2015 || DefaultRegime(d("2025-02-24")) != RegimePA2023 || DefaultRegime(0) != RegimePA2023 {
		t.Error("default regime by contract start")
	}
	pcr := paidInvoice("p", "2025-04-01", "2025-04-10", 100)
	pcr.Regime = RegimePCR2015
	act := paidInvoice("a", "2025-04-01", "2025-06-10", 100)
	unset := paidInvoice("u", "2025-04-01", "2025-04-20", 100) // "" = the Act
	invs := []Invoice{pcr, act, unset}
	all := Compute(invs, Options{From: d("2025-04-01"), To: d("2025-09-30"), Today: d("2025-10-01")})
	onlyPCR := Compute(invs, Options{From: d("2025-04-01"), To: d("2025-09-30"), Today: d("2025-10-01"), Scope: Scope{Regime: RegimePCR2015}})
	onlyAct := Compute(invs, Options{From: d("2025-04-01"), To: d("2025-09-30"), Today: d("2025-10-01"), Scope: Scope{Regime: RegimePA2023}})
	if all.Payments != 3 || onlyPCR.Payments != 1 || onlyPCR.PaymentDays != 9 || onlyAct.Payments != 2 || onlyAct.PaymentDays != 70+19 {
		t.Errorf("regime scope: all %d, PCR %d (%d days), Act %d (%d days)", all.Payments, onlyPCR.Payments, onlyPCR.PaymentDays, onlyAct.Payments, onlyAct.PaymentDays)
	}
}
