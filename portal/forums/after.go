package forums

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
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

// AttendedField is the form field name of one booking's attended count.
func AttendedField(orgID string) string { return "attended-" + orgID }

// RecordAttendance records how many people from each booked organisation
// came, once the event has started. counts maps organisation id to the
// typed number; every booked organisation must have one. Nothing is saved
// unless every count is valid.
func (s *Service) RecordAttendance(ctx context.Context, by *auth.Principal, eventID string, counts map[string]string, now time.Time) error {
	if err := staffOnly(by); err != nil {
		return err
	}
	e, err := s.get(ctx, eventID)
	if err != nil {
		return err
	}
	if !e.Started(now) {
		return fault.Conflictf("Attendance can be recorded once the event has started")
	}
	bookings, err := s.bookings(ctx, eventID)
	if err != nil {
		return err
	}
	var f fault.Fields
	values := map[string]int{}
	for _, b := range bookings {
		if b.Status != Booked {
			continue
		}
		field := AttendedField(b.OrgID)
		v, ok := counts[b.OrgID]
		n, perr := parseInt(v)
		switch {
		case !ok || v == "":
			f.Add(field, "Enter how many people from "+b.OrgName+" attended (0 if nobody came)")
		case perr != nil:
			f.Add(field, "Attendance for "+b.OrgName+" must be a whole number, like 2")
		case n > b.Places:
			f.Add(field, fmt.Sprintf("Attendance for %s must be %d or fewer: the places they booked", b.OrgName, b.Places))
		default:
			values[b.OrgID] = n
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	for org, n := range values {
		_, err := s.db.Collection(colBookings).UpdateOne(ctx, bson.D{{Key: "_id", Value: bookingID(eventID, org)}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "attended", Value: n}, {Key: "updated_at", Value: now.UTC()}}}})
		if err != nil {
			return fmt.Errorf("forums: saving attendance: %w", err)
		}
	}
	return nil
}

// PublishNotes publishes (or corrects) the notes and actions of an event
// that has taken place, and tells the organisations that booked.
func (s *Service) PublishNotes(ctx context.Context, by *auth.Principal, eventID, notes, actions string, now time.Time) error {
	if err := staffOnly(by); err != nil {
		return err
	}
	var f fault.Fields
	notes = f.Text("notes", "the notes", notes, true, maxLong)
	actions = f.Text("actions", "the actions", actions, false, maxLong)
	if err := f.Err(); err != nil {
		return err
	}
	e, err := s.get(ctx, eventID)
	if err != nil {
		return err
	}
	if !e.Started(now) {
		return fault.Conflictf("Notes can be published once the event has started")
	}
	first := e.NotesPublishedAt.IsZero()
	cctx, cancel := store.CallContext(ctx)
	defer cancel()
	_, err = s.db.Collection(colEvents).UpdateOne(cctx, bson.D{{Key: "_id", Value: eventID}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "notes", Value: notes}, {Key: "actions", Value: actions}, {Key: "notes_published_at", Value: now.UTC()},
	}}})
	if err != nil {
		return fmt.Errorf("forums: saving notes: %w", err)
	}
	if first {
		bookings, err := s.bookings(ctx, eventID)
		if err != nil {
			return err
		}
		for _, b := range bookings {
			if b.Status == Booked {
				if err := s.notify.ToOrg(ctx, b.OrgID, notify.KindForum, "Notes and actions published: "+e.Title, notify.Ref{Kind: notify.RefEvent, ID: e.ID}); err != nil {
					return fmt.Errorf("forums: telling %s about notes: %w", b.OrgID, err)
				}
			}
		}
	}
	return nil
}

// Comment is a provider's comment on an event's notes.
type Comment struct {
	ID         string    `bson:"_id"`
	EventID    string    `bson:"event_id"`
	OrgID      string    `bson:"org_id"`
	OrgName    string    `bson:"org_name"`
	AuthorName string    `bson:"author_name"`
	Message    string    `bson:"message"`
	At         time.Time `bson:"at"`
}

