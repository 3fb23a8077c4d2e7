package metrics

import (
	"strconv"
)

// Ratio is an exact fraction, kept as integers so that percentages and
// means are computed exactly and rounded only for display.
type Ratio struct{ Num, Den int64 }

// Defined reports whether the ratio has a non-zero denominator.
func (r Ratio) Defined() bool { return r.Den != 0 }

// Float is the value (0 when undefined); for charts only.
func (r Ratio) Float() float64 {
	if r.Den == 0 {
		return 0
	}
	return float64(r.Num) / float64(r.Den)
}

// Tenths is the value x 10 rounded half away from zero: the one rounding
// rule for every figure shown to one decimal place.
func (r Ratio) Tenths() int64 { return roundDiv(r.Num*10, r.Den) }

// PercentTenths is the value x 1000 (a percentage to one decimal place,
// in tenths) rounded half away from zero.
func (r Ratio) PercentTenths() int64 { return roundDiv(r.Num*1000, r.Den) }

func tenthsString(t int64) string {
	neg := t < 0
	if neg {
		t = -t
	}
	s := strconv.FormatInt(t/10, 10) + "." + strconv.FormatInt(t%10, 10)
	if neg {
		s = "-" + s
	}
	return s
}

// OneDP is the value to one decimal place ("" when undefined).
func (r Ratio) OneDP() string {
	if r.Den == 0 {
		return ""
	}
	return tenthsString(r.Tenths())
}

// Percent is the fraction as a percentage to one decimal place ("" when
// undefined).
func (r Ratio) Percent() string {
	if r.Den == 0 {
		return ""
	}
	return tenthsString(r.PercentTenths())
}

// PercentValue is the percentage to one decimal place as a number, for
// JSON (nil when undefined).
func (r Ratio) PercentValue() *float64 {
	if r.Den == 0 {
		return nil
	}
	v := float64(r.PercentTenths()) / 10
	return &v
}

// OneDPValue is the value to one decimal place as a number (nil when
// undefined).
func (r Ratio) OneDPValue() *float64 {
	if r.Den == 0 {
		return nil
	}
	v := float64(r.Tenths()) / 10
	return &v
}

// AtLeast reports whether the fraction is at least pct per cent, exactly.
func (r Ratio) AtLeast(pct int64) bool { return r.Den > 0 && r.Num*100 >= pct*r.Den }

// Band is a Fair Payment Code award band.
type Band string

// The bands, best first. BandNone means no band is reached (or nothing was
// paid in the period).
const (
	BandGold   Band = "Gold"
	BandSilver Band = "Silver"
	BandBronze Band = "Bronze"
	BandNone   Band = "None"
)

// Age buckets of unpaid invoices (approved or not) by days past the s68(2)
// deadline.
const (
	AgeNotDue = iota
	Age1to30
	Age31to60
	Age61to90
	AgeOver90
	ageBuckets
)

// AgeLabels name the buckets, in order.
var AgeLabels = [ageBuckets]string{"Not yet due", "1 to 30 days overdue", "31 to 60 days overdue", "61 to 90 days overdue", "Over 90 days overdue"}

// AgeBucket counts invoices and their unpaid value.
type AgeBucket struct {
	Label string
	Count int
	Pence int64
}

func ageIndex(daysOverdue int) int {
	switch {
	case daysOverdue <= 0:
		return AgeNotDue
	case daysOverdue <= 30:
		return Age1to30
	case daysOverdue <= 60:
		return Age31to60
	case daysOverdue <= 90:
		return Age61to90
	}
	return AgeOver90
}

