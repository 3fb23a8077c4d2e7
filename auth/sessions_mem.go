package auth

import (
	"context"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/portal/store"
)

// sessionMemory holds every session in memory, for the embedded store:
// it is single-instance by design (the data directory is locked), so this
// process makes every session change and the map is the whole truth.
// Writes go to the store first and then to the map (write-through), so a
// restart loses nothing; a sign-out, password change or deactivation
// removes the session from the map as it is deleted, so it is refused on
// the very next request. Reading a session then costs a map lookup instead
// of a FerretDB round trip on every request. In MongoDB mode (several
// instances) sessions are read by _id as before.
type sessionMemory struct {
	mu     sync.RWMutex
	loaded bool
	byID   map[string]Session
}

// load reads every session once (they are few: one per signed-in browser,
// swept when they expire).
func (m *sessionMemory) load(ctx context.Context, s *Service) error {
	return loadOnce(&m.mu, &m.loaded, func() error {
		ctx, cancel := store.CallContext(ctx)
		defer cancel()
		all, err := store.FindAll[Session](ctx, s.db.Collection(colSessions), bson.D{})
		if err != nil {
			return err
		}
		m.byID = make(map[string]Session, len(all))
		for _, ss := range all {
			m.byID[ss.ID] = ss
		}
		return nil
	})
}

func (m *sessionMemory) get(id string) (Session, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	ss, ok := m.byID[id]
	return ss, ok
}

func (m *sessionMemory) put(ss Session) {
	m.mu.Lock()
	if m.loaded {
		m.byID[ss.ID] = ss
	}
	m.mu.Unlock()
}

// update changes a session still held (a session ended meanwhile stays
// ended).
func (m *sessionMemory) update(id string, f func(*Session)) {
	m.mu.Lock()
	if ss, ok := m.byID[id]; ok {
		f(&ss)
		m.byID[id] = ss
	}
	m.mu.Unlock()
}

// drop removes the sessions for which gone is true.
func (m *sessionMemory) drop(gone func(*Session) bool) {
	m.mu.Lock()
	for id, ss := range m.byID {
		if gone(&ss) {
			delete(m.byID, id)
		}
	}
	m.mu.Unlock()
}

// sessionFromMemory is Session for the embedded store.
func (s *Service) sessionFromMemory(ctx context.Context, id string, t SessionTimeouts) (*Session, error) {
	if err := s.mem.load(ctx, s); err != nil {
		return nil, err
	}
	ss, ok := s.mem.get(id)
	if !ok {
		return nil, errSessionNotFound()
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
		s.mem.update(id, func(m *Session) { m.LastSeenAt = ss.LastSeenAt })
	}
	return &ss, nil
}

func (s *Service) touchSession(ctx context.Context, ss *Session, now time.Time) error {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	ss.LastSeenAt = now.UTC()
	_, err := s.db.Collection(colSessions).UpdateOne(ctx, bson.D{{Key: "_id", Value: ss.ID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "last_seen_at", Value: ss.LastSeenAt}}}})
	return err
}

// loadOnce runs fill with mu held for writing, the first time only, and
// marks loaded when it succeeds. The look under the read lock keeps every
// later call cheap; the second look under the write lock makes callers
// that arrive during the first fill wait for it rather than fill again.
func loadOnce(mu *sync.RWMutex, loaded *bool, fill func() error) error {
	mu.RLock()
	ok := *loaded
	mu.RUnlock()
	if ok {
		return nil
	}
	mu.Lock()
	defer mu.Unlock()
	if *loaded {
		return nil
	}
	if err := fill(); err != nil {
		return err
	}
	*loaded = true
	return nil
}
