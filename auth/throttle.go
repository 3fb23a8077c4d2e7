package auth

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/portal/store"
)

// Throttling: after a few failures from one account name or one address,
// each further attempt must wait, doubling from one second up to a cap.
// Failures are forgotten after a quiet spell, so an attacker can hold a
// real person out for at most throttleCap at a time.
//
// An attempt is reserved (counted as a failure) BEFORE its password is
// hashed, and given back if it succeeds, so simultaneous guesses cannot all
// pass the check while the first ones are still being hashed: at most the
// allowed number are ever evaluated, however many arrive at once.
const (
	accountFreeFailures = 5  // failures per account name before backoff starts
	addressFreeFailures = 20 // per client address (offices share addresses)
	throttleCap         = 15 * time.Minute
	throttleForget      = time.Hour // failures older than this are forgotten
)

type throttleEntry struct {
	ID          string    `bson:"_id"` // "acct:" + lower-cased email, "ip:" + address, "pw:" + user id
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

// wait is how long an attempt at now must wait given the entry.
func (t throttleEntry) wait(now time.Time, free int) time.Duration {
	if t.ID == "" || now.Sub(t.LastFailure) >= throttleForget {
		return 0
	}
	return max(t.waitUntil(free).Sub(now), 0)
}

// ThrottledError says sign-in is refused for now.
type ThrottledError struct{ Wait time.Duration }

func (e *ThrottledError) Error() string { return "sign-in throttled" }

// Message is the generic failure plus when to try again.
func (e *ThrottledError) Message() string {
	return fmt.Sprintf("%s %s", LoginFailed, e.TryAgain())
}

// TryAgain says when to try again.
func (e *ThrottledError) TryAgain() string {
	mins := int(math.Ceil(e.Wait.Minutes()))
	if mins < 1 {
		mins = 1
	}
	unit := "minutes"
	if mins == 1 {
		unit = "minute"
	}
	return fmt.Sprintf("Too many attempts: try again in %d %s.", mins, unit)
}

// throttleKey is one counter an attempt is charged to.
type throttleKey struct {
	id   string
	free int
}

// keyLocks serialises reservations per key within this process, so the
// read, decide and count of one reservation are one step here; the counts
// themselves live in the store, where an atomic $inc by bare _id keeps
// other instances' reservations honest (see reserve).
type keyLocks struct {
	mu    sync.Mutex
	locks map[string]*keyLock
}

type keyLock struct {
	sync.Mutex
	users int
}

func (k *keyLocks) lock(id string) func() {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyLock{}
	}
	l := k.locks[id]
	if l == nil {
		l = &keyLock{}
		k.locks[id] = l
	}
	l.users++
	k.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		k.mu.Lock()
		l.users--
		if l.users == 0 {
			delete(k.locks, id)
		}
		k.mu.Unlock()
	}
}

// reservation is a reserved attempt: each key has been charged one
// failure. Succeeded gives the charges back (the account key is cleared,
// as a success ends its run of failures).
type reservation struct {
	s    *Service
	keys []throttleKey
}

// reserve charges one attempt to every key, or says how long to wait and
// which key refused (the burst that refusal belongs to). Keys are locked
// in the order given; callers always pass account before address.
func (s *Service) reserve(ctx context.Context, now time.Time, keys ...throttleKey) (*reservation, time.Duration, *throttleEntry, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	for _, k := range keys {
		unlock := s.throttleLocks.lock(k.id)
		defer unlock()
	}
	// Decide on what is stored: refused attempts write nothing here.
	worst, by, err := s.throttleWait(ctx, now, keys...)
	if err != nil || worst > 0 {
		return nil, worst, by, err
	}
	c := s.db.Collection(colThrottle)
	// Charge every key with one atomic $inc by bare _id. Another instance
	// may have charged a key since it was read: the state before our $inc
	// (returned by the same atomic step) is checked again, and a charge
	// that the earlier state would have refused is given back.
	r := &reservation{s: s}
	for _, k := range keys {
		var before throttleEntry
		err := c.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: k.id}}, bson.D{
			{Key: "$inc", Value: bson.D{{Key: "failures", Value: 1}}},
			{Key: "$set", Value: bson.D{{Key: "last_failure", Value: now.UTC()}}},
		}, options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.Before)).Decode(&before)
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			r.release(ctx)
			return nil, 0, nil, err
		}
		if before.ID != "" && now.Sub(before.LastFailure) >= throttleForget {
			// The old run was forgotten: this attempt starts a new one.
			if _, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: k.id}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "failures", Value: 1}}}}); err != nil {
				return nil, 0, nil, err
			}
			before = throttleEntry{}
		}
		r.keys = append(r.keys, k)
		if w := before.wait(now, k.free); w > 0 {
			r.release(ctx)
			return nil, w, &before, nil
		}
	}
	return r, 0, nil, nil
}