// Attended reports whether someone from the actor's organisation attended
// (false for anyone but a provider).
func (s *Service) Attended(ctx context.Context, by *auth.Principal, eventID string) (bool, error) {
	b, err := s.BookingFor(ctx, by, eventID)
	if fault.KindOf(err) == fault.NotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return b.Status == Booked && b.Attended != nil && *b.Attended > 0, nil
}

// AddComment records a comment by a provider whose organisation attended.
func (s *Service) AddComment(ctx context.Context, eventID, message string, by *auth.Principal, now time.Time) (*Comment, error) {
	var f fault.Fields
	message = f.Text("message", "your comment", message, true, 5000)
	if err := f.Err(); err != nil {
		return nil, err
	}
	if _, err := s.Get(ctx, by, eventID); err != nil {
		return nil, err
	}
	ok, err := s.Attended(ctx, by, eventID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fault.Forbiddenf("Only organisations that attended can comment on this event")
	}
	c := &Comment{ID: newID("fc_"), EventID: eventID, OrgID: by.OrgID, OrgName: by.OrgName, AuthorName: by.Name, Message: message, At: now.UTC()}
	cctx, cancel := store.CallContext(ctx)
	defer cancel()
	if _, err := s.db.Collection(colComments).InsertOne(cctx, c); err != nil {
		return nil, fmt.Errorf("forums: saving comment: %w", err)
	}
	return c, nil
}

