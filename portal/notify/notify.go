// Package notify keeps the notifications list that providers see in the
// portal: "a new event, a new statement version or an answer to a query
// shows in the provider's notifications list" (email comes later).
//
// API for other features (all methods take ctx first):
//
//	notify.Service.ToOrg(ctx, orgID, kind, title, ref)                     one organisation
//	notify.Service.ToAllProviders(ctx, kind, title, ref, serviceTypes)     every provider organisation
//	                                                                       (nil/empty serviceTypes: all;
//	                                                                       else orgs with any of those types)
//	notify.Service.List(ctx, by)                                           the actor's organisation's list, newest first
//	notify.Service.UnreadCount(ctx, by)
//	notify.Service.MarkRead(ctx, by, id) / MarkAllRead(ctx, by)
//
// The reading methods take the actor (*auth.Principal): its organisation
// and that organisation's service types choose what it sees; anyone but a
// provider sees nothing.
//
// Kinds are free strings; use the constants below (KindEvent, KindStatement,
// KindQuery, KindForum, KindGeneral).
//
// What a notification is about is a typed Ref (an event, an invoice, a
// query, a statement version...), stored as the fields ref_kind, ref_id
// and ref_sub; the HTTP side builds the page's address from it.
//
// Storage: broadcasts are fanned out on read. One document per notification
// (a broadcast is one document for every organisation); read markers are
// documents with a deterministic _id (org + notification), and "mark all as
// read" is one document per organisation holding a time. Lists come from an
// in-memory read model (store.ReadModel) loaded on first use and updated on
// this instance's own writes; Refresh reads what other instances wrote
// since, by the documents' change mark "at" (run it as a background job in
// MongoDB mode, where other instances write too).
package notify

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/store"
)

// Kind says what a notification is about.
type Kind string

const (
	KindEvent     Kind = "event"     // a forum or event was announced or changed
	KindStatement Kind = "statement" // a market position statement version was published
	KindQuery     Kind = "query"     // a query was answered, resolved or moved
	KindForum     Kind = "forum"     // forum notes, bookings, waiting-list places
	KindGeneral   Kind = "general"
	KindInvoice   Kind = "invoice" // an invoice was queried, approved, scheduled, paid or rejected
)

const (
	collNotes = "notifications"
	collReads = "notification_reads"
)

// Notification is one entry. OrgID is empty for a broadcast to providers.
type Notification struct {
	ID           string    `bson:"_id"`
	OrgID        string    `bson:"org,omitempty"`
	Broadcast    bool      `bson:"broadcast"`
	ServiceTypes []string  `bson:"service_types,omitempty"`
	Kind         Kind      `bson:"kind"`
	Title        string    `bson:"title"`
	Ref          Ref       `bson:",inline"`
	At           time.Time `bson:"at"`
}

// Item is a notification as one organisation sees it.
type Item struct {
	Notification
	Read bool
}

// readDoc is either a marker for one notification (Note set) or an
// "everything up to" time (Note empty).
//
// Read state is per user: a user's marker has _id "<notification>:<user>"
// and their "all read" time _id "all-user:<user>". Markers without a user
// (_id "r:<org>:<notification>" and "all:<org>") are organisation-wide:
// they were written before read state became per user (the read flags of
// then, which every member shared), or by an actor acting for the
// organisation without a user (an API token); they count as read for every
// member of the organisation.
type readDoc struct {
	ID    string    `bson:"_id"`
	OrgID string    `bson:"org"`
	User  string    `bson:"user,omitempty"`
	Note  string    `bson:"note,omitempty"`
	UpTo  time.Time `bson:"up_to,omitempty"`
	// At is when the marker was written: the read model's change mark.
	At time.Time `bson:"at,omitempty"`
}

// Listener hears of every notification once it is stored (the wiring
// emails it to the people it concerns). It should do one cheap write, and
// deal with its own failures: the notification is stored whatever it does.
type Listener interface {
	Posted(ctx context.Context, n Notification)
}

// SetListener sets the listener; call it while wiring.
func (s *Service) SetListener(l Listener) { s.listener = l }

