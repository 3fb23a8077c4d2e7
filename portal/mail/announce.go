package mail

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/portal/store"
)

// An announcement is one change to tell an organisation's people about:
// the person who made the change pays for one insert (Announce); the
// worker later fans it out (FanOut) to each user, by their preferences,
// and to the organisation's in-portal notifications. Every write of the
// fan-out has an id derived from the announcement's, so a fan-out cut off
// part-way and run again queues nothing twice.
const collAnnouncements = "mail_announcements"

// Announcement is what changed, for whom.
type Announcement struct {
	// ID is deterministic for the change, e.g. "invoice:<id>:<seq>"; each
	// user's message is ID + ":" + user id.
	ID    string `bson:"_id"`
	Kind  Kind   `bson:"kind"`
	OrgID string `bson:"org"`
	// The email (see Notice); Path is the page in the portal.
	Subject    string   `bson:"subject"`
	Paragraphs []string `bson:"paragraphs"`
	Path       string   `bson:"path"`
	LinkText   string   `bson:"link_text,omitempty"`
	Reason     string   `bson:"reason"`
	// Title is the line in the portal's notifications list.
	Title string `bson:"title"`
	// Posted is true when the in-portal notification already exists (the
	// announcement came from one), so the fan-out only emails.
	Posted bool `bson:"posted,omitempty"`
	// Broadcast is for every active provider organisation (OrgID empty),
	// or, with ServiceTypes, those providing any of them.
	Broadcast    bool     `bson:"broadcast,omitempty"`
	ServiceTypes []string `bson:"service_types,omitempty"`
	// Team, when set, is for the council staff in that team (OrgID empty);
	// staff have no notifications list, so nothing is posted.
	Team string    `bson:"team,omitempty"`
	At   time.Time `bson:"at"`
}

// Recipient is a person (or an organisation's mailbox, UserID empty) to
// tell.
type Recipient struct {
	UserID string
	Email  string
}

// Directory finds the people of an organisation, and the provider
// organisations a broadcast is for (the wiring adapts the accounts
// service).
type Directory interface {
	OrgRecipients(ctx context.Context, orgID string) ([]Recipient, error)
	// OrgsRecipients is OrgRecipients for many organisations in one read
	// (a broadcast reaches every provider); an organisation with no one
	// to tell may be left out.
	OrgsRecipients(ctx context.Context, orgIDs []string) (map[string][]Recipient, error)
	// ProviderOrgs lists the active provider organisations, or those
	// providing any of serviceTypes when it is not empty.
	ProviderOrgs(ctx context.Context, serviceTypes []string) ([]string, error)
	// TeamRecipients lists the active staff in a council team.
	TeamRecipients(ctx context.Context, team string) ([]Recipient, error)
}

// Noticeboard posts the in-portal notification beside each email, under
// the announcement's id so that a second post of the same id adds nothing
// (the wiring adapts the notifications service).
type Noticeboard interface {
	PostOnce(ctx context.Context, id, orgID string, kind Kind, title, path string) error
}

// SetFanOut gives the service its directory and noticeboard.
func (s *Service) SetFanOut(d Directory, b Noticeboard) { s.directory, s.board = d, b }

// Announce records a change to tell the organisation about: one insert.
// A retried change (the same id) is a no-op.
func (s *Service) Announce(ctx context.Context, a Announcement) error {
	targets := 0
	for _, set := range []bool{a.OrgID != "", a.Broadcast, a.Team != ""} {
		if set {
			targets++
		}
	}
	if a.ID == "" || targets != 1 || a.Subject == "" || a.Reason == "" {
		return errors.New("mail: an announcement needs an id, one audience (an organisation, a broadcast or a team), a subject and a reason")
	}
	if a.Title == "" {
		a.Title = a.Subject
	}
	a.At = s.Outbox.o.Now().UTC()
	cctx, cancel := store.CallContext(ctx)
	defer cancel()
	if _, err := s.db.Collection(collAnnouncements).InsertOne(cctx, a); err != nil && !store.IsDuplicateKey(err) {
		return fmt.Errorf("mail: recording %s: %w", a.ID, err)
	}
	select {
	case s.Outbox.wake <- struct{}{}:
	default:
	}
	return nil
}

