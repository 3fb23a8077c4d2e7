package portal

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"careportal/portal/fault"
	"careportal/portal/forums"
)

type bookingRow struct {
	forums.Booking
	Field         string
	AttendedValue string
}

type commissionEventPage struct {
	basePage
	Event    *forums.Event
	When     string
	Booked   []bookingRow
	Waiting  []bookingRow
	Cancel   []bookingRow
	Started  bool
	Comments []forums.Comment
}

func (s *Server) commissionEventPage(r *http.Request, e *forums.Event) (*commissionEventPage, error) {
	page := &commissionEventPage{basePage: s.page(r, e.Title), Event: e, When: eventWhen(e), Started: e.Started(s.cfg.Now())}
	bs, err := s.Forums.Bookings(r.Context(), principal(r), e.ID)
	if err != nil {
		return nil, err
	}
	for _, b := range bs {
		row := bookingRow{Booking: b, Field: forums.AttendedField(b.OrgID)}
		if b.Attended != nil {
			row.AttendedValue = fmt.Sprint(*b.Attended)
		}
		switch b.Status {
		case forums.Booked:
			page.Booked = append(page.Booked, row)
			page.Form.Set(row.Field, row.AttendedValue)
		case forums.Waiting:
			page.Waiting = append(page.Waiting, row)
		default:
			page.Cancel = append(page.Cancel, row)
		}
	}
	page.Form.Set("notes", e.Notes)
	page.Form.Set("actions", e.Actions)
	if page.Started {
		if page.Comments, err = s.Forums.Comments(r.Context(), principal(r), e.ID); err != nil {
			return nil, err
		}
	}
	return page, nil
}

func (s *Server) handleCommissionEvent(w http.ResponseWriter, r *http.Request) error {
	e, err := s.Forums.Get(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	page, err := s.commissionEventPage(r, e)
	if err != nil {
		return err
	}
	return s.render(w, r, "commission_event", page)
}

func (s *Server) commissionEventAgain(w http.ResponseWriter, r *http.Request, e *forums.Event, err error) error {
	page, perr := s.commissionEventPage(r, e)
	if perr != nil {
		return perr
	}
	if fe, ok := fault.As(err); ok && fe.Kind != fault.Invalid {
		err = fault.InvalidField("", fe.Message)
	}
	for k, v := range r.PostForm {
		page.Form[k] = v
	}
	return s.showFormAgain(w, r, "commission_event", page, page.Form, err)
}

func (s *Server) handleCommissionEventAttendance(w http.ResponseWriter, r *http.Request) error {
	e, err := s.Forums.Get(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fault.InvalidField("", "The form could not be read")
	}
	counts := map[string]string{}
	for k, v := range r.PostForm {
		if org, ok := strings.CutPrefix(k, "attended-"); ok && len(v) > 0 {
			counts[org] = strings.TrimSpace(v[0])
		}
	}
	err = s.Forums.RecordAttendance(r.Context(), principal(r), e.ID, counts, s.cfg.Now())
	if k := fault.KindOf(err); k == fault.Invalid || k == fault.Conflict {
		return s.commissionEventAgain(w, r, e, err)
	}
	if err != nil {
		return err
	}
	s.setFlash(w, r, "Attendance has been recorded")
	return redirect(w, r, "/commission/events/"+e.ID)
}

func (s *Server) handleCommissionEventNotes(w http.ResponseWriter, r *http.Request) error {
	e, err := s.Forums.Get(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fault.InvalidField("", "The form could not be read")
	}
	err = s.Forums.PublishNotes(r.Context(), principal(r), e.ID, r.PostForm.Get("notes"), r.PostForm.Get("actions"), s.cfg.Now())
	if k := fault.KindOf(err); k == fault.Invalid || k == fault.Conflict {
		return s.commissionEventAgain(w, r, e, err)
	}
	if err != nil {
		return err
	}
	s.setFlash(w, r, "The notes and actions have been published to providers")
	return redirect(w, r, "/commission/events/"+e.ID)
}

func (s *Server) handleCommissionEventCancel(w http.ResponseWriter, r *http.Request) error {
	e, err := s.Forums.Get(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	var reason string
	// One cancelled or started already goes straight to the domain, which
	// says why it cannot be cancelled.
	if !e.Cancelled && !e.Started(s.cfg.Now()) {
		var ok bool
		reason, ok, err = s.confirmed(w, r, confirmation{
			Heading: "Are you sure you want to cancel this event?", Caption: e.Title + ", " + eventWhen(e),
			Explain: []string{fmt.Sprintf("The event is called off. The organisations that booked (%d %s booked) or are on the waiting list (%d) are told in their notifications, and see your reason on the event's page.",
				e.Booked, pluralWord(e.Booked, "place", "places"), e.Waiting), "Their bookings are kept for the record. A cancelled event cannot be changed or booked again."},
			Button: "Yes, cancel the event", Back: "/commission/events/" + e.ID,
			Reason: "reason", ReasonLabel: "Reason for cancelling", ReasonHint: "The organisations that booked see this",
			ReasonMissing: "Enter the reason for cancelling the event",
		})
		if !ok {
			return err
		}
	}
	err = s.Forums.CancelEventBecause(r.Context(), principal(r), e.ID, reason, s.cfg.Now())
	if fault.KindOf(err) == fault.Conflict {
		return s.commissionEventAgain(w, r, e, err)
	}
	if err != nil {
		return err
	}
	s.setFlash(w, r, e.Title+" has been cancelled and the organisations that booked have been told")
	return redirect(w, r, "/commission/events/"+e.ID)
}
