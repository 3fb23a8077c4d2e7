package mail

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"careportal/portal/store"
)

// PrefsPath is the portal page where people choose what they get.
const PrefsPath = "/account/emails"

// Mailer is what the rest of the portal calls: it asks the person's
// preferences and then queues an email, keeps the notice for the daily
// digest, or does nothing (portal only).
type Mailer struct {
	Outbox      *Outbox
	Prefs       *Preferences
	BaseURL     string // PORTAL_BASE_URL
	ServiceName string
	digest      *mongo.Collection
	london      *time.Location
}

// NewMailer builds the mailer.
func NewMailer(db *mongo.Database, outbox *Outbox, prefs *Preferences, baseURL, serviceName string) *Mailer {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		loc = time.UTC
	}
	return &Mailer{Outbox: outbox, Prefs: prefs, BaseURL: strings.TrimSuffix(baseURL, "/"), ServiceName: serviceName,
		digest: db.Collection(collDigest), london: loc}
}

// Notice is one thing to tell one person.
type Notice struct {
	// ID is deterministic for the change, e.g. "invoice:<id>:<seq>:<user>".
	ID     string
	Kind   Kind
	UserID string // empty for a mailbox that is not a user (always emailed)
	To     string
	// Subject and Paragraphs are the email; Path is the page in the portal.
	Subject    string
	Paragraphs []string
	Path       string
	LinkText   string
	// Reason says why the person got it.
	Reason string
}

// Tell routes the notice by the person's choice for its kind and returns
// the choice it followed.
func (m *Mailer) Tell(ctx context.Context, n Notice) (Choice, error) {
	choice := ChoiceEmail
	if n.UserID != "" && m.Prefs != nil {
		c, err := m.Prefs.For(ctx, n.UserID, n.Kind)
		if err != nil {
			return "", err
		}
		choice = c
	}
	switch choice {
	case ChoicePortal:
		return choice, nil
	case ChoiceDigest:
		return choice, m.keepForDigest(ctx, n)
	}
	msg, err := m.Compose(n)
	if err != nil {
		return "", err
	}
	_, err = m.Outbox.Enqueue(ctx, msg)
	return choice, err
}

// Compose renders a notice as a message, with the footer and links.
func (m *Mailer) Compose(n Notice) (Message, error) {
	if m.BaseURL == "" {
		return Message{}, errors.New("mail: PORTAL_BASE_URL is not set, so emails cannot link to the portal")
	}
	c := Content{ServiceName: m.ServiceName, Subject: n.Subject, Paragraphs: n.Paragraphs, LinkText: n.LinkText, Reason: n.Reason}
	if n.Path != "" {
		c.LinkURL = Link(m.BaseURL, n.Path)
	}
	if n.UserID != "" && n.Kind.Choosable() {
		c.PrefsURL = Link(m.BaseURL, PrefsPath)
		if m.Prefs != nil {
			c.UnsubscribeURL = m.Prefs.UnsubscribeURL(m.BaseURL, n.UserID, n.Kind)
		}
	}
	return Compose(n.ID, n.Kind, n.UserID, n.To, c)
}

// digestItem is one notice waiting for a user's daily digest.
type digestItem struct {
	ID      string    `bson:"_id"` // the notice id: a retried change keeps one item
	UserID  string    `bson:"user"`
	To      string    `bson:"to"`
	Kind    Kind      `bson:"kind"`
	Subject string    `bson:"subject"`
	Path    string    `bson:"path,omitempty"`
	At      time.Time `bson:"at"`
	Digest  string    `bson:"digest,omitempty"` // the digest message it went into
}

