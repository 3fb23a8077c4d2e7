package portal

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/forums"
)

// Forums and events: providers see upcoming events for their service
// types, book places, join the waiting list, cancel, download calendar
// files and comment after attending; commissioners announce events, see
// bookings, record attendance and publish notes and actions.
//
// Calendar feed: GET /events/feed/{token}.ics serves an organisation's
// upcoming events to calendar applications, which cannot sign in. The
// token is 256 random bits per organisation, shown only to its signed-in
// users, and can be reset (the old URL stops working). Online joining
// links appear only for events the organisation booked.

func forumsActor(p *auth.Principal) forums.Actor {
	return forums.Actor{UserID: p.UserID, Name: p.Name, OrgID: p.OrgID, OrgName: p.OrgName}
}

// forumOrgTypes returns the provider organisation's service types (nil
// for staff, or when accounts are not wired: every event shows).
func (s *Server) forumOrgTypes(ctx context.Context, p *auth.Principal) ([]string, error) {
	if p == nil || p.OrgID == "" || s.auth == nil {
		return nil, nil
	}
	o, err := s.auth.Org(ctx, p.OrgID)
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
	all, err := s.forums.List(r.Context())
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
			if b, err := s.forums.BookingFor(r.Context(), e.ID, p.OrgID); err == nil {
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
		if page.Feed, err = s.forums.FeedFor(r.Context(), p.OrgID); err != nil {
			return err
		}
	}
	return s.render(w, r, "events", page)
}

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

