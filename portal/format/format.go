// Package format writes money and dates as people read them, GOV.UK style:
// "£1,234.50" (a negative amount "−£1,234.50", with a minus sign) and
// "1 December 2026", in Europe/London. Pages, messages, notes in files and
// command output all use it, so the same amount reads the same everywhere.
//
// It is shared infrastructure: it imports no domain package, and any
// package may import it. Machine formats (the API's "1234.50", CSV
// columns) are not its business: payments.FormatPence writes those.
package format

import (
	"strconv"
	"strings"
	"time"
)

// London is the time zone every calendar date is shown in.
var London = mustLoadLondon()

func mustLoadLondon() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic("format: Europe/London time zone data is missing: " + err.Error())
	}
	return loc
}

// Minus is the sign of a negative amount (U+2212, as GOV.UK writes it).
const Minus = "−"

// Pence shows an amount of money in pounds: £1,234.50, −£25.50.
func Pence(p int64) string {
	u := uint64(p)
	sign := ""
	if p < 0 {
		sign, u = Minus, uint64(-p)
	}
	whole := strconv.FormatUint(u/100, 10)
	var b strings.Builder
	b.WriteString(sign)
	b.WriteString("£")
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	b.WriteByte('.')
	if frac := u % 100; frac < 10 {
		b.WriteByte('0')
		b.WriteString(strconv.FormatUint(frac, 10))
	} else {
		b.WriteString(strconv.FormatUint(frac, 10))
	}
	return b.String()
}

// Date shows the London calendar date of a moment: 1 December 2026. The
// zero time is "".
func Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(London).Format("2 January 2006")
}

// Day shows a calendar date held as "YYYY-MM-DD": 1 December 2026. Text
// that is not such a date is returned as it is.
func Day(iso string) string {
	t, err := time.Parse("2006-01-02", iso)
	if err != nil {
		return iso
	}
	return t.Format("2 January 2006")
}

// DateTime shows a moment in London: 1 December 2026 at 3:04pm. The zero
// time is "".
func DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(London).Format("2 January 2006 at 3:04pm")
}
