// Package payments is the payments domain: money, calendar dates and due
// dates, the contracts register, invoices and their lifecycle, with an
// in-memory read model that serves every list, queue and count.
//
// Storage (DESIGN.md section 4): every state change of an invoice is an
// inserted event with a deterministic _id (invoiceID:seq) — a second writer
// of the same step gets a duplicate key and is told the invoice changed —
// followed by a replace of the invoice snapshot by bare _id. Events are the
// truth: a snapshot found behind its events at start-up is rebuilt.
package payments

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/portal/fault"
	"careportal/portal/store"
)

// Options configure the service.
type Options struct {
	// Now is the clock; tests set it. Defaults to time.Now.
	Now func() time.Time
	// Logger records repairs and polling failures.
	Logger *slog.Logger
}

// Service is the payments domain.
type Service struct {
	db   *mongo.Database
	orgs Orgs
	now  func() time.Time
	log  *slog.Logger
	v    *fault.Validator

	loadMu sync.Mutex // serialises loading
	loaded bool

	mu            sync.RWMutex
	invoices      map[string]*Invoice // by id; values are never changed in place
	all           []*Invoice          // every invoice, in arrival order (lists scan this, not the map)
	keys          []searchKey         // beside all: what staff search matches
	pos           map[string]int      // invoice id -> index in all
	byOrg         map[string][]int    // organisation id -> indexes in all
	gen           uint64              // bumped on every change to the invoices
	orgBySupplier map[string]string   // lower-case supplier reference -> organisation id
	byContract    map[string][]int    // contract id -> indexes in all
	byNumberKey   map[string][]int    // normalised invoice number -> indexes in all (every organisation)

	cacheMu       sync.Mutex
	queues        map[Queue]queueCache // work queues, sorted, valid for one gen and day
	counts        countsCache
	terms         map[string]cachedTerms // organisation id -> payment terms
	byNumber      map[string]string      // orgID:numberKey -> invoice id
	contracts     map[string]*Contract   // by id; values are never changed in place
	contractByRef map[string]string      // reference key -> contract id
	seenUntil     time.Time              // polling: latest updated_at seen
}

// NewService builds the payments service on db. orgs resolves provider
// organisations (auth.Service).
func NewService(db *mongo.Database, orgs Orgs, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Service{
		db: db, orgs: orgs, now: o.Now, log: o.Logger, v: fault.NewValidator(),
		invoices: map[string]*Invoice{}, byNumber: map[string]string{}, pos: map[string]int{}, byOrg: map[string][]int{},
		orgBySupplier: map[string]string{}, byContract: map[string][]int{}, byNumberKey: map[string][]int{},
		contracts: map[string]*Contract{}, contractByRef: map[string]string{}, queues: map[Queue]queueCache{}, terms: map[string]cachedTerms{},
	}
}

// EnsureIndexes creates the collections and indexes (idempotent).
func (s *Service) EnsureIndexes(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := store.EnsureCollections(ctx, s.db, colContracts, colInvoices, colInvoiceEvents, colInvoiceNumbers, colInvoiceFiles, colInvoicePending, colImportRuns); err != nil {
		return err
	}
	idx := []struct {
		col    string
		models []mongo.IndexModel
	}{
		{colContracts, []mongo.IndexModel{
			{Keys: bson.D{{Key: "reference_key", Value: 1}}, Options: options.Index().SetUnique(true).SetName("reference_key_unique")},
			{Keys: bson.D{{Key: "updated_at", Value: 1}}, Options: options.Index().SetName("updated_at")},
		}},
		{colInvoices, []mongo.IndexModel{
			{Keys: bson.D{{Key: "updated_at", Value: 1}}, Options: options.Index().SetName("updated_at")},
		}},
		{colInvoiceEvents, []mongo.IndexModel{
			{Keys: bson.D{{Key: "invoice_id", Value: 1}, {Key: "seq", Value: 1}}, Options: options.Index().SetUnique(true).SetName("invoice_seq_unique")},
		}},
	}
	// One at a time: FerretDB 1.24 drops the connection when createIndexes
	// is given several indexes of which some already exist.
	for _, x := range idx {
		for _, m := range x.models {
			if _, err := s.db.Collection(x.col).Indexes().CreateOne(ctx, m); err != nil {
				return fmt.Errorf("payments: indexes on %s: %w", x.col, err)
			}
		}
	}
	// An invoice import cut short leaves nothing half-claimed (importruns.go).
	_, err := s.RepairImports(ctx)
	return err
}

func newID() string { return store.NewID("", 12) }