// Comments returns the comments on an event the actor may see (see Get),
// oldest first.
func (s *Service) Comments(ctx context.Context, by *auth.Principal, eventID string) ([]Comment, error) {
	if _, err := s.Get(ctx, by, eventID); err != nil {
		return nil, err
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	all, err := store.FindAll[Comment](ctx, s.db.Collection(colComments), bson.D{})
	if err != nil {
		return nil, fmt.Errorf("forums: listing comments: %w", err)
	}
	var out []Comment
	for _, c := range all {
		if c.EventID == eventID {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, nil
}

// Figures are the engagement figures for the self-assessment.
type Figures struct {
	From, To time.Time
	// EventsHeld: events (not cancelled) that started in [From, To).
	EventsHeld int
	// Bookings and PlacesBooked: bookings standing (booked, not waiting or
	// cancelled) for those events.
	Bookings     int
	PlacesBooked int
	// Attendance over the events held whose attendance is recorded:
	// people who came / places booked.
	EventsWithAttendance int
	PlacesRecorded       int
	Attended             int
	AttendanceRate       float64 // 0..1; meaningful when PlacesRecorded > 0
	// Provider reach over the 12 months before To: active provider
	// organisations that attended at least one event.
	ActiveProviders      int
	ProvidersAttended    int
	ProviderShare        float64 // 0..1; meaningful when ActiveProviders > 0
	ProvidersKnown       bool    // false when no directory of providers is wired
	ReachFrom, ReachUpTo time.Time
}

// Figures computes the engagement figures for events starting in
// [from, to), and provider reach over the 12 months before to.
// Only council staff see them.
func (s *Service) Figures(ctx context.Context, by *auth.Principal, from, to time.Time) (Figures, error) {
	if err := staffOnly(by); err != nil {
		return Figures{}, err
	}
	fg := Figures{From: from, To: to, ReachFrom: to.AddDate(-1, 0, 0), ReachUpTo: to}
	events, err := s.list(ctx)
	if err != nil {
		return fg, err
	}
	all, err := s.allBookings(ctx)
	if err != nil {
		return fg, err
	}
	byEvent := map[string][]Booking{}
	for _, b := range all {
		byEvent[b.EventID] = append(byEvent[b.EventID], b)
	}
	attendedOrgs := map[string]bool{}
	for i := range events {
		e := &events[i]
		if e.Cancelled {
			continue
		}
		ps, err := s.places(ctx, e)
		if err != nil {
			return fg, err
		}
		bs := byEvent[e.ID]
		for j := range bs {
			fill(&bs[j], ps)
		}
		if !e.StartsAt.Before(fg.ReachFrom) && e.StartsAt.Before(to) {
			for _, b := range bs {
				if b.Status == Booked && b.Attended != nil && *b.Attended > 0 {
					attendedOrgs[b.OrgID] = true
				}
			}
		}
		if e.StartsAt.Before(from) || !e.StartsAt.Before(to) {
			continue
		}
		fg.EventsHeld++
		recorded := false
		for _, b := range bs {
			if b.Status != Booked {
				continue
			}
			fg.Bookings++
			fg.PlacesBooked += b.Places
			if b.Attended != nil {
				recorded = true
				fg.PlacesRecorded += b.Places
				fg.Attended += *b.Attended
			}
		}
		if recorded {
			fg.EventsWithAttendance++
		}
	}
	if fg.PlacesRecorded > 0 {
		fg.AttendanceRate = float64(fg.Attended) / float64(fg.PlacesRecorded)
	}
	provs, err := s.dir.ActiveProviders(ctx)
	if errors.Is(err, ErrNoDirectory) {
		return fg, nil
	}
	if err != nil {
		return fg, err
	}
	fg.ProvidersKnown = true
	fg.ActiveProviders = len(provs)
	for _, p := range provs {
		if attendedOrgs[p.ID] {
			fg.ProvidersAttended++
		}
	}
	if fg.ActiveProviders > 0 {
		fg.ProviderShare = float64(fg.ProvidersAttended) / float64(fg.ActiveProviders)
	}
	return fg, nil
}

// Calendar feed tokens. Each organisation has at most one, in one
// document whose _id is derived from the organisation's id ("feed:" + the
// first 16 bytes of sha256("careportal feed " + orgID), in hex), so
// creating, replacing and finding it are single steps by bare _id. The
// token a calendar application carries is that key (32 hex) followed by
// 128 random bits (32 hex); only the sha256 of the random part is stored,
// like API tokens, so the address is shown once, when it is made.
type feedDoc struct {
	ID        string    `bson:"_id"`
	OrgID     string    `bson:"org_id"`
	Hash      string    `bson:"hash"` // sha256 of the secret part, hex
	CreatedAt time.Time `bson:"created_at"`
	CreatedBy string    `bson:"created_by,omitempty"`
}

// Feed describes an organisation's calendar feed (never its address).
type Feed struct {
	CreatedAt time.Time
	CreatedBy string
}

func feedKey(orgID string) string {
	sum := sha256.Sum256([]byte("careportal feed " + orgID))
	return hex.EncodeToString(sum[:16])
}

func feedSecretHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// feedOrg is the organisation whose feed by may see and change: its own,
// for a provider; NotFound for anyone else.
func feedOrg(by *auth.Principal) (string, error) {
	if !by.IsProvider() || by.OrgID == "" {
		return "", fault.NotFoundf("feed not found")
	}
	return by.OrgID, nil
}

// newFeedDoc makes a token for the organisation and the document that
// recognises it.
func newFeedDoc(orgID string, by *auth.Principal, now time.Time) (feedDoc, string) {
	key, secret := feedKey(orgID), store.NewID("", 16)
	return feedDoc{ID: "feed:" + key, OrgID: orgID, Hash: feedSecretHash(secret), CreatedAt: now.UTC(), CreatedBy: by.DisplayName()}, key + secret
}

// FeedFor says whether the actor's organisation has a calendar feed
// address, and when it was made; nil when it has none. It never writes.
func (s *Service) FeedFor(ctx context.Context, by *auth.Principal) (*Feed, error) {
	orgID, err := feedOrg(by)
	if err != nil {
		return nil, err
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	d, err := store.Get[feedDoc](ctx, s.db.Collection(colFeeds), "feed:"+feedKey(orgID))
	if errors.Is(err, mongo.ErrNoDocuments) || fault.KindOf(err) == fault.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("forums: reading the feed: %w", err)
	}
	return &Feed{CreatedAt: d.CreatedAt, CreatedBy: d.CreatedBy}, nil
}

// CreateFeedToken makes the actor's organisation's calendar feed token, in
// one insert with the organisation's fixed _id: when it already has one
// (however many ask at once, only one is made) it is a Conflict, and the
// existing address is kept.
func (s *Service) CreateFeedToken(ctx context.Context, by *auth.Principal, now time.Time) (string, error) {
	orgID, err := feedOrg(by)
	if err != nil {
		return "", err
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	d, tok := newFeedDoc(orgID, by, now)
	if _, err := s.db.Collection(colFeeds).InsertOne(ctx, d); err != nil {
		if store.IsDuplicateKey(err) {
			return "", fault.Conflictf("Your organisation already has a calendar feed address. If you do not have it, replace it to get a new one")
		}
		return "", fmt.Errorf("forums: saving the feed token: %w", err)
	}
	return tok, nil
}

// ResetFeedToken replaces the actor's organisation's feed token (or makes
// one) in one replace by bare _id: from that moment the old address stops
// working.
func (s *Service) ResetFeedToken(ctx context.Context, by *auth.Principal, now time.Time) (string, error) {
	orgID, err := feedOrg(by)
	if err != nil {
		return "", err
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	d, tok := newFeedDoc(orgID, by, now)
	if _, err := s.db.Collection(colFeeds).ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d, optsUpsert()); err != nil {
		return "", fmt.Errorf("forums: saving the feed token: %w", err)
	}
	return tok, nil
}

// FeedOrg returns the organisation a feed token belongs to; NotFound for
// an unknown or replaced token.
func (s *Service) FeedOrg(ctx context.Context, token string) (string, error) {
	if len(token) != 64 {
		return "", fault.NotFoundf("feed not found")
	}
	for _, c := range token {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", fault.NotFoundf("feed not found")
		}
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	d, err := store.Get[feedDoc](ctx, s.db.Collection(colFeeds), "feed:"+token[:32])
	if err != nil {
		return "", store.NotFoundAs(err, "feed")
	}
	if subtle.ConstantTimeCompare([]byte(d.Hash), []byte(feedSecretHash(token[32:]))) != 1 {
		return "", fault.NotFoundf("feed not found")
	}
	return d.OrgID, nil
}

func optsUpsert() *options.ReplaceOptionsBuilder { return options.Replace().SetUpsert(true) }

// CancelEvent calls off an event that has not started and tells every
// organisation that booked or was waiting. Bookings are kept as they were,
// for the record.
func (s *Service) CancelEvent(ctx context.Context, by *auth.Principal, eventID string, now time.Time) error {
	return s.CancelEventBecause(ctx, by, eventID, "", now)
}

// CancelEventBecause is CancelEvent with the reason the organisations that
// booked are given (on the event's page).
func (s *Service) CancelEventBecause(ctx context.Context, by *auth.Principal, eventID, reason string, now time.Time) error {
	if err := staffOnly(by); err != nil {
		return err
	}
	e, err := s.get(ctx, eventID)
	if err != nil {
		return err
	}
	if e.Cancelled {
		return fault.Conflictf("The event is already cancelled")
	}
	if e.Started(now) {
		return fault.Conflictf("The event has started and cannot be cancelled")
	}
	cctx, cancel := store.CallContext(ctx)
	defer cancel()
	_, err = s.db.Collection(colEvents).UpdateOne(cctx, bson.D{{Key: "_id", Value: eventID}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "cancelled", Value: true}, {Key: "cancel_reason", Value: strings.TrimSpace(reason)}, {Key: "updated_at", Value: now.UTC()},
	}}})
	if err != nil {
		return fmt.Errorf("forums: cancelling event: %w", err)
	}
	bookings, err := s.bookings(ctx, eventID)
	if err != nil {
		return err
	}
	for _, b := range bookings {
		if b.Status == Cancelled {
			continue
		}
		title := fmt.Sprintf("Cancelled: %s on %s", e.Title, format.Date(e.StartsAt))
		if err := s.notify.ToOrg(ctx, b.OrgID, notify.KindEvent, title, notify.Ref{Kind: notify.RefEvent, ID: e.ID}); err != nil {
			return fmt.Errorf("forums: telling %s about the cancellation: %w", b.OrgID, err)
		}
	}
	return nil
}
