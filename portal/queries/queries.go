package queries

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/auth"
	"careportal/portal/contacts"
	"careportal/portal/fault"
	"careportal/portal/notify"
	"careportal/portal/store"
	"careportal/portal/workdays"
)

const (
	collQueries     = "queries"
	collEvents      = "query_events"
	collPending     = "query_pending"
	collAttachments = "query_attachments"
	collSettings    = "settings"
	targetsID       = "queries.targets"
)

// MaxMessages bounds a thread (and so the query document).
const MaxMessages = 200

// ReopenDays is how long after resolution a provider may reopen a query.
const ReopenDays = 14

// Link points a query at one of the organisation's invoices or contracts.
type Link struct {
	Kind  string `bson:"kind"` // "invoice" or "contract"
	ID    string `bson:"id"`
	Label string `bson:"label"`
}

// AttachmentInfo describes a stored attachment.
type AttachmentInfo struct {
	ID          string `bson:"id"`
	Name        string `bson:"name"`
	ContentType string `bson:"content_type"`
	Size        int    `bson:"size"`
}

// Message is one entry in the thread. System entries record assignment,
// moves and resolution in the thread so both sides see what happened.
type Message struct {
	ID          string          `bson:"id"`
	At          time.Time       `bson:"at"`
	ByUser      string          `bson:"by_user"`
	ByName      string          `bson:"by_name"`
	FromCouncil bool            `bson:"from_council"`
	System      bool            `bson:"system"`
	Text        string          `bson:"text"`
	Attachment  *AttachmentInfo `bson:"attachment,omitempty"`
}

// Query is the snapshot pages read.
type Query struct {
	ID              string    `bson:"_id"`
	OrgID           string    `bson:"org"`
	OrgName         string    `bson:"org_name"`
	Topic           string    `bson:"topic"`
	Team            string    `bson:"team"`
	Subject         string    `bson:"subject"`
	Status          Status    `bson:"status"`
	Version         int       `bson:"version"`
	RaisedBy        string    `bson:"raised_by"`
	RaisedByName    string    `bson:"raised_by_name"`
	RaisedAt        time.Time `bson:"raised_at"`
	AssignedTo      string    `bson:"assigned_to,omitempty"`
	AssignedName    string    `bson:"assigned_name,omitempty"`
	FirstResponseAt time.Time `bson:"first_response_at,omitempty"`
	ResolvedAt      time.Time `bson:"resolved_at,omitempty"`
	UpdatedAt       time.Time `bson:"updated_at"`
	Link            *Link     `bson:"link,omitempty"`
	Messages        []Message `bson:"messages"`
}

// TopicLabel is the topic's name for people.
func (q *Query) TopicLabel() string {
	if t, ok := contacts.TopicBySlug(q.Topic); ok {
		return t.Label
	}
	return q.Topic
}

// TeamName is the owning team's name.
func (q *Query) TeamName() string { return auth.TeamName(q.Team) }

// event is one recorded change.
type event struct {
	ID     string    `bson:"_id"` // store.EventID(query, version)
	Query  string    `bson:"query"`
	Seq    int       `bson:"seq"`
	Action Action    `bson:"action"`
	From   Status    `bson:"from,omitempty"`
	To     Status    `bson:"to"`
	By     string    `bson:"by"`
	ByName string    `bson:"by_name"`
	At     time.Time `bson:"at"`
	Note   string    `bson:"note,omitempty"`
	Team   string    `bson:"team,omitempty"`
	// Snapshot is the query as it is after this change: the snapshot can
	// always be rebuilt from the latest event.
	Snapshot *Query `bson:"snapshot,omitempty"`
}

type attachmentDoc struct {
	ID          string `bson:"_id"`
	Query       string `bson:"query"`
	OrgID       string `bson:"org"`
	Name        string `bson:"name"`
	ContentType string `bson:"content_type"`
	Data        []byte `bson:"data"`
}

// Attachment is a stored file with its owner.
type Attachment struct {
	AttachmentInfo
	Query string
	OrgID string
	Data  []byte
}

// Targets are the service levels, in working days.
type Targets struct {
	FirstResponseDays int `bson:"first_response_days"`
	ResolutionDays    int `bson:"resolution_days"`
}

// DefaultTargets: first response within 2 working days, resolution within 10.
var DefaultTargets = Targets{FirstResponseDays: 2, ResolutionDays: 10}

type targetsDoc struct {
	ID      string `bson:"_id"`
	Targets `bson:",inline"`
}

