package auth

import (
	"context"
	"encoding/base64"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/portal/fault"
	"careportal/portal/store"
)

// Invitation is a one-time link for an invited user to set their password.
// Only the SHA-256 of the link's token is stored, as the _id.
type Invitation struct {
	Hash      string    `bson:"_id"`
	UserID    string    `bson:"user_id"`
	Email     string    `bson:"email"`
	InvitedBy string    `bson:"invited_by"`
	CreatedAt time.Time `bson:"created_at"`
	ExpiresAt time.Time `bson:"expires_at"`
}

// Invite creates an invited user (no password yet) and an invitation for
// them. It returns the user and the token for the link
// (/invite/{token}), which is shown once to the person who invited.
func (s *Service) Invite(ctx context.Context, actor *Principal, in UserInput) (*User, string, error) {
	u, err := s.CreateUser(ctx, actor, in, "")
	if err != nil {
		return nil, "", err
	}
	token, err := s.newInvitation(ctx, actor, u)
	if err != nil {
		return nil, "", err
	}
	return u, token, nil
}

// Reinvite makes a new invitation for a user who has not yet set a
// password (the old link stops working when it expires).
func (s *Service) Reinvite(ctx context.Context, actor *Principal, userID string) (string, error) {
	u, err := s.User(ctx, userID)
	if err != nil {
		return "", err
	}
	if u.Status != StatusInvited {
		return "", fault.Conflictf("%s has already set a password", u.Name)
	}
	return s.newInvitation(ctx, actor, u)
}

func (s *Service) newInvitation(ctx context.Context, actor *Principal, u *User) (string, error) {
	token := base64.RawURLEncoding.EncodeToString(randomBytes(32))
	now := s.now().UTC()
	inv := Invitation{
		Hash: hashSecret(token), UserID: u.ID, Email: u.Email, InvitedBy: actor.Email,
		CreatedAt: now, ExpiresAt: now.Add(InvitationLifetime),
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	if _, err := s.db.Collection(colInvitations).InsertOne(ctx, inv); err != nil {
		return "", err
	}
	s.audit(ctx, actor, "user.invite", "user:"+u.ID, u.Email)
	return token, nil
}

// Invitation returns a live invitation and its user by link token. Used,
// expired or unknown tokens are NotFound.
func (s *Service) Invitation(ctx context.Context, token string) (*Invitation, *User, error) {
	gone := fault.NotFoundf("This invitation link has expired or has already been used")
	if token == "" || len(token) > 100 || strings.ContainsAny(token, "/.$") {
		return nil, nil, gone
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	inv, err := store.Get[Invitation](ctx, s.db.Collection(colInvitations), hashSecret(token))
	if err != nil {
		if fault.KindOf(notFound(err, "")) == fault.NotFound {
			return nil, nil, gone
		}
		return nil, nil, err
	}
	if !s.now().Before(inv.ExpiresAt) {
		return nil, nil, gone
	}
	u, err := s.User(ctx, inv.UserID)
	if err != nil || u.Status != StatusInvited {
		return nil, nil, gone
	}
	return &inv, u, nil
}

// AcceptInvitation sets the invited user's password, makes the account
// active and uses up the invitation. It returns the user, ready to sign in.
func (s *Service) AcceptInvitation(ctx context.Context, token, password, confirm, ip string) (*User, error) {
	inv, u, err := s.Invitation(ctx, token)
	if err != nil {
		return nil, err
	}
	if err := s.CheckPassword("password", password, u.Email); err != nil {
		return nil, err
	}
	if confirm != password {
		return nil, fault.InvalidField("confirm_password", "The passwords do not match")
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	// Delete first: a second use of the same link finds nothing.
	r, err := s.db.Collection(colInvitations).DeleteOne(ctx, bson.D{{Key: "_id", Value: inv.Hash}})
	if err != nil {
		return nil, err
	}
	if r.DeletedCount == 0 {
		return nil, fault.NotFoundf("This invitation link has expired or has already been used")
	}
	if err := s.setPassword(ctx, u, password); err != nil {
		return nil, err
	}
	u.Status = StatusActive
	s.audit(ctx, &Principal{UserID: u.ID, Email: u.Email, IP: ip}, "invitation.accept", "user:"+u.ID, "")
	return u, nil
}
