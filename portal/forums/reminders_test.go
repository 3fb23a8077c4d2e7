package forums

import (
	"testing"
	"time"

	"careportal/portal/workdays"
)

// The reminder is due two working days before the event, for the
// organisations holding booked places only (not the waiting list), and
// not for a cancelled event; a bank holiday moves it a day earlier.
func TestDueRemindersTwoWorkingDaysBefore(t *testing.T) {
	s, _, ctx := newService(t)
	e, err := s.Create(ctx, input("3"), commissioner, now) // Thursday 3 December 2026, 10:00
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Book(ctx, e.ID, BookInput{Places: "2"}, org(1), now); err != nil {
		t.Fatal(err)
	}
	if b, err := s.Book(ctx, e.ID, BookInput{Places: "3"}, org(2), now); err != nil || b.Status != Waiting {
		t.Fatalf("org2 should wait: %+v %v", b, err)
	}
	other, err := s.Create(ctx, input("5"), commissioner, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Book(ctx, other.ID, BookInput{Places: "1"}, org(3), now); err != nil {
		t.Fatal(err)
	}
	if err := s.CancelEvent(ctx, commissioner, other.ID, now); err != nil {
		t.Fatal(err)
	}
	cal := workdays.NewCalendar(nil)
	due := func(at time.Time, c *workdays.Calendar) []Reminder {
		t.Helper()
		r, err := s.DueReminders(ctx, c, at, 2)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	monday := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	if r := due(monday, cal); len(r) != 0 {
		t.Errorf("three working days before: %+v, want none", r)
	}
	tuesday := time.Date(2026, 12, 1, 7, 30, 0, 0, time.UTC)
	r := due(tuesday, cal)
	if len(r) != 1 || r[0].OrgID != "org1" || r[0].Places != 2 || r[0].Event.ID != e.ID || r[0].ID != "event-reminder:"+e.ID+":org1" {
		t.Fatalf("two working days before: %+v, want org1's booking only", r)
	}
	if r := due(e.StartsAt, cal); len(r) != 0 {
		t.Errorf("once started: %+v, want none", r)
	}
	// With Wednesday 2 December a bank holiday, Monday is two working days before.
	hol := workdays.NewCalendar([]workdays.Holiday{{Date: "2026-12-02", Name: "Extra day"}})
	if r := due(monday, hol); len(r) != 1 || r[0].OrgID != "org1" {
		t.Errorf("with a holiday between: %+v, want org1 on Monday", r)
	}
}
