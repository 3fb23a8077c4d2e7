package forums

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/format"
	"careportal/portal/notify"
	"careportal/portal/store"
)

// Holding is one organisation's claim on an event's places.
type Holding struct {
	OrgID   string    `bson:"org_id"`
	OrgName string    `bson:"org_name"`
	Places  int       `bson:"places"`
	Waiting bool      `bson:"waiting"`
	Since   time.Time `bson:"since"` // when it was booked or joined the list
}

// placeState is the state of an event's places after a ledger entry:
// booked holdings in booking order, then the waiting list in queue order.
type placeState struct {
	Seq      int
	Capacity int
	Holdings []Holding
	At       time.Time // when the entry was recorded (zero before any)
}

// ledgerDoc is one change to an event's places.
type ledgerDoc struct {
	ID       string    `bson:"_id"` // store.EventID(event, seq)
	EventID  string    `bson:"event_id"`
	Seq      int       `bson:"seq"`
	Kind     string    `bson:"kind"` // book, wait, cancel, capacity
	OrgID    string    `bson:"org_id,omitempty"`
	By       string    `bson:"by"`
	At       time.Time `bson:"at"`
	Capacity int       `bson:"capacity"`
	Holdings []Holding `bson:"holdings"`
}

func ledgerID(eventID string, seq int) string { return store.EventID(eventID, seq) }

func (p *placeState) clone() *placeState {
	c := *p
	c.Holdings = append([]Holding(nil), p.Holdings...)
	return &c
}

func (p *placeState) booked() int {
	n := 0
	for _, h := range p.Holdings {
		if !h.Waiting {
			n += h.Places
		}
	}
	return n
}

func (p *placeState) waiting() int {
	n := 0
	for _, h := range p.Holdings {
		if h.Waiting {
			n++
		}
	}
	return n
}

func (p *placeState) find(orgID string) int {
	for i, h := range p.Holdings {
		if h.OrgID == orgID {
			return i
		}
	}
	return -1
}

// promote gives freed places to the waiting list in order: the first
// waiting organisation is booked when its places fit; the list stops at the
// first that does not fit, so nobody jumps the queue. It returns the
// organisations promoted.
func (p *placeState) promote() []string {
	var promoted []string
	for {
		i := -1
		for j, h := range p.Holdings {
			if h.Waiting {
				i = j
				break
			}
		}
		if i < 0 || p.Holdings[i].Places > p.Capacity-p.booked() {
			return promoted
		}
		h := p.Holdings[i]
		h.Waiting = false
		// booked holdings come first: move it to the end of the booked run
		p.Holdings = append(p.Holdings[:i], p.Holdings[i+1:]...)
		at := 0
		for at < len(p.Holdings) && !p.Holdings[at].Waiting {
			at++
		}
		p.Holdings = append(p.Holdings[:at], append([]Holding{h}, p.Holdings[at:]...)...)
		promoted = append(promoted, h.OrgID)
	}
}

func (p *placeState) applyTo(e *Event) {
	e.Seq, e.Capacity, e.Booked, e.Waiting = p.Seq, p.Capacity, p.booked(), p.waiting()
}

// places reads the latest state of an event's places: the entry the
// snapshot names, then any later entries a writer inserted but did not get
// to record in the snapshot.
func (s *Service) places(ctx context.Context, e *Event) (*placeState, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	st, err := s.recorded(ctx, e)
	if err != nil {
		return nil, err
	}
	for {
		next, err := s.entry(ctx, e.ID, st.Seq+1)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return st, nil
		}
		if err != nil {
			return nil, err
		}
		st = next
	}
}

// recorded is the state of e's places that its snapshot names.
func (s *Service) recorded(ctx context.Context, e *Event) (*placeState, error) {
	if e.Seq == 0 {
		return &placeState{Seq: 0, Capacity: e.Capacity}, nil
	}
	return s.entry(ctx, e.ID, e.Seq)
}

// entry is the state after ledger entry seq of the event, read by bare _id.
func (s *Service) entry(ctx context.Context, eventID string, seq int) (*placeState, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	d, err := store.Get[ledgerDoc](ctx, s.db.Collection(colLedger), ledgerID(eventID, seq))
	if err != nil {
		return nil, fmt.Errorf("forums: reading places of %s: %w", eventID, err)
	}
	return &placeState{Seq: d.Seq, Capacity: d.Capacity, Holdings: d.Holdings, At: d.At}, nil
}

