package auth

import (
	"context"
	"errors"
	"slices"
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

// The lists of users and organisations in memory, for the embedded store
// (Options.ListsInMemory). There every filter but a bare _id scans and
// decodes the whole collection, so a count plus a sorted, skipped page
// would cost as much as reading everything (DESIGN.md section 4). The
// embedded store is single-instance by design, so this process makes
// every change and the lists here are the whole truth: each list is its
// documents in (name_lower, _id) order, one slice for everyone and one per
// organisation. A page is a binary search (for a name search, the prefix's
// range is contiguous in that order) and a copy of its rows; a change is a
// binary search and one slice move.
//
// Write-through: every write to a user or an organisation goes to the
// store first, then re-reads the document by bare _id into the list
// (relist), under a lock that keeps the re-reads in order, so the list
// holds what the store holds even when two writers race. The lists are
// read once, on first use (a read of the collection, like the old list
// page's), and a migration (EnsureIndexes) drops them to be read again.
// People and organisations are few (thousands, not history), so keeping
// their documents is small: 10 MB for 20,000 users and 2,000
// organisations (BenchmarkAdminPages), read in 1.3 s on first use.

// listLoadTimeout bounds the one-time read of a whole collection into
// memory. It is longer than store.CallTimeout, which bounds one request's
// call: the read happens once, for whoever asks first, and failing it
// would fail every later request in the same way (the old list pages,
// which read everything on every request, timed out at 100,000 audit
// entries on a busy machine).
const listLoadTimeout = 2 * time.Minute

// loadContext is the context of a one-time read: detached from the
// request that happens to trigger it (and from its deadline), bounded by
// listLoadTimeout.
func loadContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), listLoadTimeout)
}

// nameKey is a row's place in the lists' order.
type nameKey struct{ name, id string }

func (a nameKey) less(b nameKey) bool { return a.name < b.name || a.name == b.name && a.id < b.id }

// sortedRows are rows in nameKey order.
type sortedRows[T any] struct {
	rows []*T
	key  func(*T) nameKey
}

// search is the index of the first row at or after k.
func (l *sortedRows[T]) search(k nameKey) int {
	return sort.Search(len(l.rows), func(i int) bool { return !l.key(l.rows[i]).less(k) })
}

func (l *sortedRows[T]) insert(r *T) {
	l.rows = slices.Insert(l.rows, l.search(l.key(r)), r)
}

func (l *sortedRows[T]) remove(r *T) {
	k := l.key(r)
	if i := l.search(k); i < len(l.rows) && l.key(l.rows[i]) == k {
		l.rows = slices.Delete(l.rows, i, i+1)
	}
}

// prefix is the range of rows whose name starts with p (all of them when
// p is empty).
func (l *sortedRows[T]) prefix(p string) (lo, hi int) {
	n := len(l.rows)
	if p == "" {
		return 0, n
	}
	lo = sort.Search(n, func(i int) bool { return l.key(l.rows[i]).name >= p })
	hi = lo + sort.Search(n-lo, func(i int) bool { return !strings.HasPrefix(l.key(l.rows[lo+i]).name, p) })
	return lo, hi
}

// nameList is one collection's documents in memory, in nameKey order,
// also grouped (users by organisation) when group is set.
type nameList[T any] struct {
	coll  string
	id    func(*T) string
	key   func(*T) nameKey
	group func(*T) string // nil: no groups
	// fix fills in what a document written before a field existed lacks.
	fix  func(*T)
	bulk func(ctx context.Context, collection string) ([]bson.Raw, error)

	relistMu sync.Mutex // keeps re-reads and their puts in order
	mu       sync.RWMutex
	loaded   bool
	byID     map[string]*T
	all      sortedRows[T]
	groups   map[string]*sortedRows[T]
}

// load reads the collection once. Writers wait for it (put takes mu), so
// a write either is in what it reads or is applied after it.
func (m *nameList[T]) load(ctx context.Context, db *mongo.Database) error {
	return loadOnce(&m.mu, &m.loaded, func() error {
		docs, err := m.readAll(ctx, db)
		if err != nil {
			return err
		}
		m.byID = make(map[string]*T, len(docs))
		m.all = sortedRows[T]{rows: make([]*T, 0, len(docs)), key: m.key}
		m.groups = map[string]*sortedRows[T]{}
		for i := range docs {
			d := &docs[i]
			m.fix(d)
			m.byID[m.id(d)] = d
			m.all.rows = append(m.all.rows, d)
			if g := m.groupOf(d); g != "" {
				m.groupRows(g).rows = append(m.groupRows(g).rows, d)
			}
		}
		sortRows(&m.all)
		for _, g := range m.groups {
			sortRows(g)
		}
		return nil
	})
}

func sortRows[T any](l *sortedRows[T]) {
	slices.SortFunc(l.rows, func(a, b *T) int {
		ka, kb := l.key(a), l.key(b)
		if ka == kb {
			return 0
		}
		if ka.less(kb) {
			return -1
		}
		return 1
	})
}

func (m *nameList[T]) readAll(ctx context.Context, db *mongo.Database) ([]T, error) {
	return readWhole[T](ctx, db, m.bulk, m.coll)
}

