package auth

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/portal/fault"
	"careportal/portal/store"
)

// LoginFailed is the one message for every failed sign-in, so that it never
// reveals whether an account exists.
const LoginFailed = "Enter a correct email address and password. Both are case sensitive except the email address."

// Throttling: after a few failures from one account name or one address,
// each further attempt must wait, doubling from one second up to a cap.
// Failures are forgotten after a quiet spell, so an attacker can hold a
// real person out for at most throttleCap at a time.
const (
	accountFreeFailures = 5  // failures per account name before backoff starts
	addressFreeFailures = 20 // per client address (offices share addresses)
	throttleCap         = 15 * time.Minute
	throttleForget      = time.Hour // failures older than this are forgotten
)

type throttleEntry struct {
	ID          string    `bson:"_id"` // "acct:" + lower-cased email or "ip:" + address
	Failures    int       `bson:"failures"`
	LastFailure time.Time `bson:"last_failure"`
}

// waitUntil is when the next attempt is allowed.
func (t throttleEntry) waitUntil(free int) time.Time {
	over := t.Failures - free
	if over < 0 {
		return time.Time{}
	}
	d := time.Duration(math.Pow(2, float64(min(over, 20)))) * time.Second
	if d > throttleCap {
		d = throttleCap
	}
	return t.LastFailure.Add(d)
}

// ThrottledError says sign-in is refused for now.
type ThrottledError struct{ Wait time.Duration }

func (e *ThrottledError) Error() string { return "sign-in throttled" }

// Message is the generic failure plus when to try again.
func (e *ThrottledError) Message() string {
	mins := int(math.Ceil(e.Wait.Minutes()))
	if mins < 1 {
		mins = 1
	}
	unit := "minutes"
	if mins == 1 {
		unit = "minute"
	}
	return fmt.Sprintf("%s Too many attempts: try again in %d %s.", LoginFailed, mins, unit)
}

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
	acctKey, ipKey := "acct:"+lower, "ip:"+ip
	now := s.now()
	wait, err := s.throttleWait(ctx, now, acctKey, ipKey)
	if err != nil {
		return nil, err
	}
	actor := &Principal{Email: lower, IP: ip}
	if wait > 0 {
		s.audit(ctx, actor, "login.throttled", "", fmt.Sprintf("wait %s", wait.Round(time.Second)))
		te := &ThrottledError{Wait: wait}
		return nil, &fault.Error{Kind: fault.RateLimited, Message: te.Message(), Err: te}
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
		if err := s.recordFailure(ctx, now, acctKey, ipKey); err != nil {
			return nil, err
		}
		s.audit(ctx, actor, "login.failure", "", reason)
		return nil, fault.Unauthorizedf(LoginFailed)
	}
	cctx, cancel := store.CallContext(ctx)
	defer cancel()
	_, _ = s.db.Collection(colThrottle).DeleteOne(cctx, bson.D{{Key: "_id", Value: acctKey}})
	_, _ = s.db.Collection(colUsers).UpdateOne(cctx, bson.D{{Key: "_id", Value: u.ID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "last_sign_in", Value: now.UTC()}}}})
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

func (s *Service) throttleWait(ctx context.Context, now time.Time, acctKey, ipKey string) (time.Duration, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	var wait time.Duration
	for _, k := range []struct {
		id   string
		free int
	}{{acctKey, accountFreeFailures}, {ipKey, addressFreeFailures}} {
		t, err := store.Get[throttleEntry](ctx, s.db.Collection(colThrottle), k.id)
		if err != nil {
			if fault.KindOf(notFound(err, "")) == fault.NotFound {
				continue
			}
			return 0, err
		}
		if now.Sub(t.LastFailure) >= throttleForget {
			continue
		}
		if w := t.waitUntil(k.free).Sub(now); w > wait {
			wait = w
		}
	}
	return wait, nil
}

func (s *Service) recordFailure(ctx context.Context, now time.Time, keys ...string) error {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	c := s.db.Collection(colThrottle)
	for _, k := range keys {
		t, err := store.Get[throttleEntry](ctx, c, k)
		if err != nil && fault.KindOf(notFound(err, "")) != fault.NotFound {
			return err
		}
		if err != nil || now.Sub(t.LastFailure) >= throttleForget {
			// New or forgotten: start counting again.
			t = throttleEntry{ID: k, Failures: 1, LastFailure: now.UTC()}
			if _, err := c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: k}}, t, options.Replace().SetUpsert(true)); err != nil {
				return err
			}
			continue
		}
		// Count atomically, so concurrent failures are all counted.
		if _, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: k}}, bson.D{
			{Key: "$inc", Value: bson.D{{Key: "failures", Value: 1}}},
			{Key: "$set", Value: bson.D{{Key: "last_failure", Value: now.UTC()}}},
		}); err != nil {
			return err
		}
	}
	return nil
}
