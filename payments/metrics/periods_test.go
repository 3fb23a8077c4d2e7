package metrics

import "testing"

// TestAPeriodIsNotTheSumOfItsMonths works by hand why the figures cannot
// be kept as sums per day or per month and added up for a longer period
// (the design issue 13 first suggested): every figure is taken as known
// at the end of the period it is asked for, so what an invoice adds to a
// quarter is not what it adds to the three months. Sums of payments made
// in a period add up; a sum judged at the period's end (payable and not
// yet paid, the days of a query, the ageing) does not. The figures are
// therefore kept per invoice (the performance package's compact entry and
// its active span) and summed for the period asked.
func TestAPeriodIsNotTheSumOfItsMonths(t *testing.T) {
	// paid: received 1 January 2026, approved the same day; deadline
	// 1 January + 29 = 30 January; paid in full on 15 February, day 45
	// (30 days of January after the 1st, then 15 of February).
	paid := Invoice{ID: "paid", OrgID: "org1", GrossPence: 50000, Received: d("2026-01-01"), Status: Paid,
		History:  []Change{{d("2026-01-01"), Submitted}, {d("2026-01-01"), Approved}, {d("2026-02-15"), Paid}},
		Payments: []Payment{{On: d("2026-02-15"), Pence: 50000}}}
	// queried: received 5 January (deadline 3 February), queried on
	// 20 January, before the deadline, so disputed; approved on 10 March
	// (a new deadline, 10 March + 29 = 8 April); not paid.
	queried := Invoice{ID: "queried", OrgID: "org1", GrossPence: 20000, Received: d("2026-01-05"), Status: Approved,
		History: []Change{{d("2026-01-05"), Submitted}, {d("2026-01-20"), Queried}, {d("2026-03-10"), Approved}}}
	invs := []Invoice{paid, queried}
	const today = "2026-04-01"
	quarter := compute(invs, "2026-01-01", "2026-03-31", today)
	jan := compute(invs, "2026-01-01", "2026-01-31", today)
	feb := compute(invs, "2026-02-01", "2026-02-28", today)
	mar := compute(invs, "2026-03-01", "2026-03-31", today)
	months := []*Report{jan, feb, mar}
	sum := func(f func(r *Report) int64) (n int64) {
		for _, r := range months {
			n += f(r)
		}
		return n
	}
	cases := []struct {
		name           string
		figure         func(r *Report) int64
		quarter, month int64 // the quarter's figure, and the sum of its months'
	}{
		// Payments made in the period add up: the one payment (15 February,
		// day 45) is in February and in the quarter.
		{"payments", func(r *Report) int64 { return int64(r.Payments) }, 1, 1},
		{"days to pay", func(r *Report) int64 { return r.PaymentDays }, 45, 45},
		{"paid in 31 to 60 days", func(r *Report) int64 { return int64(r.Paid31to60) }, 1, 1},
		// Sums that became payable and were not paid by the period's end:
		// paid fell due on 30 January. Judged at 31 January it was unpaid;
		// judged at 31 March it had been paid (15 February). queried's
		// deadline moved to 8 April, outside the quarter.
		{"became payable", func(r *Report) int64 { return int64(r.BecamePayable) }, 1, 1},
		{"payable, not paid", func(r *Report) int64 { return int64(r.PayableNotPaid) }, 0, 1},
		// A query counts from its first day to its end, or to the period's
		// end while open: the quarter sees 20 January to 10 March, 49 days
		// (11 + 28 + 10); January sees 20 to 31 January, 11 days; February
		// and March see none (the query did not begin in them).
		{"days queried", func(r *Report) int64 { return r.QueriedDays }, 49, 11},
		{"query episodes", func(r *Report) int64 { return int64(r.QueryEpisodes) }, 1, 1},
		// The ageing is a position at the period's end, not a flow: at
		// 31 January paid was 1 day past its deadline; at 28 February and
		// 31 March nothing was. queried was disputed (counted apart, not
		// aged) at 31 January and again at 28 February, and approved by
		// 31 March.
		{"overdue at the end", func(r *Report) int64 { return int64(r.OverdueCount()) }, 0, 1},
		{"disputed at the end", func(r *Report) int64 { return int64(r.Disputed.Count) }, 0, 2},
	}
	for _, c := range cases {
		if got := c.figure(quarter); got != c.quarter {
			t.Errorf("%s: the quarter's figure is %d, want %d", c.name, got, c.quarter)
		}
		if got := sum(c.figure); got != c.month {
			t.Errorf("%s: the months' figures add up to %d, want %d", c.name, got, c.month)
		}
	}
}
