package queries

import (
	"slices"
	"testing"
	"time"

	"careportal/portal/store/storetest"
)

// PastTarget lists the open queries that missed a target: one not answered
// within 2 working days, then once answered, not resolved within 10; a
// resolved query is not listed however late it was.
func TestPastTarget(t *testing.T) {
	s, _, c := newSvc(t)
	ctx := storetest.Context(t)
	raise := func(subject string) *Query {
		t.Helper()
		q, err := s.Raise(ctx, provA, "Org A", RaiseInput{Topic: "invoice-not-paid", Subject: subject, Message: "m"})
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	answered := raise("Answered on time") // Monday 2 March
	late := raise("Never answered")
	resolved := raise("Resolved late")
	c.t = c.t.Add(24 * time.Hour) // Tuesday
	newer := raise("Raised on Tuesday")
	if _, err := s.Reply(ctx, staff, answered.ID, ReplyInput{Message: "Looking."}); err != nil {
		t.Fatal(err)
	}
	ids := func(at time.Time) []string {
		t.Helper()
		vs, err := s.PastTarget(ctx, at)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, v := range vs {
			out = append(out, v.Subject)
		}
		slices.Sort(out) // queries raised at the same moment come in id order
		return out
	}
	wed := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
	if got := ids(wed); len(got) != 0 {
		t.Errorf("Wednesday (first response due): %q, want none", got)
	}
	thu := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
	if got := ids(thu); len(got) != 2 || got[0] != "Never answered" || got[1] != "Resolved late" {
		t.Errorf("Thursday: %q, want the two unanswered Monday queries", got)
	}
	c.t = time.Date(2026, 3, 20, 9, 0, 0, 0, time.UTC)
	q, err := s.Get(ctx, staff, resolved.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Resolve(ctx, staff, resolved.ID, "Done.", q.Version); err != nil {
		t.Fatal(err)
	}
	got := ids(c.t)
	if len(got) != 3 || got[0] != answered.Subject || got[1] != late.Subject || got[2] != newer.Subject { // alphabetical
		t.Errorf("20 March: %q, want the three open queries past resolution (not the resolved one)", got)
	}
}
