package mail

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/portal/store"
)

// Kind is what a message is about; preferences are per kind.
type Kind string

const (
	KindInvoice    Kind = "invoice"   // an invoice was queried, approved, scheduled, paid or rejected
	KindQuery      Kind = "query"     // a query was answered, moved or resolved
	KindForum      Kind = "forum"     // forum bookings, waiting-list places, changes, reminders
	KindStatement  Kind = "statement" // a new market position statement version
	KindStaffQueue Kind = "staff"     // staff: new queries, answers, overdue queries, exceptions
	KindAccount    Kind = "account"   // invitations, password reset, security notices: always sent
	KindDigest     Kind = "digest"    // the daily digest itself
	KindOther      Kind = "general"
)

// name is the kind in email texts (digest headings, unsubscribe lines);
// the portal's pages name kinds themselves.
func (k Kind) name() string {
	switch k {
	case KindInvoice:
		return "Invoice status changes"
	case KindQuery:
		return "Answers to your queries"
	case KindForum:
		return "Forums and events"
	case KindStatement:
		return "Market position statements"
	case KindStaffQueue:
		return "Work waiting for your team"
	case KindAccount:
		return "Your account"
	case KindDigest:
		return "Daily digest"
	}
	return "Other notices"
}

// ChoosableKinds are the kinds a person may choose for, in page order.
// Account messages (invitations, password resets, security notices) are
// always emailed and cannot be switched off.
var ChoosableKinds = []Kind{KindInvoice, KindQuery, KindForum, KindStatement, KindStaffQueue}

// Choosable reports whether people may choose how they get this kind.
func (k Kind) Choosable() bool {
	for _, c := range ChoosableKinds {
		if c == k {
			return true
		}
	}
	return false
}

// Choice is how a person wants one kind.
type Choice string

const (
	ChoiceEmail  Choice = "email"  // an email at once
	ChoiceDigest Choice = "digest" // one email a day with everything
	ChoicePortal Choice = "portal" // only in the portal's notifications list
)

// Choices in page order.
var Choices = []Choice{ChoiceEmail, ChoiceDigest, ChoicePortal}

// Valid reports whether c is a known choice.
func (c Choice) Valid() bool { return c == ChoiceEmail || c == ChoiceDigest || c == ChoicePortal }

const (
	collPrefs  = "mail_prefs"
	collDigest = "mail_digest_items"
)

// prefsDoc is one user's choices: one field per choosable kind, so the keys
// are our constants, never user input.
type prefsDoc struct {
	ID        string    `bson:"_id"` // the user id
	Invoice   Choice    `bson:"invoice,omitempty"`
	Query     Choice    `bson:"query,omitempty"`
	Forum     Choice    `bson:"forum,omitempty"`
	Statement Choice    `bson:"statement,omitempty"`
	Staff     Choice    `bson:"staff,omitempty"`
	UpdatedAt time.Time `bson:"updated_at"`
}

func (d *prefsDoc) field(k Kind) *Choice {
	switch k {
	case KindInvoice:
		return &d.Invoice
	case KindQuery:
		return &d.Query
	case KindForum:
		return &d.Forum
	case KindStatement:
		return &d.Statement
	case KindStaffQueue:
		return &d.Staff
	}
	return nil
}

// Prefs is every choosable kind's choice for one user.
type Prefs map[Kind]Choice

// Preferences stores people's choices and signs unsubscribe links.
type Preferences struct {
	prefs *mongo.Collection
	key   []byte
	now   func() time.Time
}

// NewPreferences builds the service. key signs unsubscribe tokens (at least
// 32 bytes; derive it from the portal's secret); now may be nil.
func NewPreferences(db *mongo.Database, key []byte, now func() time.Time) (*Preferences, error) {
	if len(key) < 32 {
		return nil, errors.New("mail: the unsubscribe signing key must be at least 32 bytes")
	}
	if now == nil {
		now = time.Now
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("careportal mail unsubscribe v1"))
	return &Preferences{prefs: db.Collection(collPrefs), key: mac.Sum(nil), now: now}, nil
}