// Service stores and lists notifications.
type Service struct {
	listener Listener
	notes    *mongo.Collection
	reads    *mongo.Collection
	now      func() time.Time

	// The read model: every notification and read marker in memory,
	// loaded on first use and refreshed by change mark ("at").
	notesRM *store.ReadModel[Notification]
	readsRM *store.ReadModel[readDoc]

	mu    sync.RWMutex
	all   []Notification             // newest first
	marks map[string]map[string]bool // org -> notification ids read (organisation-wide markers)
	upTo  map[string]time.Time       // org -> all read up to (organisation-wide)
	// Per user: user id -> notification ids read, and all read up to.
	userMarks map[string]map[string]bool
	userUpTo  map[string]time.Time
}

// NewService builds the service; now may be nil (time.Now).
func NewService(db *mongo.Database, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	s := &Service{notes: db.Collection(collNotes), reads: db.Collection(collReads), now: now,
		marks: map[string]map[string]bool{}, upTo: map[string]time.Time{},
		userMarks: map[string]map[string]bool{}, userUpTo: map[string]time.Time{}}
	s.readsRM = &store.ReadModel[readDoc]{Coll: s.reads, Mark: "at", Now: now,
		MarkOf: func(r *readDoc) time.Time { return r.At }, Put: s.putReads}
	s.notesRM = &store.ReadModel[Notification]{Coll: s.notes, Mark: "at", Now: now,
		MarkOf: func(n *Notification) time.Time { return n.At }, Put: s.putNotes,
		Before: s.readsRM.Load}
	return s
}

// putNotes adds notifications read from the store (each once).
func (s *Service) putNotes(notes []Notification) {
	s.mu.Lock()
	defer s.mu.Unlock()
	have := make(map[string]bool, len(s.all))
	for _, n := range s.all {
		have[n.ID] = true
	}
	for _, n := range notes {
		if !have[n.ID] {
			s.all, have[n.ID] = append(s.all, n), true
		}
	}
	sortNewest(s.all)
}

// putReads adds read markers read from the store.
func (s *Service) putReads(reads []readDoc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range reads {
		s.putReadLocked(r)
	}
}

func (s *Service) putReadLocked(r readDoc) {
	if r.User != "" {
		if r.Note == "" {
			if r.UpTo.After(s.userUpTo[r.User]) {
				s.userUpTo[r.User] = r.UpTo
			}
			return
		}
		if s.userMarks[r.User] == nil {
			s.userMarks[r.User] = map[string]bool{}
		}
		s.userMarks[r.User][r.Note] = true
		return
	}
	if r.Note == "" {
		if r.UpTo.After(s.upTo[r.OrgID]) {
			s.upTo[r.OrgID] = r.UpTo
		}
		return
	}
	if s.marks[r.OrgID] == nil {
		s.marks[r.OrgID] = map[string]bool{}
	}
	s.marks[r.OrgID][r.Note] = true
}

// EnsureIndexes runs the migrations and creates the collections and the
// change-mark indexes. The read model loads on first use.
func (s *Service) EnsureIndexes(ctx context.Context) error {
	// One-time migrations of stores written by older versions come first
	// (see migrations.go): the indexes below are on the new field names.
	if err := store.Migrate(ctx, s.notes.Database(), nil, migrations...); err != nil {
		return err
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	if err := store.EnsureCollections(ctx, s.notes.Database(), collNotes, collReads); err != nil {
		return err
	}
	// The read model refreshes by change mark.
	for _, c := range []*mongo.Collection{s.notes, s.reads} {
		if _, err := c.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "at", Value: 1}}, Options: options.Index().SetName("at")}); err != nil {
			return fmt.Errorf("notify: creating index: %w", err)
		}
	}
	return nil
}

// Refresh reads the notifications and read markers other instances wrote
// since the last look (run it as a background job in MongoDB mode, where
// other instances write too).
func (s *Service) Refresh(ctx context.Context) error {
	if err := s.notesRM.Refresh(ctx); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	if err := s.readsRM.Refresh(ctx); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}

func (s *Service) ensureLoaded(ctx context.Context) error {
	if err := s.notesRM.EnsureLoaded(ctx); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}

func sortNewest(ns []Notification) {
	sort.SliceStable(ns, func(i, j int) bool {
		if ns[i].At.Equal(ns[j].At) {
			return ns[i].ID > ns[j].ID
		}
		return ns[i].At.After(ns[j].At)
	})
}

func newID() string { return store.NewID("n", 12) }

