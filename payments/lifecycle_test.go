package payments

import "testing"

// TestLifecycleExhaustive checks every (from, to, party) triple against the
// expected table written out by hand.
func TestLifecycleExhaustive(t *testing.T) {
	type key struct {
		from, to Status
		by       Party
	}
	allowed := map[key]bool{
		{StatusSubmitted, StatusQueried, PartyStaff}:      true,
		{StatusSubmitted, StatusApproved, PartyStaff}:     true,
		{StatusSubmitted, StatusRejected, PartyStaff}:     true,
		{StatusSubmitted, StatusCancelled, PartyProvider}: true,
		{StatusQueried, StatusSubmitted, PartyProvider}:   true,
		{StatusQueried, StatusRejected, PartyStaff}:       true,
		{StatusQueried, StatusCancelled, PartyProvider}:   true,
		{StatusApproved, StatusScheduled, PartyStaff}:     true,
		{StatusApproved, StatusPaid, PartyStaff}:          true,
		{StatusScheduled, StatusPaid, PartyStaff}:         true,
	}
	n := 0
	for _, from := range Statuses {
		for _, to := range Statuses {
			for _, by := range []Party{PartyProvider, PartyStaff} {
				err := CanMove(from, to, by)
				if want := allowed[key{from, to, by}]; want != (err == nil) {
					t.Errorf("CanMove(%s, %s, %s) = %v, want allowed=%v", from, to, by, err, want)
				}
				n++
			}
		}
	}
	if n != 7*7*2 {
		t.Fatalf("checked %d triples", n)
	}
	for _, s := range []Status{StatusPaid, StatusRejected, StatusCancelled} {
		if !s.Terminal() || len(NextSteps(s, PartyStaff))+len(NextSteps(s, PartyProvider)) != 0 {
			t.Errorf("%s should be terminal", s)
		}
	}
	// Reasons are required exactly where the other side needs one.
	for _, tc := range []struct {
		from, to Status
		note     bool
		date     bool
	}{
		{StatusSubmitted, StatusQueried, true, false},
		{StatusSubmitted, StatusRejected, true, false},
		{StatusQueried, StatusRejected, true, false},
		{StatusQueried, StatusSubmitted, true, false},
		{StatusSubmitted, StatusApproved, false, false},
		{StatusApproved, StatusScheduled, false, true},
		{StatusScheduled, StatusPaid, false, true},
	} {
		if st := stepOf(tc.from, tc.to); st.needsNote != tc.note || st.needsDate != tc.date {
			t.Errorf("%s -> %s: needsNote=%v needsDate=%v", tc.from, tc.to, st.needsNote, st.needsDate)
		}
	}
}