// repairPlaces is the start-up crash repair (EnsureIndexes runs it): it
// brings every event's stored snapshots — its counts and the changed
// booking documents — up to the latest ledger entry, for writers that
// stopped between the entry and the snapshot. Readers do not need it (they
// probe the ledger), but lists of bookings and reports read the snapshots.
func (s *Service) repairPlaces(ctx context.Context) error {
	cctx, cancel := store.CallContext(ctx)
	events, err := store.FindAll[Event](cctx, s.db.Collection(colEvents), bson.D{})
	cancel()
	if err != nil {
		return fmt.Errorf("forums: reading events to repair: %w", err)
	}
	for i := range events {
		e := &events[i]
		after, err := s.places(ctx, e)
		if err != nil {
			return err
		}
		if after.Seq == e.Seq {
			continue
		}
		before, err := s.recorded(ctx, e)
		if err != nil {
			return err
		}
		if err := s.snapshot(ctx, e.ID, before, after, after.At); err != nil {
			return err
		}
		slog.Warn("forums: places snapshot was behind its ledger; rebuilt", "event", e.ID, "seq", after.Seq)
	}
	return nil
}

const maxAttempts = 50

// change applies fn to the latest state of the event's places and records
// the result as ledger entry seq+1, retrying when another writer got there
// first. It returns the states before and after.
func (s *Service) change(ctx context.Context, eventID, kind string, by *auth.Principal, now time.Time, fn func(p *placeState) error) (before, after *placeState, err error) {
	for attempt := 0; attempt < maxAttempts; attempt++ {
		e, err := s.getDoc(ctx, eventID)
		if err != nil {
			return nil, nil, err
		}
		before, err = s.places(ctx, e)
		if err != nil {
			return nil, nil, err
		}
		after = before.clone()
		if err := fn(after); err != nil {
			return nil, nil, err
		}
		after.Seq, after.At = before.Seq+1, now.UTC()
		err = s.record(ctx, eventID, kind, by, after)
		if errors.Is(err, errStepTaken) {
			continue // someone else changed the places first: read again
		}
		if err != nil {
			return nil, nil, err
		}
		if err := s.snapshot(ctx, eventID, before, after, now); err != nil {
			return nil, nil, err
		}
		return before, after, nil
	}
	return nil, nil, fault.Conflictf("Many people are booking this event at the moment. Try again.")
}

// errStepTaken says another writer recorded the ledger entry first.
var errStepTaken = errors.New("forums: another writer took this step of the places")

// record inserts after as ledger entry after.Seq: the step. A second
// writer of the same step gets errStepTaken and nothing changes.
func (s *Service) record(ctx context.Context, eventID, kind string, by *auth.Principal, after *placeState) error {
	d := ledgerDoc{
		ID: ledgerID(eventID, after.Seq), EventID: eventID, Seq: after.Seq, Kind: kind,
		OrgID: by.OrgID, By: by.Name, At: after.At, Capacity: after.Capacity, Holdings: after.Holdings,
	}
	if d.Holdings == nil {
		d.Holdings = []Holding{}
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	_, err := s.db.Collection(colLedger).InsertOne(ctx, d)
	if store.IsDuplicateKey(err) {
		return errStepTaken
	}
	if err != nil {
		return fmt.Errorf("forums: recording places: %w", err)
	}
	return nil
}

// snapshot brings the event document and the changed booking documents in
// line with the ledger, by bare _id.
func (s *Service) snapshot(ctx context.Context, eventID string, before, after *placeState, now time.Time) error {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	_, err := s.db.Collection(colEvents).UpdateOne(ctx, bson.D{{Key: "_id", Value: eventID}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "seq", Value: after.Seq}, {Key: "capacity", Value: after.Capacity},
		{Key: "booked", Value: after.booked()}, {Key: "waiting", Value: after.waiting()},
	}}})
	if err != nil {
		return fmt.Errorf("forums: updating event snapshot: %w", err)
	}
	status := func(p *placeState, org string) (Status, int) {
		if i := p.find(org); i >= 0 {
			if p.Holdings[i].Waiting {
				return Waiting, p.Holdings[i].Places
			}
			return Booked, p.Holdings[i].Places
		}
		return Cancelled, 0
	}
	orgs := map[string]bool{}
	for _, h := range before.Holdings {
		orgs[h.OrgID] = true
	}
	for _, h := range after.Holdings {
		orgs[h.OrgID] = true
	}
	for org := range orgs {
		bs, bp := status(before, org)
		as, ap := status(after, org)
		if bs == as && bp == ap {
			continue
		}
		set := bson.D{{Key: "status", Value: as}, {Key: "updated_at", Value: now.UTC()}}
		if as != Cancelled {
			set = append(set, bson.E{Key: "places", Value: ap})
		}
		_, err := s.db.Collection(colBookings).UpdateOne(ctx, bson.D{{Key: "_id", Value: bookingID(eventID, org)}},
			bson.D{{Key: "$set", Value: set}}, options.UpdateOne().SetUpsert(true))
		if err != nil {
			return fmt.Errorf("forums: updating booking snapshot: %w", err)
		}
	}
	return nil
}

