package portal

import (
	"net/http"

	"careportal/portal/fault"
	"careportal/portal/forums"
)

type eventRow struct {
	forums.Event
	When   string
	Status forums.Status // the viewer's organisation's booking, if any
}

func eventWhen(e *forums.Event) string {
	st, en := e.StartsAt.In(london), e.EndsAt.In(london)
	return st.Format("Monday 2 January 2006, 3:04pm") + " to " + en.Format("3:04pm")
}

type eventsPage struct {
	basePage
	Upcoming []eventRow
	Past     []eventRow
	Feed     *forums.Feed // the organisation's calendar feed, if it has one
	Provider bool
	// UpcomingPager and PastPager page the two lists (?page= and ?past_page=).
	UpcomingPager, PastPager pager
	// BookedOnly lists only the upcoming events the organisation has
	// booked (?booked=yes, the home page's link).
	BookedOnly bool
}

func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	now := s.cfg.Now()
	types := p.ServiceTypes
	all, err := s.Forums.List(r.Context(), p)
	if err != nil {
		return err
	}
	page := &eventsPage{basePage: s.page(r, "Forums and events"), Provider: p.OrgID != ""}
	page.BookedOnly = page.Provider && r.URL.Query().Get("booked") == "yes"
	if page.BookedOnly {
		page.Title = "Events your organisation has booked"
	}
	for _, e := range all {
		if e.Cancelled || !e.ForServiceTypes(types) {
			continue
		}
		row := eventRow{Event: e, When: eventWhen(&e)}
		if page.BookedOnly {
			// Only booked events are listed, so each is looked up before
			// paging (the organisation's bookings, not every event).
			if b, err := s.Forums.BookingFor(r.Context(), p, e.ID); err == nil {
				row.Status = b.Status
			} else if fault.KindOf(err) != fault.NotFound {
				return err
			}
			if row.Status != forums.Booked || !e.EndsAt.After(now) {
				continue
			}
		}
		if e.EndsAt.After(now) {
			page.Upcoming = append(page.Upcoming, row)
		} else if e.StartsAt.After(now.AddDate(-1, 0, 0)) {
			page.Past = append([]eventRow{row}, page.Past...)
		}
	}
	// Paged before the bookings are looked up, so a page costs one look-up
	// a row shown, not one an event.
	size := s.rowsPerPage(listPageSize)
	page.Upcoming, page.UpcomingPager = pageOfParam(r, page.Upcoming, size, "page")
	page.Past, page.PastPager = pageOfParam(r, page.Past, size, "past_page")
	page.UpcomingPager.Label, page.PastPager.Label = "Pages of upcoming events", "Pages of past events"
	if p.OrgID != "" && !page.BookedOnly {
		for i := range page.Upcoming {
			row := &page.Upcoming[i]
			if b, err := s.Forums.BookingFor(r.Context(), p, row.ID); err == nil {
				row.Status = b.Status
			} else if fault.KindOf(err) != fault.NotFound {
				return err
			}
		}
	}
	if p.OrgID != "" {
		// Only whether there is an address: it is shown once, when made
		// (by POST), and never made by looking at this page.
		if page.Feed, err = s.Forums.FeedFor(r.Context(), p); err != nil {
			return err
		}
	}
	return s.render(w, r, "events", page)
}
