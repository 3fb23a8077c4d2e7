package portal

import (
	"net/http"
	"strconv"

	"careportal/auth"
	"careportal/portal/assessment"
	"careportal/portal/fault"
	"careportal/portal/forums"
)

// The home page's items beyond the invoice and query counts: forums,
// the self-assessment round and the headline payment figure.

// homeEvent is one of the next forums on a commissioner's home page.
type homeEvent struct {
	ID, Title, When  string
	Booked, Capacity int
	Waiting          int
}

// homeRound is the self-assessment round in progress.
type homeRound struct {
	ID, Name        string
	Scored, Aspects int
}

// homeHeadline is the one payment figure on a staff home page, the same
// figure (same range, same rounding) as /performance shows first.
type homeHeadline struct {
	PctOnTime string // "87.5%"
	Payments  int
	FromText  string
}

// homeMore adds the forums, self-assessment and payment-figure items.
func (s *Server) homeMore(r *http.Request, p *auth.Principal, page *homePage) error {
	ctx := r.Context()
	now := s.cfg.Now()
	add := func(id, label string, n int, href string) {
		page.ToDo = append(page.ToDo, homeCount{ID: id, Label: label, Count: n, Href: href})
	}
	if auth.Can(p, auth.ActionBookEvents) {
		upcoming, err := s.Forums.Upcoming(ctx, p, now)
		if err != nil {
			return err
		}
		booked := 0
		for _, e := range upcoming {
			if st, err := s.eventStatus(r, p, e.ID); err != nil {
				return err
			} else if st == forums.Booked {
				booked++
			}
		}
		add("todo-events-booked", "Upcoming events your organisation has booked", booked, "/events?booked=yes")
	}
	if auth.Can(p, auth.ActionManageEvents) {
		all, err := s.Forums.List(ctx, p)
		if err != nil {
			return err
		}
		n := 0
		for _, e := range all {
			// Counted as the commission events page lists them.
			if e.EndsAt.After(now) {
				n++
				if !e.Cancelled && len(page.NextEvents) < 3 {
					page.NextEvents = append(page.NextEvents, homeEvent{ID: e.ID, Title: e.Title, When: eventWhen(&e), Booked: e.Booked, Capacity: e.Capacity, Waiting: e.Waiting})
				}
			}
		}
		add("todo-events-upcoming", "Upcoming forums and events", n, "/commission/events")
	}
	if auth.Can(p, auth.ActionAssessmentEdit) {
		rounds, err := s.Assessment.Rounds(ctx)
		if err != nil {
			return err
		}
		for _, rd := range rounds {
			if rd.Status == assessment.StatusDraft {
				hr := homeRound{ID: rd.ID, Name: rd.Name, Aspects: len(rd.Aspects)}
				for _, a := range rd.Aspects {
					if a.Score != nil {
						hr.Scored++
					}
				}
				page.Round = &hr
				break
			}
		}
		page.ShowAssessment = true
	}
	if auth.Can(p, auth.ActionViewReports) {
		from, to, _ := s.rangeFrom(nil)
		h, err := s.Performance.Headline(ctx, from, to)
		if err != nil {
			return err
		}
		page.Headline = &homeHeadline{PctOnTime: pct(h.PaidOnTimePct.Percent()), Payments: h.Payments, FromText: londonDate(from)}
	}
	return nil
}

// eventStatus is the viewer's organisation's booking status for an event
// ("" when it has none).
func (s *Server) eventStatus(r *http.Request, p *auth.Principal, eventID string) (forums.Status, error) {
	b, err := s.Forums.BookingFor(r.Context(), p, eventID)
	if err != nil {
		if fault.KindOf(err) == fault.NotFound {
			return "", nil
		}
		return "", err
	}
	return b.Status, nil
}

// scoredText says how far a round has got, like "3 of 9 aspects scored".
func (h homeRound) ScoredText() string {
	return strconv.Itoa(h.Scored) + " of " + strconv.Itoa(h.Aspects) + " aspects scored"
}
