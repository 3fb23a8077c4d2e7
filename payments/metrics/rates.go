package metrics

import (
	"fmt"
	"sort"
)

// BaseRate is a change of the Bank of England official bank rate (the
// "official dealing rate" of the Late Payment of Commercial Debts (Rate of
// Interest) (No. 3) Order 2002): from Effective on, the rate is BasisPoints
// hundredths of a per cent (0.25% = 25).
type BaseRate struct {
	Effective   Date
	BasisPoints int64
}

// HistoricalBaseRates are the Bank Rate changes the portal ships with, from
// the Bank of England's published history. Administrators add later
// changes (RateTable.Add); a change added for a date already listed
// replaces it. The last change listed is 18 December 2025 (3.75%); the
// decisions of 5 February 2026 and 19 March 2026 left Bank Rate at 3.75%
// (RatesConfirmedThrough). Add newer changes on the reporting settings
// page.
var HistoricalBaseRates = []BaseRate{
	{MustDate("2007-07-05"), 575},
	{MustDate("2007-12-06"), 550},
	{MustDate("2008-02-07"), 525},
	{MustDate("2008-04-10"), 500},
	{MustDate("2008-10-08"), 450},
	{MustDate("2008-11-06"), 300},
	{MustDate("2008-12-04"), 200},
	{MustDate("2009-01-08"), 150},
	{MustDate("2009-02-05"), 100},
	{MustDate("2009-03-05"), 50},
	{MustDate("2016-08-04"), 25},
	{MustDate("2017-11-02"), 50},
	{MustDate("2018-08-02"), 75},
	{MustDate("2020-03-11"), 25},
	{MustDate("2020-03-19"), 10},
	{MustDate("2021-12-16"), 25},
	{MustDate("2022-02-03"), 50},
	{MustDate("2022-03-17"), 75},
	{MustDate("2022-05-05"), 100},
	{MustDate("2022-06-16"), 125},
	{MustDate("2022-08-04"), 175},
	{MustDate("2022-09-22"), 225},
	{MustDate("2022-11-03"), 300},
	{MustDate("2022-12-15"), 350},
	{MustDate("2023-02-02"), 400},
	{MustDate("2023-03-23"), 425},
	{MustDate("2023-05-11"), 450},
	{MustDate("2023-06-22"), 500},
	{MustDate("2023-08-03"), 525},
	{MustDate("2024-08-01"), 500},
	{MustDate("2024-11-07"), 475},
	{MustDate("2025-02-06"), 450},
	{MustDate("2025-05-08"), 425},
	{MustDate("2025-08-07"), 400},
	{MustDate("2025-12-18"), 375},
}

// RatesConfirmedThrough is the day up to which the shipped table was
// checked against the Bank of England's decisions (the last decision
// confirmed: 19 March 2026, Bank Rate held at 3.75%). A reference date
// after it (and after any later entry or administrator's review) is not
// known to be right: RateTable.Warning says so.
var RatesConfirmedThrough = MustDate("2026-03-19")

// StatutoryUpliftBP is the 8 percentage points the Order adds to the
// reference rate.
const StatutoryUpliftBP = 800

// RateTable is a dated table of Bank Rate changes, sorted by date, with
// the day up to which it is known to be complete. The zero value is
// empty; use NewRateTable for the shipped history.
type RateTable struct {
	changes  []BaseRate
	reviewed Date
}

// NewRateTable is the shipped history plus any extra changes, reviewed
// through RatesConfirmedThrough.
func NewRateTable(extra ...BaseRate) *RateTable {
	t := &RateTable{reviewed: RatesConfirmedThrough}
	for _, c := range HistoricalBaseRates {
		t.Add(c)
	}
	for _, c := range extra {
		t.Add(c)
	}
	return t
}

// Add inserts a change, replacing one on the same date.
func (t *RateTable) Add(c BaseRate) {
	i := sort.Search(len(t.changes), func(i int) bool { return t.changes[i].Effective >= c.Effective })
	if i < len(t.changes) && t.changes[i].Effective == c.Effective {
		t.changes[i] = c
		return
	}
	t.changes = append(t.changes, BaseRate{})
	copy(t.changes[i+1:], t.changes[i:])
	t.changes[i] = c
}

// Reviewed records that the table was checked and is complete up to and
// including day d (a later day than any before moves the mark on).
func (t *RateTable) Reviewed(d Date) {
	if d > t.reviewed {
		t.reviewed = d
	}
}

// CheckedThrough is the last day the table is known to be right for: the
// later of its last change and the last review.
func (t *RateTable) CheckedThrough() Date {
	d := t.reviewed
	if n := len(t.changes); n > 0 && t.changes[n-1].Effective > d {
		d = t.changes[n-1].Effective
	}
	return d
}

// RateWarning says that the half-year containing Today has started, and
// its reference date (the 30 June or 31 December whose Bank Rate sets the
// rate of interest that starts to run now) is later than the day the
// table is known to be right for: a change of Bank Rate may be missing.
type RateWarning struct {
	Today          Date
	HalfYearStart  Date // 1 January or 1 July
	ReferenceDate  Date // 31 December or 30 June before it
	CheckedThrough Date
}

// Warning reports whether the table may be out of date on day today.
func (t *RateTable) Warning(today Date) (RateWarning, bool) {
	ref := ReferenceDate(today)
	w := RateWarning{Today: today, HalfYearStart: ref.AddDays(1), ReferenceDate: ref, CheckedThrough: t.CheckedThrough()}
	return w, ref > w.CheckedThrough
}

// Changes returns a copy of the table, oldest first.
func (t *RateTable) Changes() []BaseRate { return append([]BaseRate(nil), t.changes...) }

// InForce is the Bank Rate in force on day d (a change takes effect on its
// effective date). ok is false before the first change in the table.
func (t *RateTable) InForce(d Date) (bp int64, ok bool) {
	i := sort.Search(len(t.changes), func(i int) bool { return t.changes[i].Effective > d })
	if i == 0 {
		return 0, false
	}
	return t.changes[i-1].BasisPoints, true
}

// ReferenceDate is the day whose Bank Rate is the reference rate for
// interest that starts to run on day start: 31 December before it for a
// start in January to June, 30 June before it for a start in July to
// December (Order 2002 art. 4).
func ReferenceDate(start Date) Date {
	y, m, _ := start.YMD()
	if m <= 6 {
		return D(y-1, 12, 31)
	}
	return D(y, 6, 30)
}

// StatutoryRate is the yearly rate of statutory interest, in basis points,
// for interest that starts to run on day start: the reference rate plus 8
// percentage points.
func (t *RateTable) StatutoryRate(start Date) (int64, error) {
	ref := ReferenceDate(start)
	bp, ok := t.InForce(ref)
	if !ok {
		return 0, fmt.Errorf("metrics: no Bank Rate in the table for %s", ref)
	}
	return bp + StatutoryUpliftBP, nil
}

// FormatBP shows basis points as a percentage, e.g. 1325 -> "13.25%".
func FormatBP(bp int64) string {
	s := fmt.Sprintf("%d.%02d", bp/100, bp%100)
	for len(s) > 0 && s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if len(s) > 0 && s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s + "%"
}
