// Package mail reaches people by email: an outbox collection that every
// message is written to first, a worker that delivers it through SMTP or
// GOV.UK Notify with retries and back-off, per-user preferences with signed
// unsubscribe links, and a daily digest.
//
// # Exactly what is promised
//
// A message is written to the outbox under an _id the caller chooses from
// the change that caused it (for example "invoice:<id>:<seq>:<user>"). A
// retried change inserts the same _id, gets a duplicate-key answer, and
// nothing more happens: a change never queues a message twice.
//
// Delivery is at most once after the provider accepted the message (SMTP:
// the 250 reply to the end of DATA; Notify: 201). Before each attempt the
// worker claims the message: it inserts a claim document with _id
// "<message>#<n>" (an insert is atomic on both stores, so a second worker
// with the same n gets a duplicate key and leaves the message alone), then
// marks the message "sending" by a bare-_id update. Only then does it talk to
// the provider, and after the answer it records "sent", "queued" (to retry,
// with back-off) or "failed" (with the reason).
//
// A process killed part-way leaves the message "sending". The worker cannot
// know whether the provider accepted it before the kill, so it does not send
// it again by itself: Recover marks it failed, "may have been sent; check
// and resend", and an admin resends it from the outbox page if the person
// did not get it. Nothing is lost (the message is in the outbox) and nothing
// is sent twice without a person deciding.
//
// With no delivery method set up, messages are stored with status
// "not_sent" ("not sent: email is not set up"); an admin can resend them once
// a method is configured.
package mail

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/portal/store"
)

// Status is where a message is.
type Status string

const (
	StatusQueued  Status = "queued"
	StatusSending Status = "sending"
	StatusSent    Status = "sent"
	StatusFailed  Status = "failed"
	StatusNotSent Status = "not_sent"
)

// Statuses in the order the admin page shows them.
var Statuses = []Status{StatusQueued, StatusSending, StatusSent, StatusFailed, StatusNotSent}

// Reasons recorded by the outbox itself.
const (
	ReasonNotSetUp    = "not sent: email is not set up"
	ReasonMaybeSent   = "may have been sent; check and resend"
	collOutbox        = "mail_outbox"
	collClaims        = "mail_claims"
	defaultBatch      = 200
	defaultAttempts   = 8
	defaultBaseDelay  = 30 * time.Second
	defaultMaxDelay   = time.Hour
	defaultStaleAfter = 10 * time.Minute
)

// Entry is one message in the outbox.
type Entry struct {
	ID          string    `bson:"_id"`
	Kind        Kind      `bson:"kind"`
	UserID      string    `bson:"user,omitempty"`
	To          string    `bson:"to"`
	Subject     string    `bson:"subject"`
	Text        string    `bson:"text"`
	HTML        string    `bson:"html"`
	Link        string    `bson:"link,omitempty"`
	ServiceName string    `bson:"service_name,omitempty"`
	Reason      string    `bson:"reason,omitempty"`
	Unsubscribe string    `bson:"unsubscribe,omitempty"`
	Status      Status    `bson:"status"`
	Attempts    int       `bson:"attempts"` // attempts since queued (or resent)
	Claims      int       `bson:"claims"`   // claims ever made; names the next claim document
	NextAt      time.Time `bson:"next_at"`
	LastError   string    `bson:"last_error,omitempty"`
	Method      string    `bson:"method,omitempty"`
	CreatedAt   time.Time `bson:"created_at"`
	UpdatedAt   time.Time `bson:"updated_at"`
	ClaimedAt   time.Time `bson:"claimed_at,omitempty"`
	SentAt      time.Time `bson:"sent_at,omitempty"`
}

// Message returns the entry's message.
func (e Entry) Message() Message {
	return Message{ID: e.ID, Kind: e.Kind, UserID: e.UserID, To: e.To, Subject: e.Subject, Text: e.Text, HTML: e.HTML,
		Link: e.Link, ServiceName: e.ServiceName, Reason: e.Reason, Unsubscribe: e.Unsubscribe}
}

func claimID(msg string, n int) string { return msg + "#" + strconv.Itoa(n) }

func optionsIDClaims() options.Lister[options.FindOptions] {
	return options.Find().SetProjection(bson.M{"_id": 1, "claims": 1})
}

type claimDoc struct {
	ID      string    `bson:"_id"`
	Message string    `bson:"message"`
	At      time.Time `bson:"at"`
}

// Options tune the outbox; zero values take the defaults.
type Options struct {
	Now         func() time.Time
	MaxAttempts int           // attempts before a temporary failure becomes failed (8)
	BaseDelay   time.Duration // the first retry waits this long, then doubles (30s)
	MaxDelay    time.Duration // the longest wait between attempts (1h)
	Batch       int           // messages per DeliverDue call (200)
}

