package contacts

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/store"
)

const (
	collTeams    = "contact_teams"
	collContacts = "contacts"
)

// Team is a council team's directory entry.
type Team struct {
	Slug      string    `bson:"_id"`
	Name      string    `bson:"-"`
	Purpose   string    `bson:"purpose"`
	Hours     string    `bson:"hours"`
	Email     string    `bson:"email"`
	Phone     string    `bson:"phone"`
	UpdatedAt time.Time `bson:"updated_at"`
	UpdatedBy string    `bson:"updated_by"`
	Topics    []Topic   `bson:"-"`
}

// Contact is a named person in a team.
type Contact struct {
	ID        string    `bson:"_id"`
	Team      string    `bson:"team"`
	Name      string    `bson:"name"`
	Role      string    `bson:"role"`
	Email     string    `bson:"email"`
	Phone     string    `bson:"phone"`
	CheckedAt time.Time `bson:"checked_at"`
	CheckedBy string    `bson:"checked_by"`
}

// CheckEvery is how often a named contact should be confirmed: an entry
// last checked longer ago than this shows as due for a check.
const CheckEvery = 180 * 24 * time.Hour

// CheckDue reports whether the contact was last checked more than
// CheckEvery before now.
func (c Contact) CheckDue(now time.Time) bool { return now.Sub(c.CheckedAt) > CheckEvery }

// TeamInput is what staff edit on a team.
type TeamInput struct {
	Purpose, Hours, Email, Phone string
}

// ContactInput is what staff edit on a named contact.
type ContactInput struct {
	Name, Role, Email, Phone string
}

// Service keeps the directory.
type Service struct {
	teams    *mongo.Collection
	contacts *mongo.Collection
	settings *mongo.Collection
	now      func() time.Time
}

// NewService builds the service; now may be nil (time.Now).
func NewService(db *mongo.Database, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{teams: db.Collection(collTeams), contacts: db.Collection(collContacts), settings: db.Collection(collSettings), now: now}
}

