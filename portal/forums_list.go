package portal

import (
	"context"
	"net/http"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/forums"
)

func forumsActor(p *auth.Principal) forums.Actor {
	return forums.Actor{UserID: p.UserID, Name: p.Name, OrgID: p.OrgID, OrgName: p.OrgName}
}

// forumOrgTypes returns the provider organisation's service types (nil
// for staff, or when accounts are not wired: every event shows).
func (s *Server) forumOrgTypes(ctx context.Context, p *auth.Principal) ([]string, error) {
	if p == nil || p.OrgID == "" || s.Auth == nil {
		return nil, nil
	}
	o, err := s.Auth.Org(ctx, p.OrgID)
	if fault.KindOf(err) == fault.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return o.ServiceTypes, nil
}

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
}

func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	now := s.cfg.Now()
	types, err := s.forumOrgTypes(r.Context(), p)
	if err != nil {
		return err
	}
	all, err := s.Forums.List(r.Context())
	if err != nil {
		return err
	}
	page := &eventsPage{basePage: s.page(r, "Forums and events"), Provider: p.OrgID != ""}
	for _, e := range all {
		if e.Cancelled || !e.ForServiceTypes(types) {
			continue
		}
		row := eventRow{Event: e, When: eventWhen(&e)}
		if p.OrgID != "" {
			if b, err := s.Forums.BookingFor(r.Context(), e.ID, p.OrgID); err == nil {
				row.Status = b.Status
			} else if fault.KindOf(err) != fault.NotFound {
				return err
			}
		}
		if e.EndsAt.After(now) {
			page.Upcoming = append(page.Upcoming, row)
		} else if e.StartsAt.After(now.AddDate(-1, 0, 0)) {
			page.Past = append([]eventRow{row}, page.Past...)
		}
	}
	if p.OrgID != "" {
		// Only whether there is an address: it is shown once, when made
		// (by POST), and never made by looking at this page.
		if page.Feed, err = s.Forums.FeedFor(r.Context(), p.OrgID); err != nil {
			return err
		}
	}
	return s.render(w, r, "events", page)
}