// visibleEvent loads {id}: an event the viewer may see (providers: one for
// their service types, or one they booked); otherwise 404.
func (s *Server) visibleEvent(r *http.Request) (*forums.Event, *forums.Booking, error) {
	e, err := s.forums.Get(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		return nil, nil, err
	}
	p := principal(r)
	if p.IsStaff() {
		return e, nil, nil
	}
	b, err := s.forums.BookingFor(r.Context(), e.ID, p.OrgID)
	if fault.KindOf(err) == fault.NotFound {
		b, err = nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	types, err := s.forumOrgTypes(r.Context(), p)
	if err != nil {
		return nil, nil, err
	}
	if b == nil && (e.Cancelled || !e.ForServiceTypes(types)) {
		return nil, nil, fault.NotFoundf("event not found")
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
		attended, err := s.forums.Attended(r.Context(), e.ID, p.OrgID)
		if err != nil {
			return nil, err
		}
		page.CanComment = attended
	}
	if page.Started {
		var err error
		if page.Comments, err = s.forums.Comments(r.Context(), e.ID); err != nil {
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
	page.basePage = page.withForm(r.PostForm, err)
	return s.renderStatus(w, r, http.StatusUnprocessableEntity, "event", page)
}

func (s *Server) handleEventBook(w http.ResponseWriter, r *http.Request) error {
	e, b, err := s.visibleEvent(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fault.InvalidField("", "The form could not be read")
	}
	nb, err := s.forums.Book(r.Context(), e.ID, forums.BookInput{Places: r.PostForm.Get("places"), AccessNeeds: r.PostForm.Get("accessNeeds")}, forumsActor(principal(r)), s.cfg.Now())
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
	err = s.forums.Cancel(r.Context(), e.ID, forumsActor(principal(r)), s.cfg.Now())
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
	_, err = s.forums.AddComment(r.Context(), e.ID, r.PostForm.Get("message"), forumsActor(principal(r)), s.cfg.Now())
	if fault.KindOf(err) == fault.Invalid {
		return s.eventAgain(w, r, e, b, err)
	}
	if err != nil {
		return err
	}
	s.setFlash(w, r, "Your comment has been added")
	return redirect(w, r, "/events/"+e.ID+"#comments")
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
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	info(r).Status = http.StatusOK
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
	orgID, err := s.forums.FeedOrg(r.Context(), mux.Vars(r)["token"])
	if err != nil {
		return err
	}
	var types []string
	if s.auth != nil {
		o, err := s.auth.Org(r.Context(), orgID)
		if fault.KindOf(err) == fault.NotFound {
			return fault.NotFoundf("feed not found")
		}
		if err != nil {
			return err
		}
		if !o.Active {
			return fault.NotFoundf("feed not found")
		}
		types = o.ServiceTypes
	}
	now := s.cfg.Now()
	events, err := s.forums.Upcoming(r.Context(), types, now)
	if err != nil {
		return err
	}
	var items []forums.CalendarItem
	for i := range events {
		e := &events[i]
		b, err := s.forums.BookingFor(r.Context(), e.ID, orgID)
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
	tok, err := s.forums.CreateFeedToken(r.Context(), p.OrgID, forumsActor(p), s.cfg.Now())
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
	tok, err := s.forums.ResetFeedToken(r.Context(), p.OrgID, forumsActor(p), s.cfg.Now())
	if err != nil {
		return err
	}
	return s.render(w, r, "events_feed", &eventFeedPage{basePage: s.page(r, "Your new calendar feed address"), FeedURL: s.absoluteURL(r, "/events/feed/"+tok+".ics"), Replaced: true})
}

// --- commissioners

type commissionEventsPage struct {
	basePage
	Upcoming []eventRow
	Past     []eventRow
}

func (s *Server) handleCommissionEvents(w http.ResponseWriter, r *http.Request) error {
	all, err := s.forums.List(r.Context())
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
	return s.render(w, r, "commission_events", page)
}

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
	e, err := s.forums.Create(r.Context(), in, forumsActor(principal(r)), s.cfg.Now())
	if fault.KindOf(err) == fault.Invalid {
		page := s.eventFormPage(r, nil, in)
		page.basePage = page.withForm(r.PostForm, err)
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "commission_event_form", page)
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
	e, err := s.forums.Get(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	in := forums.InputOf(e)
	page := s.eventFormPage(r, e, in)
	page.Form = eventForm(in)
	return s.render(w, r, "commission_event_form", page)
}

func (s *Server) handleCommissionEventUpdate(w http.ResponseWriter, r *http.Request) error {
	e, err := s.forums.Get(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fault.InvalidField("", "The form could not be read")
	}
	in := eventInput(r.PostForm)
	_, err = s.forums.Update(r.Context(), e.ID, in, forumsActor(principal(r)), s.cfg.Now())
	if fault.KindOf(err) == fault.Invalid {
		page := s.eventFormPage(r, e, in)
		page.basePage = page.withForm(r.PostForm, err)
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "commission_event_form", page)
	}
	if err != nil {
		return err
	}
	s.setFlash(w, r, "Your changes to "+in.Title+" have been saved")
	return redirect(w, r, "/commission/events/"+e.ID)
}

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
	bs, err := s.forums.Bookings(r.Context(), e.ID)
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
		if page.Comments, err = s.forums.Comments(r.Context(), e.ID); err != nil {
			return nil, err
		}
	}
	return page, nil
}

func (s *Server) handleCommissionEvent(w http.ResponseWriter, r *http.Request) error {
	e, err := s.forums.Get(r.Context(), mux.Vars(r)["id"])
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
	page.basePage = page.withForm(page.Form, err)
	return s.renderStatus(w, r, http.StatusUnprocessableEntity, "commission_event", page)
}

func (s *Server) handleCommissionEventAttendance(w http.ResponseWriter, r *http.Request) error {
	e, err := s.forums.Get(r.Context(), mux.Vars(r)["id"])
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
	err = s.forums.RecordAttendance(r.Context(), e.ID, counts, s.cfg.Now())
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
	e, err := s.forums.Get(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fault.InvalidField("", "The form could not be read")
	}
	err = s.forums.PublishNotes(r.Context(), e.ID, r.PostForm.Get("notes"), r.PostForm.Get("actions"), s.cfg.Now())
	if k := fault.KindOf(err); k == fault.Invalid || k == fault.Conflict {
		return s.commissionEventAgain(w, r, e, err)
	}
	if err != nil {
		return err
	}
	s.setFlash(w, r, "The notes and actions have been published to providers")
	return redirect(w, r, "/commission/events/"+e.ID)
}

type engagementFiguresPage struct {
	basePage
	Figures        forums.Figures
	AttendancePct  string
	SharePct       string
	StatementAge   int
	StatementKnown bool
	FromInput      string
	ToInput        string
}

// handleEngagementFigures shows the forums figures and the age of the
// market position statement (the self-assessment's live evidence).
func (s *Server) handleEngagementFigures(w http.ResponseWriter, r *http.Request) error {
	now := s.cfg.Now()
	to := now
	from := now.AddDate(-1, 0, 0)
	q := r.URL.Query()
	var f fault.Fields
	if v := q.Get("from"); v != "" {
		if d, ok := forums.ParseDate(v); ok {
			from = d
		} else {
			f.Add("from", "Enter the start date as a real date, for example 2026-04-01")
		}
	}
	if v := q.Get("to"); v != "" {
		if d, ok := forums.ParseDate(v); ok {
			to = d.AddDate(0, 0, 1)
		} else {
			f.Add("to", "Enter the end date as a real date, for example 2027-03-31")
		}
	}
	if len(f) == 0 && !from.Before(to) {
		f.Add("to", "The end date must be after the start date")
	}
	page := &engagementFiguresPage{basePage: s.page(r, "Engagement figures")}
	if err := f.Err(); err != nil {
		page.basePage = page.withForm(q, err)
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "engagement_figures", page)
	}
	fg, err := s.forums.Figures(r.Context(), from, to)
	if err != nil {
		return err
	}
	page.Figures = fg
	if fg.PlacesRecorded > 0 {
		page.AttendancePct = fmt.Sprintf("%.0f%%", fg.AttendanceRate*100)
	}
	if fg.ActiveProviders > 0 {
		page.SharePct = fmt.Sprintf("%.0f%%", fg.ProviderShare*100)
	}
	page.StatementAge, page.StatementKnown, err = s.statements.CurrentAge(r.Context(), now)
	if err != nil {
		return err
	}
	page.Form.Set("from", from.In(london).Format("2006-01-02"))
	page.Form.Set("to", to.Add(-time.Second).In(london).Format("2006-01-02"))
	return s.render(w, r, "engagement_figures", page)
}

func (s *Server) handleCommissionEventCancel(w http.ResponseWriter, r *http.Request) error {
	e, err := s.forums.Get(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	err = s.forums.CancelEvent(r.Context(), e.ID, s.cfg.Now())
	if fault.KindOf(err) == fault.Conflict {
		return s.commissionEventAgain(w, r, e, err)
	}
	if err != nil {
		return err
	}
	s.setFlash(w, r, e.Title+" has been cancelled and the organisations that booked have been told")
	return redirect(w, r, "/commission/events/"+e.ID)
}