// LinkOption is an invoice or contract a provider may link a query to.
type LinkOption struct {
	Value string // "invoice:<id>" or "contract:<id>"
	Label string
}

// Linker finds an organisation's invoices and contracts (payments). It is
// optional: without one, queries have no link field.
type Linker interface {
	// LinkOptions lists the organisation's invoices and contracts.
	LinkOptions(ctx context.Context, orgID string) ([]LinkOption, error)
	// Describe returns a label for the organisation's invoice or contract,
	// and fault.NotFound when it is not that organisation's.
	Describe(ctx context.Context, orgID, kind, id string) (string, error)
}

// Service keeps queries.
type Service struct {
	queries     *mongo.Collection
	events      *mongo.Collection
	attachments *mongo.Collection
	settings    *mongo.Collection
	days        Calendars
	notes       Notifier
	linker      Linker
	teams       TeamListener // told of queries arriving in a team's queue
	log         *slog.Logger
	now         func() time.Time

	// rm is the read model: every query in memory (byID), loaded on first
	// use and refreshed by change mark (updated_at).
	rm      *store.ReadModel[Query]
	changes *store.Changes[Query, event]
	mu      sync.RWMutex
	byID    map[string]*Query
	targets *Targets
}

// Calendars gives the working-day calendar; *workdays.Service is one.
// Without one, defaultCalendar gives workdays.Default().
type Calendars interface {
	Calendar(ctx context.Context) (*workdays.Calendar, error)
}

type defaultCalendar struct{}

func (defaultCalendar) Calendar(context.Context) (*workdays.Calendar, error) {
	return workdays.Default(), nil
}

// Notifier puts a notice in an organisation's notifications list;
// *notify.Service is one. Without one, silentNotifier tells no one.
type Notifier interface {
	ToOrg(ctx context.Context, orgID string, kind notify.Kind, title string, ref notify.Ref) error
}

type silentNotifier struct{}

func (silentNotifier) ToOrg(context.Context, string, notify.Kind, string, notify.Ref) error {
	return nil
}

// noLinker is the Linker used until SetLinker: nothing to link to.
type noLinker struct{}

func (noLinker) LinkOptions(context.Context, string) ([]LinkOption, error) { return nil, nil }
func (noLinker) Describe(context.Context, string, string, string) (string, error) {
	return "", fault.InvalidField("link", "Linking a query to an invoice or contract is not available yet")
}

// quietTeams is the TeamListener used until SetTeamListener: it hears and
// does nothing.
type quietTeams struct{}

func (quietTeams) QueryForTeam(context.Context, Query, bool) {}

// Options configure the service.
type Options struct {
	Now    func() time.Time
	Logger *slog.Logger
}

// NewService builds the service. days gives the working-day calendar and
// notes receives "your query was answered" notifications (may be nil).
func NewService(db *mongo.Database, days *workdays.Service, notes *notify.Service, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	s := &Service{
		queries:     db.Collection(collQueries),
		events:      db.Collection(collEvents),
		attachments: db.Collection(collAttachments),
		settings:    db.Collection(collSettings),
		days:        defaultCalendar{},
		notes:       silentNotifier{},
		linker:      noLinker{},
		teams:       quietTeams{},
		log:         o.Logger,
		now:         o.Now,
		byID:        map[string]*Query{},
	}
	// The concrete pointers are checked here, once: a nil pointer in an
	// interface would not compare equal to nil.
	if days != nil {
		s.days = days
	}
	if notes != nil {
		s.notes = notes
	}
	s.changes = queryChanges(db)
	s.changes.Log, s.changes.Written, s.changes.Repaired = o.Logger, s.remember, s.remember
	s.rm = &store.ReadModel[Query]{Coll: s.queries, Mark: "updated_at", Now: o.Now,
		MarkOf: func(q *Query) time.Time { return q.UpdatedAt }, Put: s.putQueries,
		Before: s.beforeLoad}
	return s
}

// queryChanges is the event-plus-snapshot step of queries: each event
// carries the query as it became, so a snapshot is rebuilt from its latest
// event.
func queryChanges(db *mongo.Database) *store.Changes[Query, event] {
	return &store.Changes[Query, event]{
		Events: db.Collection(collEvents), Snapshots: db.Collection(collQueries), Pending: db.Collection(collPending),
		EntityField: "query",
		Conflict:    "Someone else changed this query at the same time. Check the query and try again",
		Apply: func(q *Query, ev event) {
			if ev.Snapshot != nil {
				*q = *ev.Snapshot
			}
		},
		Version: func(q *Query) int { return q.Version },
	}
}