// Outbox stores messages and delivers them.
type Outbox struct {
	msgs      *mongo.Collection
	claims    *mongo.Collection
	transport Transport
	o         Options

	mu      sync.Mutex
	pending map[string]Entry // queued and sending messages, by id
	loaded  bool
	wake    chan struct{}
	sendMu  sync.Mutex // one DeliverDue at a time per process
}

// NewOutbox builds the outbox; transport nil means email is not set up.
func NewOutbox(db *mongo.Database, transport Transport, o Options) *Outbox {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = defaultAttempts
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = defaultBaseDelay
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = defaultMaxDelay
	}
	if o.Batch <= 0 {
		o.Batch = defaultBatch
	}
	return &Outbox{msgs: db.Collection(collOutbox), claims: db.Collection(collClaims), transport: transport, o: o,
		pending: map[string]Entry{}, wake: make(chan struct{}, 1)}
}

// Collections names the collections the outbox owns (for
// store.EnsureCollections before store.Prepare).
func Collections() []string {
	return []string{collOutbox, collClaims, collPrefs, collDigest, collAnnouncements, collMailboxes}
}

// EnsureIndexes creates the indexes the worker's query uses in MongoDB mode.
func (o *Outbox) EnsureIndexes(ctx context.Context) error {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	for _, keys := range []bson.D{
		{{Key: "status", Value: 1}, {Key: "next_at", Value: 1}},
		{{Key: "created_at", Value: 1}},
	} {
		if _, err := o.msgs.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: keys}); err != nil {
			return err
		}
	}
	return nil
}

// Configured reports whether a delivery method is set up.
func (o *Outbox) Configured() bool { return o.transport != nil }

// Method names the delivery method, or "" when none is set up.
func (o *Outbox) Method() string {
	if o.transport == nil {
		return ""
	}
	return o.transport.Method()
}

// Wake returns a channel that receives when a message is queued, so a
// worker can deliver at once instead of at its next tick.
func (o *Outbox) Wake() <-chan struct{} { return o.wake }

// Enqueue writes the message to the outbox: one insert, the only cost to
// the person whose action caused it. It reports false (and no error) when a
// message with this id is already there.
func (o *Outbox) Enqueue(ctx context.Context, m Message) (bool, error) {
	if m.ID == "" || m.To == "" || m.Subject == "" || m.Text == "" {
		return false, errors.New("mail: a message needs an id, an address, a subject and a text part")
	}
	now := o.o.Now().UTC()
	e := Entry{ID: m.ID, Kind: m.Kind, UserID: m.UserID, To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML,
		Link: m.Link, ServiceName: m.ServiceName, Reason: m.Reason, Unsubscribe: m.Unsubscribe,
		Status: StatusQueued, NextAt: now, CreatedAt: now, UpdatedAt: now}
	if o.transport == nil {
		e.Status, e.LastError = StatusNotSent, ReasonNotSetUp
	}
	cctx, cancel := store.CallContext(ctx)
	defer cancel()
	if _, err := o.msgs.InsertOne(cctx, e); err != nil {
		if store.IsDuplicateKey(err) {
			return false, nil
		}
		return false, fmt.Errorf("mail: queueing %s: %w", m.ID, err)
	}
	if e.Status == StatusQueued {
		o.mu.Lock()
		o.pending[e.ID] = e
		o.mu.Unlock()
		select {
		case o.wake <- struct{}{}:
		default:
		}
	}
	return true, nil
}

