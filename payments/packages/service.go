package packages

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/auth"
	"careportal/payments"
	"careportal/portal/fault"
	"careportal/portal/store"
)

// Auditor records views of personal data (*auth.Service).
type Auditor interface {
	Audit(ctx context.Context, e auth.AuditEntry) error
}

// Options configure the service.
type Options struct {
	Now    func() time.Time
	Logger *slog.Logger
}

// Service is the care packages domain.
type Service struct {
	db    *mongo.Database
	pay   *payments.Service
	audit Auditor
	now   func() time.Time
	log   *slog.Logger

	changes *store.Changes[Package, Event]
	pkgRM   *store.ReadModel[Package]

	mu        sync.RWMutex
	pkgs      map[string]*Package // by id; values never changed in place
	byOrg     map[string][]string // org id -> package ids
	byRef     map[string]string   // reference key -> package id
	billing   map[string]*Billing // contract id -> settings
	cycles    map[string]*Cycle   // cycle id -> confirmation
	drafts    map[string]*Draft   // line id -> draft
	decisions map[string]*Decision
	bills     map[string]*Bill // cycle id -> billing
	// corrections after invoicing, by line (cycle id : package id), in order
	corrections map[string][]*Correction
	gen         uint64
}

// NewService builds the service on db; pay is the payments service
// (contracts, and the lifecycle invoices go through) and audit records
// views of personal data.
func NewService(db *mongo.Database, pay *payments.Service, audit Auditor, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	s := &Service{db: db, pay: pay, audit: audit, now: o.Now, log: o.Logger,
		pkgs: map[string]*Package{}, byOrg: map[string][]string{}, byRef: map[string]string{},
		billing: map[string]*Billing{}, cycles: map[string]*Cycle{}, drafts: map[string]*Draft{},
		decisions: map[string]*Decision{}, bills: map[string]*Bill{}, corrections: map[string][]*Correction{}}
	s.changes = &store.Changes[Package, Event]{
		Events: db.Collection(colEvents), Snapshots: db.Collection(colPackages), Pending: db.Collection(colPending),
		EntityField: "package_id",
		Conflict:    "This package was changed by someone else while you were looking at it; check its latest state and try again",
		Apply:       func(p *Package, ev Event) { p.apply(ev) },
		Version:     func(p *Package) int { return p.Version },
		Written:     func(p *Package) { s.put(p) },
		Repaired:    func(p *Package) { s.put(p) },
		Log:         o.Logger,
	}
	s.pkgRM = &store.ReadModel[Package]{
		Coll: db.Collection(colPackages), Mark: "updated_at", Now: o.Now,
		MarkOf: func(p *Package) time.Time { return p.UpdatedAt },
		Put: func(ps []Package) {
			for i := range ps {
				s.put(&ps[i])
			}
		},
		Before: func(ctx context.Context) error {
			if err := s.changes.Repair(ctx, time.Time{}); err != nil {
				return err
			}
			return s.loadOthers(ctx)
		},
	}
	return s
}

// EnsureIndexes creates the collections and indexes (idempotent).
func (s *Service) EnsureIndexes(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := store.EnsureCollections(ctx, s.db, colPackages, colEvents, colPending, colBilling, colBillingLog, colCycles, colDrafts, colDecisions, colBills, colUplifts, colCorrections); err != nil {
		return err
	}
	idx := []struct {
		col string
		m   mongo.IndexModel
	}{
		{colEvents, mongo.IndexModel{Keys: bson.D{{Key: "package_id", Value: 1}, {Key: "seq", Value: 1}}, Options: options.Index().SetUnique(true).SetName("package_seq_unique")}},
		{colPackages, mongo.IndexModel{Keys: bson.D{{Key: "updated_at", Value: 1}}, Options: options.Index().SetName("updated_at")}},
	}
	for _, x := range idx {
		if _, err := s.db.Collection(x.col).Indexes().CreateOne(ctx, x.m); err != nil {
			return fmt.Errorf("packages: indexes on %s: %w", x.col, err)
		}
	}
	return nil
}

// loadLimit is how long the start-up load may take at most.
const loadLimit = 30 * time.Minute

// Load repairs changes a crash left in flight and fills the in-memory
// model. Every reading method calls it; call it at start-up.
func (s *Service) Load(ctx context.Context) error {
	// A cap, so that a load stuck on the store fails and is tried again
	// (serving retries it), far above what a large store takes (as the
	// invoices' load, payments.Service.Load).
	ctx, cancel := context.WithTimeout(ctx, loadLimit)
	defer cancel()
	return s.pkgRM.Load(ctx)
}

