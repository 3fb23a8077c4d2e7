package forums

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/format"
	"careportal/portal/notify"
	"careportal/portal/store"
)

// Collections this package owns.
const (
	colEvents   = "forum_events"
	colLedger   = "forum_places"
	colBookings = "forum_bookings"
	colComments = "forum_comments"
	colFeeds    = "forum_feed_tokens"
)

// ServiceTypes are the service types an event can be for: the fixed list
// provider organisations choose theirs from, so targeting matches.
var ServiceTypes = auth.ServiceTypes

// Format is how people take part.
type Format string

const (
	InPerson Format = "in-person"
	Online   Format = "online"
)

// Event is a provider forum or event. Times are UTC instants.
type Event struct {
	ID              string    `bson:"_id"`
	Title           string    `bson:"title"`
	Description     string    `bson:"description"`
	Agenda          string    `bson:"agenda"`
	StartsAt        time.Time `bson:"starts_at"`
	EndsAt          time.Time `bson:"ends_at"`
	Format          Format    `bson:"format"`
	Address         string    `bson:"address"`
	Link            string    `bson:"link"` // online joining link: only for organisations that booked
	Capacity        int       `bson:"capacity"`
	ServiceTypes    []string  `bson:"service_types"`    // empty: for every provider
	BookingDeadline string    `bson:"booking_deadline"` // YYYY-MM-DD, Europe/London, inclusive
	Cancelled       bool      `bson:"cancelled"`
	CancelReason    string    `bson:"cancel_reason,omitempty"` // the commissioner's, shown to those who booked

	Notes            string    `bson:"notes"`
	Actions          string    `bson:"actions"`
	NotesPublishedAt time.Time `bson:"notes_published_at"`

	CreatedAt time.Time `bson:"created_at"`
	CreatedBy string    `bson:"created_by"`
	UpdatedAt time.Time `bson:"updated_at"`

	// Snapshot of the places ledger (see package doc).
	Seq     int `bson:"seq"`
	Booked  int `bson:"booked"`  // places booked
	Waiting int `bson:"waiting"` // organisations waiting
}

// Free is the number of places not booked.
func (e *Event) Free() int { return max(0, e.Capacity-e.Booked) }

// Started reports whether the event has begun at now.
func (e *Event) Started(now time.Time) bool { return !now.Before(e.StartsAt) }

// BookingOpen reports whether bookings are taken at now: before the end of
// the deadline day (London) and before the start.
func (e *Event) BookingOpen(now time.Time) bool {
	if e.Cancelled || e.Started(now) {
		return false
	}
	if e.BookingDeadline == "" {
		return true
	}
	d, err := time.ParseInLocation("2006-01-02", e.BookingDeadline, london)
	if err != nil {
		return true
	}
	return now.Before(d.AddDate(0, 0, 1))
}

// ForServiceTypes reports whether an organisation with these service types
// is invited: events for no type in particular invite everyone, and an
// organisation with no recorded types sees every event.
func (e *Event) ForServiceTypes(orgTypes []string) bool {
	if len(e.ServiceTypes) == 0 || len(orgTypes) == 0 {
		return true
	}
	for _, t := range e.ServiceTypes {
		for _, o := range orgTypes {
			if strings.EqualFold(t, o) {
				return true
			}
		}
	}
	return false
}

// Status of a booking.
type Status string

const (
	Booked    Status = "booked"
	Waiting   Status = "waiting"
	Cancelled Status = "cancelled"
)

// Booking is one organisation's booking for one event.
type Booking struct {
	ID          string    `bson:"_id"` // eventID:orgID
	EventID     string    `bson:"event_id"`
	OrgID       string    `bson:"org_id"`
	OrgName     string    `bson:"org_name"`
	Places      int       `bson:"places"`
	Status      Status    `bson:"status"`
	AccessNeeds string    `bson:"access_needs"`
	BookedBy    string    `bson:"booked_by"`
	BookedAt    time.Time `bson:"booked_at"`
	UpdatedAt   time.Time `bson:"updated_at"`
	// Attended is the number who came; nil until recorded.
	Attended *int `bson:"attended"`
	// Position on the waiting list (1 = next); 0 unless waiting. Filled in
	// from the ledger when read, not stored.
	Position int `bson:"-"`
}

func bookingID(eventID, orgID string) string { return eventID + ":" + orgID }

// Provider is a provider organisation as forums need it.
type Provider struct {
	ID           string
	Name         string
	ServiceTypes []string
}

