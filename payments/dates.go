package payments

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Calendar dates are "YYYY-MM-DD" strings of the Europe/London calendar.
// Arithmetic on them is done on the civil date (midnight UTC), so clock
// changes never shift a day.

const dateLayout = "2006-01-02"

// London is the time zone of every calendar date in the payments domain.
var London = mustLoadLondon()

func mustLoadLondon() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic("payments: Europe/London time zone data is missing: " + err.Error())
	}
	return loc
}

// LondonDay is the London calendar day of the instant t.
func LondonDay(t time.Time) string { return t.In(London).Format(dateLayout) }

// AddDays returns the date n days after the date d ("YYYY-MM-DD").
func AddDays(d string, n int) string {
	t, err := time.Parse(dateLayout, d)
	if err != nil {
		return ""
	}
	return t.AddDate(0, 0, n).Format(dateLayout)
}

// DaysBetween is the number of calendar days from a to b (b - a).
func DaysBetween(a, b string) int {
	ta, err1 := time.Parse(dateLayout, a)
	tb, err2 := time.Parse(dateLayout, b)
	if err1 != nil || err2 != nil {
		return 0
	}
	return int(tb.Sub(ta).Hours() / 24)
}

// ParseDate reads a calendar date as people type it: 2026-03-27, 27/3/2026,
// 27-03-2026 or "27 3 2026", and returns it as "YYYY-MM-DD". Years outside
// 2000-2099 are refused: they are typing mistakes.
func ParseDate(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("is empty")
	}
	var y, m, d int
	var err error
	if t, perr := time.Parse(dateLayout, s); perr == nil {
		y, m, d = t.Year(), int(t.Month()), t.Day()
	} else {
		parts := strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '-' || r == ' ' || r == '.' })
		if len(parts) != 3 {
			return "", fmt.Errorf("must be a real date, like 27 3 2026")
		}
		nums := make([]int, 3)
		for i, p := range parts {
			if nums[i], err = strconv.Atoi(p); err != nil || len(p) > 4 {
				return "", fmt.Errorf("must be a real date, like 27 3 2026")
			}
		}
		d, m, y = nums[0], nums[1], nums[2]
		if len(parts[0]) == 4 { // 2026/03/27
			y, m, d = nums[0], nums[1], nums[2]
		}
	}
	if y < 2000 || y > 2099 {
		return "", fmt.Errorf("must have a year between 2000 and 2099")
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return "", fmt.Errorf("must be a real date, like 27 3 2026")
	}
	return t.Format(dateLayout), nil
}

// validDate reports whether s is a "YYYY-MM-DD" date.
func validDate(s string) bool {
	_, err := time.Parse(dateLayout, s)
	return err == nil
}

// DefaultTermsDays are the payment terms when neither the contract nor the
// organisation sets shorter ones: Procurement Act 2023 s68.
const DefaultTermsDays = 30

// DueDate is the last day on which paying an invoice received on
// received is on time when the invoice gives no due date of its own: the
// last day of the period of 30 days (or shorter terms) beginning with the
// day of receipt. See Deadline.
func DueDate(received string, termsDays int) string {
	return Deadline(received, "", termsDays)
}

// Deadline is the last day on which paying the invoice is on time.
//
// Procurement Act 2023 s68(2) requires payment "before the end of the
// period of 30 days beginning with the day on which the invoice is
// received or, if later, the day on which the payment falls due in
// accordance with the invoice". A period "beginning with" a day counts
// that day as day 1, so the 30th day, the last day in time, is that day +
// 29. The invoice's own later due date (fallsDue, SubmitInput.DueDate)
// therefore starts the 30 days; it is not itself the deadline. An earlier
// one does not shorten the period. Shorter contract or organisation terms
// of T days are read the same way (that day + T - 1); terms longer than 30
// days are capped at 30, and terms of 0 or less mean the default.
//
// The payment-performance figures use the same rule
// (payments/metrics.Deadline) and, on top of it, restart the period when a
// dispute (a query raised before the deadline) ends
// (payments/metrics.Invoice.ClockOn).
func Deadline(received, fallsDue string, termsDays int) string {
	if termsDays <= 0 || termsDays > DefaultTermsDays {
		termsDays = DefaultTermsDays
	}
	start := received
	if fallsDue > start && validDate(fallsDue) {
		start = fallsDue
	}
	return AddDays(start, termsDays-1)
}