// readWhole reads a whole collection for an in-memory list's one-time load,
// under its own bound (loadContext): through the embedded store's bulk
// reader when there is one, otherwise through the driver (opts, such as a
// projection, apply only there).
func readWhole[T any](ctx context.Context, db *mongo.Database, bulk func(context.Context, string) ([]bson.Raw, error), coll string, opts ...options.Lister[options.FindOptions]) ([]T, error) {
	ctx, cancel := loadContext(ctx)
	defer cancel()
	if bulk != nil {
		raws, err := bulk(ctx, coll)
		if err == nil {
			out := make([]T, len(raws))
			for i, r := range raws {
				if err := bson.Unmarshal(r, &out[i]); err != nil {
					return nil, err
				}
			}
			return out, nil
		}
		if !errors.Is(err, store.ErrNoBulkRead) {
			return nil, err
		}
	}
	return store.FindAll[T](ctx, db.Collection(coll), bson.D{}, opts...)
}

func (m *nameList[T]) groupOf(d *T) string {
	if m.group == nil {
		return ""
	}
	return m.group(d)
}

func (m *nameList[T]) groupRows(g string) *sortedRows[T] {
	l := m.groups[g]
	if l == nil {
		l = &sortedRows[T]{key: m.key}
		m.groups[g] = l
	}
	return l
}

// put stores the document's current version (nil doc: it is gone).
// Callers hold mu.
func (m *nameList[T]) put(id string, doc *T) {
	if old := m.byID[id]; old != nil {
		m.all.remove(old)
		if g := m.groupOf(old); g != "" {
			m.groupRows(g).remove(old)
			if len(m.groups[g].rows) == 0 {
				delete(m.groups, g)
			}
		}
		delete(m.byID, id)
	}
	if doc == nil {
		return
	}
	m.fix(doc)
	m.byID[id] = doc
	m.all.insert(doc)
	if g := m.groupOf(doc); g != "" {
		m.groupRows(g).insert(doc)
	}
}

// relist re-reads one document by bare _id after a write to it. If the
// read fails the lists are dropped, to be read again on next use, rather
// than kept stale.
func (m *nameList[T]) relist(ctx context.Context, db *mongo.Database, id string) {
	m.mu.RLock()
	ok := m.loaded
	m.mu.RUnlock()
	if !ok {
		return // the first read will see the write
	}
	m.relistMu.Lock()
	defer m.relistMu.Unlock()
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	doc, err := store.Get[T](ctx, db.Collection(m.coll), id)
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.loaded {
		return
	}
	switch {
	case err == nil:
		m.put(id, &doc)
	case fault.KindOf(err) == fault.NotFound:
		m.put(id, nil)
	default:
		m.dropLocked()
	}
}

// drop forgets the lists; the next use reads them again.
func (m *nameList[T]) drop() {
	m.mu.Lock()
	m.dropLocked()
	m.mu.Unlock()
}

func (m *nameList[T]) dropLocked() {
	m.loaded, m.byID, m.all.rows, m.groups = false, nil, nil, nil
}

// page copies rows skip to skip+limit of the group's (all when group is
// empty) rows whose name starts with prefix, and counts those rows.
func (m *nameList[T]) page(group, prefix string, skip, limit int) ([]T, int) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	l := &m.all
	if group != "" {
		if l = m.groups[group]; l == nil {
			return nil, 0
		}
	}
	lo, hi := l.prefix(prefix)
	total := hi - lo
	if skip >= total {
		return nil, total
	}
	rows := l.rows[lo+skip : lo+min(skip+limit, total)]
	out := make([]T, len(rows))
	for i, r := range rows {
		out[i] = *r
	}
	return out, total
}

// get returns the document with the id, if the lists hold it.
func (m *nameList[T]) get(id string) (T, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if d := m.byID[id]; d != nil {
		return *d, true
	}
	var zero T
	return zero, false
}

func newUserList(bulk func(context.Context, string) ([]bson.Raw, error)) *nameList[User] {
	return &nameList[User]{
		coll: colUsers, bulk: bulk,
		id:    func(u *User) string { return u.ID },
		key:   func(u *User) nameKey { return nameKey{u.NameLower, u.ID} },
		group: func(u *User) string { return u.OrgID },
		fix: func(u *User) {
			if u.NameLower == "" {
				u.NameLower = strings.ToLower(u.Name)
			}
		},
	}
}

func newOrgList(bulk func(context.Context, string) ([]bson.Raw, error)) *nameList[Org] {
	return &nameList[Org]{
		coll: colOrgs, bulk: bulk,
		id:  func(o *Org) string { return o.ID },
		key: func(o *Org) nameKey { return nameKey{o.NameLower, o.ID} },
		fix: func(o *Org) {
			if o.NameLower == "" {
				o.NameLower = strings.ToLower(o.Name)
			}
		},
	}
}

// relistUser and relistOrg follow a write to the user or organisation
// into the in-memory lists (no-ops without them).
func (s *Service) relistUser(ctx context.Context, id string) {
	if s.userList != nil {
		s.userList.relist(ctx, s.db, id)
	}
}

func (s *Service) relistOrg(ctx context.Context, id string) {
	if s.orgList != nil {
		s.orgList.relist(ctx, s.db, id)
	}
}