func (m *Mailer) keepForDigest(ctx context.Context, n Notice) error {
	if n.ID == "" || n.To == "" || n.Subject == "" {
		return errors.New("mail: a notice needs an id, an address and a subject")
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	_, err := m.digest.InsertOne(ctx, digestItem{ID: n.ID, UserID: n.UserID, To: n.To, Kind: n.Kind, Subject: n.Subject,
		Path: n.Path, At: m.Outbox.o.Now().UTC()})
	if err != nil && !store.IsDuplicateKey(err) {
		return fmt.Errorf("mail: keeping %s for the digest: %w", n.ID, err)
	}
	return nil
}

// BuildDigests queues one digest email per user with waiting notices, with
// the id "digest:<user>:<London date>", and removes the notices it used.
// Run it once a day (after 07:00 London, say). It is safe to run again or
// after a crash: an item is first marked with the digest it goes into, the
// digest is queued under its deterministic id, and only then are its items
// deleted; an item marked for a digest already queued is just deleted, and
// items that arrive after today's digest was queued wait for tomorrow's.
func (m *Mailer) BuildDigests(ctx context.Context, now time.Time) (int, error) {
	cctx, cancel := store.CallContext(ctx)
	items, err := store.FindAll[digestItem](cctx, m.digest, bson.M{})
	cancel()
	if err != nil {
		return 0, fmt.Errorf("mail: reading digest items: %w", err)
	}
	byUser := map[string][]digestItem{}
	for _, it := range items {
		byUser[it.UserID] = append(byUser[it.UserID], it)
	}
	users := make([]string, 0, len(byUser))
	for u := range byUser {
		users = append(users, u)
	}
	sort.Strings(users)
	date := now.In(m.london).Format("2006-01-02")
	queued := 0
	for _, u := range users {
		today := "digest:" + u + ":" + date
		exists := map[string]bool{}
		known := func(id string) (bool, error) {
			if v, ok := exists[id]; ok {
				return v, nil
			}
			_, err := m.Outbox.Get(ctx, id)
			if errors.Is(err, ErrNotFound) {
				exists[id] = false
				return false, nil
			}
			if err != nil {
				return false, err
			}
			exists[id] = true
			return true, nil
		}
		var use []digestItem
		for _, it := range byUser[u] {
			if it.Digest != "" {
				ok, err := known(it.Digest)
				if err != nil {
					return queued, err
				}
				if ok { // already went out in that digest
					if err := m.deleteItem(ctx, it.ID); err != nil {
						return queued, err
					}
					continue
				}
			}
			use = append(use, it)
		}
		if len(use) == 0 {
			continue
		}
		if ok, err := known(today); err != nil {
			return queued, err
		} else if ok {
			continue // today's went out; these wait for tomorrow
		}
		for _, it := range use {
			if it.Digest != today {
				if err := m.markItem(ctx, it.ID, today); err != nil {
					return queued, err
				}
			}
		}
		msg, err := m.composeDigest(today, u, use, now)
		if err != nil {
			return queued, err
		}
		added, err := m.Outbox.Enqueue(ctx, msg)
		if err != nil {
			return queued, err
		}
		if added {
			queued++
		}
		for _, it := range use {
			if err := m.deleteItem(ctx, it.ID); err != nil {
				return queued, err
			}
		}
	}
	return queued, nil
}

func (m *Mailer) markItem(ctx context.Context, id, digest string) error {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	_, err := m.digest.UpdateOne(ctx, bson.M{"_id": id}, bson.M{"$set": bson.M{"digest": digest}})
	return err
}

func (m *Mailer) deleteItem(ctx context.Context, id string) error {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	_, err := m.digest.DeleteOne(ctx, bson.M{"_id": id})
	return err
}

// composeDigest lists the user's notices, grouped by kind, oldest first,
// each with its page's address.
func (m *Mailer) composeDigest(id, userID string, items []digestItem, now time.Time) (Message, error) {
	sort.Slice(items, func(i, j int) bool {
		if items[i].Kind != items[j].Kind {
			return kindOrder(items[i].Kind) < kindOrder(items[j].Kind)
		}
		if !items[i].At.Equal(items[j].At) {
			return items[i].At.Before(items[j].At)
		}
		return items[i].ID < items[j].ID
	})
	var paras []string
	var last Kind
	// stop ends a kind's group with its own signed unsubscribe link, so a
	// digest, like every other email, lets the person switch each kind off.
	stop := func(k Kind) {
		if k != "" && m.Prefs != nil && k.Choosable() {
			paras = append(paras, "Stop "+strings.ToLower(k.name())+" emails: "+m.Prefs.UnsubscribeURL(m.BaseURL, userID, k))
		}
	}
	for _, it := range items {
		if it.Kind != last {
			stop(last)
			paras = append(paras, it.Kind.name()+":")
			last = it.Kind
		}
		line := "- " + it.Subject
		if it.Path != "" {
			line += " (" + Link(m.BaseURL, it.Path) + ")"
		}
		paras = append(paras, line)
	}
	stop(last)
	n := len(items)
	word := "updates"
	if n == 1 {
		word = "update"
	}
	return Compose(id, KindDigest, userID, items[len(items)-1].To, Content{
		ServiceName: m.ServiceName,
		Subject:     fmt.Sprintf("%s: %d %s on %s", m.ServiceName, n, word, now.In(m.london).Format("2 January 2006")),
		Paragraphs:  paras,
		LinkText:    "See your notifications",
		LinkURL:     Link(m.BaseURL, "/notifications"),
		Reason:      "You get this daily summary because you chose \"Email me once a day\" for these kinds of update.",
		PrefsURL:    Link(m.BaseURL, PrefsPath),
	})
}

func kindOrder(k Kind) int {
	for i, c := range ChoosableKinds {
		if c == k {
			return i
		}
	}
	return len(ChoosableKinds)
}