// putQueries stores queries read from the store, keeping the newer version
// of one the model already has.
func (s *Service) putQueries(qs []Query) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range qs {
		if cur, ok := s.byID[qs[i].ID]; !ok || qs[i].Version >= cur.Version {
			s.byID[qs[i].ID] = &qs[i]
		}
	}
}

// SetLinker lets queries link to invoices and contracts (nil: no linking).
func (s *Service) SetLinker(l Linker) {
	if l == nil {
		l = noLinker{}
	}
	s.linker = l
}

// Linking reports whether queries can link to invoices and contracts.
func (s *Service) Linking() bool {
	_, none := s.linker.(noLinker)
	return !none
}

// LinkOptions lists what the actor's organisation may link a query to
// (nothing for anyone but a provider).
func (s *Service) LinkOptions(ctx context.Context, a *auth.Principal) ([]LinkOption, error) {
	if !a.IsProvider() || a.OrgID == "" {
		return nil, nil
	}
	return s.linker.LinkOptions(ctx, a.OrgID)
}

// EnsureIndexes creates the collections and the events' (query, seq) index.
func (s *Service) EnsureIndexes(ctx context.Context) error {
	// One-time migrations of stores written by older versions come first
	// (see migrations.go): the indexes below are on the new field names.
	if err := store.Migrate(ctx, s.queries.Database(), nil, migrations...); err != nil {
		return err
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	if err := store.EnsureCollections(ctx, s.queries.Database(), collQueries, collEvents, collPending, collAttachments, collSettings); err != nil {
		return err
	}
	_, err := s.events.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "query", Value: 1}, {Key: "seq", Value: 1}},
		Options: options.Index().SetUnique(true).SetName(eventIndex),
	})
	if err != nil {
		return fmt.Errorf("queries: creating index: %w", err)
	}
	// The read model refreshes by change mark.
	if _, err := s.queries.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "updated_at", Value: 1}}, Options: options.Index().SetName("updated_at")}); err != nil {
		return fmt.Errorf("queries: creating index: %w", err)
	}
	return nil
}

// Refresh finishes the changes of instances that stopped mid-change (older
// than staleAfter), reads the queries other instances changed since the
// last look, and the targets.
func (s *Service) Refresh(ctx context.Context) error {
	if s.rm.Loaded() {
		if err := s.changes.Repair(ctx, s.now().Add(-staleAfter)); err != nil {
			return fmt.Errorf("queries: %w", err)
		}
	}
	if err := s.rm.Refresh(ctx); err != nil {
		return fmt.Errorf("queries: %w", err)
	}
	return s.loadTargets(ctx)
}

func (s *Service) ensureLoaded(ctx context.Context) error {
	if err := s.rm.EnsureLoaded(ctx); err != nil {
		return fmt.Errorf("queries: %w", err)
	}
	return nil
}

func (s *Service) loadTargets(ctx context.Context) error {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	td, err := store.Get[targetsDoc](ctx, s.settings, targetsID)
	t := DefaultTargets
	switch {
	case err == nil:
		t = td.Targets
	case !errors.Is(err, mongo.ErrNoDocuments):
		return fmt.Errorf("queries: loading targets: %w", err)
	}
	s.mu.Lock()
	s.targets = &t
	s.mu.Unlock()
	return nil
}

// beforeLoad runs before the read model first loads: the targets, and the
// repair of changes a stop left half done (an event written, its snapshot
// not), which puts the event's snapshot in place.
func (s *Service) beforeLoad(ctx context.Context) error {
	if err := s.loadTargets(ctx); err != nil {
		return err
	}
	if err := s.changes.Repair(ctx, time.Time{}); err != nil {
		return fmt.Errorf("queries: %w", err)
	}
	return nil
}