// Load fills the read model from the store and repairs any invoice snapshot
// that is behind its events. It runs once; every method that reads calls it.
// Call it at start-up so the first request does not wait.
func (s *Service) Load(ctx context.Context) error {
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	if s.loaded {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	start := s.now()
	contracts, err := store.FindAll[Contract](ctx, s.db.Collection(colContracts), bson.D{})
	if err != nil {
		return fmt.Errorf("payments: loading contracts: %w", err)
	}
	if err := s.repairPending(ctx, time.Time{}); err != nil {
		return err
	}
	invoices, err := s.readSnapshots(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("payments: loading invoices: %w", err)
	}
	s.mu.Lock()
	for i := range contracts {
		s.putContractLocked(&contracts[i])
	}
	for i := range invoices {
		s.putInvoiceLocked(&invoices[i])
	}
	s.seenUntil = start.Add(-time.Minute)
	s.loaded = true
	s.mu.Unlock()
	return nil
}

func (s *Service) ensureLoaded(ctx context.Context) error {
	s.loadMu.Lock()
	ok := s.loaded
	s.loadMu.Unlock()
	if ok {
		return nil
	}
	return s.Load(ctx)
}

type queueCache struct {
	gen   uint64
	today string
	list  []*Invoice
}

type countsCache struct {
	gen    uint64
	today  string
	counts map[Queue]int
}

// searchKey is what staff search compares, prepared once per change.
type searchKey struct{ supplier, contract, number string }

// putInvoiceLocked stores a snapshot in the read model unless it already
// holds a newer version. s.mu must be held for writing.
func (s *Service) putInvoiceLocked(inv *Invoice) {
	if cur, ok := s.invoices[inv.ID]; ok && cur.Version > inv.Version {
		return
	}
	s.invoices[inv.ID] = inv
	s.gen++
	s.byNumber[inv.OrgID+":"+inv.NumberKey] = inv.ID
	key := searchKey{supplier: strings.ToLower(inv.SupplierRef), contract: strings.ToLower(inv.ContractRef), number: inv.NumberKey}
	if i, ok := s.pos[inv.ID]; ok {
		s.all[i], s.keys[i] = inv, key
	} else {
		n := len(s.all)
		s.pos[inv.ID] = n
		s.byOrg[inv.OrgID] = append(s.byOrg[inv.OrgID], n)
		s.byContract[inv.ContractID] = append(s.byContract[inv.ContractID], n)
		s.byNumberKey[inv.NumberKey] = append(s.byNumberKey[inv.NumberKey], n)
		s.orgBySupplier[key.supplier] = inv.OrgID
		s.all = append(s.all, inv)
		s.keys = append(s.keys, key)
	}
	if inv.UpdatedAt.After(s.seenUntil) {
		s.seenUntil = inv.UpdatedAt
	}
}

func (s *Service) putInvoice(inv *Invoice) {
	s.mu.Lock()
	s.putInvoiceLocked(inv)
	s.mu.Unlock()
}

func (s *Service) putContractLocked(c *Contract) {
	if cur, ok := s.contracts[c.ID]; ok {
		if cur.Version > c.Version {
			return
		}
		if cur.ReferenceKey != c.ReferenceKey && s.contractByRef[cur.ReferenceKey] == c.ID {
			delete(s.contractByRef, cur.ReferenceKey)
		}
	}
	s.contracts[c.ID] = c
	s.contractByRef[c.ReferenceKey] = c.ID
}

func (s *Service) putContract(c *Contract) {
	s.mu.Lock()
	s.putContractLocked(c)
	s.mu.Unlock()
}

// Poll catches the read model up with writes made by other portal
// instances sharing a MongoDB database. It reads documents updated since
// the last poll (less a margin for clocks and in-flight writes) through the
// updated_at index. Run it every few seconds, only in MongoDB mode: the
// embedded store has one instance, whose own writes are already in memory.
func (s *Service) Poll(ctx context.Context) error {
	if err := s.ensureLoaded(ctx); err != nil {
		return err
	}
	s.mu.RLock()
	since := s.seenUntil.Add(-10 * time.Second)
	s.mu.RUnlock()
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	if err := s.repairPending(ctx, s.now().Add(-time.Minute)); err != nil {
		return err
	}
	filter := bson.D{{Key: "updated_at", Value: bson.D{{Key: "$gt", Value: since}}}}
	contracts, err := store.FindAll[Contract](ctx, s.db.Collection(colContracts), filter)
	if err != nil {
		return fmt.Errorf("payments: polling contracts: %w", err)
	}
	invoices, err := s.readSnapshots(ctx, filter)
	if err != nil {
		return fmt.Errorf("payments: polling invoices: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range contracts {
		s.putContractLocked(&contracts[i])
	}
	for i := range invoices {
		s.putInvoiceLocked(&invoices[i])
	}
	return nil
}

// notFoundOr maps "no document" to NotFound.
func notFoundOr(err error, what string) error {
	if errors.Is(err, mongo.ErrNoDocuments) {
		return fault.NotFoundf("%s not found", what)
	}
	return err
}
