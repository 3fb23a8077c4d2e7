package forums

import (
	"context"
	"time"

	"careportal/portal/workdays"
)

// Reminder is one organisation with booked places at an event that is
// coming up: the daily reminder job tells it once, under the id ID.
type Reminder struct {
	ID      string // "event-reminder:<event>:<org>"
	Event   Event
	OrgID   string
	OrgName string
	Places  int
}

// ReminderID is the reminder's deterministic id: a job run twice, or on
// two instances, tells the organisation once.
func ReminderID(eventID, orgID string) string {
	return "event-reminder:" + eventID + ":" + orgID
}

// DueReminders lists, for each event that is not cancelled, has not
// started and falls within `days` working days of now (Europe/London
// dates, cal's bank holidays: with days = 2 an event on Monday is due
// from the Thursday before, and one on a Saturday from the Thursday too),
// each organisation holding booked places (not the waiting list).
// Reminders already sent are the caller's to skip, by ID.
func (s *Service) DueReminders(ctx context.Context, cal *workdays.Calendar, now time.Time, days int) ([]Reminder, error) {
	if cal == nil {
		cal = workdays.Default()
	}
	events, err := s.list(ctx)
	if err != nil {
		return nil, err
	}
	var out []Reminder
	for _, e := range events {
		if e.Cancelled || e.Started(now) || cal.WorkingDaysBetween(now, e.StartsAt) > days {
			continue
		}
		ps, err := s.places(ctx, &e)
		if err != nil {
			return nil, err
		}
		for _, h := range ps.Holdings {
			if h.Waiting || h.Places <= 0 {
				continue
			}
			out = append(out, Reminder{ID: ReminderID(e.ID, h.OrgID), Event: e, OrgID: h.OrgID, OrgName: h.OrgName, Places: h.Places})
		}
	}
	return out, nil
}