// Load reads the queued and sending messages from the store into the
// worker's list. Run it at start and, in MongoDB mode where other instances
// queue messages too, on every tick (the query uses the status index there).
func (o *Outbox) Load(ctx context.Context) error {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	list, err := store.FindAll[Entry](ctx, o.msgs, bson.M{"status": bson.M{"$in": bson.A{StatusQueued, StatusSending}}},
		options.Find().SetProjection(bson.M{"html": 0, "text": 0}))
	if err != nil {
		return fmt.Errorf("mail: loading the outbox: %w", err)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.pending = make(map[string]Entry, len(list))
	for _, e := range list {
		o.pending[e.ID] = e
	}
	o.loaded = true
	return nil
}

func (o *Outbox) ensureLoaded(ctx context.Context) error {
	o.mu.Lock()
	loaded := o.loaded
	o.mu.Unlock()
	if loaded {
		return nil
	}
	return o.Load(ctx)
}

// Recover marks failed every message left "sending" whose claim is older
// than olderThan: the process that claimed it stopped (or was killed)
// before recording the answer, and the provider may have accepted it. Use
// olderThan 0 at start-up in embedded mode (one instance: nothing else can
// be sending); in MongoDB mode use StaleAfter so another instance's message
// in flight is left alone. It returns the ids it marked.
func (o *Outbox) Recover(ctx context.Context, olderThan time.Duration) ([]string, error) {
	if err := o.ensureLoaded(ctx); err != nil {
		return nil, err
	}
	cutoff := o.o.Now().Add(-olderThan)
	o.mu.Lock()
	var stale []Entry
	for _, e := range o.pending {
		if e.Status == StatusSending && !e.ClaimedAt.After(cutoff) {
			stale = append(stale, e)
		}
	}
	o.mu.Unlock()
	var ids []string
	for _, e := range stale {
		if err := o.set(ctx, e.ID, bson.M{"status": StatusFailed, "last_error": ReasonMaybeSent}); err != nil {
			return ids, err
		}
		o.drop(e.ID)
		ids = append(ids, e.ID)
	}
	sort.Strings(ids)
	return ids, nil
}

// StaleAfter is how long a claim may stay "sending" before Recover treats
// its process as gone (far longer than one SMTP or Notify call may take).
const StaleAfter = defaultStaleAfter

func (o *Outbox) drop(id string) {
	o.mu.Lock()
	delete(o.pending, id)
	o.mu.Unlock()
}

func (o *Outbox) set(ctx context.Context, id string, fields bson.M) error {
	fields["updated_at"] = o.o.Now().UTC()
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	if _, err := o.msgs.UpdateOne(ctx, bson.M{"_id": id}, bson.M{"$set": fields}); err != nil {
		return fmt.Errorf("mail: updating %s: %w", id, err)
	}
	return nil
}

// Backoff is the wait after the n-th failed attempt (n from 1).
func (o *Outbox) Backoff(n int) time.Duration {
	d := o.o.BaseDelay
	for i := 1; i < n && d < o.o.MaxDelay; i++ {
		d *= 2
	}
	return min(d, o.o.MaxDelay)
}

// Result counts what one DeliverDue call did.
type Result struct {
	Sent, Retrying, Failed, Skipped int
}

// DeliverDue delivers the messages whose time has come (up to the batch
// size), over one session of the transport. It returns what happened; an
// error means the store failed, and the messages not reached stay queued.
func (o *Outbox) DeliverDue(ctx context.Context) (Result, error) {
	var res Result
	if o.transport == nil {
		return res, nil
	}
	if err := o.ensureLoaded(ctx); err != nil {
		return res, err
	}
	o.sendMu.Lock()
	defer o.sendMu.Unlock()
	now := o.o.Now()
	o.mu.Lock()
	var due []Entry
	for _, e := range o.pending {
		if e.Status == StatusQueued && !e.NextAt.After(now) {
			due = append(due, e)
		}
	}
	o.mu.Unlock()
	if len(due) == 0 {
		return res, nil
	}
	slices.SortFunc(due, func(a, b Entry) int {
		if c := a.NextAt.Compare(b.NextAt); c != 0 {
			return c
		}
		return compareStrings(a.ID, b.ID)
	})
	if len(due) > o.o.Batch {
		due = due[:o.o.Batch]
	}
	var conn Conn
	defer func() {
		if conn != nil {
			_ = conn.Close()
		}
	}()
	for _, e := range due {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		if conn == nil {
			c, err := o.transport.Open(ctx)
			if err != nil {
				// Nothing was claimed: count an attempt for this message and
				// leave the rest for the next call (the server is down).
				if rerr := o.attemptFailed(ctx, e, err, &res); rerr != nil {
					return res, rerr
				}
				return res, nil
			}
			conn = c
		}
		full, ok, err := o.claim(ctx, e)
		if err != nil {
			return res, err
		}
		if !ok {
			res.Skipped++
			continue
		}
		sendErr := conn.Send(ctx, full.Message())
		if sendErr == nil {
			t := o.o.Now().UTC()
			if err := o.set(ctx, e.ID, bson.M{"status": StatusSent, "sent_at": t, "last_error": "", "method": o.transport.Method()}); err != nil {
				return res, err
			}
			o.drop(e.ID)
			res.Sent++
			continue
		}
		if !IsPermanent(sendErr) {
			// The session may be broken: start a new one for the next message.
			_ = conn.Close()
			conn = nil
		}
		if err := o.attemptFailed(ctx, full, sendErr, &res); err != nil {
			return res, err
		}
	}
	return res, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// claim inserts the claim document and marks the message sending. It
// returns the full entry (with its parts), or ok=false when another worker
// has claimed it or it is no longer queued.
func (o *Outbox) claim(ctx context.Context, e Entry) (Entry, bool, error) {
	n := e.Claims + 1
	now := o.o.Now().UTC()
	cctx, cancel := store.CallContext(ctx)
	_, err := o.claims.InsertOne(cctx, claimDoc{ID: claimID(e.ID, n), Message: e.ID, At: now})
	cancel()
	if err != nil {
		if store.IsDuplicateKey(err) {
			// Another worker claimed it; forget our stale copy (Load brings
			// it back if it is queued again).
			o.drop(e.ID)
			return e, false, nil
		}
		return e, false, fmt.Errorf("mail: claiming %s: %w", e.ID, err)
	}
	cctx, cancel = store.CallContext(ctx)
	var full Entry
	err = o.msgs.FindOneAndUpdate(cctx, bson.M{"_id": e.ID}, bson.M{"$set": bson.M{
		"status": StatusSending, "claims": n, "attempts": e.Attempts + 1, "claimed_at": now, "updated_at": now,
	}}, options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&full)
	cancel()
	if err != nil {
		return e, false, fmt.Errorf("mail: marking %s sending: %w", e.ID, err)
	}
	o.mu.Lock()
	light := full
	light.Text, light.HTML = "", ""
	o.pending[e.ID] = light
	o.mu.Unlock()
	return full, true, nil
}

// attemptFailed records a failed attempt: failed for good when the refusal
// is permanent or the attempts are used up, else queued again after the
// back-off.
func (o *Outbox) attemptFailed(ctx context.Context, e Entry, sendErr error, res *Result) error {
	attempts := e.Attempts
	if e.Status != StatusSending { // not claimed (the connection failed): count it now
		attempts++
	}
	reason := sendErr.Error()
	if IsPermanent(sendErr) || attempts >= o.o.MaxAttempts {
		if !IsPermanent(sendErr) {
			reason = fmt.Sprintf("gave up after %d attempts: %s", attempts, reason)
		}
		if err := o.set(ctx, e.ID, bson.M{"status": StatusFailed, "attempts": attempts, "last_error": reason}); err != nil {
			return err
		}
		o.drop(e.ID)
		res.Failed++
		return nil
	}
	next := o.o.Now().Add(o.Backoff(attempts)).UTC()
	if err := o.set(ctx, e.ID, bson.M{"status": StatusQueued, "attempts": attempts, "next_at": next, "last_error": reason}); err != nil {
		return err
	}
	o.mu.Lock()
	e.Status, e.Attempts, e.NextAt, e.LastError = StatusQueued, attempts, next, reason
	e.Text, e.HTML = "", ""
	o.pending[e.ID] = e
	o.mu.Unlock()
	res.Retrying++
	return nil
}

// ErrNotFound is returned for an unknown message id.
var ErrNotFound = errors.New("mail: no such message")

// ErrCannotResend is returned when a message is not failed or not sent.
var ErrCannotResend = errors.New("mail: only a failed or unsent message can be sent again")

// Get returns one message.
func (o *Outbox) Get(ctx context.Context, id string) (Entry, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	var e Entry
	err := o.msgs.FindOne(ctx, bson.M{"_id": id}).Decode(&e)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return e, ErrNotFound
	}
	return e, err
}

// Resend queues a failed or unsent message again, with a fresh count of
// attempts. The admin decides this for a message marked "may have been
// sent".
func (o *Outbox) Resend(ctx context.Context, id string) error {
	e, err := o.Get(ctx, id)
	if err != nil {
		return err
	}
	if e.Status != StatusFailed && e.Status != StatusNotSent {
		return ErrCannotResend
	}
	status, reason := StatusQueued, ""
	if o.transport == nil {
		status, reason = StatusNotSent, ReasonNotSetUp
	}
	now := o.o.Now().UTC()
	if err := o.set(ctx, id, bson.M{"status": status, "attempts": 0, "next_at": now, "last_error": reason}); err != nil {
		return err
	}
	if status == StatusQueued {
		e.Status, e.Attempts, e.NextAt, e.LastError = status, 0, now, ""
		e.Text, e.HTML = "", ""
		o.mu.Lock()
		o.pending[id] = e
		o.mu.Unlock()
		select {
		case o.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

// Counts returns how many messages have each status.
func (o *Outbox) Counts(ctx context.Context) (map[Status]int, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	type st struct {
		Status Status `bson:"status"`
	}
	list, err := store.FindAll[st](ctx, o.msgs, bson.M{}, options.Find().SetProjection(bson.M{"status": 1}))
	if err != nil {
		return nil, err
	}
	out := map[Status]int{}
	for _, s := range list {
		out[s.Status]++
	}
	return out, nil
}

// List returns the newest messages with the given status (all when empty),
// without their parts, for the admin page.
func (o *Outbox) List(ctx context.Context, status Status, limit int) ([]Entry, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	filter := bson.M{}
	if status != "" {
		filter["status"] = status
	}
	if limit <= 0 {
		limit = 100
	}
	return store.FindAll[Entry](ctx, o.msgs, filter, options.Find().
		SetProjection(bson.M{"html": 0, "text": 0}).
		SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)))
}
