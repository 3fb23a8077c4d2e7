package metrics

import "sort"

// Maintained figures. Every figure of a Report is a sum over invoices of
// what one invoice contributes (Report.add); the Fair Payment Code band is
// worked out from those sums at the end. So a report computed once can be
// kept up to date when an invoice changes by taking the invoice's old
// contribution away and adding its new one (Include with sign -1 then +1),
// at the cost of one invoice, not of the whole history. Compute remains the
// reference: the performance package's property test checks that reports
// kept this way equal Compute over every invoice.

// NewReport is an empty report for o (no invoice counted yet): Include
// invoices, then Finish.
func NewReport(o Options) *Report {
	r := &Report{From: o.From, To: o.To, Today: o.Today, Scope: o.Scope, Notes: Notes}
	r.AsOf = o.To
	if o.Today < r.AsOf {
		r.AsOf = o.Today
	}
	for i := range r.Ageing {
		r.Ageing[i].Label = AgeLabels[i]
	}
	r.Disputed.Label = "Disputed (queried before the deadline), not aged"
	r.Band = BandNone
	return r
}

// Include adds (sign +1) or takes away (sign -1) what inv contributes to
// the report's figures, if it is in the report's scope. Call Finish after
// the last change.
func (r *Report) Include(inv *Invoice, rates *RateTable, sign int) {
	if !r.Scope.Matches(inv) {
		return
	}
	if rates == nil {
		rates = NewRateTable()
	}
	c := Report{From: r.From, To: r.To, AsOf: r.AsOf}
	c.add(inv, rates)
	r.merge(&c, sign)
}

// Finish works out what depends on the sums (the band).
func (r *Report) Finish() { r.Band = bandOf(r) }

// Clone is a copy of the report that can be changed without changing r
// (Notes are shared: they are never changed in place).
func (r *Report) Clone() *Report {
	c := *r
	return &c
}

// merge adds sign times c's sums to r.
func (r *Report) merge(c *Report, sign int) {
	s, s64 := sign, int64(sign)
	r.Payments += s * c.Payments
	r.PaidPence += s64 * c.PaidPence
	r.PaymentDays += s64 * c.PaymentDays
	r.Paid1to30 += s * c.Paid1to30
	r.Paid31to60 += s * c.Paid31to60
	r.Paid61OrMore += s * c.Paid61OrMore
	r.PaidOnTime += s * c.PaidOnTime
	r.BecamePayable += s * c.BecamePayable
	r.PayableNotPaid += s * c.PayableNotPaid
	r.InvoicesSettled += s * c.InvoicesSettled
	r.Reg113Within30 += s * c.Reg113Within30
	r.SettledWithin30 += s * c.SettledWithin30
	r.SettledWithin60 += s * c.SettledWithin60
	r.SmallSettled += s * c.SmallSettled
	r.SmallSettledWithin30 += s * c.SmallSettledWithin30
	r.InterestAccrued += s64 * c.InterestAccrued
	r.FixedSums += s64 * c.FixedSums
	r.InterestPaid += s64 * c.InterestPaid
	for i := range r.Ageing {
		r.Ageing[i].Count += s * c.Ageing[i].Count
		r.Ageing[i].Pence += s64 * c.Ageing[i].Pence
	}
	r.Disputed.Count += s * c.Disputed.Count
	r.Disputed.Pence += s64 * c.Disputed.Pence
	r.QueriedInvoices += s * c.QueriedInvoices
	r.QueryEpisodes += s * c.QueryEpisodes
	r.QueriedDays += s64 * c.QueriedDays
}

// NewTrend is the empty monthly trend for [from, to] clipped to today
// (the months Trend lists), nil when the range has not started.
func NewTrend(from, to, today Date) []MonthPoint {
	if to > today {
		to = today
	}
	if to < from {
		return nil
	}
	var pts []MonthPoint
	for m := from.MonthStart(); m <= to; m = m.NextMonth() {
		pts = append(pts, MonthPoint{Month: m})
	}
	return pts
}

// TrendInclude adds (sign +1) or takes away (sign -1) inv's payments in
// [from, to] (clipped to today) to pts, a trend from NewTrend or Trend for
// the same range, if inv is in scope. Call TrendFinish after the last
// change.
func TrendInclude(pts []MonthPoint, inv *Invoice, scope Scope, from, to, today Date, sign int) {
	if len(pts) == 0 || !scope.Matches(inv) {
		return
	}
	if to > today {
		to = today
	}
	fy, fm, _ := pts[0].Month.YMD()
	for _, p := range inv.Payments {
		if p.On < from || p.On > to {
			continue
		}
		y, m, _ := p.On.YMD()
		k := (y-fy)*12 + int(m-fm)
		d := p.On.Sub(inv.Received)
		if d < 0 {
			d = 0
		}
		pt := &pts[k]
		pt.Payments += sign
		pt.PaymentDays += int64(sign) * int64(d)
		if d <= 30 {
			pt.Within30 += sign
		}
	}
}

// TrendFinish works out the shares and means from the sums.
func TrendFinish(pts []MonthPoint) {
	for i := range pts {
		pts[i].PctWithin30 = Ratio{int64(pts[i].Within30), int64(pts[i].Payments)}
		pts[i].MeanDaysToPay = Ratio{pts[i].PaymentDays, int64(pts[i].Payments)}
	}
}

// OverdueInclude adds (sign +1) or takes away (sign -1) inv's overdue
// position at asOf to by, the providers' overdue totals TopOverdue ranks
// (a provider with nothing overdue left is dropped), if inv is in scope.
func OverdueInclude(by map[string]*OrgOverdue, inv *Invoice, scope Scope, asOf Date, sign int) {
	if !scope.Matches(inv) {
		return
	}
	over, out, ok := inv.Overdue(asOf)
	if !ok || over <= 0 {
		return
	}
	o := by[inv.OrgID]
	if o == nil {
		o = &OrgOverdue{OrgID: inv.OrgID, OrgName: inv.OrgName}
		by[inv.OrgID] = o
	}
	o.Count += sign
	o.Pence += int64(sign) * out
	if o.Count == 0 {
		delete(by, inv.OrgID)
	}
}

// TopOf ranks providers' overdue totals as TopOverdue does: largest unpaid
// value first, ties by name, at most n.
func TopOf(by map[string]*OrgOverdue, n int) []OrgOverdue {
	list := make([]OrgOverdue, 0, len(by))
	for _, o := range by {
		list = append(list, *o)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].Pence != list[j].Pence {
			return list[i].Pence > list[j].Pence
		}
		return list[i].OrgName < list[j].OrgName
	})
	if len(list) > n {
		list = list[:n]
	}
	return list
}
