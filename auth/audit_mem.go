package auth

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/portal/fault"
	"careportal/portal/store"
)

// auditMemory is an index of the audit log in memory, for the embedded
// store (Options.ListsInMemory), where the log's sorted, skipped find
// scans and decodes every entry ever written (2.4 s at 100,000). It holds
// each entry's time and _id only, in the log's order, once for everyone
// and once per person (actor email and actor id), not the entries: a page
// is a binary search for the date range, then its entries are read by
// bare _id, the one read the embedded store answers through an index.
// It costs about 150 bytes per entry (three 24-byte keys, the id's text
// and the slices' spare room; measured: 15 MB for 100,000 entries) and is
// read once, on first use (3.3 s for 100,000 on 2 busy cores).
//
// The embedded store is single-instance, so every entry is written by
// this process: Audit and auditThrottled add to the index after the
// store write. The log is append-only; nothing is removed.
type auditMemory struct {
	bulk func(ctx context.Context, collection string) ([]bson.Raw, error)

	mu     sync.RWMutex
	loaded bool
	all    []auditKey            // oldest first (the log's order reversed)
	byWho  map[string][]auditKey // "e:"+actor_email and "i:"+actor_id
}

// auditKey places an entry in the log's order: newest first (at in
// milliseconds, as BSON dates store it), then _id. Slices hold keys oldest
// first, so the newest is appended.
type auditKey struct {
	at int64
	id string
}

// before reports whether a comes before b in the slices' order (oldest
// first; for equal times the larger _id first, so that reading backwards
// gives _id ascending as the store's sort does).
func (a auditKey) before(b auditKey) bool { return a.at < b.at || a.at == b.at && a.id > b.id }

func insertKey(keys []auditKey, k auditKey) []auditKey {
	i := sort.Search(len(keys), func(i int) bool { return !keys[i].before(k) })
	if i < len(keys) && keys[i] == k {
		return keys // already there
	}
	keys = append(keys, auditKey{})
	copy(keys[i+1:], keys[i:])
	keys[i] = k
	return keys
}

type auditWho struct {
	ID    string    `bson:"_id"`
	At    time.Time `bson:"at"`
	Actor string    `bson:"actor_id"`
	Email string    `bson:"actor_email"`
}

func (m *auditMemory) load(ctx context.Context, db *mongo.Database) error {
	return loadOnce(&m.mu, &m.loaded, func() error {
		docs, err := m.readAll(ctx, db)
		if err != nil {
			return err
		}
		m.all = make([]auditKey, 0, len(docs))
		m.byWho = map[string][]auditKey{}
		for _, d := range docs {
			k := auditKey{d.At.UnixMilli(), d.ID}
			m.all = append(m.all, k)
			for _, w := range whoKeys(d.Email, d.Actor) {
				m.byWho[w] = append(m.byWho[w], k)
			}
		}
		sortKeys(m.all)
		for _, keys := range m.byWho {
			sortKeys(keys)
		}
		return nil
	})
}

func sortKeys(keys []auditKey) {
	sort.Slice(keys, func(i, j int) bool { return keys[i].before(keys[j]) })
}

func whoKeys(email, actorID string) []string {
	var out []string
	if email != "" {
		out = append(out, "e:"+email)
	}
	if actorID != "" {
		out = append(out, "i:"+actorID)
	}
	return out
}

func (m *auditMemory) readAll(ctx context.Context, db *mongo.Database) ([]auditWho, error) {
	return readWhole[auditWho](ctx, db, m.bulk, colAudit,
		options.Find().SetProjection(bson.D{{Key: "at", Value: 1}, {Key: "actor_id", Value: 1}, {Key: "actor_email", Value: 1}}))
}

// add records an entry written by this process. Before the first load it
// does nothing: the load reads it. During the load it waits for it.
func (m *auditMemory) add(e AuditEntry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.loaded {
		return
	}
	k := auditKey{e.At.UnixMilli(), e.ID}
	m.all = insertKey(m.all, k)
	for _, w := range whoKeys(e.ActorEmail, e.ActorID) {
		m.byWho[w] = insertKey(m.byWho[w], k)
	}
}

// page returns the ids of the entries skip to skip+limit, newest first,
// that match the filter, and whether more match after them.
func (m *auditMemory) page(f AuditFilter, skip, limit int) ([]string, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	lists := [][]auditKey{m.all}
	if p := strings.TrimSpace(f.Person); p != "" {
		// The store's filter: the actor's email is the person lower-cased,
		// or the actor's id is the person as typed.
		lists = [][]auditKey{m.byWho["e:"+strings.ToLower(p)], m.byWho["i:"+p]}
	}
	// Each list's entries within the dates, as a range of the list.
	type span struct {
		keys   []auditKey
		lo, hi int // keys[lo:hi] are in range; read from hi-1 down
	}
	spans := make([]span, 0, len(lists))
	for _, keys := range lists {
		lo, hi := 0, len(keys)
		if !f.From.IsZero() {
			from := f.From.UTC().UnixMilli()
			lo = sort.Search(len(keys), func(i int) bool { return keys[i].at >= from })
		}
		if !f.To.IsZero() {
			to := f.To.UTC().UnixMilli()
			hi = sort.Search(len(keys), func(i int) bool { return keys[i].at > to })
		}
		if lo < hi {
			spans = append(spans, span{keys, lo, hi})
		}
	}
	if len(spans) == 1 {
		// One list: the page is a slice of it.
		s := spans[0]
		top := s.hi - skip // the page is keys[top-limit:top], read backwards
		if top <= s.lo {
			return nil, false
		}
		var ids []string
		for i := top - 1; i >= max(s.lo, top-limit); i-- {
			ids = append(ids, s.keys[i].id)
		}
		return ids, top-limit > s.lo
	}
	// Two lists (email and id): merge them newest first, each entry once.
	var ids []string
	n := 0
	var last auditKey
	for {
		best := -1
		for j := range spans {
			if spans[j].hi > spans[j].lo && (best < 0 || spans[best].keys[spans[best].hi-1].before(spans[j].keys[spans[j].hi-1])) {
				best = j
			}
		}
		if best < 0 {
			return ids, false
		}
		k := spans[best].keys[spans[best].hi-1]
		spans[best].hi--
		if n > 0 && k == last {
			continue // in both lists
		}
		last = k
		if n >= skip+limit {
			return ids, true
		}
		if n >= skip {
			ids = append(ids, k.id)
		}
		n++
	}
}

// auditFromMemory is AuditLog for the embedded store: the page's ids from
// the index, then each entry by bare _id.
func (s *Service) auditFromMemory(ctx context.Context, f AuditFilter, page, perPage int) ([]AuditEntry, bool, error) {
	if err := s.auditMem.load(ctx, s.db); err != nil {
		return nil, false, err
	}
	ids, more := s.auditMem.page(f, (page-1)*perPage, perPage)
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	out := make([]AuditEntry, 0, len(ids))
	for _, id := range ids {
		e, err := store.Get[AuditEntry](ctx, s.db.Collection(colAudit), id)
		if err != nil {
			if fault.KindOf(err) == fault.NotFound {
				continue
			}
			return nil, false, err
		}
		out = append(out, e)
	}
	return out, more, nil
}