// Get returns the user's choices; kinds never chosen are ChoiceEmail.
func (p *Preferences) Get(ctx context.Context, userID string) (Prefs, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	var d prefsDoc
	err := p.prefs.FindOne(ctx, bson.M{"_id": userID}).Decode(&d)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return nil, fmt.Errorf("mail: reading preferences: %w", err)
	}
	out := Prefs{}
	for _, k := range ChoosableKinds {
		c := *d.field(k)
		if !c.Valid() {
			c = ChoiceEmail
		}
		out[k] = c
	}
	return out, nil
}

// For returns how the user gets one kind: account messages are always
// ChoiceEmail.
func (p *Preferences) For(ctx context.Context, userID string, k Kind) (Choice, error) {
	if !k.Choosable() {
		return ChoiceEmail, nil
	}
	all, err := p.Get(ctx, userID)
	if err != nil {
		return "", err
	}
	return all[k], nil
}

// Set stores one choice (one bare-_id upsert).
func (p *Preferences) Set(ctx context.Context, userID string, k Kind, c Choice) error {
	if !k.Choosable() {
		return fmt.Errorf("mail: %q cannot be switched off", k)
	}
	if !c.Valid() {
		return fmt.Errorf("mail: %q is not a choice", c)
	}
	if userID == "" {
		return errors.New("mail: no user")
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	_, err := p.prefs.UpdateOne(ctx, bson.M{"_id": userID},
		bson.M{"$set": bson.M{string(k): c, "updated_at": p.now().UTC()}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("mail: saving preferences: %w", err)
	}
	return nil
}

// SetAll stores every choice in one write.
func (p *Preferences) SetAll(ctx context.Context, userID string, prefs Prefs) error {
	if userID == "" {
		return errors.New("mail: no user")
	}
	set := bson.M{"updated_at": p.now().UTC()}
	for k, c := range prefs {
		if !k.Choosable() || !c.Valid() {
			return fmt.Errorf("mail: %q: %q is not a choice", k, c)
		}
		set[string(k)] = c
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	_, err := p.prefs.UpdateOne(ctx, bson.M{"_id": userID}, bson.M{"$set": set}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("mail: saving preferences: %w", err)
	}
	return nil
}

// UnsubscribeToken signs "stop emailing this user about this kind". It is
// single-purpose: the MAC covers the purpose, the user and the kind, so it
// cannot be used for anything else, and it changes nothing but that
// choice. It does not expire (a link in an old email still works), and it
// carries no session.
func (p *Preferences) UnsubscribeToken(userID string, k Kind) string {
	return base64.RawURLEncoding.EncodeToString(p.mac(userID, k))
}

func (p *Preferences) mac(userID string, k Kind) []byte {
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte("unsubscribe\x00"))
	m.Write([]byte(userID))
	m.Write([]byte{0})
	m.Write([]byte(k))
	return m.Sum(nil)[:20]
}

// UnsubscribeURL is the link an email carries: base + /unsubscribe with the
// user, the kind and the token.
func (p *Preferences) UnsubscribeURL(baseURL, userID string, k Kind) string {
	v := "u=" + escape(userID) + "&k=" + escape(string(k)) + "&t=" + p.UnsubscribeToken(userID, k)
	return Link(baseURL, "/unsubscribe?"+v)
}

func escape(s string) string {
	r := strings.NewReplacer("%", "%25", "&", "%26", "=", "%3D", "+", "%2B", " ", "%20", "#", "%23", "?", "%3F")
	return r.Replace(s)
}

// ErrBadToken is returned for an unsubscribe token that does not match.
var ErrBadToken = errors.New("mail: this unsubscribe link is not valid")

// VerifyUnsubscribe checks a token without anyone signed in.
func (p *Preferences) VerifyUnsubscribe(userID string, k Kind, token string) error {
	if userID == "" || !k.Choosable() {
		return ErrBadToken
	}
	got, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || !hmac.Equal(got, p.mac(userID, k)) {
		return ErrBadToken
	}
	return nil
}

// Unsubscribe verifies the token and switches the kind to portal only.
func (p *Preferences) Unsubscribe(ctx context.Context, userID string, k Kind, token string) error {
	if err := p.VerifyUnsubscribe(userID, k, token); err != nil {
		return err
	}
	return p.Set(ctx, userID, k, ChoicePortal)
}
