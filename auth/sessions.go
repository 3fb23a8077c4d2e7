package auth

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/portal/fault"
	"careportal/portal/store"
)

// Session is a signed-in browser session, stored server-side. The cookie
// carries only its id (signed). Found by a bare _id on every request.
type Session struct {
	ID         string    `bson:"_id"`
	UserID     string    `bson:"user_id"`
	CreatedAt  time.Time `bson:"created_at"`
	LastSeenAt time.Time `bson:"last_seen_at"`
	IP         string    `bson:"ip"`
	Flash      string    `bson:"flash,omitempty"`
}

// SessionTimeouts bound how long a session lasts.
type SessionTimeouts struct {
	Idle     time.Duration // since last seen
	Absolute time.Duration // since sign-in
}

// Expired reports whether the session has timed out at now.
func (ss *Session) Expired(now time.Time, t SessionTimeouts) bool {
	return now.Sub(ss.LastSeenAt) >= t.Idle || now.Sub(ss.CreatedAt) >= t.Absolute
}

// touchEvery is how stale last-seen may get before a request writes it, so
// that not every request writes.
const touchEvery = time.Minute

// StartSession makes a new session for a user with a new random id.
func (s *Service) StartSession(ctx context.Context, userID, ip string) (*Session, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	now := s.now().UTC()
	ss := &Session{ID: randomHex(32), UserID: userID, CreatedAt: now, LastSeenAt: now, IP: ip}
	if _, err := s.db.Collection(colSessions).InsertOne(ctx, ss); err != nil {
		return nil, err
	}
	if s.mem != nil {
		s.mem.put(*ss)
	}
	return ss, nil
}

func errSessionNotFound() error { return fault.NotFoundf("session not found") }

// Session returns a live session by id. Expired ones are deleted and
// reported as not found.
func (s *Service) Session(ctx context.Context, id string, t SessionTimeouts) (*Session, error) {
	if id == "" {
		return nil, errSessionNotFound()
	}
	if s.mem != nil {
		return s.sessionFromMemory(ctx, id, t)
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	ss, err := store.Get[Session](ctx, s.db.Collection(colSessions), id)
	if err != nil {
		return nil, notFound(err, "session")
	}
	now := s.now()
	if ss.Expired(now, t) {
		_ = s.EndSession(ctx, id)
		return nil, errSessionNotFound()
	}
	if now.Sub(ss.LastSeenAt) >= touchEvery {
		if err := s.touchSession(ctx, &ss, now); err != nil {
			return nil, err
		}
	}
	return &ss, nil
}

// SessionPrincipal resolves who is acting in a session.
func (s *Service) SessionPrincipal(ctx context.Context, ss *Session) (*Principal, error) {
	p, err := s.principalFor(ctx, ss.UserID)
	if err != nil {
		return nil, err
	}
	p.SessionID = ss.ID
	return p, nil
}

// SetFlash keeps a one-time message for the session's next page.
func (s *Service) SetFlash(ctx context.Context, sessionID, msg string) error {
	return s.setSessionField(ctx, sessionID, "flash", msg)
}

// ClearFlash removes the session's message once shown.
func (s *Service) ClearFlash(ctx context.Context, sessionID string) error {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	_, err := s.db.Collection(colSessions).UpdateOne(ctx, bson.D{{Key: "_id", Value: sessionID}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "flash", Value: ""}}}})
	if err == nil && s.mem != nil {
		s.mem.update(sessionID, func(ss *Session) { ss.Flash = "" })
	}
	return err
}

func (s *Service) setSessionField(ctx context.Context, id, field, value string) error {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	_, err := s.db.Collection(colSessions).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: field, Value: value}}}})
	if err == nil && s.mem != nil && field == "flash" {
		s.mem.update(id, func(ss *Session) { ss.Flash = value })
	}
	return err
}

// EndSession deletes a session (sign-out).
func (s *Service) EndSession(ctx context.Context, id string) error {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	_, err := s.db.Collection(colSessions).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if s.mem != nil {
		// Dropped even if the delete failed: the session ends here at
		// once; the sweep removes a stored one left behind.
		s.mem.drop(func(ss *Session) bool { return ss.ID == id })
	}
	return err
}

// endUserSessions deletes every session of the user except keep. A rare
// event (password change, deactivation), so a scan is fine.
func (s *Service) endUserSessions(ctx context.Context, userID, keep string) error {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	filter := bson.D{{Key: "user_id", Value: userID}}
	if keep != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$ne", Value: keep}}})
	}
	_, err := s.db.Collection(colSessions).DeleteMany(ctx, filter)
	if s.mem != nil {
		s.mem.drop(func(ss *Session) bool { return ss.UserID == userID && ss.ID != keep })
	}
	return err
}

// UserSessionCount says how many sessions a user has (for tests and the
// admin user page).
func (s *Service) UserSessionCount(ctx context.Context, userID string) (int64, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	return s.db.Collection(colSessions).CountDocuments(ctx, bson.D{{Key: "user_id", Value: userID}})
}

// Sweep deletes expired sessions, expired invitations and stale throttle
// entries; the embedded store has no TTL indexes. Run it periodically.
func (s *Service) Sweep(ctx context.Context, t SessionTimeouts) (int64, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	now := s.now().UTC()
	var total int64
	r, err := s.db.Collection(colSessions).DeleteMany(ctx, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "last_seen_at", Value: bson.D{{Key: "$lte", Value: now.Add(-t.Idle)}}}},
		bson.D{{Key: "created_at", Value: bson.D{{Key: "$lte", Value: now.Add(-t.Absolute)}}}},
	}}})
	if err != nil {
		return 0, err
	}
	if s.mem != nil {
		s.mem.drop(func(ss *Session) bool { return ss.Expired(now, t) })
	}
	total += r.DeletedCount
	r, err = s.db.Collection(colInvitations).DeleteMany(ctx, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lte", Value: now}}}})
	if err != nil {
		return total, err
	}
	total += r.DeletedCount
	r, err = s.db.Collection(colThrottle).DeleteMany(ctx, bson.D{{Key: "last_failure", Value: bson.D{{Key: "$lte", Value: now.Add(-throttleForget)}}}})
	if err != nil {
		return total, err
	}
	total += r.DeletedCount
	return total, s.sweepResets(ctx)
}