// Report holds every figure for one date range and scope.
type Report struct {
	From, To Date
	// AsOf is the day positions (ageing, interest, unpaid) are taken at:
	// the end of the range, or today if the range has not ended.
	AsOf  Date
	Today Date
	Scope Scope

	// Procurement Regulations 2024 reg 38(2)(c): sums paid in the period.
	Payments     int   // payments made in the period
	PaidPence    int64 // their value
	PaymentDays  int64 // sum of days to pay (day 1 = day after the invoice day)
	Paid1to30    int   // paid on days 0-30 (see Notes for day 0)
	Paid31to60   int
	Paid61OrMore int
	// PaidOnTime counts the payments made on or before the invoice's
	// s68(2) deadline (as it stood on the day of payment).
	PaidOnTime int

	// reg 38(2)(d): sums that became payable in the period.
	BecamePayable  int
	PayableNotPaid int

	// Invoices paid in full in the period. Reg113Within30 counts those
	// paid within 30 days of the day they became valid and undisputed
	// (Public Contracts Regulations 2015 reg 113(2)(a)); SettledWithin30
	// and SettledWithin60 count days from receipt (the Fair Payment Code).
	InvoicesSettled      int
	Reg113Within30       int
	SettledWithin30      int
	SettledWithin60      int
	SmallSettled         int
	SmallSettledWithin30 int
	// reg 113(7): interest liability. Interest and fixed sums are kept
	// apart everywhere; InterestLiability is their sum.
	InterestAccrued int64 // statutory interest for days in the period
	FixedSums       int64 // fixed sums that became owed in the period
	InterestPaid    int64 // interest recorded as paid in the period

	// Ageing of unpaid invoices (approved or not) at AsOf, by days past
	// the deadline. Disputed invoices have no deadline while the dispute
	// lasts, so they are counted apart in Disputed, not aged.
	Ageing   [ageBuckets]AgeBucket
	Disputed AgeBucket

	// Queries that started in the period.
	QueriedInvoices int
	QueryEpisodes   int
	QueriedDays     int64

	Band  Band
	Notes []string
}

// MeanDaysToPay is the arithmetic mean of days to pay over payments made.
func (r *Report) MeanDaysToPay() Ratio { return Ratio{r.PaymentDays, int64(r.Payments)} }

// PctPaid1to30 etc. are the reg 38(2)(c)(ii) shares of payments.
func (r *Report) PctPaid1to30() Ratio    { return Ratio{int64(r.Paid1to30), int64(r.Payments)} }
func (r *Report) PctPaid31to60() Ratio   { return Ratio{int64(r.Paid31to60), int64(r.Payments)} }
func (r *Report) PctPaid61OrMore() Ratio { return Ratio{int64(r.Paid61OrMore), int64(r.Payments)} }

// PctPaidOnTime is the share of payments made in the period on or before
// the invoice's s68(2) deadline as it stood on the day of payment.
func (r *Report) PctPaidOnTime() Ratio { return Ratio{int64(r.PaidOnTime), int64(r.Payments)} }

// PctPayableNotPaid is reg 38(2)(d).
func (r *Report) PctPayableNotPaid() Ratio {
	return Ratio{int64(r.PayableNotPaid), int64(r.BecamePayable)}
}

// PctReg113Within30 is reg 113(7): invoices paid within 30 days of being
// regarded as valid and undisputed.
func (r *Report) PctReg113Within30() Ratio {
	return Ratio{int64(r.Reg113Within30), int64(r.InvoicesSettled)}
}

// PctSettledWithin30 is the Fair Payment Code 30-day share (days from
// receipt).
func (r *Report) PctSettledWithin30() Ratio {
	return Ratio{int64(r.SettledWithin30), int64(r.InvoicesSettled)}
}

// PctSettledWithin60 is the Fair Payment Code 60-day share.
func (r *Report) PctSettledWithin60() Ratio {
	return Ratio{int64(r.SettledWithin60), int64(r.InvoicesSettled)}
}

// InterestLiability is interest plus fixed sums accrued in the period.
func (r *Report) InterestLiability() int64 { return r.InterestAccrued + r.FixedSums }

// OverdueCount and OverduePence total the overdue age buckets.
func (r *Report) OverdueCount() int {
	n := 0
	for i := Age1to30; i < ageBuckets; i++ {
		n += r.Ageing[i].Count
	}
	return n
}

// OverduePence is the unpaid value of overdue invoices, approved or not.
func (r *Report) OverduePence() int64 {
	var v int64
	for i := Age1to30; i < ageBuckets; i++ {
		v += r.Ageing[i].Pence
	}
	return v
}

// QueriedMeanDays is the mean time an invoice queried in the period spent
// queried (to AsOf for queries still open then).
func (r *Report) QueriedMeanDays() Ratio { return Ratio{r.QueriedDays, int64(r.QueriedInvoices)} }

// Options are the inputs besides the invoices.
type Options struct {
	From, To Date
	Today    Date
	Scope    Scope
	Rates    *RateTable
}

