package auth

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/portal/fault"
	"careportal/portal/store"
)

// User status.
const (
	StatusInvited     = "invited"     // invited, has not set a password yet
	StatusActive      = "active"      // may sign in
	StatusDeactivated = "deactivated" // may not sign in
)

// User is a person who signs in.
type User struct {
	ID           string    `bson:"_id"`
	Email        string    `bson:"email"`
	EmailLower   string    `bson:"email_lower"`
	Name         string    `bson:"name"`
	NameLower    string    `bson:"name_lower"` // the lists' sort key (lists.go)
	Role         Role      `bson:"role"`
	OrgID        string    `bson:"org_id,omitempty"`
	Manager      bool      `bson:"manager"`
	Teams        []string  `bson:"teams,omitempty"`
	Status       string    `bson:"status"`
	PasswordHash string    `bson:"password_hash,omitempty"`
	PasswordAt   time.Time `bson:"password_at,omitempty"`
	LastSignIn   time.Time `bson:"last_sign_in,omitempty"`
	CreatedAt    time.Time `bson:"created_at"`
	UpdatedAt    time.Time `bson:"updated_at"`
}

// Active reports whether the user may sign in.
func (u *User) Active() bool { return u.Status == StatusActive }

// StatusLabel is the status for people.
func (u *User) StatusLabel() string {
	switch u.Status {
	case StatusInvited:
		return "Invited"
	case StatusActive:
		return "Active"
	case StatusDeactivated:
		return "Deactivated"
	}
	return u.Status
}

// TeamNames lists the user's council teams by name.
func (u *User) TeamNames() []string {
	var out []string
	for _, t := range u.Teams {
		out = append(out, TeamName(t))
	}
	return out
}

// UserInput is what an admin (or a provider manager, for their own
// organisation) types to create or edit a user.
type UserInput struct {
	Email   string
	Name    string
	Role    Role
	OrgID   string // required for providers, empty for staff
	Manager bool
	Teams   []string
}

func normaliseEmail(e string) string { return strings.TrimSpace(e) }

func (in *UserInput) normalise() {
	in.Email = normaliseEmail(in.Email)
	in.Name = strings.Join(strings.Fields(in.Name), " ")
	if in.Role != RoleProvider {
		in.OrgID = ""
		in.Manager = false
	}
	var teams []string
	for _, t := range in.Teams {
		t = strings.TrimSpace(t)
		if t != "" && !slices.Contains(teams, t) {
			teams = append(teams, t)
		}
	}
	if in.Role == RoleProvider {
		teams = nil
	}
	in.Teams = teams
}

func (s *Service) validateUser(ctx context.Context, in UserInput) error {
	var f fault.Fields
	switch {
	case in.Name == "":
		f.Add("name", "Enter the person's full name")
	case len(in.Name) > 200:
		f.Add("name", "Full name must be 200 characters or fewer")
	}
	switch {
	case in.Email == "":
		f.Add("email", "Enter an email address")
	case !validEmail(in.Email):
		f.Add("email", "Enter an email address in the correct format, like name@example.com")
	}
	if !in.Role.Valid() {
		f.Add("role", "Select a role")
	}
	if in.Role == RoleProvider {
		if in.OrgID == "" {
			f.Add("org", "Select the person's organisation")
		} else if o, err := s.Org(ctx, in.OrgID); err != nil {
			if fault.KindOf(err) != fault.NotFound {
				return err
			}
			f.Add("org", "Select the person's organisation")
		} else if !o.Active {
			f.Add("org", "The organisation is deactivated; reactivate it first")
		}
	}
	for _, t := range in.Teams {
		if TeamName(t) == "" {
			f.Add("teams", "Select teams from the list")
		}
	}
	return f.Err()
}

