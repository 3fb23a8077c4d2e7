package auth

import (
	"context"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/portal/fault"
	"careportal/portal/store"
)

// LoginFailed is the one message for every failed sign-in, so that it never
// reveals whether an account exists.
const LoginFailed = "Enter a correct email address and password. Both are case sensitive except the email address."

// Login checks an email and password from address ip. It returns the user
// on success; otherwise an Unauthorized fault with LoginFailed, or a
// RateLimited fault wrapping *ThrottledError. Failures, successes and
// throttling are audited. Unknown emails cost a hash too, so timing does
// not reveal which accounts exist.
func (s *Service) Login(ctx context.Context, email, password, ip string) (*User, error) {
	email = normaliseEmail(email)
	lower := strings.ToLower(email)
	if email == "" || password == "" || len(email) > 254 || len(password) > 4*MaxPasswordLength {
		var f fault.Fields
		if email == "" {
			f.Add("email", "Enter your email address")
		}
		if password == "" {
			f.Add("password", "Enter your password")
		}
		if len(f) > 0 {
			return nil, f.Err()
		}
		return nil, fault.Unauthorizedf(LoginFailed)
	}
	now := s.now()
	actor := &Principal{Email: lower, IP: ip}
	res, err := s.reserveAttempt(ctx, now, actor, "login.throttled", lower, ip)
	if err != nil {
		return nil, err
	}
	u, err := s.UserByEmail(ctx, lower)
	if err != nil && fault.KindOf(err) != fault.NotFound {
		return nil, err
	}
	ok := false
	if u == nil || u.PasswordHash == "" {
		verifyPassword(s.dummy, password) // same cost as a real check
	} else {
		ok = verifyPassword(u.PasswordHash, password)
	}
	reason := ""
	switch {
	case u == nil:
		reason = "unknown account"
	case !ok:
		reason = "wrong password"
	case !u.Active():
		reason = "account " + u.Status
	}
	if reason == "" && u.Role == RoleProvider {
		if o, err := s.Org(ctx, u.OrgID); err != nil || !o.Active {
			reason = "organisation not active"
		}
	}
	if reason != "" {
		if u != nil {
			actor.UserID = u.ID
		}
		// The attempt stays counted as a failure.
		s.audit(ctx, actor, "login.failure", "", reason)
		return nil, fault.Unauthorizedf(LoginFailed)
	}
	res.succeeded(ctx)
	cctx, cancel := store.CallContext(ctx)
	defer cancel()
	_, _ = s.db.Collection(colUsers).UpdateOne(cctx, bson.D{{Key: "_id", Value: u.ID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "last_sign_in", Value: now.UTC()}}}})
	s.relistUser(ctx, u.ID)
	actor.UserID = u.ID
	s.audit(ctx, actor, "login.success", "user:"+u.ID, "")
	return u, nil
}

// Logout records a sign-out and ends the session.
func (s *Service) Logout(ctx context.Context, p *Principal, ip string) error {
	if p == nil || p.SessionID == "" {
		return nil
	}
	if err := s.EndSession(ctx, p.SessionID); err != nil {
		return err
	}
	s.audit(ctx, p.From(ip), "logout", "user:"+p.UserID, "")
	return nil
}

// reserveAttempt reserves one password check for the account name lower
// from address ip (see reserve), or returns a RateLimited fault wrapping
// *ThrottledError, audited once per burst as action.
func (s *Service) reserveAttempt(ctx context.Context, now time.Time, actor *Principal, action, lower, ip string) (*reservation, error) {
	res, wait, by, err := s.reserve(ctx, now,
		throttleKey{"acct:" + lower, accountFreeFailures}, throttleKey{"ip:" + ip, addressFreeFailures})
	if err != nil {
		return nil, err
	}
	if res == nil {
		s.auditThrottled(ctx, actor, action, by, wait)
		te := &ThrottledError{Wait: wait}
		return nil, &fault.Error{Kind: fault.RateLimited, Message: te.Message(), Err: te}
	}
	return res, nil
}
