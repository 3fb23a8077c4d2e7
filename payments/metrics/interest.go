package metrics

// Statutory interest under the Late Payment of Commercial Debts (Interest)
// Act 1998 and the Rate of Interest (No. 3) Order 2002.
//
// Decisions (also in Notes):
//   - Interest starts to run on the day after the s68(2) deadline
//     (Invoice.ClockOn: the period begins with receipt or the invoice's own
//     later due date, and again when a dispute ends) and
//     runs for every day up to and including the day of payment, or up to
//     and including "as of" (today) while unpaid. So an invoice due on 1 May
//     and paid on 4 May carries 3 days of interest.
//   - The rate is the reference rate plus 8 points, where the reference rate
//     is Bank Rate on the 31 December or 30 June immediately before the day
//     interest starts to run. Article 4 of the 2002 Order fixes the rate by
//     the day interest STARTS to run, so one debt keeps one rate for its
//     whole life even when it runs across 1 January or 1 July: a later change
//     of reference rate applies to debts that start to run later. (Splitting
//     one debt's interest by half-year would follow a variable-rate reading
//     the Order does not use.)
//   - Simple interest, per day, on the balance unpaid at the start of that
//     day (instalments reduce the balance from the day after they are paid),
//     at the yearly rate / 365 for every day, leap years included (the
//     convention of the government's late-payment interest guidance).
//   - Integer arithmetic: the exact sum of balance(pence) x rate(basis
//     points) x 1 day over all days is kept as an integer and divided by
//     10000 x 365 once per invoice (and per reporting period), rounding
//     half up to the nearest penny (half away from zero; amounts are never
//     negative). Figures for two periods may therefore differ by a penny
//     from the figure for the two together.
//   - The fixed sum is £40 for a debt under £1,000, £70 from £1,000 to
//     under £10,000, and £100 for £10,000 or more (s5A), judged on the
//     invoice's gross amount, once per invoice, owed from the first day
//     interest runs.
//   - No interest on an invoice rejected or cancelled by the day the
//     position is taken (nothing is owed), nor while the council disputes
//     it (ClockOn: a query raised before the deadline). Once the dispute
//     ends, interest runs from the day after the new deadline. A query
//     raised after the deadline does not stop interest.

const interestDivisor = 10000 * 365

// FixedSum is the Act's fixed sum for a debt of gross pence.
func FixedSum(gross int64) int64 {
	switch {
	case gross < 100000:
		return 4000
	case gross < 1000000:
		return 7000
	default:
		return 10000
	}
}

// roundDiv divides a non-negative numerator by a positive divisor,
// rounding half up (half away from zero for non-negative values).
func roundDiv(num, div int64) int64 {
	if num < 0 {
		return -roundDiv(-num, div)
	}
	return (2*num + div) / (2 * div)
}

// InterestResult is the statutory interest position of one invoice on a day.
type InterestResult struct {
	Applies     bool   // interest can run on this invoice at all
	Disputed    bool   // no interest because the council disputes the invoice
	DueDate     Date   // the s68(2) deadline used (the last day to pay on time)
	StartsToRun Date   // the day after the due date
	RateBP      int64  // statutory rate, basis points a year
	Days        int    // days of interest so far
	Outstanding int64  // principal unpaid at the end of as-of
	Interest    int64  // interest so far, pence (rounded once)
	FixedSum    int64  // the fixed sum, when at least one day has run
	PaidPence   int64  // interest recorded as paid on or before as-of
	RateErr     string // set when the rate table has no rate for the reference date
}

// Total is interest plus the fixed sum.
func (r InterestResult) Total() int64 { return r.Interest + r.FixedSum }

// interestDeadline is the eligibility decision above, at the end of day
// asOf: the deadline after which interest runs, and whether it applies.
func interestDeadline(inv *Invoice, asOf Date) (Clock, bool) {
	if inv.voidOn(asOf) {
		return Clock{}, false
	}
	c := inv.ClockOn(asOf)
	return c, !c.Disputed && !c.Deadline.IsZero()
}

// accrue walks the invoice's balance segments and returns the exact
// interest numerator (pence x bp x days) and the number of days for the
// days in [lo, hi] on which interest runs (given the rate), and whether the
// first day of interest lies in [lo, hi] with something unpaid.
func accrue(inv *Invoice, deadline Date, rateBP int64, lo, hi Date) (num int64, days int, firstIn bool) {
	start := deadline.AddDays(1)
	balAtStart := inv.GrossPence
	for _, p := range inv.Payments {
		if p.On < start {
			balAtStart -= p.Pence
		}
	}
	firstIn = balAtStart > 0 && start >= lo && start <= hi
	if lo < start {
		lo = start
	}
	if hi < lo {
		return 0, 0, firstIn
	}
	// The balance on day x is gross minus the payments made before x, so
	// a payment on day x still carries that day's interest.
	seg := func(a, b Date, bal int64) {
		if bal <= 0 {
			return
		}
		if a < lo {
			a = lo
		}
		if b > hi {
			b = hi
		}
		if b < a {
			return
		}
		n := int64(b - a + 1)
		num += bal * rateBP * n
		days += int(n)
	}
	bal := balAtStart
	cur := start
	for _, p := range inv.Payments {
		if p.On < start {
			continue
		}
		seg(cur, p.On, bal)
		bal -= p.Pence
		if p.On+1 > cur {
			cur = p.On + 1
		}
		if bal <= 0 || cur > hi {
			return num, days, firstIn
		}
	}
	seg(cur, hi, bal)
	return num, days, firstIn
}

// Interest is the invoice's statutory interest position at the end of day
// asOf, using the table's rates.
func (t *RateTable) Interest(inv *Invoice, asOf Date) InterestResult {
	c, ok := interestDeadline(inv, asOf)
	r := InterestResult{DueDate: c.Deadline, Disputed: c.Disputed}
	if !ok {
		return r
	}
	r.Applies = true
	r.StartsToRun = r.DueDate.AddDays(1)
	r.Outstanding = inv.GrossPence - inv.PaidBy(asOf)
	if r.Outstanding < 0 {
		r.Outstanding = 0
	}
	for _, p := range inv.InterestPaid {
		if p.On <= asOf {
			r.PaidPence += p.Pence
		}
	}
	rate, err := t.StatutoryRate(r.StartsToRun)
	if err != nil {
		r.RateErr = err.Error()
		return r
	}
	r.RateBP = rate
	num, days, first := accrue(inv, c.Deadline, rate, r.StartsToRun, asOf)
	r.Days = days
	r.Interest = roundDiv(num, interestDivisor)
	if first {
		r.FixedSum = FixedSum(inv.GrossPence)
	}
	return r
}

// interestInPeriod is the interest (rounded) and fixed sum that accrued on
// the days of [from, to] no later than asOf.
func (t *RateTable) interestInPeriod(inv *Invoice, from, to, asOf Date) (interest, fixed int64) {
	c, ok := interestDeadline(inv, asOf)
	if !ok {
		return 0, 0
	}
	start := c.Deadline.AddDays(1)
	if to > asOf {
		to = asOf
	}
	if to < from || to < start {
		return 0, 0
	}
	rate, err := t.StatutoryRate(start)
	if err != nil {
		return 0, 0
	}
	num, _, first := accrue(inv, c.Deadline, rate, from, to)
	if first {
		fixed = FixedSum(inv.GrossPence)
	}
	return roundDiv(num, interestDivisor), fixed
}