// EnsureIndexes creates the collections.
func (s *Service) EnsureIndexes(ctx context.Context) error {
	// One-time migrations of stores written by older versions come first
	// (see migrations.go): the indexes below are on the new field names.
	if err := store.Migrate(ctx, s.teams.Database(), nil, migrations...); err != nil {
		return err
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	return store.EnsureCollections(ctx, s.teams.Database(), collTeams, collContacts, collSettings)
}

func byID(id string) bson.D { return bson.D{{Key: "_id", Value: id}} }

func newID() string { return store.NewID("c", 10) }

// Teams returns every council team in auth.CouncilTeams order, with the
// details staff entered (empty until they do) and the topics each owns.
func (s *Service) Teams(ctx context.Context) ([]Team, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	docs, err := store.FindAll[Team](ctx, s.teams, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("contacts: loading teams: %w", err)
	}
	have := map[string]Team{}
	for _, d := range docs {
		have[d.Slug] = d
	}
	out := make([]Team, 0, len(auth.CouncilTeams))
	for _, ct := range auth.CouncilTeams {
		t := have[ct.Slug]
		t.Slug, t.Name, t.Topics = ct.Slug, ct.Name, TopicsFor(ct.Slug)
		out = append(out, t)
	}
	return out, nil
}

// Team returns one team, NotFound for an unknown slug.
func (s *Service) Team(ctx context.Context, slug string) (Team, error) {
	name := auth.TeamName(slug)
	if name == "" {
		return Team{}, fault.NotFoundf("team not found")
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	t, err := store.Get[Team](ctx, s.teams, slug)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return Team{}, fmt.Errorf("contacts: loading team: %w", err)
	}
	t.Slug, t.Name, t.Topics = slug, name, TopicsFor(slug)
	return t, nil
}

// Contacts lists the named contacts, of one team or (team "") all, by
// team order then name. People's names are for signed-in users only: for
// nobody (nil) the list is empty.
func (s *Service) Contacts(ctx context.Context, by *auth.Principal, team string) ([]Contact, error) {
	if by == nil {
		return nil, nil
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	all, err := store.FindAll[Contact](ctx, s.contacts, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("contacts: loading contacts: %w", err)
	}
	order := map[string]int{}
	for i, t := range auth.CouncilTeams {
		order[t.Slug] = i
	}
	out := all[:0]
	for _, c := range all {
		if team == "" || c.Team == team {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Team != out[j].Team {
			return order[out[i].Team] < order[out[j].Team]
		}
		return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name)
	})
	return out, nil
}

// Contact returns one named contact; NotFound for nobody (nil), since
// names are for signed-in users only.
func (s *Service) Contact(ctx context.Context, by *auth.Principal, id string) (Contact, error) {
	if by == nil {
		return Contact{}, fault.NotFoundf("contact not found")
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	c, err := store.Get[Contact](ctx, s.contacts, id)
	if err != nil {
		return Contact{}, store.NotFoundAs(err, "contact")
	}
	return c, nil
}

var phoneRe = regexp.MustCompile(`^\+?[0-9][0-9 ()-]{6,22}$`)

func clean(s string) string { return strings.TrimSpace(s) }

func checkEmail(f *fault.Fields, field, label, v string, required bool) {
	switch {
	case v == "" && required:
		f.Add(field, "Enter "+label)
	case v == "":
	case len(v) > 254:
		f.Add(field, "Email address must be 254 characters or fewer")
	default:
		a, err := mail.ParseAddress(v)
		if err != nil || a.Address != v || !strings.Contains(v[strings.LastIndex(v, "@")+1:], ".") {
			f.Add(field, "Enter "+label+" in the correct format, like name@example.com")
		}
	}
}

func checkPhone(f *fault.Fields, field, v string, required bool) {
	switch {
	case v == "" && required:
		f.Add(field, "Enter a phone number")
	case v == "":
	case !phoneRe.MatchString(v):
		f.Add(field, "Enter a phone number, like 020 7946 0123")
	}
}

func checkLen(f *fault.Fields, field, label, v string, required bool, max int) {
	switch {
	case v == "" && required:
		f.Add(field, "Enter "+strings.ToLower(label[:1])+label[1:])
	case len(v) > max:
		f.Add(field, fmt.Sprintf("%s must be %d characters or fewer", label, max))
	}
}

// CanEdit reports whether p may edit the contacts of a team: admins and
// commissioners edit every team, brokerage staff only their own teams.
func CanEdit(p *auth.Principal, team string) bool {
	return auth.Can(p, auth.ActionEditContacts) || (auth.Can(p, auth.ActionEditTeamContacts) && p.InTeam(team))
}

func mayEdit(p *auth.Principal, team string) error {
	if !CanEdit(p, team) {
		return fault.Forbiddenf("You can only edit the contacts of your own teams")
	}
	return nil
}

// SaveTeam updates a team's details.
func (s *Service) SaveTeam(ctx context.Context, slug string, in TeamInput, by *auth.Principal) error {
	if auth.TeamName(slug) == "" {
		return fault.NotFoundf("team not found")
	}
	if err := mayEdit(by, slug); err != nil {
		return err
	}
	in = TeamInput{Purpose: clean(in.Purpose), Hours: clean(in.Hours), Email: clean(in.Email), Phone: clean(in.Phone)}
	var f fault.Fields
	checkLen(&f, "purpose", "What the team does", in.Purpose, true, 1000)
	checkLen(&f, "hours", "Opening hours", in.Hours, true, 200)
	checkEmail(&f, "email", "the team's shared mailbox", in.Email, true)
	checkPhone(&f, "phone", in.Phone, true)
	if err := f.Err(); err != nil {
		return err
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	doc := Team{Slug: slug, Purpose: in.Purpose, Hours: in.Hours, Email: in.Email, Phone: in.Phone, UpdatedAt: s.now().UTC().Truncate(time.Millisecond), UpdatedBy: by.Name}
	if _, err := s.teams.ReplaceOne(ctx, byID(slug), doc, options.Replace().SetUpsert(true)); err != nil {
		return fmt.Errorf("contacts: saving team: %w", err)
	}
	return nil
}

func checkContact(in ContactInput) (ContactInput, error) {
	in = ContactInput{Name: clean(in.Name), Role: clean(in.Role), Email: clean(in.Email), Phone: clean(in.Phone)}
	var f fault.Fields
	checkLen(&f, "name", "Full name", in.Name, true, 100)
	checkLen(&f, "role", "Job title", in.Role, true, 100)
	checkEmail(&f, "email", "an email address", in.Email, true)
	checkPhone(&f, "phone", in.Phone, false)
	return in, f.Err()
}

// AddContact adds a named contact to a team; it counts as checked now.
func (s *Service) AddContact(ctx context.Context, team string, in ContactInput, by *auth.Principal) (Contact, error) {
	if auth.TeamName(team) == "" {
		return Contact{}, fault.NotFoundf("team not found")
	}
	if err := mayEdit(by, team); err != nil {
		return Contact{}, err
	}
	in, err := checkContact(in)
	if err != nil {
		return Contact{}, err
	}
	c := Contact{ID: newID(), Team: team, Name: in.Name, Role: in.Role, Email: in.Email, Phone: in.Phone, CheckedAt: s.now().UTC().Truncate(time.Millisecond), CheckedBy: by.Name}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	if _, err := s.contacts.InsertOne(ctx, c); err != nil {
		return Contact{}, fmt.Errorf("contacts: adding contact: %w", err)
	}
	return c, nil
}

// UpdateContact changes a named contact; it counts as checked now.
func (s *Service) UpdateContact(ctx context.Context, id string, in ContactInput, by *auth.Principal) (Contact, error) {
	c, err := s.Contact(ctx, by, id)
	if err != nil {
		return Contact{}, err
	}
	if err := mayEdit(by, c.Team); err != nil {
		return Contact{}, err
	}
	in, err = checkContact(in)
	if err != nil {
		return Contact{}, err
	}
	c.Name, c.Role, c.Email, c.Phone = in.Name, in.Role, in.Email, in.Phone
	c.CheckedAt, c.CheckedBy = s.now().UTC().Truncate(time.Millisecond), by.Name
	return c, s.replace(ctx, c)
}

// MarkChecked records that someone confirmed the contact is still right.
func (s *Service) MarkChecked(ctx context.Context, id string, by *auth.Principal) (Contact, error) {
	c, err := s.Contact(ctx, by, id)
	if err != nil {
		return Contact{}, err
	}
	if err := mayEdit(by, c.Team); err != nil {
		return Contact{}, err
	}
	c.CheckedAt, c.CheckedBy = s.now().UTC().Truncate(time.Millisecond), by.Name
	return c, s.replace(ctx, c)
}

// RemoveContact deletes a named contact.
func (s *Service) RemoveContact(ctx context.Context, id string, by *auth.Principal) error {
	c, err := s.Contact(ctx, by, id)
	if err != nil {
		return err
	}
	if err := mayEdit(by, c.Team); err != nil {
		return err
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	res, err := s.contacts.DeleteOne(ctx, byID(id))
	if err != nil {
		return fmt.Errorf("contacts: removing contact: %w", err)
	}
	if res.DeletedCount == 0 {
		return fault.NotFoundf("contact not found")
	}
	return nil
}

func (s *Service) replace(ctx context.Context, c Contact) error {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	res, err := s.contacts.ReplaceOne(ctx, byID(c.ID), c)
	if err != nil {
		return fmt.Errorf("contacts: saving contact: %w", err)
	}
	if res.MatchedCount == 0 {
		return fault.NotFoundf("contact not found")
	}
	return nil
}

// Results are what a search found.
type Results struct {
	Query    string
	Topics   []Topic
	Teams    []Team
	Contacts []Contact
}

// Search finds topics, teams and (for a signed-in user, not for nobody)
// named contacts whose text contains every word of q, case-insensitively.
// It searches in memory: the directory is small.
func (s *Service) Search(ctx context.Context, by *auth.Principal, q string) (Results, error) {
	withPeople := by != nil
	res := Results{Query: strings.TrimSpace(q)}
	words := strings.Fields(strings.ToLower(q))
	if len(words) == 0 {
		return res, nil
	}
	if len(words) > 10 {
		words = words[:10]
	}
	match := func(parts ...string) bool {
		hay := strings.ToLower(strings.Join(parts, " "))
		for _, w := range words {
			if !strings.Contains(hay, w) {
				return false
			}
		}
		return true
	}
	for _, t := range topics {
		if match(t.Label, t.Hint) {
			res.Topics = append(res.Topics, t)
		}
	}
	teams, err := s.Teams(ctx)
	if err != nil {
		return res, err
	}
	for _, t := range teams {
		parts := []string{t.Name, t.Purpose}
		for _, tp := range t.Topics {
			parts = append(parts, tp.Label, tp.Hint)
		}
		if match(parts...) {
			res.Teams = append(res.Teams, t)
		}
	}
	if withPeople {
		people, err := s.Contacts(ctx, by, "")
		if err != nil {
			return res, err
		}
		for _, c := range people {
			if match(c.Name, c.Role, c.Email, auth.TeamName(c.Team)) {
				res.Contacts = append(res.Contacts, c)
			}
		}
	}
	return res, nil
}
