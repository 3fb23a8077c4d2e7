package payments

import "testing"

func TestDueSoon(t *testing.T) {
	const today = "2026-03-10"
	for _, tc := range []struct {
		status Status
		due    string
		want   bool
	}{
		{StatusSubmitted, "2026-03-10", true}, // due today
		{StatusApproved, "2026-03-15", true},  // the fifth day
		{StatusScheduled, "2026-03-12", true},
		{StatusApproved, "2026-03-16", false}, // six days off
		{StatusApproved, "2026-03-09", false}, // overdue, not due soon
		{StatusQueried, "2026-03-11", false},  // disputed: the deadline is paused
		{StatusPaid, "2026-03-11", false},
		{StatusRejected, "2026-03-11", false},
		{StatusApproved, "", false},
	} {
		inv := &Invoice{Status: tc.status, DueDate: tc.due}
		if got := inv.DueSoon(today); got != tc.want {
			t.Errorf("%s due %q: DueSoon = %v, want %v", tc.status, tc.due, got, tc.want)
		}
		if got := QueueDueSoon.matches(inv, today); got != tc.want {
			t.Errorf("%s due %q: in the due-soon queue = %v, want %v", tc.status, tc.due, got, tc.want)
		}
	}
}