// Poll catches up with writes of other instances (MongoDB mode). The
// cycles, decisions and bills are few and are re-read whole.
func (s *Service) Poll(ctx context.Context) error {
	if err := s.Load(ctx); err != nil {
		return err
	}
	if err := s.changes.Repair(ctx, s.now().Add(-time.Minute)); err != nil {
		return err
	}
	if err := s.pkgRM.Refresh(ctx); err != nil {
		return err
	}
	return s.loadOthers(ctx)
}

func (s *Service) loadOthers(ctx context.Context) error {
	bs, err := store.FindAll[Billing](ctx, s.db.Collection(colBilling), bson.D{})
	if err != nil {
		return err
	}
	// The billing history is written before the settings document: an
	// entry newer than the document is a change a crash cut short, and
	// stands (SetBilling).
	bh, err := store.FindAll[BillingChange](ctx, s.db.Collection(colBillingLog), bson.D{})
	if err != nil {
		return err
	}
	for i := range bh {
		bs = append(bs, bh[i].Billing)
	}
	cs, err := store.FindAll[Cycle](ctx, s.db.Collection(colCycles), bson.D{})
	if err != nil {
		return err
	}
	ds, err := store.FindAll[Draft](ctx, s.db.Collection(colDrafts), bson.D{})
	if err != nil {
		return err
	}
	dc, err := store.FindAll[Decision](ctx, s.db.Collection(colDecisions), bson.D{})
	if err != nil {
		return err
	}
	bl, err := store.FindAll[Bill](ctx, s.db.Collection(colBills), bson.D{})
	if err != nil {
		return err
	}
	cr, err := store.FindAll[Correction](ctx, s.db.Collection(colCorrections), bson.D{})
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range cr {
		s.putCorrectionLocked(&cr[i])
	}
	for i := range bs {
		if cur, ok := s.billing[bs[i].ContractID]; !ok || cur.Version < bs[i].Version {
			s.billing[bs[i].ContractID] = &bs[i]
		}
	}
	for i := range cs {
		s.cycles[cs[i].ID] = &cs[i]
	}
	for i := range ds {
		s.drafts[ds[i].ID] = &ds[i]
	}
	for i := range dc {
		s.decisions[dc[i].ID] = &dc[i]
	}
	for i := range bl {
		if cur, ok := s.bills[bl[i].ID]; !ok || cur.Version <= bl[i].Version {
			s.bills[bl[i].ID] = &bl[i]
		}
	}
	s.gen++
	return nil
}

func (s *Service) put(p *Package) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.putLocked(p)
}

func (s *Service) putLocked(p *Package) {
	cur, ok := s.pkgs[p.ID]
	if ok && cur.Version > p.Version {
		return
	}
	cp := *p
	s.pkgs[p.ID] = &cp
	s.gen++
	if !ok {
		ids := s.byOrg[p.OrgID]
		i := sort.Search(len(ids), func(i int) bool { return s.pkgs[ids[i]].Ref >= p.Ref })
		ids = append(ids, "")
		copy(ids[i+1:], ids[i:])
		ids[i] = p.ID
		s.byOrg[p.OrgID] = ids
		s.byRef[RefKey(p.Ref)] = p.ID
	} else if cur.OrgID != p.OrgID {
		old := s.byOrg[cur.OrgID]
		for i, id := range old {
			if id == p.ID {
				s.byOrg[cur.OrgID] = append(old[:i:i], old[i+1:]...)
				break
			}
		}
		s.byOrg[p.OrgID] = append(s.byOrg[p.OrgID], p.ID)
	}
	if s.pkgRM != nil {
		s.pkgRM.Saw(p.UpdatedAt)
	}
}

func (s *Service) ensureLoaded(ctx context.Context) error {
	if s.pkgRM.Loaded() {
		return nil
	}
	return s.Load(ctx)
}

// Today is the London calendar day now.
func (s *Service) Today() string { return payments.LondonDay(s.now()) }

// canManage: brokerage staff and administrators place and change packages.
func canManage(p *auth.Principal) bool {
	return p != nil && (p.Role == auth.RoleBrokerage || p.Role == auth.RoleAdmin)
}

func mustManage(p *auth.Principal) error {
	if !canManage(p) {
		return fault.Forbiddenf("Only brokerage staff can do this")
	}
	return nil
}

// canSee: council staff see every package, a provider only its own.
func canSee(p *auth.Principal, orgID string) bool { return p.CanSeeOrg(orgID) }

func notFound() error { return fault.NotFoundf("Care package not found") }