// Directory lists active provider organisations (auth, through an
// adapter in cmd/portal). Without one, figures cannot count providers.
type Directory interface {
	ActiveProviders(ctx context.Context) ([]Provider, error)
}

// Announcer puts notices in providers' notifications lists; *notify.Service
// is one. Without one (nil to NewService), silentAnnouncer sends nothing.
type Announcer interface {
	ToOrg(ctx context.Context, orgID string, kind notify.Kind, title string, ref notify.Ref) error
	ToAllProviders(ctx context.Context, kind notify.Kind, title string, ref notify.Ref, serviceTypes []string) error
}

var _ Announcer = (*notify.Service)(nil)

// silentAnnouncer is the Announcer used when none is given: it tells no one.
type silentAnnouncer struct{}

func (silentAnnouncer) ToOrg(context.Context, string, notify.Kind, string, notify.Ref) error {
	return nil
}
func (silentAnnouncer) ToAllProviders(context.Context, notify.Kind, string, notify.Ref, []string) error {
	return nil
}

// ErrNoDirectory is what the Directory used when none is given answers:
// figures then report the number of providers as unknown.
var ErrNoDirectory = errors.New("forums: no directory of providers is wired")

// noDirectory is the Directory used when none is given.
type noDirectory struct{}

func (noDirectory) ActiveProviders(context.Context) ([]Provider, error) { return nil, ErrNoDirectory }

// Service is the forums and events service.
type Service struct {
	db     *mongo.Database
	notify Announcer
	dir    Directory
}

// NewService builds the service. notify and dir may be nil: a
// do-nothing Announcer and a Directory that knows no providers stand in.
func NewService(db *mongo.Database, notify Announcer, dir Directory) *Service {
	s := &Service{db: db, notify: silentAnnouncer{}, dir: noDirectory{}}
	if notify != nil {
		s.notify = notify
	}
	if dir != nil {
		s.dir = dir
	}
	return s
}

// EnsureIndexes creates the collections, idempotently, and repairs the
// places snapshots a stop left behind their ledger (repairPlaces).
func (s *Service) EnsureIndexes(ctx context.Context) error {
	// One-time migrations of stores written by older versions come first
	// (see migrations.go): the indexes below are on the new field names.
	if err := store.Migrate(ctx, s.db, nil, migrations...); err != nil {
		return err
	}
	cctx, cancel := store.CallContext(ctx)
	defer cancel()
	if err := store.EnsureCollections(cctx, s.db, colEvents, colLedger, colBookings, colComments, colFeeds); err != nil {
		return err
	}
	// Feed tokens from before they were stored hashed (documents "tok:"+token
	// and "org:"+id with the token in the clear) are removed: those
	// addresses stop working and the organisation makes a new one.
	if _, err := s.db.Collection(colFeeds).DeleteMany(cctx, bson.D{{Key: "hash", Value: bson.D{{Key: "$exists", Value: false}}}}); err != nil {
		return err
	}
	return s.repairPlaces(ctx)
}

var london = mustLondon()

func mustLondon() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic("forums: Europe/London time zone data is missing: " + err.Error())
	}
	return l
}

func newID(prefix string) string { return store.NewID(prefix, 10) }

// Limits.
const (
	MaxPlacesPerOrg = 10
	maxCapacity     = 1000
	maxTitle        = 200
	maxLong         = 10000
	maxShort        = 500
)