func check(kind Kind, title string, ref Ref) error {
	var f fault.Fields
	if strings.TrimSpace(title) == "" {
		f.Add("title", "Enter a title")
	} else if len(title) > 300 {
		f.Add("title", "Title must be 300 characters or fewer")
	}
	checkRef(&f, ref)
	if kind == "" {
		f.Add("kind", "Choose a kind")
	}
	return f.Err()
}

// ToOrg adds a notification to one provider organisation's list.
func (s *Service) ToOrg(ctx context.Context, orgID string, kind Kind, title string, ref Ref) error {
	if orgID == "" {
		return fault.InvalidField("org", "Choose an organisation")
	}
	if err := check(kind, title, ref); err != nil {
		return err
	}
	return s.insert(ctx, Notification{ID: newID(), OrgID: orgID, Kind: kind, Title: strings.TrimSpace(title), Ref: ref, At: s.now().UTC()})
}

// ToOrgOnce adds a notification to one organisation's list under an id
// the caller derives from the change it reports (e.g. "invoice:<id>:<seq>"):
// a second call with the same id adds nothing, so a retried change or a
// rerun of the mail fan-out posts once.
func (s *Service) ToOrgOnce(ctx context.Context, id, orgID string, kind Kind, title string, ref Ref) error {
	if orgID == "" {
		return fault.InvalidField("org", "Choose an organisation")
	}
	if id == "" || strings.ContainsAny(id, "$") {
		return fault.InvalidField("id", "The notification needs an id")
	}
	if err := check(kind, title, ref); err != nil {
		return err
	}
	err := s.insert(ctx, Notification{ID: "c:" + id, OrgID: orgID, Kind: kind, Title: strings.TrimSpace(title), Ref: ref, At: s.now().UTC()})
	if store.IsDuplicateKey(err) {
		return nil
	}
	return err
}

// ToAllProviders adds one notification to every provider organisation's
// list, or, when serviceTypes is not empty, to those organisations that
// provide at least one of those service types. It is one document however
// many organisations see it.
func (s *Service) ToAllProviders(ctx context.Context, kind Kind, title string, ref Ref, serviceTypes []string) error {
	if err := check(kind, title, ref); err != nil {
		return err
	}
	return s.insert(ctx, Notification{ID: newID(), Broadcast: true, ServiceTypes: slices.Clone(serviceTypes), Kind: kind, Title: strings.TrimSpace(title), Ref: ref, At: s.now().UTC()})
}