// Compute works out every figure for the range [From, To] (both days
// included) over the invoices in scope. Invoices' Payments and History
// must be in date order.
func Compute(invs []Invoice, o Options) *Report {
	r := NewReport(o)
	rates := o.Rates
	if rates == nil {
		rates = NewRateTable()
	}
	for i := range invs {
		inv := &invs[i]
		if !o.Scope.Matches(inv) {
			continue
		}
		r.add(inv, rates)
	}
	r.Finish()
	return r
}

func (r *Report) add(inv *Invoice, rates *RateTable) {
	from, to, asOf := r.From, r.To, r.AsOf
	// Every figure is taken as known at the end of AsOf (the period's last
	// day once it has ended), so a closed period's figures never change.
	//
	// reg 38(2)(c): every payment made in the period is a sum paid. Days
	// to pay count from the invoice day: day 1 is the day after receipt.
	// Payments are counted only up to AsOf (a future-dated entry is not a
	// payment made yet).
	for _, p := range inv.Payments {
		if p.On < from || p.On > to || p.On > asOf {
			continue
		}
		d := p.On.Sub(inv.Received)
		if d < 0 {
			d = 0
		}
		r.Payments++
		r.PaidPence += p.Pence
		r.PaymentDays += int64(d)
		if c := inv.ClockOn(p.On); c.Disputed || p.On <= c.Deadline {
			r.PaidOnTime++
		}
		switch {
		case d <= 30:
			r.Paid1to30++
		case d <= 60:
			r.Paid31to60++
		default:
			r.Paid61OrMore++
		}
	}
	// reg 113(7) and the Fair Payment Code: invoices paid in full in the
	// period, judged by the day they were paid in full. Reg 113 counts
	// from the day the invoice became valid and undisputed (ClockOn); the
	// Fair Payment Code from receipt.
	settled := inv.Settled(asOf)
	if !settled.IsZero() && settled >= from && settled <= to {
		d := settled.Sub(inv.Received)
		r.InvoicesSettled++
		if settled.Sub(inv.ClockOn(settled).ValidFrom) <= 30 {
			r.Reg113Within30++
		}
		if d <= 30 {
			r.SettledWithin30++
		}
		if d <= 60 {
			r.SettledWithin60++
		}
		if inv.SmallSupplier {
			r.SmallSettled++
			if d <= 30 {
				r.SmallSettledWithin30++
			}
		}
	}
	// reg 38(2)(d): sums that became payable in the period (the s68(2)
	// deadline, as known at AsOf, in the period; a disputed invoice has
	// none), not paid in full by the period's end.
	if c := inv.ClockOn(asOf); !inv.voidOn(asOf) && !c.Disputed && c.Deadline >= from && c.Deadline <= to && c.Deadline <= asOf {
		r.BecamePayable++
		if settled.IsZero() || settled > to {
			r.PayableNotPaid++
		}
	}
	// reg 113(7): interest liability accrued in the period, and interest
	// actually paid in it.
	interest, fixed := rates.interestInPeriod(inv, from, to, asOf)
	r.InterestAccrued += interest
	r.FixedSums += fixed
	for _, p := range inv.InterestPaid {
		if p.On >= from && p.On <= to && p.On <= asOf {
			r.InterestPaid += p.Pence
		}
	}
	// Ageing at AsOf: every open invoice, approved or not, with something
	// unpaid, by days past its deadline; disputed ones apart.
	if over, out, ok := inv.Overdue(asOf); ok {
		b := &r.Ageing[ageIndex(over)]
		b.Count++
		b.Pence += out
	} else if st := inv.StatusOn(asOf); st == Queried && inv.ClockOn(asOf).Disputed {
		if out := inv.GrossPence - inv.PaidBy(asOf); out > 0 {
			r.Disputed.Count++
			r.Disputed.Pence += out
		}
	}
	// Queries: episodes that began in the period; each lasts until the
	// next status change, or until AsOf while still open then.
	queried := false
	for k, c := range inv.History {
		if c.To != Queried || c.On < from || c.On > to || c.On > asOf {
			continue
		}
		end := asOf
		if k+1 < len(inv.History) && inv.History[k+1].On < end {
			end = inv.History[k+1].On
		}
		if end < c.On {
			end = c.On
		}
		r.QueryEpisodes++
		r.QueriedDays += int64(end.Sub(c.On))
		queried = true
	}
	if queried {
		r.QueriedInvoices++
	}
}

