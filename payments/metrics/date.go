package metrics

import (
	"fmt"
	"time"
)

// Date is a calendar date in Europe/London, counted as days since
// 31 December 0000 (so 1 January 0001 is day 1). The zero Date means "no
// date". Day arithmetic on Dates is exact: there are no clocks, so clock
// changes cannot move a date or make a day 23 or 25 hours long.
type Date int32

// epochOffset is the day number of 1970-01-01.
const epochOffset = 719163

// london is the zone every calendar date is in. Loaded here so that the
// package does not depend on the system time zone.
var london = func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic("metrics: Europe/London time zone data is missing: " + err.Error())
	}
	return loc
}()

// London returns the Europe/London location used for dates.
func London() *time.Location { return london }

// D makes a Date from a year, month and day (normalised like time.Date).
func D(y int, m time.Month, d int) Date {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return Date(t.Unix()/86400 + epochOffset)
}

// DateOf is the London calendar date of an instant. An instant late on a
// clock-change day lands on the right date because the conversion uses the
// zone rules for that instant.
func DateOf(t time.Time) Date {
	if t.IsZero() {
		return 0
	}
	y, m, d := t.In(london).Date()
	return D(y, m, d)
}

// ParseDate reads YYYY-MM-DD. The empty string is the zero Date.
func ParseDate(s string) (Date, error) {
	if s == "" {
		return 0, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a date in the form YYYY-MM-DD", s)
	}
	return D(t.Date()), nil
}

// MustDate is ParseDate for literals in tests and tables; it panics on a
// bad literal.
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// IsZero reports whether the date is unset.
func (d Date) IsZero() bool { return d == 0 }

// Time is midnight UTC on the date (for formatting only).
func (d Date) Time() time.Time {
	return time.Unix(int64(d-epochOffset)*86400, 0).UTC()
}

// YMD splits the date.
func (d Date) YMD() (int, time.Month, int) { return d.Time().Date() }

// String is YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d == 0 {
		return ""
	}
	return d.Time().Format("2006-01-02")
}

// AddDays moves the date by n days.
func (d Date) AddDays(n int) Date { return d + Date(n) }

// Sub is the number of days from e to d (d - e).
func (d Date) Sub(e Date) int { return int(d - e) }

// MonthStart is the first day of the date's month.
func (d Date) MonthStart() Date {
	y, m, _ := d.YMD()
	return D(y, m, 1)
}

// NextMonth is the first day of the following month.
func (d Date) NextMonth() Date {
	y, m, _ := d.YMD()
	return D(y, m+1, 1)
}

// Weekday of the date.
func (d Date) Weekday() time.Weekday { return d.Time().Weekday() }

// ParseISO reads exactly "YYYY-MM-DD" without allocating (the hot path of
// adapting many stored dates). ok is false for anything else, including
// impossible days such as 2025-02-30.
func ParseISO(s string) (d Date, ok bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	n := func(a, b int) (int, bool) {
		v := 0
		for i := a; i < b; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	y, ok1 := n(0, 4)
	m, ok2 := n(5, 7)
	dd, ok3 := n(8, 10)
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || dd < 1 || dd > daysIn(y, m) {
		return 0, false
	}
	return fromCivil(y, m, dd), true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// fromCivil is the day number of a proleptic Gregorian date (Howard
// Hinnant's days_from_civil), shifted so that 1970-01-01 is epochOffset.
func fromCivil(y, m, d int) Date {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return Date(era*146097 + doe - 719468 + epochOffset)
}