// CreateUser adds a user. With a password (command line, demo) the user is
// active at once; without one the user is invited and sets it through an
// invitation (see Invite).
func (s *Service) CreateUser(ctx context.Context, actor *Principal, in UserInput, password string) (*User, error) {
	in.normalise()
	if err := s.validateUser(ctx, in); err != nil {
		return nil, err
	}
	status := StatusInvited
	var hash string
	if password != "" {
		if err := s.CheckPassword("password", password, in.Email); err != nil {
			return nil, err
		}
		hash = s.hash.hash(password)
		status = StatusActive
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	now := s.now().UTC()
	u := &User{
		ID: newID(), Email: in.Email, EmailLower: strings.ToLower(in.Email), Name: in.Name, NameLower: strings.ToLower(in.Name),
		Role: in.Role, OrgID: in.OrgID, Manager: in.Manager, Teams: in.Teams, Status: status,
		PasswordHash: hash, CreatedAt: now, UpdatedAt: now,
	}
	if hash != "" {
		u.PasswordAt = now
	}
	if err := s.claimEmail(ctx, u.EmailLower, u.ID); err != nil {
		return nil, err
	}
	if _, err := s.db.Collection(colUsers).InsertOne(ctx, u); err != nil {
		s.releaseEmail(ctx, u.EmailLower, u.ID)
		if store.IsDuplicateKey(err) {
			return nil, emailTaken()
		}
		return nil, err
	}
	s.relistUser(ctx, u.ID)
	s.audit(ctx, actor, "user.create", "user:"+u.ID, u.Email+" ("+string(u.Role)+")")
	return u, nil
}

func emailTaken() error {
	return fault.InvalidField("email", "There is already an account with this email address")
}

// claimEmail records that the lower-cased email belongs to the user. The
// entry's _id is the email, so lookups by email are a bare _id find.
func (s *Service) claimEmail(ctx context.Context, lower, userID string) error {
	_, err := s.db.Collection(colUserEmails).InsertOne(ctx, bson.D{{Key: "_id", Value: lower}, {Key: "user_id", Value: userID}})
	if store.IsDuplicateKey(err) {
		return emailTaken()
	}
	return err
}

func (s *Service) releaseEmail(ctx context.Context, lower, userID string) {
	_, _ = s.db.Collection(colUserEmails).DeleteOne(ctx, bson.D{{Key: "_id", Value: lower}})
}

// User returns a user by id.
func (s *Service) User(ctx context.Context, id string) (*User, error) {
	if id == "" {
		return nil, fault.NotFoundf("user not found")
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	u, err := store.Get[User](ctx, s.db.Collection(colUsers), id)
	if err != nil {
		return nil, notFound(err, "user")
	}
	return &u, nil
}

// UserByEmail returns a user by email address (case-insensitive).
func (s *Service) UserByEmail(ctx context.Context, email string) (*User, error) {
	lower := strings.ToLower(normaliseEmail(email))
	if lower == "" {
		return nil, fault.NotFoundf("user not found")
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	type emailEntry struct {
		UserID string `bson:"user_id"`
	}
	entry, err := store.Get[emailEntry](ctx, s.db.Collection(colUserEmails), lower)
	if err != nil {
		return nil, notFound(err, "user")
	}
	u, err := s.User(ctx, entry.UserID)
	if err != nil {
		return nil, err
	}
	if u.EmailLower != lower {
		return nil, fault.NotFoundf("user not found")
	}
	return u, nil
}

// Users lists every user by name.
func (s *Service) Users(ctx context.Context) ([]User, error) {
	return s.users(ctx, bson.D{})
}

// OrgUsers lists an organisation's users by name.
func (s *Service) OrgUsers(ctx context.Context, orgID string) ([]User, error) {
	return s.users(ctx, bson.D{{Key: "org_id", Value: orgID}})
}

func (s *Service) users(ctx context.Context, filter bson.D) ([]User, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	out, err := store.FindAll[User](ctx, s.db.Collection(colUsers), filter)
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out, nil
}

// UpdateUser changes a user's details. A changed role, organisation or
// email ends the user's sessions, so the new access applies at once.
func (s *Service) UpdateUser(ctx context.Context, actor *Principal, id string, in UserInput) (*User, error) {
	in.normalise()
	if err := s.validateUser(ctx, in); err != nil {
		return nil, err
	}
	u, err := s.User(ctx, id)
	if err != nil {
		return nil, err
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	newLower := strings.ToLower(in.Email)
	oldLower := u.EmailLower
	if newLower != oldLower {
		if err := s.claimEmail(ctx, newLower, u.ID); err != nil {
			return nil, err
		}
	}
	accessChanged := u.Role != in.Role || u.OrgID != in.OrgID || newLower != oldLower
	u.Email, u.EmailLower, u.Name, u.Role, u.OrgID, u.Manager, u.Teams = in.Email, newLower, in.Name, in.Role, in.OrgID, in.Manager, in.Teams
	u.NameLower = strings.ToLower(in.Name)
	u.UpdatedAt = s.now().UTC()
	if _, err := s.db.Collection(colUsers).ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, u); err != nil {
		if newLower != oldLower {
			s.releaseEmail(ctx, newLower, u.ID)
		}
		if store.IsDuplicateKey(err) {
			return nil, emailTaken()
		}
		return nil, err
	}
	if newLower != oldLower {
		s.releaseEmail(ctx, oldLower, u.ID)
	}
	s.forgetUser(id)
	s.relistUser(ctx, id)
	if accessChanged {
		if err := s.endUserSessions(ctx, id, ""); err != nil {
			return nil, err
		}
	}
	s.audit(ctx, actor, "user.update", "user:"+id, u.Email+" ("+string(u.Role)+")")
	return u, nil
}

// SetUserActive deactivates (ending every session at once) or reactivates
// a user. An invited user who is reactivated stays invited.
func (s *Service) SetUserActive(ctx context.Context, actor *Principal, id string, active bool) error {
	u, err := s.User(ctx, id)
	if err != nil {
		return err
	}
	if !active && actor.UserID == id {
		return fault.Conflictf("You cannot deactivate your own account")
	}
	status := StatusDeactivated
	action := "user.deactivate"
	if active {
		action = "user.reactivate"
		status = StatusActive
		if u.PasswordHash == "" {
			status = StatusInvited
		}
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	if _, err := s.db.Collection(colUsers).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: status}, {Key: "updated_at", Value: s.now().UTC()}}}}); err != nil {
		return err
	}
	s.forgetUser(id)
	s.relistUser(ctx, id)
	if !active {
		if err := s.endUserSessions(ctx, id, ""); err != nil {
			return err
		}
	}
	s.audit(ctx, actor, action, "user:"+id, u.Email)
	return nil
}

