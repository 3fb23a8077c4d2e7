package portal

import (
	"time"

	"careportal/payments"
)

// Dates in forms: hints ask for "27 3 2026" (GOV.UK's example form) and
// pages show "27 March 2026"; stores keep YYYY-MM-DD. These two convert
// at the edge, so a domain that takes YYYY-MM-DD gets it whichever way a
// person typed the date.

// formDay writes a stored YYYY-MM-DD date as a form shows it (27 3 2026);
// anything else is returned as it is.
func formDay(iso string) string {
	t, err := time.Parse("2006-01-02", iso)
	if err != nil {
		return iso
	}
	return t.Format("2 1 2006")
}

// isoDay reads a date as people type it (27 3 2026, 27/3/2026,
// 2026-03-27) and returns YYYY-MM-DD; what is not a date is returned as
// typed, for the domain's own message.
func isoDay(typed string) string {
	if d, err := payments.ParseDate(typed); err == nil {
		return d
	}
	return typed
}
