package portal

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/mux"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/forums"
)

// absoluteURL makes a link for use outside the portal (calendar apps).
func (s *Server) absoluteURL(r *http.Request, path string) string {
	if s.cfg.BaseURL != "" {
		return strings.TrimRight(s.cfg.BaseURL, "/") + path
	}
	scheme := "http"
	if s.cfg.Secure || r.TLS != nil {
		scheme = "https"
	}
	return (&url.URL{Scheme: scheme, Host: r.Host, Path: path}).String()
}

func (s *Server) writeICS(w http.ResponseWriter, r *http.Request, filename, calName string, items []forums.CalendarItem) error {
	host := r.Host
	if u, err := url.Parse(s.cfg.BaseURL); err == nil && u.Host != "" {
		host = u.Host
	}
	if i := strings.IndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	body := forums.ICS(calName, host, items, s.cfg.Now())
	attachment(w, "text/calendar; charset=utf-8", filename)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return nil
}

// handleEventICS is one event's calendar file; the online link only for
// staff and organisations that booked.
func (s *Server) handleEventICS(w http.ResponseWriter, r *http.Request) error {
	e, b, err := s.visibleEvent(r)
	if err != nil {
		return err
	}
	show := principal(r).IsStaff() || (b != nil && b.Status == forums.Booked)
	return s.writeICS(w, r, "event-"+e.ID+".ics", "", []forums.CalendarItem{{Event: e, ShowLink: show, PageURL: s.absoluteURL(r, "/events/"+e.ID)}})
}

// handleEventFeed is an organisation's feed of upcoming events, found by
// its secret token (calendar apps cannot sign in).
func (s *Server) handleEventFeed(w http.ResponseWriter, r *http.Request) error {
	orgID, err := s.Forums.FeedOrg(r.Context(), mux.Vars(r)["token"])
	if err != nil {
		return err
	}
	o, err := s.Auth.Org(r.Context(), orgID)
	if fault.KindOf(err) == fault.NotFound {
		return fault.NotFoundf("feed not found")
	}
	if err != nil {
		return err
	}
	if !o.Active {
		return fault.NotFoundf("feed not found")
	}
	now := s.cfg.Now()
	feed := &auth.Principal{Role: auth.RoleProvider, OrgID: orgID, ServiceTypes: o.ServiceTypes, Name: "calendar feed"}
	events, err := s.Forums.Upcoming(r.Context(), feed, now)
	if err != nil {
		return err
	}
	var items []forums.CalendarItem
	for i := range events {
		e := &events[i]
		b, err := s.Forums.BookingFor(r.Context(), feed, e.ID)
		if err != nil && fault.KindOf(err) != fault.NotFound {
			return err
		}
		items = append(items, forums.CalendarItem{Event: e, ShowLink: b != nil && b.Status == forums.Booked, PageURL: s.absoluteURL(r, "/events/"+e.ID)})
	}
	return s.writeICS(w, r, "provider-forums.ics", s.cfg.ServiceName+": forums and events", items)
}

type eventFeedPage struct {
	basePage
	FeedURL  string
	Replaced bool
}

// handleEventFeedCreate makes the organisation's calendar feed address and
// shows it, once. If the organisation already has one (someone else made
// it, perhaps at the same moment) it is kept and the person is told how to
// replace it.
func (s *Server) handleEventFeedCreate(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	tok, err := s.Forums.CreateFeedToken(r.Context(), p, s.cfg.Now())
	if fault.KindOf(err) == fault.Conflict {
		fe, _ := fault.As(err)
		s.setFlash(w, r, fe.Message)
		return redirect(w, r, "/events#feed")
	}
	if err != nil {
		return err
	}
	return s.render(w, r, "events_feed", &eventFeedPage{basePage: s.page(r, "Your calendar feed address"), FeedURL: s.absoluteURL(r, "/events/feed/"+tok+".ics")})
}

// handleEventFeedReset replaces the address (the old one stops working at
// once) and shows the new one, once.
func (s *Server) handleEventFeedReset(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if _, ok, err := s.confirmed(w, r, confirmation{Heading: "Are you sure you want to replace your calendar feed address?",
		Explain: []string{"The address your organisation uses now stops working at once: calendars subscribed to it stop showing new events.",
			"You get a new address, shown once, to add to your calendars instead."},
		Button: "Yes, replace the address", Back: "/events#feed"}); !ok {
		return err
	}
	tok, err := s.Forums.ResetFeedToken(r.Context(), p, s.cfg.Now())
	if err != nil {
		return err
	}
	return s.render(w, r, "events_feed", &eventFeedPage{basePage: s.page(r, "Your new calendar feed address"), FeedURL: s.absoluteURL(r, "/events/feed/"+tok+".ics"), Replaced: true})
}
