package portal

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/gorilla/mux"

	"careportal/portal/fault"
	"careportal/portal/forums"
)

type eventFormPage struct {
	basePage
	Event        *forums.Event
	ServiceTypes []serviceTypeBox
}

type serviceTypeBox struct {
	ID, Value string
	Checked   bool
}

func (s *Server) eventFormPage(r *http.Request, e *forums.Event, in forums.EventInput) *eventFormPage {
	title := "Announce an event"
	if e != nil {
		title = "Change " + e.Title
	}
	page := &eventFormPage{basePage: s.page(r, title), Event: e}
	for i, t := range forums.ServiceTypes {
		checked := false
		for _, c := range in.ServiceTypes {
			checked = checked || c == t
		}
		id := "serviceTypes"
		if i > 0 {
			id = fmt.Sprintf("serviceTypes-%d", i)
		}
		page.ServiceTypes = append(page.ServiceTypes, serviceTypeBox{ID: id, Value: t, Checked: checked})
	}
	return page
}

func eventForm(in forums.EventInput) url.Values {
	v := url.Values{}
	v.Set("title", in.Title)
	v.Set("description", in.Description)
	v.Set("agenda", in.Agenda)
	v.Set("date", in.Date)
	v.Set("startTime", in.StartTime)
	v.Set("endTime", in.EndTime)
	v.Set("format", string(in.Format))
	v.Set("address", in.Address)
	v.Set("link", in.Link)
	v.Set("capacity", in.Capacity)
	v.Set("bookingDeadline", in.BookingDeadline)
	return v
}

func eventInput(f url.Values) forums.EventInput {
	return forums.EventInput{
		Title: f.Get("title"), Description: f.Get("description"), Agenda: f.Get("agenda"),
		Date: f.Get("date"), StartTime: f.Get("startTime"), EndTime: f.Get("endTime"),
		Format: forums.Format(f.Get("format")), Address: f.Get("address"), Link: f.Get("link"),
		Capacity: f.Get("capacity"), ServiceTypes: f["serviceTypes"], BookingDeadline: f.Get("bookingDeadline"),
	}
}

func (s *Server) handleCommissionEventNew(w http.ResponseWriter, r *http.Request) error {
	in := forums.EventInput{StartTime: "10:00", EndTime: "12:00", Capacity: "40"}
	page := s.eventFormPage(r, nil, in)
	page.Form = eventForm(in)
	return s.render(w, r, "commission_event_form", page)
}

func (s *Server) handleCommissionEventCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fault.InvalidField("", "The form could not be read")
	}
	in := eventInput(r.PostForm)
	e, err := s.Forums.Create(r.Context(), in, principal(r), s.cfg.Now())
	if fault.KindOf(err) == fault.Invalid {
		page := s.eventFormPage(r, nil, in)
		return s.showFormAgain(w, r, "commission_event_form", page, r.PostForm, err)
	}
	if e == nil {
		return err
	}
	if err != nil {
		s.log.Error("event created but providers not notified", "err", err)
	}
	s.setFlash(w, r, e.Title+" has been announced to providers")
	return redirect(w, r, "/commission/events/"+e.ID)
}

func (s *Server) handleCommissionEventEdit(w http.ResponseWriter, r *http.Request) error {
	e, err := s.Forums.Get(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if e.Cancelled {
		return fault.Conflictf("This event has been cancelled, so it can no longer be changed")
	}
	in := forums.InputOf(e)
	page := s.eventFormPage(r, e, in)
	page.Form = eventForm(in)
	return s.render(w, r, "commission_event_form", page)
}

func (s *Server) handleCommissionEventUpdate(w http.ResponseWriter, r *http.Request) error {
	e, err := s.Forums.Get(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if e.Cancelled {
		return fault.Conflictf("This event has been cancelled, so it can no longer be changed")
	}
	if err := r.ParseForm(); err != nil {
		return fault.InvalidField("", "The form could not be read")
	}
	in := eventInput(r.PostForm)
	_, err = s.Forums.Update(r.Context(), e.ID, in, principal(r), s.cfg.Now())
	if fault.KindOf(err) == fault.Invalid {
		page := s.eventFormPage(r, e, in)
		return s.showFormAgain(w, r, "commission_event_form", page, r.PostForm, err)
	}
	if err != nil {
		return err
	}
	s.setFlash(w, r, "Your changes to "+in.Title+" have been saved")
	return redirect(w, r, "/commission/events/"+e.ID)
}