func (s *Service) insert(ctx context.Context, n Notification) error {
	if err := s.ensureLoaded(ctx); err != nil {
		return err
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	n.At = n.At.Truncate(time.Millisecond)
	if _, err := s.notes.InsertOne(ctx, n); err != nil {
		return fmt.Errorf("notify: saving notification: %w", err)
	}
	s.putNotes([]Notification{n})
	s.notesRM.Saw(n.At)
	if s.listener != nil {
		s.listener.Posted(ctx, n)
	}
	return nil
}

// visible reports whether the organisation sees n. Service types match
// case-insensitively, as forums.Event.ForServiceTypes does.
func visible(n Notification, orgID string, orgTypes []string) bool {
	if !n.Broadcast {
		return n.OrgID == orgID
	}
	if len(n.ServiceTypes) == 0 || len(orgTypes) == 0 {
		return true // for everyone; an organisation with no recorded types sees all
	}
	for _, t := range n.ServiceTypes {
		for _, o := range orgTypes {
			if strings.EqualFold(t, o) {
				return true
			}
		}
	}
	return false
}

// List returns the actor's organisation's notifications, newest first,
// each marked read or unread; the organisation's service types select the
// broadcasts aimed at some types only. Anyone but a provider has none.
func (s *Service) List(ctx context.Context, by *auth.Principal) ([]Item, error) {
	orgID, orgServiceTypes := orgOf(by)
	if orgID == "" {
		return nil, nil
	}
	if err := s.ensureLoaded(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Item
	for _, n := range s.all {
		if visible(n, orgID, orgServiceTypes) {
			out = append(out, Item{Notification: n, Read: s.isReadLocked(orgID, by.UserID, n)})
		}
	}
	return out, nil
}

// isReadLocked: read by the user (their own markers) or by the whole
// organisation (organisation-wide markers).
func (s *Service) isReadLocked(orgID, userID string, n Notification) bool {
	if !n.At.After(s.readUpToLocked(orgID, userID)) {
		return true
	}
	return s.marks[orgID][n.ID] || (userID != "" && s.userMarks[userID][n.ID])
}

// readUpToLocked is the time up to which everything is read for the user
// (the later of their own and the organisation-wide "all read").
func (s *Service) readUpToLocked(orgID, userID string) time.Time {
	up := s.upTo[orgID]
	if u := s.userUpTo[userID]; userID != "" && u.After(up) {
		up = u
	}
	return up
}

// orgOf is the provider organisation by acts for and its service types;
// "" for anyone else.
func orgOf(by *auth.Principal) (orgID string, serviceTypes []string) {
	if !by.IsProvider() {
		return "", nil
	}
	return by.OrgID, by.ServiceTypes
}

// UnreadCount is the number of notifications the actor has not read (the
// nav badge). It comes from the in-memory read model and looks only at
// notifications newer than the actor's "all read" time, so its cost is the
// unread window, not the whole list.
func (s *Service) UnreadCount(ctx context.Context, by *auth.Principal) (int, error) {
	orgID, orgServiceTypes := orgOf(by)
	if orgID == "" {
		return 0, nil
	}
	if err := s.ensureLoaded(ctx); err != nil {
		return 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	up := s.readUpToLocked(orgID, by.UserID)
	count := 0
	for _, n := range s.all { // newest first
		if !n.At.After(up) {
			break
		}
		if visible(n, orgID, orgServiceTypes) && !s.isReadLocked(orgID, by.UserID, n) {
			count++
		}
	}
	return count, nil
}

// MarkRead marks one notification read for the actor (another member of
// the organisation still sees it unread). An actor without a user (an API
// token) marks it for the organisation. A notification the organisation
// cannot see is NotFound.
func (s *Service) MarkRead(ctx context.Context, by *auth.Principal, id string) error {
	orgID, orgServiceTypes := orgOf(by)
	if err := s.ensureLoaded(ctx); err != nil {
		return err
	}
	s.mu.RLock()
	var found bool
	for _, n := range s.all {
		if n.ID == id && visible(n, orgID, orgServiceTypes) {
			found = true
			break
		}
	}
	s.mu.RUnlock()
	if !found || orgID == "" {
		return fault.NotFoundf("notification not found")
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	doc := readDoc{ID: "r:" + orgID + ":" + id, OrgID: orgID, Note: id, At: s.now().UTC().Truncate(time.Millisecond)}
	if by.UserID != "" {
		doc.ID, doc.User = id+":"+by.UserID, by.UserID
	}
	if _, err := s.reads.InsertOne(ctx, doc); err != nil && !store.IsDuplicateKey(err) {
		return fmt.Errorf("notify: marking read: %w", err)
	}
	s.putReads([]readDoc{doc})
	s.readsRM.Saw(doc.At)
	return nil
}

// MarkAllRead marks everything the actor sees now as read, for the actor
// only (for the organisation when the actor has no user: an API token).
func (s *Service) MarkAllRead(ctx context.Context, by *auth.Principal) error {
	orgID, _ := orgOf(by)
	if orgID == "" {
		return fault.NotFoundf("organisation not found")
	}
	if err := s.ensureLoaded(ctx); err != nil {
		return err
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	s.mu.RLock()
	var latest time.Time
	if len(s.all) > 0 {
		latest = s.all[0].At
	}
	s.mu.RUnlock()
	if latest.IsZero() {
		return nil
	}
	doc := readDoc{ID: "all:" + orgID, OrgID: orgID, UpTo: latest, At: s.now().UTC().Truncate(time.Millisecond)}
	if by.UserID != "" {
		doc.ID, doc.User = "all-user:"+by.UserID, by.UserID
	}
	if _, err := s.reads.ReplaceOne(ctx, bson.D{{Key: "_id", Value: doc.ID}}, doc, options.Replace().SetUpsert(true)); err != nil {
		return fmt.Errorf("notify: marking all read: %w", err)
	}
	s.putReads([]readDoc{doc})
	s.readsRM.Saw(doc.At)
	return nil
}

// HasOnce reports whether a notification was added under id by ToOrgOnce
// (from the in-memory read model), so a daily job can skip what it
// already told.
func (s *Service) HasOnce(ctx context.Context, id string) (bool, error) {
	if err := s.ensureLoaded(ctx); err != nil {
		return false, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, n := range s.all {
		if n.ID == "c:"+id {
			return true, nil
		}
	}
	return false, nil
}