func clean(v string) string { return strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n")) }

// EventInput is an event as typed in the form: date and times in Europe/London.
type EventInput struct {
	Title, Description, Agenda string
	Date                       string // YYYY-MM-DD
	StartTime, EndTime         string // HH:MM, 24-hour
	Format                     Format
	Address, Link              string
	Capacity                   string
	ServiceTypes               []string
	BookingDeadline            string // YYYY-MM-DD
}

// InputOf gives the form values of an event, for editing.
func InputOf(e *Event) EventInput {
	st, en := e.StartsAt.In(london), e.EndsAt.In(london)
	return EventInput{
		Title: e.Title, Description: e.Description, Agenda: e.Agenda,
		Date: st.Format("2 1 2006"), StartTime: st.Format("15:04"), EndTime: en.Format("15:04"),
		Format: e.Format, Address: e.Address, Link: e.Link, Capacity: fmt.Sprint(e.Capacity),
		ServiceTypes: e.ServiceTypes, BookingDeadline: formDate(e.BookingDeadline),
	}
}

// formDate writes a stored YYYY-MM-DD date as the forms' hints ask for it
// (14 3 2027); "" stays "".
func formDate(iso string) string {
	t, err := time.Parse("2006-01-02", iso)
	if err != nil {
		return iso
	}
	return t.Format("2 1 2006")
}

// ParseDate reads a calendar date as people type it: 14 3 2027 (the
// form of the pages' hints), 14/3/2027, 14-3-2027, 14.3.2027 or
// 2027-03-14.
func ParseDate(v string) (time.Time, bool) {
	v = strings.Join(strings.Fields(v), " ")
	for _, layout := range []string{"2006-01-02", "2 1 2006", "2/1/2006", "2-1-2006", "2.1.2006"} {
		if t, err := time.ParseInLocation(layout, v, london); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func parseClock(v string) (h, m int, ok bool) {
	v = strings.TrimSpace(strings.ReplaceAll(v, ".", ":"))
	t, err := time.Parse("15:04", v)
	if err != nil {
		if t, err = time.Parse("3:04pm", strings.ToLower(strings.ReplaceAll(v, " ", ""))); err != nil {
			return 0, 0, false
		}
	}
	return t.Hour(), t.Minute(), true
}

// validate checks the input and returns the event fields it describes.
// now is used to refuse a new event in the past.
func (in EventInput) validate(now time.Time, isNew bool) (Event, error) {
	var f fault.Fields
	var e Event
	e.Title = f.Text("title", "a title", in.Title, true, maxTitle)
	e.Description = f.Text("description", "a description", in.Description, true, maxLong)
	e.Agenda = f.Text("agenda", "the agenda", in.Agenda, false, maxLong)
	day, okDay := ParseDate(in.Date)
	if !okDay {
		f.Add("date", "Enter the date of the event as a real date, for example 14 3 2027")
	}
	sh, sm, okS := parseClock(in.StartTime)
	if !okS {
		f.Add("startTime", "Enter the start time in 24-hour format, for example 10:00")
	}
	eh, em, okE := parseClock(in.EndTime)
	if !okE {
		f.Add("endTime", "Enter the end time in 24-hour format, for example 12:30")
	}
	if okDay && okS && okE {
		e.StartsAt = time.Date(day.Year(), day.Month(), day.Day(), sh, sm, 0, 0, london).UTC()
		e.EndsAt = time.Date(day.Year(), day.Month(), day.Day(), eh, em, 0, 0, london).UTC()
		if !e.EndsAt.After(e.StartsAt) {
			f.Add("endTime", "End time must be after the start time")
		}
		if isNew && e.StartsAt.Before(now) {
			f.Add("date", "The event must be in the future")
		}
	}
	e.Format = in.Format
	e.Address = f.Text("address", "the address", in.Address, false, maxShort)
	e.Link = clean(in.Link)
	switch in.Format {
	case InPerson:
		if e.Address == "" {
			f.Add("address", "Enter the address of the venue")
		}
		e.Link = ""
	case Online:
		if e.Link == "" {
			f.Add("link", "Enter the joining link of the online event")
		} else if !strings.HasPrefix(e.Link, "https://") || strings.ContainsAny(e.Link, " \t\n<>\"") || len(e.Link) > maxShort {
			f.Add("link", "Enter the joining link as a full web address starting with https://")
		}
		e.Address = ""
	default:
		f.Add("format", "Choose whether the event is in person or online")
	}
	capN, err := parseInt(in.Capacity)
	switch {
	case strings.TrimSpace(in.Capacity) == "":
		f.Add("capacity", "Enter the number of places")
	case err != nil:
		f.Add("capacity", "Number of places must be a whole number, like 40")
	case capN < 1 || capN > maxCapacity:
		f.Add("capacity", fmt.Sprintf("Number of places must be between 1 and %d", maxCapacity))
	}
	e.Capacity = capN
	for _, t := range in.ServiceTypes {
		if !slices.Contains(ServiceTypes, t) {
			f.Add("serviceTypes", "Choose service types from the list")
			break
		}
		if !slices.Contains(e.ServiceTypes, t) {
			e.ServiceTypes = append(e.ServiceTypes, t)
		}
	}
	if strings.TrimSpace(in.BookingDeadline) != "" {
		dl, ok := ParseDate(in.BookingDeadline)
		switch {
		case !ok:
			f.Add("bookingDeadline", "Enter the booking deadline as a real date, for example 7 3 2027")
		case okDay && dl.After(day):
			f.Add("bookingDeadline", "The booking deadline must be on or before the day of the event")
		default:
			e.BookingDeadline = dl.Format("2006-01-02")
		}
	}
	return e, f.Err()
}

func parseInt(v string) (int, error) {
	var n int
	v = strings.TrimSpace(v)
	if v == "" || len(v) > 6 {
		return 0, errors.New("not a number")
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, errors.New("not a number")
		}
		n = n*10 + int(c-'0')
	}
	return n, nil
}

// Create announces a new event and tells providers of its service types.
func (s *Service) Create(ctx context.Context, in EventInput, by *auth.Principal, now time.Time) (*Event, error) {
	if err := staffOnly(by); err != nil {
		return nil, err
	}
	e, err := in.validate(now, true)
	if err != nil {
		return nil, err
	}
	e.ID = newID("ev_")
	e.CreatedAt, e.UpdatedAt, e.CreatedBy = now.UTC(), now.UTC(), by.Name
	if e.ServiceTypes == nil {
		e.ServiceTypes = []string{}
	}
	cctx, cancel := store.CallContext(ctx)
	defer cancel()
	if _, err := s.db.Collection(colEvents).InsertOne(cctx, &e); err != nil {
		return nil, fmt.Errorf("forums: creating event: %w", err)
	}
	title := fmt.Sprintf("New event: %s on %s", e.Title, format.Date(e.StartsAt))
	if err := s.notify.ToAllProviders(ctx, notify.KindEvent, title, notify.Ref{Kind: notify.RefEvent, ID: e.ID}, e.ServiceTypes); err != nil {
		return &e, fmt.Errorf("forums: announcing event: %w", err)
	}
	return &e, nil
}

// Get returns an event the actor may see, with its places caught up with
// the ledger. Council staff see every event; a provider organisation sees
// the events it booked (even once cancelled) and the open events for its
// service types. Any other event is NotFound, so that ids reveal nothing.
func (s *Service) Get(ctx context.Context, by *auth.Principal, id string) (*Event, error) {
	e, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.visible(ctx, by, e); err != nil {
		return nil, err
	}
	return e, nil
}

// visible is nil when by may see e, NotFound otherwise.
func (s *Service) visible(ctx context.Context, by *auth.Principal, e *Event) error {
	if by.IsStaff() {
		return nil
	}
	if !by.IsProvider() || by.OrgID == "" {
		return fault.NotFoundf("event not found")
	}
	if !e.Cancelled && e.ForServiceTypes(by.ServiceTypes) {
		return nil
	}
	if _, err := s.bookingFor(ctx, e, by.OrgID); err != nil {
		if fault.KindOf(err) == fault.NotFound {
			return fault.NotFoundf("event not found")
		}
		return err
	}
	return nil
}

// staffOnly is Forbidden unless by may manage events (commissioners and
// administrators, by the auth policy).
func staffOnly(by *auth.Principal) error {
	if !auth.Can(by, auth.ActionManageEvents) {
		return fault.Forbiddenf("Only council staff manage forums and events")
	}
	return nil
}

// get returns an event with its places caught up with the ledger, whoever
// asks: for the service's own use.
func (s *Service) get(ctx context.Context, id string) (*Event, error) {
	e, err := s.getDoc(ctx, id)
	if err != nil {
		return nil, err
	}
	ps, err := s.places(ctx, e)
	if err != nil {
		return nil, err
	}
	ps.applyTo(e)
	return e, nil
}

func (s *Service) getDoc(ctx context.Context, id string) (*Event, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	e, err := store.Get[Event](ctx, s.db.Collection(colEvents), id)
	if err != nil {
		return nil, store.NotFoundAs(err, "event")
	}
	return &e, nil
}

// Update changes an event's details. Capacity goes through the places
// ledger: it cannot drop below the places booked, and a rise offers the new
// places to the waiting list.
func (s *Service) Update(ctx context.Context, id string, in EventInput, by *auth.Principal, now time.Time) (*Event, error) {
	if err := staffOnly(by); err != nil {
		return nil, err
	}
	e, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	ne, verr := in.validate(now, false)
	var f fault.Fields
	if fe, ok := fault.As(verr); ok {
		f = fe.Fields
	} else if verr != nil {
		return nil, verr
	}
	if !f.Has("capacity") && ne.Capacity < e.Booked {
		f.Add("capacity", fmt.Sprintf("Number of places cannot be fewer than the %d already booked", e.Booked))
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	if ne.Capacity != e.Capacity {
		if _, _, err := s.change(ctx, id, "capacity", by, now, func(p *placeState) error {
			if ne.Capacity < p.booked() {
				return fault.InvalidField("capacity", fmt.Sprintf("Number of places cannot be fewer than the %d already booked", p.booked()))
			}
			p.Capacity = ne.Capacity
			p.promote()
			return nil
		}); err != nil {
			return nil, err
		}
	}
	if ne.ServiceTypes == nil {
		ne.ServiceTypes = []string{}
	}
	cctx, cancel := store.CallContext(ctx)
	defer cancel()
	_, err = s.db.Collection(colEvents).UpdateOne(cctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "title", Value: ne.Title}, {Key: "description", Value: ne.Description}, {Key: "agenda", Value: ne.Agenda},
		{Key: "starts_at", Value: ne.StartsAt}, {Key: "ends_at", Value: ne.EndsAt}, {Key: "format", Value: ne.Format},
		{Key: "address", Value: ne.Address}, {Key: "link", Value: ne.Link}, {Key: "service_types", Value: ne.ServiceTypes},
		{Key: "booking_deadline", Value: ne.BookingDeadline}, {Key: "updated_at", Value: now.UTC()},
	}}})
	if err != nil {
		return nil, fmt.Errorf("forums: updating event: %w", err)
	}
	// Organisations that booked or wait are told when the time or the
	// place changes.
	moved := !ne.StartsAt.Equal(e.StartsAt) || !ne.EndsAt.Equal(e.EndsAt) || ne.Format != e.Format || ne.Address != e.Address || ne.Link != e.Link
	if moved && !e.Started(now) {
		bookings, err := s.bookings(ctx, id)
		if err != nil {
			return nil, err
		}
		title := fmt.Sprintf("Changed: %s is now on %s", ne.Title, format.DateTime(ne.StartsAt))
		if ne.Format == Online {
			title += ", online"
		}
		for _, b := range bookings {
			if b.Status != Cancelled {
				if err := s.notify.ToOrg(ctx, b.OrgID, notify.KindEvent, title, notify.Ref{Kind: notify.RefEvent, ID: id}); err != nil {
					return nil, fmt.Errorf("forums: telling %s about the change: %w", b.OrgID, err)
				}
			}
		}
	}
	return s.get(ctx, id)
}