// BookInput is what a provider asks for.
type BookInput struct {
	Places      string
	AccessNeeds string
}

// Book books places for the organisation, or puts it on the waiting list
// when there are not enough free places (or others are already waiting).
// The booking returned says which.
func (s *Service) Book(ctx context.Context, eventID string, in BookInput, by *auth.Principal, now time.Time) (*Booking, error) {
	if !by.IsProvider() || by.OrgID == "" {
		return nil, fault.Forbiddenf("Only provider organisations book places")
	}
	e, err := s.get(ctx, eventID)
	if err != nil {
		return nil, err
	}
	// A cancelled event answers that bookings are closed (below); any other
	// must be one the organisation is invited to.
	if !e.Cancelled {
		if err := s.visible(ctx, by, e); err != nil {
			return nil, err
		}
	}
	var f fault.Fields
	n, perr := parseInt(in.Places)
	switch {
	case perr != nil:
		f.Add("places", "Number of attendees must be a whole number, like 2")
	case n < 1:
		f.Add("places", "Number of attendees must be at least 1")
	case n > MaxPlacesPerOrg:
		f.Add("places", fmt.Sprintf("Number of attendees must be %d or fewer", MaxPlacesPerOrg))
	case n > e.Capacity:
		f.Add("places", fmt.Sprintf("Number of attendees must be %d or fewer: the event has %d places", e.Capacity, e.Capacity))
	}
	access := f.Text("accessNeeds", "access needs", in.AccessNeeds, false, 1000)
	if err := f.Err(); err != nil {
		return nil, err
	}
	if !e.BookingOpen(now) {
		return nil, fault.Conflictf("Bookings for this event are closed")
	}
	_, _, err = s.change(ctx, eventID, "book", by, now, func(p *placeState) error {
		if p.find(by.OrgID) >= 0 {
			return fault.Conflictf("Your organisation already has a booking for this event. Cancel it first to change the number of attendees.")
		}
		h := Holding{OrgID: by.OrgID, OrgName: by.OrgName, Places: n, Since: now.UTC()}
		if p.waiting() > 0 || n > p.Capacity-p.booked() {
			h.Waiting = true
		}
		p.Holdings = append(p.Holdings, h)
		p.promoteOrder() // booked holdings stay before the waiting list
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The details of the booking (the snapshot already has status and places).
	cctx, cancel := store.CallContext(ctx)
	defer cancel()
	_, err = s.db.Collection(colBookings).UpdateOne(cctx, bson.D{{Key: "_id", Value: bookingID(eventID, by.OrgID)}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "event_id", Value: eventID}, {Key: "org_id", Value: by.OrgID}, {Key: "org_name", Value: by.OrgName},
		{Key: "access_needs", Value: access}, {Key: "booked_by", Value: by.Name}, {Key: "booked_at", Value: now.UTC()},
		{Key: "attended", Value: nil},
	}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return nil, fmt.Errorf("forums: saving booking details: %w", err)
	}
	return s.BookingFor(ctx, by, eventID)
}

// promoteOrder moves every booked holding before every waiting one, keeping
// each group's order.
func (p *placeState) promoteOrder() {
	var booked, waiting []Holding
	for _, h := range p.Holdings {
		if h.Waiting {
			waiting = append(waiting, h)
		} else {
			booked = append(booked, h)
		}
	}
	p.Holdings = append(booked, waiting...)
}

// Cancel withdraws the organisation's booking or waiting-list place. Freed
// places go to the waiting list in order; those promoted are told.
func (s *Service) Cancel(ctx context.Context, eventID string, by *auth.Principal, now time.Time) error {
	if !by.IsProvider() || by.OrgID == "" {
		return fault.NotFoundf("booking not found")
	}
	e, err := s.Get(ctx, by, eventID)
	if err != nil {
		return err
	}
	if e.Started(now) {
		return fault.Conflictf("The event has started: bookings can no longer be cancelled")
	}
	var promoted []string
	_, _, err = s.change(ctx, eventID, "cancel", by, now, func(p *placeState) error {
		i := p.find(by.OrgID)
		if i < 0 {
			return fault.NotFoundf("booking not found")
		}
		p.Holdings = append(p.Holdings[:i], p.Holdings[i+1:]...)
		promoted = p.promote()
		return nil
	})
	if err != nil {
		return err
	}
	for _, org := range promoted {
		title := fmt.Sprintf("A place became free: your organisation is now booked for %s on %s", e.Title, format.Date(e.StartsAt))
		if err := s.notify.ToOrg(ctx, org, notify.KindForum, title, notify.Ref{Kind: notify.RefEvent, ID: e.ID}); err != nil {
			return fmt.Errorf("forums: telling %s about a place: %w", org, err)
		}
	}
	return nil
}

// BookingFor returns the actor's organisation's booking for the event,
// with its status and waiting-list position from the ledger; NotFound when
// the organisation never booked, and for anyone but a provider.
func (s *Service) BookingFor(ctx context.Context, by *auth.Principal, eventID string) (*Booking, error) {
	if !by.IsProvider() || by.OrgID == "" {
		return nil, fault.NotFoundf("booking not found")
	}
	e, err := s.get(ctx, eventID)
	if err != nil {
		return nil, err
	}
	return s.bookingFor(ctx, e, by.OrgID)
}

// bookingFor is organisation orgID's booking for e, whoever asks.
func (s *Service) bookingFor(ctx context.Context, e *Event, orgID string) (*Booking, error) {
	eventID := e.ID
	ps, err := s.places(ctx, e)
	if err != nil {
		return nil, err
	}
	cctx, cancel := store.CallContext(ctx)
	defer cancel()
	var b Booking
	b, err = store.Get[Booking](cctx, s.db.Collection(colBookings), bookingID(eventID, orgID))
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, fault.NotFoundf("booking not found")
	}
	if err != nil {
		return nil, fmt.Errorf("forums: reading booking: %w", err)
	}
	fill(&b, ps)
	return &b, nil
}