// throttleWait is the longest wait any of keys imposes at now, and the
// entry that imposes it.
func (s *Service) throttleWait(ctx context.Context, now time.Time, keys ...throttleKey) (time.Duration, *throttleEntry, error) {
	var worst time.Duration
	var by *throttleEntry
	for _, k := range keys {
		var t throttleEntry
		err := s.db.Collection(colThrottle).FindOne(ctx, bson.D{{Key: "_id", Value: k.id}}).Decode(&t)
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return 0, nil, err
		}
		if w := t.wait(now, k.free); w > worst {
			worst, by = w, &t
		}
	}
	return worst, by, nil
}

// release gives every charge back.
func (r *reservation) release(ctx context.Context) {
	for _, k := range r.keys {
		_, err := r.s.db.Collection(colThrottle).UpdateOne(ctx, bson.D{{Key: "_id", Value: k.id}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "failures", Value: -1}}}})
		if err != nil {
			r.s.log.Error("giving back a throttle charge failed", "key", k.id, "err", err)
		}
	}
	r.keys = nil
}

// succeeded ends the run of failures on the first key (the account, or
// the person for a password check) and gives the others' charges back.
func (r *reservation) succeeded(ctx context.Context) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	if len(r.keys) == 0 {
		return
	}
	if _, err := r.s.db.Collection(colThrottle).DeleteOne(ctx, bson.D{{Key: "_id", Value: r.keys[0].id}}); err != nil {
		r.s.log.Error("clearing a throttle entry failed", "key", r.keys[0].id, "err", err)
	}
	r.keys = r.keys[1:]
	r.release(ctx)
}

// auditThrottled records a refused attempt. All the refusals of one burst
// (those between two checked attempts on the same key) are one audit
// entry, whose refused count goes up by one with each: its id is fixed by
// the key and the time of the burst's last checked attempt, and the count
// is an atomic $inc by bare _id.
func (s *Service) auditThrottled(ctx context.Context, a *Principal, action string, by *throttleEntry, wait time.Duration) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	id := "throttle:" + by.ID + ":" + strconv.FormatInt(by.LastFailure.UnixNano(), 36)
	at := s.now().UTC()
	first := bson.D{{Key: "at", Value: at}, {Key: "action", Value: action},
		{Key: "detail", Value: fmt.Sprintf("wait %s; the refusals of this burst are counted here", wait.Round(time.Second))}}
	for _, f := range []struct{ k, v string }{{"actor_id", a.UserID}, {"actor_email", strings.ToLower(a.Email)}, {"ip", a.IP}} {
		if f.v != "" {
			first = append(first, bson.E{Key: f.k, Value: f.v})
		}
	}
	res, err := s.db.Collection(colAudit).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{
		{Key: "$inc", Value: bson.D{{Key: "refused", Value: 1}}},
		{Key: "$setOnInsert", Value: first},
	}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		s.log.Error("writing the audit log failed", "action", action, "err", err)
		return
	}
	if s.auditMem != nil && res.UpsertedCount > 0 {
		s.auditMem.add(AuditEntry{ID: id, At: at, ActorID: a.UserID, ActorEmail: strings.ToLower(a.Email)})
	}
}
