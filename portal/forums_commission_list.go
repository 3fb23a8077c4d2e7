package portal

import (
	"net/http"
)

type commissionEventsPage struct {
	basePage
	Upcoming []eventRow
	Past     []eventRow
	// UpcomingPager and PastPager page the two lists (?page= and ?past_page=).
	UpcomingPager, PastPager pager
}

func (s *Server) handleCommissionEvents(w http.ResponseWriter, r *http.Request) error {
	all, err := s.Forums.List(r.Context(), principal(r))
	if err != nil {
		return err
	}
	now := s.cfg.Now()
	page := &commissionEventsPage{basePage: s.page(r, "Forums and events")}
	for _, e := range all {
		row := eventRow{Event: e, When: eventWhen(&e)}
		if e.EndsAt.After(now) {
			page.Upcoming = append(page.Upcoming, row)
		} else {
			page.Past = append([]eventRow{row}, page.Past...)
		}
	}
	size := s.rowsPerPage(listPageSize)
	page.Upcoming, page.UpcomingPager = pageOfParam(r, page.Upcoming, size, "page")
	page.Past, page.PastPager = pageOfParam(r, page.Past, size, "past_page")
	page.UpcomingPager.Label, page.PastPager.Label = "Pages of upcoming events", "Pages of past events"
	return s.render(w, r, "commission_events", page)
}