// Targets returns the service levels.
func (s *Service) Targets(ctx context.Context) (Targets, error) {
	if err := s.ensureLoaded(ctx); err != nil {
		return Targets{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return *s.targets, nil
}

// SetTargets changes the service levels (administrators only).
func (s *Service) SetTargets(ctx context.Context, a *auth.Principal, t Targets) error {
	if !auth.Can(a, auth.ActionQuerySettings) {
		return fault.Forbiddenf("Only administrators change the query targets")
	}
	var f fault.Fields
	if t.FirstResponseDays < 1 || t.FirstResponseDays > 30 {
		f.Add("firstResponseDays", "First response target must be between 1 and 30 working days")
	}
	if t.ResolutionDays < 1 || t.ResolutionDays > 120 {
		f.Add("resolutionDays", "Resolution target must be between 1 and 120 working days")
	} else if !f.Has("firstResponseDays") && t.ResolutionDays < t.FirstResponseDays {
		f.Add("resolutionDays", "Resolution target must be at least the first response target")
	}
	if err := f.Err(); err != nil {
		return err
	}
	if err := s.ensureLoaded(ctx); err != nil {
		return err
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	doc := targetsDoc{ID: targetsID, Targets: t}
	if _, err := s.settings.ReplaceOne(ctx, bson.D{{Key: "_id", Value: targetsID}}, doc, options.Replace().SetUpsert(true)); err != nil {
		return fmt.Errorf("queries: saving targets: %w", err)
	}
	s.mu.Lock()
	s.targets = &t
	s.mu.Unlock()
	return nil
}

func randomHex(n int) string { return store.NewID("", n) }

// newQueryID is a readable reference: Q- and 8 upper-case hex digits.
func newQueryID() string { return "Q-" + strings.ToUpper(randomHex(4)) }

// RaiseInput is what a provider submits.
type RaiseInput struct {
	Topic   string
	Subject string
	Message string
	Link    string // "" or "invoice:<id>" / "contract:<id>"
	File    *Upload
}

func (s *Service) nowUTC() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// Raise records a new query from the actor's organisation, routed to the
// topic's owning team.
func (s *Service) Raise(ctx context.Context, a *auth.Principal, orgName string, in RaiseInput) (*Query, error) {
	if a.IsStaff() || a.OrgID == "" {
		return nil, fault.Forbiddenf("Only provider users raise queries")
	}
	in.Subject, in.Message = strings.TrimSpace(in.Subject), strings.TrimSpace(in.Message)
	var f fault.Fields
	topic, ok := contacts.TopicBySlug(in.Topic)
	if !ok {
		f.Add("topic", "Select what your query is about")
	}
	switch {
	case in.Subject == "":
		f.Add("subject", "Enter a subject")
	case len(in.Subject) > 150:
		f.Add("subject", "Subject must be 150 characters or fewer")
	}
	checkText(&f, "message", in.Message)
	var link *Link
	if in.Link != "" {
		l, err := s.resolveLink(ctx, a.OrgID, in.Link)
		if err != nil {
			if fault.KindOf(err) != fault.Invalid {
				return nil, err
			}
			f.Add("link", fault.FieldsOf(err)[0].Message)
		}
		link = l
	}
	ctype, err := checkUpload(in.File, "attachment")
	if err != nil {
		f.Add("attachment", fault.FieldsOf(err)[0].Message)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	if err := s.ensureLoaded(ctx); err != nil {
		return nil, err
	}
	now := s.nowUTC()
	q := &Query{
		ID: newQueryID(), OrgID: a.OrgID, OrgName: orgName, Topic: topic.Slug, Team: topic.Team,
		Subject: in.Subject, Status: StatusOpen, RaisedBy: a.UserID, RaisedByName: a.Name, RaisedAt: now,
		UpdatedAt: now, Link: link,
	}
	msg := Message{ID: randomHex(6), At: now, ByUser: a.UserID, ByName: a.Name, Text: in.Message}
	ev := event{Action: ActRaise, To: StatusOpen, Team: topic.Team}
	if err := s.commit(ctx, q, ev, a, &msg, in.File, ctype, true); err != nil {
		return nil, err
	}
	s.tellTeam(ctx, q, false)
	return q, nil
}

func checkText(f *fault.Fields, field, text string) {
	switch {
	case text == "":
		f.Add(field, "Enter your message")
	case len(text) > 5000:
		f.Add(field, "Message must be 5,000 characters or fewer")
	}
}

func (s *Service) resolveLink(ctx context.Context, orgID, v string) (*Link, error) {
	if !s.Linking() {
		return nil, fault.InvalidField("link", "Linking a query to an invoice or contract is not available yet")
	}
	kind, id, ok := strings.Cut(v, ":")
	if !ok || (kind != "invoice" && kind != "contract") || id == "" || len(id) > 64 {
		return nil, fault.InvalidField("link", "Select one of your invoices or contracts")
	}
	label, err := s.linker.Describe(ctx, orgID, kind, id)
	if fault.KindOf(err) == fault.NotFound {
		return nil, fault.InvalidField("link", "Select one of your invoices or contracts")
	}
	if err != nil {
		return nil, err
	}
	return &Link{Kind: kind, ID: id, Label: label}, nil
}

// commit records one change through s.changes: any attachment first,
// then the event (the version check) carrying the complete new snapshot,
// then the snapshot by bare _id. q is the new snapshot with the old
// Version; msg (optional) is appended to the thread.
//
// If the process stops between the event and the snapshot, the intent
// record stays and the event holds what the snapshot should be: start-up
// (the read model's first load) and the next writer who meets the change
// once it is stale both put it in place (repair).
func (s *Service) commit(ctx context.Context, q *Query, ev event, a *auth.Principal, msg *Message, file *Upload, ctype string, isNew bool) error {
	if msg != nil && len(q.Messages) >= MaxMessages {
		return fault.Conflictf("This query's thread is full: raise a new query and mention %s", q.ID)
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	var attID string
	if msg != nil {
		if file != nil {
			doc := attachmentDoc{ID: "a" + randomHex(16), Query: q.ID, OrgID: q.OrgID, Name: safeName(file.Name, ctype), ContentType: ctype, Data: file.Data}
			if _, err := s.attachments.InsertOne(ctx, doc); err != nil {
				return fmt.Errorf("queries: saving attachment: %w", err)
			}
			attID = doc.ID
			msg.Attachment = &AttachmentInfo{ID: doc.ID, Name: doc.Name, ContentType: ctype, Size: len(file.Data)}
		}
		q.Messages = append(q.Messages, *msg)
	}
	q.Version++
	ev.Query, ev.Seq, ev.By, ev.ByName = q.ID, q.Version, a.UserID, a.Name
	if ev.At.IsZero() {
		ev.At = q.UpdatedAt
	}
	snap := *q
	ev.Snapshot = &snap
	err := s.changes.Append(ctx, q.ID, q.Version, ev, q, "", q.UpdatedAt)
	if err == nil {
		return nil
	}
	if attID != "" { // the change did not happen: its attachment goes too
		_, _ = s.attachments.DeleteOne(ctx, bson.D{{Key: "_id", Value: attID}})
	}
	if fault.KindOf(err) != fault.Conflict {
		return fmt.Errorf("queries: %w", err)
	}
	if isNew {
		return fmt.Errorf("queries: query id collision: %w", err)
	}
	s.repairStale(ctx, q.ID)
	return err
}

// remember puts a copy of q in the read model.
func (s *Service) remember(q *Query) {
	cp := *q
	cp.Messages = append([]Message(nil), q.Messages...)
	s.mu.Lock()
	if cur, ok := s.byID[q.ID]; !ok || cp.Version >= cur.Version {
		s.byID[q.ID] = &cp
	}
	s.mu.Unlock()
	s.rm.Saw(q.UpdatedAt)
}

// staleAfter is how old a change's intent record must be before the
// change counts as abandoned (its writer stopped between the writes)
// rather than in progress.
const staleAfter = 30 * time.Second

// repairStale finishes the changes whose writer stopped more than
// staleAfter ago (their intent records are that old), putting each
// event's snapshot in place.
func (s *Service) repairStale(ctx context.Context, id string) {
	if err := s.changes.Repair(ctx, s.now().Add(-staleAfter)); err != nil {
		s.log.Error("queries: repairing stopped changes failed", "query", id, "err", err)
	}
}

// Get returns the query, read from the store; NotFound when the actor may
// not see it (a provider sees its own organisation's only).
func (s *Service) Get(ctx context.Context, a *auth.Principal, id string) (*Query, error) {
	if id == "" || len(id) > 40 {
		return nil, fault.NotFoundf("query not found")
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	q, err := store.Get[Query](ctx, s.queries, id)
	if err != nil {
		return nil, store.NotFoundAs(err, "query")
	}
	if !a.IsStaff() && (a.OrgID == "" || a.OrgID != q.OrgID) {
		return nil, fault.NotFoundf("query not found")
	}
	return &q, nil
}

// change loads the query, checks the version and the transition, lets fn
// apply the action (returning the thread entry it adds, if any) and
// commits. file is an attachment for that entry.
func (s *Service) change(ctx context.Context, a *auth.Principal, id string, version int, act Action, file *Upload, ctype string, fn func(q *Query, ev *event) (*Message, error)) (*Query, error) {
	if err := s.ensureLoaded(ctx); err != nil {
		return nil, err
	}
	q, err := s.Get(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if version != 0 && version != q.Version {
		return nil, fault.Conflictf("This query changed since you opened it. Check the latest messages and try again")
	}
	to, ok := Next(act, q.Status)
	if !ok {
		return nil, fault.Conflictf("This query is %s: that action is not available", strings.ReplaceAll(string(q.Status), "-", " "))
	}
	ev := event{Action: act, From: q.Status, To: to}
	q.UpdatedAt = s.nowUTC()
	msg, err := fn(q, &ev)
	if err != nil {
		return nil, err
	}
	q.Status = to
	if msg != nil {
		msg.ID, msg.At, msg.ByUser, msg.ByName = randomHex(6), q.UpdatedAt, a.UserID, a.Name
		msg.FromCouncil = a.IsStaff()
	}
	if err := s.commit(ctx, q, ev, a, msg, file, ctype, false); err != nil {
		return nil, err
	}
	return q, nil
}

// ReplyInput is a message in the thread.
type ReplyInput struct {
	Message string
	File    *Upload
	Version int // the version the person saw (0: do not check)
}

// Reply adds a message from the provider or the council. A council reply
// is the first response if none came before, and tells the organisation.
func (s *Service) Reply(ctx context.Context, a *auth.Principal, id string, in ReplyInput) (*Query, error) {
	in.Message = strings.TrimSpace(in.Message)
	var f fault.Fields
	checkText(&f, "message", in.Message)
	ctype, err := checkUpload(in.File, "attachment")
	if err != nil {
		f.Add("attachment", fault.FieldsOf(err)[0].Message)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	act := ActProviderMessage
	if a.IsStaff() {
		act = ActCouncilMessage
	}
	q, err := s.change(ctx, a, id, in.Version, act, in.File, ctype, func(q *Query, ev *event) (*Message, error) {
		if a.IsStaff() && q.FirstResponseAt.IsZero() {
			q.FirstResponseAt = q.UpdatedAt
		}
		return &Message{Text: in.Message}, nil
	})
	if err != nil {
		return nil, err
	}
	if a.IsStaff() {
		s.tell(ctx, q, "The council replied to your query: "+q.Subject)
	}
	return q, nil
}

func (s *Service) tell(ctx context.Context, q *Query, title string) {
	if err := s.notes.ToOrg(ctx, q.OrgID, notify.KindQuery, title, notify.Ref{Kind: notify.RefQuery, ID: q.ID}); err != nil {
		s.log.Error("queries: notification failed", "query", q.ID, "err", err)
	}
}

// Assign gives the query to a council member (userID, name); an empty
// userID removes the assignment. The portal checks the person is staff.
func (s *Service) Assign(ctx context.Context, a *auth.Principal, id, userID, name string, version int) (*Query, error) {
	if !a.IsStaff() {
		return nil, fault.Forbiddenf("Only council staff assign queries")
	}
	if userID != "" && strings.TrimSpace(name) == "" {
		return nil, fault.InvalidField("assignee", "Select who to assign the query to")
	}
	return s.change(ctx, a, id, version, ActAssign, nil, "", func(q *Query, ev *event) (*Message, error) {
		if q.AssignedTo == userID {
			return nil, fault.InvalidField("assignee", "The query is already assigned to "+orNobody(name))
		}
		q.AssignedTo, q.AssignedName = userID, name
		if userID == "" {
			ev.Note = "unassigned"
			return &Message{System: true, Text: "Unassigned"}, nil
		}
		ev.Note = "assigned to " + name
		return &Message{System: true, Text: "Assigned to " + name}, nil
	})
}

func orNobody(name string) string {
	if name == "" {
		return "nobody"
	}
	return name
}

// TeamListener hears of a query arriving in a team's queue: raised by a
// provider, or moved there by staff (the wiring emails the team). It is
// called after the change is stored and must deal with its own failures.
type TeamListener interface {
	QueryForTeam(ctx context.Context, q Query, moved bool)
}

// SetTeamListener sets the listener; call it while wiring.
// A nil l leaves quietTeams in place.
func (s *Service) SetTeamListener(l TeamListener) {
	if l != nil {
		s.teams = l
	}
}

func (s *Service) tellTeam(ctx context.Context, q *Query, moved bool) {
	s.teams.QueryForTeam(ctx, *q, moved)
}

// Transfer moves the query to another team with a note the provider sees
// too; the assignment is cleared.
func (s *Service) Transfer(ctx context.Context, a *auth.Principal, id, team, note string, version int) (*Query, error) {
	if !a.IsStaff() {
		return nil, fault.Forbiddenf("Only council staff move queries")
	}
	note = strings.TrimSpace(note)
	var f fault.Fields
	if auth.TeamName(team) == "" {
		f.Add("team", "Select the team to move the query to")
	}
	switch {
	case note == "":
		f.Add("note", "Enter a note saying why the query is moving")
	case len(note) > 1000:
		f.Add("note", "Note must be 1,000 characters or fewer")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	q, err := s.change(ctx, a, id, version, ActTransfer, nil, "", func(q *Query, ev *event) (*Message, error) {
		if q.Team == team {
			return nil, fault.InvalidField("team", "The query is already with "+auth.TeamName(team)+": select another team")
		}
		text := fmt.Sprintf("Moved from %s to %s: %s", auth.TeamName(q.Team), auth.TeamName(team), note)
		q.Team, q.AssignedTo, q.AssignedName = team, "", ""
		ev.Team, ev.Note = team, note
		return &Message{System: true, Text: text}, nil
	})
	if err != nil {
		return nil, err
	}
	s.tell(ctx, q, "Your query moved to "+auth.TeamName(team)+": "+q.Subject)
	s.tellTeam(ctx, q, true)
	return q, nil
}

// Resolve closes the query, with an optional note to the provider.
func (s *Service) Resolve(ctx context.Context, a *auth.Principal, id, note string, version int) (*Query, error) {
	if !a.IsStaff() {
		return nil, fault.Forbiddenf("Only council staff resolve queries")
	}
	note = strings.TrimSpace(note)
	if len(note) > 5000 {
		return nil, fault.InvalidField("note", "Note must be 5,000 characters or fewer")
	}
	q, err := s.change(ctx, a, id, version, ActResolve, nil, "", func(q *Query, ev *event) (*Message, error) {
		q.ResolvedAt = q.UpdatedAt
		if q.FirstResponseAt.IsZero() {
			q.FirstResponseAt = q.UpdatedAt
		}
		ev.Note = note
		text := "Marked as resolved"
		if note != "" {
			text += ": " + note
		}
		return &Message{System: true, Text: text}, nil
	})
	if err != nil {
		return nil, err
	}
	s.tell(ctx, q, "Your query was resolved: "+q.Subject)
	return q, nil
}

// CanReopen reports whether the provider may still reopen q at now.
func CanReopen(q *Query, now time.Time) bool {
	return q.Status == StatusResolved && !q.ResolvedAt.IsZero() && !now.After(q.ResolvedAt.AddDate(0, 0, ReopenDays))
}

// Reopen lets the provider reopen a resolved query within ReopenDays of
// its resolution, with a message saying why.
func (s *Service) Reopen(ctx context.Context, a *auth.Principal, id, message string, version int) (*Query, error) {
	if a.IsStaff() {
		return nil, fault.Forbiddenf("Only the provider reopens a query")
	}
	message = strings.TrimSpace(message)
	var f fault.Fields
	checkText(&f, "message", message)
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.change(ctx, a, id, version, ActReopen, nil, "", func(q *Query, ev *event) (*Message, error) {
		if !CanReopen(q, q.UpdatedAt) {
			return nil, fault.Conflictf("This query was resolved more than %d days ago: raise a new query instead", ReopenDays)
		}
		q.ResolvedAt = time.Time{}
		return &Message{Text: message}, nil
	})
}

// Attachment returns a stored attachment when the actor may see its query.
func (s *Service) Attachment(ctx context.Context, a *auth.Principal, id string) (*Attachment, error) {
	if id == "" || len(id) > 40 {
		return nil, fault.NotFoundf("attachment not found")
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	d, err := store.Get[attachmentDoc](ctx, s.attachments, id)
	if err != nil {
		return nil, store.NotFoundAs(err, "attachment")
	}
	if !a.IsStaff() && (a.OrgID == "" || a.OrgID != d.OrgID) {
		return nil, fault.NotFoundf("attachment not found")
	}
	return &Attachment{AttachmentInfo: AttachmentInfo{ID: d.ID, Name: d.Name, ContentType: d.ContentType, Size: len(d.Data)}, Query: d.Query, OrgID: d.OrgID, Data: d.Data}, nil
}

// View is a query with its service-level position at a moment.
type View struct {
	*Query
	AgeDays            int       // working days since raised (to resolution, when resolved)
	FirstResponseDue   time.Time // London date
	ResolutionDue      time.Time // London date
	PastFirstResponse  bool      // no first response by the due date (or it came late)
	PastResolution     bool      // not resolved by the due date (or resolved late)
	CanReopen          bool
	LastMessageFromOrg bool
}

// PastTarget reports whether either target is missed.
func (v View) PastTarget() bool { return v.PastFirstResponse || v.PastResolution }

func view(q *Query, cal *workdays.Calendar, t Targets, now time.Time) View {
	v := View{Query: q}
	v.FirstResponseDue = cal.AddWorkingDays(q.RaisedAt, t.FirstResponseDays)
	v.ResolutionDue = cal.AddWorkingDays(q.RaisedAt, t.ResolutionDays)
	today := workdays.Date(now)
	if q.FirstResponseAt.IsZero() {
		v.PastFirstResponse = today.After(v.FirstResponseDue)
	} else {
		v.PastFirstResponse = workdays.Date(q.FirstResponseAt).After(v.FirstResponseDue)
	}
	end := now
	if q.Status == StatusResolved && !q.ResolvedAt.IsZero() {
		end = q.ResolvedAt
	}
	v.PastResolution = workdays.Date(end).After(v.ResolutionDue)
	v.AgeDays = cal.WorkingDaysBetween(q.RaisedAt, end)
	v.CanReopen = CanReopen(q, now)
	if n := len(q.Messages); n > 0 {
		v.LastMessageFromOrg = !q.Messages[n-1].FromCouncil
	}
	return v
}

// View returns the query with its service-level position now.
func (s *Service) View(ctx context.Context, q *Query) (View, error) {
	cal, t, err := s.calTargets(ctx)
	if err != nil {
		return View{}, err
	}
	return view(q, cal, t, s.now()), nil
}

func (s *Service) calTargets(ctx context.Context) (*workdays.Calendar, Targets, error) {
	t, err := s.Targets(ctx)
	if err != nil {
		return nil, t, err
	}
	cal, err := s.days.Calendar(ctx)
	if err != nil {
		return nil, t, err
	}
	return cal, t, nil
}

// Filter narrows a list.
type Filter struct {
	OrgID    string   // "" for all organisations
	Teams    []string // empty for all teams
	Status   Status   // "" for any
	Open     bool     // only unresolved
	Assigned string   // only assigned to this user
}

func (f Filter) match(q *Query) bool {
	if f.OrgID != "" && q.OrgID != f.OrgID {
		return false
	}
	if len(f.Teams) > 0 {
		ok := false
		for _, t := range f.Teams {
			ok = ok || t == q.Team
		}
		if !ok {
			return false
		}
	}
	if f.Status != "" && q.Status != f.Status {
		return false
	}
	if f.Open && q.Status == StatusResolved {
		return false
	}
	if f.Assigned != "" && q.AssignedTo != f.Assigned {
		return false
	}
	return true
}

// List returns the matching queries the actor may see (staff: all; a
// provider: its organisation's, whatever f.OrgID says) from the read
// model: unresolved oldest first (the queue order), then resolved newest
// first.
func (s *Service) List(ctx context.Context, a *auth.Principal, f Filter) ([]View, error) {
	if !a.IsStaff() {
		if a == nil || a.OrgID == "" {
			return nil, nil
		}
		f.OrgID = a.OrgID
	}
	if err := s.ensureLoaded(ctx); err != nil {
		return nil, err
	}
	cal, t, err := s.calTargets(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	s.mu.RLock()
	var out []View
	for _, q := range s.byID {
		if f.match(q) {
			out = append(out, view(q, cal, t, now))
		}
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		ri, rj := out[i].Status == StatusResolved, out[j].Status == StatusResolved
		if ri != rj {
			return !ri
		}
		if ri {
			return out[i].ResolvedAt.After(out[j].ResolvedAt)
		}
		if !out[i].RaisedAt.Equal(out[j].RaisedAt) {
			return out[i].RaisedAt.Before(out[j].RaisedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// Paragraphs splits the message text at blank lines and line breaks, for
// display without losing the writer's layout.
func (m Message) Paragraphs() []string {
	var out []string
	for _, line := range strings.Split(strings.ReplaceAll(m.Text, "\r\n", "\n"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}