// bandOf is the Fair Payment Code band reached in the period, on invoices
// paid in full in it:
//   - Gold: at least 95% of all invoices paid within 30 days;
//   - Silver: at least 95% within 60 days, and at least 95% of invoices
//     from small businesses within 30 days;
//   - Bronze: at least 95% within 60 days.
//
// With no invoice paid there is no evidence, so no band. With no invoice
// from a small business, the Silver small-business test has nothing to
// fail and is treated as met.
func bandOf(r *Report) Band {
	if r.InvoicesSettled == 0 {
		return BandNone
	}
	if r.PctSettledWithin30().AtLeast(95) {
		return BandGold
	}
	if r.PctSettledWithin60().AtLeast(95) {
		small := Ratio{int64(r.SmallSettledWithin30), int64(r.SmallSettled)}
		if r.SmallSettled == 0 || small.AtLeast(95) {
			return BandSilver
		}
		return BandBronze
	}
	return BandNone
}

// Headline is the short set of figures other features use as live
// evidence (the self-assessment) and the dashboard shows first.
type Headline struct {
	From, To Date
	Payments int
	// PaidWithin30Pct is the reg 38(2)(c) band "days 1 to 30": payments
	// made no later than the 30th day after the day of receipt. It is not
	// "on time" under s68(2), whose last day is the 29th day after
	// receipt (or later, after a dispute or the invoice's own due date):
	// see PaidOnTimePct.
	PaidWithin30Pct Ratio
	// PaidOnTimePct is the share of payments made on or before the
	// invoice's s68(2) deadline.
	PaidOnTimePct Ratio
	MeanDaysToPay Ratio
	OverdueCount  int
	OverduePence  int64 // unpaid invoices, approved or not, past their deadline at the end of the range (or today)
	Band          Band
}

// HeadlineOf picks the headline figures from a report.
func HeadlineOf(r *Report) Headline {
	return Headline{
		From: r.From, To: r.To, Payments: r.Payments,
		PaidWithin30Pct: r.PctPaid1to30(), PaidOnTimePct: r.PctPaidOnTime(), MeanDaysToPay: r.MeanDaysToPay(),
		OverdueCount: r.OverdueCount(), OverduePence: r.OverduePence(), Band: r.Band,
	}
}

// HeadlineFor computes the headline figures for the whole council.
func HeadlineFor(invs []Invoice, from, to, today Date, rates *RateTable) Headline {
	return HeadlineOf(Compute(invs, Options{From: from, To: to, Today: today, Rates: rates}))
}

// MonthPoint is one month of the trend.
type MonthPoint struct {
	Month         Date // first day of the month
	Payments      int
	Within30      int
	PaymentDays   int64
	PctWithin30   Ratio
	MeanDaysToPay Ratio
}

// Trend is the monthly trend, over the months that overlap [from, to]
// (each month clipped to the range and to today), of the share of payments
// made within 30 days and of mean days to pay. One pass over the payments.
func Trend(invs []Invoice, scope Scope, from, to, today Date) []MonthPoint {
	pts := NewTrend(from, to, today)
	for i := range invs {
		TrendInclude(pts, &invs[i], scope, from, to, today, 1)
	}
	TrendFinish(pts)
	return pts
}

// OrgOverdue is one provider's overdue position.
type OrgOverdue struct {
	OrgID, OrgName string
	Count          int
	Pence          int64
}

// TopOverdue lists providers by the unpaid value of their invoices
// (approved or not) past their deadline at asOf, largest first, at most n
// (ties by name).
func TopOverdue(invs []Invoice, scope Scope, asOf Date, n int) []OrgOverdue {
	by := map[string]*OrgOverdue{}
	for i := range invs {
		inv := &invs[i]
		if !scope.Matches(inv) {
			continue
		}
		over, out, ok := inv.Overdue(asOf)
		if !ok || over <= 0 {
			continue
		}
		o := by[inv.OrgID]
		if o == nil {
			o = &OrgOverdue{OrgID: inv.OrgID, OrgName: inv.OrgName}
			by[inv.OrgID] = o
		}
		o.Count++
		o.Pence += out
	}
	return TopOf(by, n)
}
