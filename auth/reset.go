package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/portal/fault"
	"careportal/portal/store"
)

// Password reset (OWASP ASVS 5.0 chapter 6): a person who forgot their
// password asks for a link by email address; the answer is the same
// whether or not the account exists; the link carries a single-use token
// valid for an hour, of which only the SHA-256 is stored; using it sets a
// new password and ends every session of the account. Requests are
// throttled per address and per account, and every step is audited.
const (
	colResets        = "password_resets"
	colResetThrottle = "password_reset_throttle"

	// PasswordResetLifetime is how long a reset link works.
	PasswordResetLifetime = time.Hour
	// Requests allowed per hour: per account (more are ignored silently, so
	// the answer never reveals the account) and per client address (more
	// get a "try again later" answer that says nothing about accounts).
	resetsPerAccount = 3
	resetsPerAddress = 10
	resetWindow      = time.Hour
)

// ResetGone is the one message for a reset link that is unknown, used or
// expired.
const ResetGone = "This password reset link has expired or has already been used. Ask for a new one."

// PasswordReset is a live reset link; _id is the SHA-256 of its token.
type PasswordReset struct {
	Hash      string    `bson:"_id"`
	UserID    string    `bson:"user_id"`
	CreatedAt time.Time `bson:"created_at"`
	ExpiresAt time.Time `bson:"expires_at"`
	// PasswordAt is the user's password time when the link was made: a
	// password changed since (by any means) makes the link stale.
	PasswordAt time.Time `bson:"password_at"`
	ByAdmin    string    `bson:"by_admin,omitempty"`
}

type resetThrottle struct {
	ID    string    `bson:"_id"`
	Count int       `bson:"count"`
	Since time.Time `bson:"since"`
}

// ErrResetThrottled is the RateLimited fault for too many requests from one
// address.
var ErrResetThrottled = &fault.Error{Kind: fault.RateLimited, Message: "There have been too many password reset requests from your network. Try again in an hour."}

// RequestPasswordReset is the "forgot your password" step. It returns the
// user and the link's token when an email should go; nil and "" when
// nothing should (no such account, not active, or the account's requests
// are used up) — the caller answers the same either way. The only error a
// person sees is ErrResetThrottled, which depends on the address alone.
func (s *Service) RequestPasswordReset(ctx context.Context, email, ip string) (*User, string, error) {
	email = normaliseEmail(email)
	lower := strings.ToLower(email)
	if email == "" {
		return nil, "", fault.InvalidField("email", "Enter your email address")
	}
	if len(email) > 254 || !strings.Contains(email, "@") {
		return nil, "", fault.InvalidField("email", "Enter an email address in the correct format, like name@example.com")
	}
	actor := &Principal{Email: lower, IP: ip}
	ok, err := s.resetAllowed(ctx, "ip:"+ip, resetsPerAddress)
	if err != nil {
		return nil, "", err
	}
	if !ok {
		s.audit(ctx, actor, "password.reset.throttled", "", "address")
		return nil, "", ErrResetThrottled
	}
	u, err := s.UserByEmail(ctx, lower)
	if err != nil && fault.KindOf(err) != fault.NotFound {
		return nil, "", err
	}
	// Count the account's requests whether or not it exists, so the work
	// (and the time) is the same.
	ok, err = s.resetAllowed(ctx, "acct:"+lower, resetsPerAccount)
	if err != nil {
		return nil, "", err
	}
	switch {
	case u == nil:
		s.audit(ctx, actor, "password.reset.request", "", "unknown account")
		return nil, "", nil
	case !u.Active():
		actor.UserID = u.ID
		s.audit(ctx, actor, "password.reset.request", "user:"+u.ID, "account "+u.Status)
		return nil, "", nil
	case !ok:
		actor.UserID = u.ID
		s.audit(ctx, actor, "password.reset.throttled", "user:"+u.ID, "account")
		return nil, "", nil
	}
	actor.UserID = u.ID
	token, err := s.newReset(ctx, u, "")
	if err != nil {
		return nil, "", err
	}
	s.audit(ctx, actor, "password.reset.request", "user:"+u.ID, "link sent")
	return u, token, nil
}

// AdminPasswordReset makes a reset link for a user on an admin's request
// (the caller emails it to the user).
func (s *Service) AdminPasswordReset(ctx context.Context, actor *Principal, userID string) (*User, string, error) {
	u, err := s.User(ctx, userID)
	if err != nil {
		return nil, "", err
	}
	if !u.Active() {
		return nil, "", fault.Conflictf("%s cannot reset a password: the account is %s", u.Name, strings.ToLower(u.StatusLabel()))
	}
	token, err := s.newReset(ctx, u, actor.Email)
	if err != nil {
		return nil, "", err
	}
	s.audit(ctx, actor, "password.reset.admin", "user:"+u.ID, u.Email)
	return u, token, nil
}