// FanOut tells each waiting announcement's people, then deletes it. The
// collection is empty but for changes of the last seconds, so reading it
// whole is cheap on either store.
func (s *Service) FanOut(ctx context.Context) (int, error) {
	cctx, cancel := store.CallContext(ctx)
	list, err := store.FindAll[Announcement](cctx, s.db.Collection(collAnnouncements), bson.M{})
	cancel()
	if err != nil {
		return 0, fmt.Errorf("mail: reading announcements: %w", err)
	}
	done := 0
	seen := newAudiences()
	for _, a := range list {
		if err := s.fanOut(ctx, a, seen); err != nil {
			return done, err
		}
		cctx, cancel := store.CallContext(ctx)
		_, err := s.db.Collection(collAnnouncements).DeleteOne(cctx, bson.M{"_id": a.ID})
		cancel()
		if err != nil {
			return done, err
		}
		done++
	}
	return done, nil
}

// audiences remembers, for one FanOut pass, who each broadcast,
// organisation and team reaches: a backlog (after a stop, or the demo's
// thousands of invoice notices) then reads the users once per audience,
// not once per announcement (on the embedded store every filter but _id
// scans the users). A pass lasts seconds; a change of people during it is
// seen by the next pass.
type audiences struct {
	orgs   map[string][]string // a broadcast's service types -> the organisations it is for
	people map[audienceKey][]Recipient
}

type audienceKey struct{ team, org string }

func newAudiences() *audiences {
	return &audiences{orgs: map[string][]string{}, people: map[audienceKey][]Recipient{}}
}

// readOrgs reads, in one go, the people of those of orgs (two or more: a
// broadcast) not read yet in this pass.
func (seen *audiences) readOrgs(ctx context.Context, d Directory, orgs []string) error {
	var unread []string
	for _, org := range orgs {
		if _, ok := seen.people[audienceKey{org: org}]; !ok && org != "" {
			unread = append(unread, org)
		}
	}
	if len(unread) < 2 {
		return nil
	}
	people, err := d.OrgsRecipients(ctx, unread)
	if err != nil {
		return err
	}
	for _, org := range unread {
		seen.people[audienceKey{org: org}] = people[org]
	}
	return nil
}

func (s *Service) fanOut(ctx context.Context, a Announcement, seen *audiences) error {
	if s.board != nil && !a.Posted && a.OrgID != "" {
		if err := s.board.PostOnce(ctx, a.ID, a.OrgID, a.Kind, a.Title, a.Path); err != nil {
			return fmt.Errorf("mail: posting %s: %w", a.ID, err)
		}
	}
	if s.directory == nil {
		return nil
	}
	orgs := []string{a.OrgID}
	if a.Broadcast {
		key := strings.Join(a.ServiceTypes, "\x00")
		var ok bool
		if orgs, ok = seen.orgs[key]; !ok {
			var err error
			if orgs, err = s.directory.ProviderOrgs(ctx, a.ServiceTypes); err != nil {
				return fmt.Errorf("mail: finding who to tell about %s: %w", a.ID, err)
			}
			seen.orgs[key] = orgs
		}
	}
	if a.Team != "" {
		orgs = []string{""}
	}
	if err := seen.readOrgs(ctx, s.directory, orgs); err != nil {
		return fmt.Errorf("mail: finding who to tell about %s: %w", a.ID, err)
	}
	for _, org := range orgs {
		key := audienceKey{team: a.Team, org: org}
		people, ok := seen.people[key]
		if !ok {
			var err error
			if a.Team != "" {
				people, err = s.directory.TeamRecipients(ctx, a.Team)
			} else {
				people, err = s.directory.OrgRecipients(ctx, org)
			}
			if err != nil {
				return fmt.Errorf("mail: finding who to tell about %s: %w", a.ID, err)
			}
			seen.people[key] = people
		}
		people = slices.Clip(people) // the mailbox below is added to a copy, not to what is kept
		if a.Kind == KindInvoice && org != "" {
			box, err := s.FinanceMailbox(ctx, org)
			if err != nil {
				return err
			}
			if box != "" {
				people = append(people, Recipient{Email: box})
			}
		}
		for _, p := range people {
			who := p.UserID
			if who == "" {
				who = "mailbox:" + p.Email
			}
			_, err := s.Tell(ctx, Notice{ID: a.ID + ":" + who, Kind: a.Kind, UserID: p.UserID, To: p.Email,
				Subject: a.Subject, Paragraphs: a.Paragraphs, Path: a.Path, LinkText: a.LinkText, Reason: a.Reason})
			if err != nil {
				return err
			}
		}
	}
	return nil
}
