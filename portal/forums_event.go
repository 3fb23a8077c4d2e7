package portal

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/forums"
)

// visibleEvent loads {id} and the viewer's organisation's booking, if any.
// The forums service decides what the viewer may see (404 otherwise).
func (s *Server) visibleEvent(r *http.Request) (*forums.Event, *forums.Booking, error) {
	p := principal(r)
	e, err := s.Forums.Get(r.Context(), p, mux.Vars(r)["id"])
	if err != nil {
		return nil, nil, err
	}
	b, err := s.Forums.BookingFor(r.Context(), p, e.ID)
	if fault.KindOf(err) == fault.NotFound {
		b, err = nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return e, b, nil
}

type eventPage struct {
	basePage
	Event       *forums.Event
	When        string
	Booking     *forums.Booking
	Open        bool
	Started     bool
	ShowLink    bool
	CanBook     bool
	CanComment  bool
	Full        bool
	Comments    []forums.Comment
	MaxPlaces   int
	ServiceList string
}

func (s *Server) eventPageFor(r *http.Request, e *forums.Event, b *forums.Booking) (*eventPage, error) {
	now := s.cfg.Now()
	p := principal(r)
	page := &eventPage{
		basePage: s.page(r, e.Title), Event: e, When: eventWhen(e), Booking: b,
		Open: e.BookingOpen(now), Started: e.Started(now),
		CanBook:   auth.Can(p, auth.ActionBookEvents),
		Full:      e.Free() == 0 || e.Waiting > 0,
		MaxPlaces: min(forums.MaxPlacesPerOrg, e.Capacity),
	}
	page.ShowLink = e.Format == forums.Online && (p.IsStaff() || (b != nil && b.Status == forums.Booked))
	page.ServiceList = strings.Join(e.ServiceTypes, ", ")
	if page.CanBook && b != nil && page.Started {
		attended, err := s.Forums.Attended(r.Context(), p, e.ID)
		if err != nil {
			return nil, err
		}
		page.CanComment = attended
	}
	if page.Started {
		var err error
		if page.Comments, err = s.Forums.Comments(r.Context(), principal(r), e.ID); err != nil {
			return nil, err
		}
	}
	return page, nil
}

func (s *Server) handleEventShow(w http.ResponseWriter, r *http.Request) error {
	e, b, err := s.visibleEvent(r)
	if err != nil {
		return err
	}
	page, err := s.eventPageFor(r, e, b)
	if err != nil {
		return err
	}
	if page.Booking == nil || page.Booking.Status == forums.Cancelled {
		page.Form.Set("places", "1")
	}
	return s.render(w, r, "event", page)
}

func (s *Server) eventAgain(w http.ResponseWriter, r *http.Request, e *forums.Event, b *forums.Booking, err error) error {
	page, perr := s.eventPageFor(r, e, b)
	if perr != nil {
		return perr
	}
	if fe, ok := fault.As(err); ok && fe.Kind != fault.Invalid {
		err = fault.InvalidField("", fe.Message)
	}
	return s.showFormAgain(w, r, "event", page, r.PostForm, err)
}

func (s *Server) handleEventBook(w http.ResponseWriter, r *http.Request) error {
	e, b, err := s.visibleEvent(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fault.InvalidField("", "The form could not be read")
	}
	nb, err := s.Forums.Book(r.Context(), e.ID, forums.BookInput{Places: r.PostForm.Get("places"), AccessNeeds: r.PostForm.Get("accessNeeds")}, principal(r), s.cfg.Now())
	switch fault.KindOf(err) {
	case fault.Invalid, fault.Conflict:
		return s.eventAgain(w, r, e, b, err)
	}
	if err != nil {
		return err
	}
	if nb.Status == forums.Waiting {
		s.setFlash(w, r, fmt.Sprintf("The event is full: your organisation is number %d on the waiting list. We will book you automatically if places free up.", nb.Position))
	} else {
		s.setFlash(w, r, fmt.Sprintf("Your organisation is booked: %d %s", nb.Places, plural(nb.Places, "place", "places")))
	}
	return redirect(w, r, "/events/"+e.ID)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (s *Server) handleEventCancel(w http.ResponseWriter, r *http.Request) error {
	e, b, err := s.visibleEvent(r)
	if err != nil {
		return err
	}
	if b == nil || b.Status == forums.Cancelled {
		return fault.NotFoundf("booking not found")
	}
	if !e.Started(s.cfg.Now()) {
		c := confirmation{Heading: "Are you sure you want to cancel your organisation's booking?", Caption: e.Title + ", " + eventWhen(e),
			Explain: []string{fmt.Sprintf("Your organisation's %d %s are given up and may go to organisations on the waiting list. You can book again while places are left.", b.Places, pluralWord(b.Places, "place", "places")),
				"The commissioners running the event see that you cancelled."},
			Button: "Yes, cancel the booking", Back: "/events/" + e.ID}
		if b.Status == forums.Waiting {
			c.Heading, c.Button = "Are you sure you want to leave the waiting list?", "Yes, leave the waiting list"
			c.Explain = []string{"Your organisation loses its place on the waiting list. If you join again later, you join at the end."}
		}
		if _, ok, err := s.confirmed(w, r, c); !ok {
			return err
		}
	}
	err = s.Forums.Cancel(r.Context(), e.ID, principal(r), s.cfg.Now())
	if fault.KindOf(err) == fault.Conflict {
		return s.eventAgain(w, r, e, b, err)
	}
	if err != nil {
		return err
	}
	if b.Status == forums.Waiting {
		s.setFlash(w, r, "Your organisation has left the waiting list")
	} else {
		s.setFlash(w, r, "Your booking has been cancelled")
	}
	return redirect(w, r, "/events/"+e.ID)
}

func (s *Server) handleEventComment(w http.ResponseWriter, r *http.Request) error {
	e, b, err := s.visibleEvent(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fault.InvalidField("", "The form could not be read")
	}
	_, err = s.Forums.AddComment(r.Context(), e.ID, r.PostForm.Get("message"), principal(r), s.cfg.Now())
	if fault.KindOf(err) == fault.Invalid {
		return s.eventAgain(w, r, e, b, err)
	}
	if err != nil {
		return err
	}
	s.setFlash(w, r, "Your comment has been added")
	return redirect(w, r, "/events/"+e.ID+"#comments")
}