// ChangePassword checks the current password, sets the new one and ends
// the user's other sessions (keepSession stays signed in).
func (s *Service) ChangePassword(ctx context.Context, actor *Principal, userID, current, next, keepSession string) error {
	u, err := s.User(ctx, userID)
	if err != nil {
		return err
	}
	var f fault.Fields
	if current == "" {
		f.Add("current_password", "Enter your current password")
	} else {
		// A guess at the password like a sign-in: reserved before the
		// hash on the same account and address counters, and audited.
		res, err := s.reserveAttempt(ctx, s.now(), actor, "password.check_throttled", u.EmailLower, actor.IP)
		if err != nil {
			if fe, ok := fault.As(err); ok && fe.Kind == fault.RateLimited {
				var te *ThrottledError
				errors.As(err, &te)
				fe.Message = "There is a problem"
				fe.Fields = []fault.FieldError{{Field: "current_password", Message: te.TryAgain()}}
			}
			return err
		}
		if !verifyPassword(u.PasswordHash, current) {
			s.audit(ctx, actor, "password.check_failure", "user:"+userID, "wrong current password")
			f.Add("current_password", "Your current password is not correct")
		} else {
			res.succeeded(ctx)
		}
	}
	if err := s.CheckPassword("new_password", next, u.Email); err != nil {
		for _, fe := range fault.FieldsOf(err) {
			f.Add(fe.Field, fe.Message)
		}
	} else if next == current {
		f.Add("new_password", "Your new password must be different from your current password")
	}
	if err := f.Err(); err != nil {
		return err
	}
	if err := s.setPassword(ctx, u, next); err != nil {
		return err
	}
	if err := s.endUserSessions(ctx, userID, keepSession); err != nil {
		return err
	}
	s.audit(ctx, actor, "password.change", "user:"+userID, "")
	return nil
}

func (s *Service) setPassword(ctx context.Context, u *User, password string) error {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	now := s.now().UTC()
	set := bson.D{
		{Key: "password_hash", Value: s.hash.hash(password)},
		{Key: "password_at", Value: now},
		{Key: "updated_at", Value: now},
	}
	if u.Status == StatusInvited {
		set = append(set, bson.E{Key: "status", Value: StatusActive})
	}
	_, err := s.db.Collection(colUsers).UpdateOne(ctx, bson.D{{Key: "_id", Value: u.ID}}, bson.D{{Key: "$set", Value: set}})
	s.forgetUser(u.ID)
	s.relistUser(ctx, u.ID)
	return err
}

// cachedUser is User through the short-lived cache, for principal
// resolution on every request.
func (s *Service) cachedUser(ctx context.Context, id string) (*User, error) {
	now := s.now()
	s.mu.Lock()
	c, ok := s.people[id]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < s.cacheTTL {
		u := c.user
		return &u, nil
	}
	u, err := s.User(ctx, id)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.people[id] = cachedPerson{user: *u, at: now}
	s.mu.Unlock()
	return u, nil
}

// Principal builds who is acting for an active user; an inactive user or
// organisation gives Unauthorized.
func (s *Service) principalFor(ctx context.Context, userID string) (*Principal, error) {
	u, err := s.cachedUser(ctx, userID)
	if err != nil {
		if fault.KindOf(err) == fault.NotFound {
			return nil, fault.Unauthorizedf("Sign in again")
		}
		return nil, err
	}
	if !u.Active() {
		return nil, fault.Unauthorizedf("Sign in again")
	}
	p := &Principal{
		UserID: u.ID, Name: u.Name, Email: u.Email, Role: u.Role,
		Manager: u.Manager, Teams: append([]string(nil), u.Teams...),
	}
	if u.Role == RoleProvider {
		o, err := s.cachedOrgByID(ctx, u.OrgID)
		if err != nil {
			if fault.KindOf(err) == fault.NotFound {
				return nil, fault.Unauthorizedf("Sign in again")
			}
			return nil, err
		}
		if !o.Active {
			return nil, fault.Unauthorizedf("Your organisation's account is not active")
		}
		p.OrgID, p.OrgName, p.ServiceTypes = o.ID, o.Name, append([]string(nil), o.ServiceTypes...)
	}
	return p, nil
}