// fill sets status, places and position from the ledger state.
func fill(b *Booking, ps *placeState) {
	b.Status, b.Position = Cancelled, 0
	pos := 0
	for _, h := range ps.Holdings {
		if h.Waiting {
			pos++
		}
		if h.OrgID == b.OrgID {
			b.Places = h.Places
			if h.Waiting {
				b.Status, b.Position = Waiting, pos
			} else {
				b.Status = Booked
			}
		}
	}
}

// Bookings returns every booking for the event (cancelled ones included),
// booked first, then the waiting list in order, then cancelled. Only
// council staff see other organisations' bookings.
func (s *Service) Bookings(ctx context.Context, by *auth.Principal, eventID string) ([]Booking, error) {
	if err := staffOnly(by); err != nil {
		return nil, err
	}
	return s.bookings(ctx, eventID)
}

// bookings is every booking for the event, whoever asks.
func (s *Service) bookings(ctx context.Context, eventID string) ([]Booking, error) {
	e, err := s.get(ctx, eventID)
	if err != nil {
		return nil, err
	}
	ps, err := s.places(ctx, e)
	if err != nil {
		return nil, err
	}
	all, err := s.allBookings(ctx)
	if err != nil {
		return nil, err
	}
	rank := map[string]int{}
	for i, h := range ps.Holdings {
		rank[h.OrgID] = i
	}
	var out []Booking
	for _, b := range all {
		if b.EventID != eventID {
			continue
		}
		fill(&b, ps)
		out = append(out, b)
	}
	key := func(b Booking) int {
		if r, ok := rank[b.OrgID]; ok {
			return r
		}
		return 1 << 20
	}
	sortBookings(out, key)
	return out, nil
}

func (s *Service) allBookings(ctx context.Context) ([]Booking, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	all, err := store.FindAll[Booking](ctx, s.db.Collection(colBookings), bson.D{})
	if err != nil {
		return nil, fmt.Errorf("forums: listing bookings: %w", err)
	}
	return all, nil
}
