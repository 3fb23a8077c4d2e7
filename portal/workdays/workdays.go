// Package workdays counts working days in England and Wales: Monday to
// Friday, less bank holidays. The bank holidays 2018 to 2027 ship with the
// code (holidays.go); admins add more through Service.AddHoliday, which
// keeps them in the settings collection.
//
// Dates are calendar dates in Europe/London: a time.Time argument is read
// as the date it is in London, and results are midnight London time.
//
//	AddWorkingDays(d, n)       the date n working days after d (d itself not counted)
//	WorkingDaysBetween(a, b)   working days after a up to and including b (negative when b is before a)
//
// The package-level functions use the shipped table; Calendar methods add
// the admin's extra days (Service.Calendar).
package workdays

import (
	"sort"
	"time"
)

// Holiday is one bank holiday: Date is "YYYY-MM-DD".
type Holiday struct {
	Date string `bson:"date"`
	Name string `bson:"name"`
}

var london = mustLondon()

func mustLondon() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic("workdays: Europe/London time zone data is missing: " + err.Error())
	}
	return loc
}

// Calendar knows which days are bank holidays. The zero value has none;
// use Default or Service.Calendar.
type Calendar struct {
	days map[string]string
}

var defaultCalendar = NewCalendar(nil)

// Default is the calendar of the shipped England and Wales bank holidays.
func Default() *Calendar { return defaultCalendar }

// Shipped returns the shipped bank holidays, in date order.
func Shipped() []Holiday { return append([]Holiday(nil), englandWales...) }

// NewCalendar is the shipped table plus extra days.
func NewCalendar(extra []Holiday) *Calendar {
	c := &Calendar{days: make(map[string]string, len(englandWales)+len(extra))}
	for _, h := range englandWales {
		c.days[h.Date] = h.Name
	}
	for _, h := range extra {
		c.days[h.Date] = h.Name
	}
	return c
}

// Holidays lists the calendar's bank holidays in date order.
func (c *Calendar) Holidays() []Holiday {
	out := make([]Holiday, 0, len(c.days))
	for d, n := range c.days {
		out = append(out, Holiday{Date: d, Name: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	return out
}

// Date returns the calendar date of t in London as midnight London time.
func Date(t time.Time) time.Time {
	y, m, d := t.In(london).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, london)
}

// HolidayName returns the bank holiday's name on t's date, or "".
func (c *Calendar) HolidayName(t time.Time) string {
	return c.days[Date(t).Format("2006-01-02")]
}

// IsWorkingDay reports whether t's date is a weekday and not a bank holiday.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	d := Date(t)
	switch d.Weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	_, hol := c.days[d.Format("2006-01-02")]
	return !hol
}

// AddWorkingDays returns the date n working days after t's date (n >= 0;
// t itself does not count, so the result of n > 0 is always a working
// day). With n < 0 it counts back the same way.
func (c *Calendar) AddWorkingDays(t time.Time, n int) time.Time {
	d := Date(t)
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		d = d.AddDate(0, 0, step)
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d
}

// WorkingDaysBetween counts the working days after a's date up to and
// including b's date: 0 for the same day, 1 from a Friday to the next
// Monday. It is negative when b is before a.
func (c *Calendar) WorkingDaysBetween(a, b time.Time) int {
	da, db := Date(a), Date(b)
	sign := 1
	if db.Before(da) {
		da, db, sign = db, da, -1
	}
	n := 0
	for d := da.AddDate(0, 0, 1); !d.After(db); d = d.AddDate(0, 0, 1) {
		if c.IsWorkingDay(d) {
			n++
		}
	}
	return sign * n
}

// IsWorkingDay uses the shipped table.
func IsWorkingDay(t time.Time) bool { return defaultCalendar.IsWorkingDay(t) }

// AddWorkingDays uses the shipped table; see Calendar.AddWorkingDays.
func AddWorkingDays(t time.Time, n int) time.Time { return defaultCalendar.AddWorkingDays(t, n) }

// WorkingDaysBetween uses the shipped table; see Calendar.WorkingDaysBetween.
func WorkingDaysBetween(a, b time.Time) int { return defaultCalendar.WorkingDaysBetween(a, b) }