func (s *Service) newReset(ctx context.Context, u *User, byAdmin string) (string, error) {
	token := base64.RawURLEncoding.EncodeToString(randomBytes(32))
	now := s.now().UTC()
	r := PasswordReset{Hash: hashSecret(token), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(PasswordResetLifetime),
		PasswordAt: u.PasswordAt.UTC(), ByAdmin: byAdmin}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	if _, err := s.db.Collection(colResets).InsertOne(ctx, r); err != nil {
		return "", err
	}
	return token, nil
}

// resetAllowed counts one request against key and reports whether it is
// within limit for the current window (one bare-_id read and write).
func (s *Service) resetAllowed(ctx context.Context, key string, limit int) (bool, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	c := s.db.Collection(colResetThrottle)
	now := s.now().UTC()
	var t resetThrottle
	err := c.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&t)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return false, err
	}
	if err != nil || now.Sub(t.Since) >= resetWindow {
		t = resetThrottle{ID: key, Count: 1, Since: now}
		_, err := c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: key}}, t, options.Replace().SetUpsert(true))
		return true, err
	}
	if _, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: key}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "count", Value: 1}}}}); err != nil {
		return false, err
	}
	return t.Count+1 <= limit, nil
}

// PasswordResetUser returns the user a live reset link is for (to show the
// form); anything else is NotFound with ResetGone.
func (s *Service) PasswordResetUser(ctx context.Context, token string) (*User, error) {
	_, u, err := s.passwordReset(ctx, token)
	return u, err
}

func (s *Service) passwordReset(ctx context.Context, token string) (*PasswordReset, *User, error) {
	gone := fault.NotFoundf(ResetGone)
	if token == "" || len(token) > 100 || strings.ContainsAny(token, "/.$") {
		return nil, nil, gone
	}
	cctx, cancel := store.CallContext(ctx)
	defer cancel()
	var r PasswordReset
	if err := s.db.Collection(colResets).FindOne(cctx, bson.D{{Key: "_id", Value: hashSecret(token)}}).Decode(&r); err != nil {
		if errors.Is(err, mongo.ErrNoDocuments) {
			return nil, nil, gone
		}
		return nil, nil, err
	}
	if !s.now().Before(r.ExpiresAt) {
		return nil, nil, gone
	}
	u, err := s.User(ctx, r.UserID)
	if err != nil || !u.Active() || !u.PasswordAt.UTC().Equal(r.PasswordAt) {
		return nil, nil, gone
	}
	return &r, u, nil
}

// ResetPassword uses a reset link: it checks the new password, uses up the
// link (deleted before anything else, so a second use finds nothing), sets
// the password and ends every session of the account.
func (s *Service) ResetPassword(ctx context.Context, token, password, confirm, ip string) (*User, error) {
	r, u, err := s.passwordReset(ctx, token)
	if err != nil {
		return nil, err
	}
	if err := s.CheckPassword("password", password, u.Email); err != nil {
		return nil, err
	}
	if confirm != password {
		return nil, fault.InvalidField("confirm_password", "The passwords do not match")
	}
	cctx, cancel := store.CallContext(ctx)
	res, err := s.db.Collection(colResets).DeleteOne(cctx, bson.D{{Key: "_id", Value: r.Hash}})
	cancel()
	if err != nil {
		return nil, err
	}
	if res.DeletedCount == 0 {
		return nil, fault.NotFoundf(ResetGone)
	}
	if err := s.setPassword(ctx, u, password); err != nil {
		return nil, err
	}
	if err := s.endUserSessions(ctx, u.ID, ""); err != nil {
		return nil, err
	}
	s.audit(ctx, &Principal{UserID: u.ID, Email: u.EmailLower, IP: ip}, "password.reset", "user:"+u.ID, "every session ended")
	return u, nil
}

// sweepResets deletes expired reset links and old throttle counters (a
// scan of two small collections, run with the session sweep).
func (s *Service) sweepResets(ctx context.Context) error {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	now := s.now().UTC()
	if _, err := s.db.Collection(colResets).DeleteMany(ctx, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lte", Value: now}}}}); err != nil {
		return err
	}
	_, err := s.db.Collection(colResetThrottle).DeleteMany(ctx, bson.D{{Key: "since", Value: bson.D{{Key: "$lt", Value: now.Add(-resetWindow)}}}})
	return err
}