// List returns the events the actor may see (see Get), soonest first.
// Events are few (tens a year); the collection is read whole.
func (s *Service) List(ctx context.Context, by *auth.Principal) ([]Event, error) {
	all, err := s.list(ctx)
	if err != nil {
		return nil, err
	}
	if by.IsStaff() {
		return all, nil
	}
	out := []Event{}
	for i := range all {
		err := s.visible(ctx, by, &all[i])
		if fault.KindOf(err) == fault.NotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, all[i])
	}
	return out, nil
}

func (s *Service) list(ctx context.Context) ([]Event, error) {
	cctx, cancel := store.CallContext(ctx)
	defer cancel()
	out, err := store.FindAll[Event](cctx, s.db.Collection(colEvents), bson.D{})
	if err != nil {
		return nil, fmt.Errorf("forums: listing events: %w", err)
	}
	for i := range out {
		ps, err := s.places(ctx, &out[i])
		if err != nil {
			return nil, err
		}
		ps.applyTo(&out[i])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].StartsAt.Before(out[j].StartsAt) })
	return out, nil
}

// Upcoming returns the events not yet ended and not cancelled that the
// actor is invited to (staff: all; a provider: those for its service
// types), soonest first.
func (s *Service) Upcoming(ctx context.Context, by *auth.Principal, now time.Time) ([]Event, error) {
	if !by.IsStaff() && (!by.IsProvider() || by.OrgID == "") {
		return nil, nil
	}
	all, err := s.list(ctx)
	if err != nil {
		return nil, err
	}
	var types []string
	if !by.IsStaff() {
		types = by.ServiceTypes
	}
	var out []Event
	for _, e := range all {
		if !e.Cancelled && e.EndsAt.After(now) && e.ForServiceTypes(types) {
			out = append(out, e)
		}
	}
	return out, nil
}

func sortBookings(b []Booking, key func(Booking) int) {
	sort.SliceStable(b, func(i, j int) bool {
		ki, kj := key(b[i]), key(b[j])
		if ki != kj {
			return ki < kj
		}
		return b[i].OrgName < b[j].OrgName
	})
}
