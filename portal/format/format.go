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
	"math"
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

// Percent writes num out of den as a percentage to one decimal place,
// rounded half away from zero: 5 of 8 is "62.5%", 2 of 3 "66.7%", 1 of 1
// "100.0%". It is the one rounding rule for every percentage the portal
// shows (the payment figures round the same way), so the same figure
// reads the same on every page. den 0 gives "".
func Percent(num, den int64) string {
	if den == 0 {
		return ""
	}
	return tenths(roundHalfAway(num*1000, den)) + "%"
}

// PercentOf is Percent for a percentage already worked out (0 to 100),
// for figures that arrive as floats: 62.46 is "62.5%".
func PercentOf(v float64) string { return OneDP(v) + "%" }

// OneDP writes v to one decimal place, rounded half away from zero as
// Percent is: 2.25 is "2.3", 7 is "7.0".
func OneDP(v float64) string {
	// The value is rounded at 1e-9 first so that 2.25, held as
	// 2.2499999..., rounds as people expect.
	t := math.Round(math.Round(v*10*1e6) / 1e6)
	return tenths(int64(t))
}

// roundHalfAway is n/d rounded to the nearest whole number, halves away
// from zero.
func roundHalfAway(n, d int64) int64 {
	if d < 0 {
		n, d = -n, -d
	}
	if n < 0 {
		return -((-n*2 + d) / (2 * d))
	}
	return (n*2 + d) / (2 * d)
}

// tenths writes a number held in tenths: 625 is "62.5", -5 "−0.5".
func tenths(t int64) string {
	sign := ""
	if t < 0 {
		sign, t = Minus, -t
	}
	return sign + strconv.FormatInt(t/10, 10) + "." + strconv.FormatInt(t%10, 10)
}
