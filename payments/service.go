package payments

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
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
	// BulkRead, when set, reads a whole collection, batch by batch, for the
	// invoices read model's first load and EachInvoice
	// (store.Store.EachRaw: embedded mode only).
	BulkRead func(ctx context.Context, collection string, batch func([]bson.Raw) error) error
	// BulkInsert, when set, inserts each batch of a historical import (its
	// events, number claims and invoices) straight into the store's files
	// in one transaction (store.Store.InsertRows: the embedded store opened
	// for bulk writes, the demo). When it does not write, the batch goes
	// through the driver.
	BulkInsert func(ctx context.Context, rows *store.RawRows) error
	// RecentDays is the recent window (rows.go): closed invoices received
	// or with a step dated within it are held whole; 0 means
	// DefaultRecentDays, less than 0 none (only open and overpaid ones).
	RecentDays int
	// ReadCacheSize is how many compacted invoices read by _id are kept
	// (readcache.go); 0 means DefaultReadCacheSize, less than 0 none.
	ReadCacheSize int
}

// Service is the payments domain.
type Service struct {
	db       *mongo.Database
	orgs     Orgs
	listener Listener // told of each status change (SetListener)
	now      func() time.Time
	log      *slog.Logger
	v        *fault.Validator

	changes     *store.Changes[Invoice, Event] // the event-plus-snapshot step of invoices
	invoicesRM  *store.ReadModel[Invoice]      // loads and polls the invoices below
	contractsRM *store.ReadModel[Contract]

	bulkInsert func(ctx context.Context, rows *store.RawRows) error // Options.BulkInsert

	prepMu   sync.Mutex // serialises prepare
	prepared bool       // prepare has run (lookup.go)
	tap      loadTap    // what else reads the start-up load's batches (loadtap.go)

	mu sync.RWMutex
	// rows has one small row per invoice, in arrival order (lists scan
	// this); the whole invoice only for open work, overpaid and recent
	// ones (rows.go). Held invoices are never changed in place.
	rows          []invRow
	pos           map[string]int32   // invoice id -> index in rows
	numFirst      map[string]int32   // normalised invoice number -> its latest row (invRow.nextNum chains the rest)
	parties       []party            // what rows share: organisation, contract, search keys
	partyIdx      map[partyKey]int32 // -> index in parties
	otherStatus   map[string]Status  // invoice id -> a status statusCodes does not list (none in practice)
	recentDays    int                // Options.RecentDays (-1: none)
	holdAll       bool               // tests: hold every invoice whole (compaction off)
	window        struct{ today, from string }
	released      string                      // the day releaseLocked last ran
	idReads       atomic.Int64                // compacted invoices read by _id (tests count them)
	cacheHits     atomic.Int64                // compacted invoices found in recentReads instead
	recentReads   *lru.Cache[string, Invoice] // compacted invoices read lately, nil for none (readcache.go)
	gen           uint64                      // bumped on every change to the invoices
	changeLog     changeLog                   // the latest changes by generation (ChangedSince, changes.go)
	contractsGen  uint64                      // bumped on every change to the contracts (PageMark)
	orgBySupplier map[string]string           // lower-case supplier reference -> organisation id

	// The rows in list order, received then id (listorder.go).
	listed     rowOrder             // every row
	byOrg      map[string]*rowOrder // organisation id -> its rows
	byContract map[string]*rowOrder // contract id -> its rows

	open    openWork     // the work queues and overpaid invoices, ordered (openwork.go)
	numbers numberSearch // staff searches by part of a number, remembered (numbersearch.go)

	cacheMu       sync.Mutex
	dated         datedQueues            // the date queues, for one gen and day
	terms         map[string]cachedTerms // organisation id -> payment terms
	contracts     map[string]*Contract   // by id; values are never changed in place
	contractByRef map[string]string      // reference key -> contract id
	contractLower map[string]string      // id -> reference in lower case (staff search)
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
	switch {
	case o.RecentDays == 0:
		o.RecentDays = DefaultRecentDays
	case o.RecentDays < 0:
		o.RecentDays = -1
	}
	if o.ReadCacheSize == 0 {
		o.ReadCacheSize = DefaultReadCacheSize
	}
	s := &Service{
		db: db, orgs: orgs, now: o.Now, log: o.Logger, v: fault.NewValidator(),
		pos: map[string]int32{}, byOrg: map[string]*rowOrder{}, numFirst: map[string]int32{}, partyIdx: map[partyKey]int32{}, otherStatus: map[string]Status{},
		orgBySupplier: map[string]string{}, byContract: map[string]*rowOrder{}, recentDays: o.RecentDays,
		contracts: map[string]*Contract{}, contractByRef: map[string]string{}, contractLower: map[string]string{}, open: newOpenWork(), terms: map[string]cachedTerms{},
		recentReads: newReadCache(o.ReadCacheSize), bulkInsert: o.BulkInsert,
	}
	s.changes = s.newChanges()
	s.contractsRM = &store.ReadModel[Contract]{
		Coll: db.Collection(colContracts), Mark: "updated_at", Now: o.Now,
		MarkOf: func(c *Contract) time.Time { return c.UpdatedAt },
		Put: func(cs []Contract) {
			s.mu.Lock()
			defer s.mu.Unlock()
			for i := range cs {
				s.putContractLocked(&cs[i])
			}
		},
	}
	s.invoicesRM = &store.ReadModel[Invoice]{
		Coll: db.Collection(colInvoices), Mark: "updated_at", Now: o.Now, Decode: decodeInvoice,
		Bulk:   bulkOf(o.BulkRead, colInvoices),
		MarkOf: func(inv *Invoice) time.Time { return inv.UpdatedAt },
		Put: func(invs []Invoice) {
			loading := !s.invoicesRM.Loaded()
			s.mu.Lock()
			for i := range invs {
				s.putInvoiceLocked(&invs[i])
			}
			gen := s.gen
			s.mu.Unlock()
			if loading {
				s.tapBatch(invs, gen)
			}
		},
		// Before the invoices: one-time migrations of older stores, the
		// repair of changes a crash left in flight, and the contracts.
		// (prepare, lookup.go); then the load tap's start (loadtap.go).
		Before: func(ctx context.Context) error {
			if err := s.prepare(ctx); err != nil {
				return err
			}
			s.tapBegin(ctx)
			return nil
		},
	}
	return s
}

// invoiceIndexes are the invoices collection's indexes (besides _id); the
// blob migration gives them to the collection it builds too.
var invoiceIndexes = []mongo.IndexModel{
	{Keys: bson.D{{Key: "updated_at", Value: 1}}, Options: options.Index().SetName("updated_at")},
}

// EnsureIndexes creates the collections and indexes (idempotent).
func (s *Service) EnsureIndexes(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := store.EnsureCollections(ctx, s.db, colContracts, colInvoices, colInvoiceEvents, colInvoiceNumbers, colInvoiceFiles, colInvoicePending, colImportRuns, colCreditNotes); err != nil {
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
		{colInvoices, invoiceIndexes},
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

// loadLimit is how long the start-up load may take at most.
const loadLimit = 30 * time.Minute

// Load runs the one-time migrations, repairs any invoice snapshot that is
// behind its events, and fills the read model from the store. It runs
// once; every method that reads calls it. Call it at start-up so the first
// request does not wait.
func (s *Service) Load(ctx context.Context) error {
	// A cap, so that a load stuck on the store fails and is tried again
	// (serving retries it), far above what a large store takes: about 3
	// minutes for 1,000,000 invoices on 2 shared cores (README).
	ctx, cancel := context.WithTimeout(ctx, loadLimit)
	defer cancel()
	err := s.invoicesRM.Load(ctx)
	s.tapEnd(ctx, err)
	return err
}

func (s *Service) ensureLoaded(ctx context.Context) error {
	if s.invoicesRM.Loaded() {
		return nil
	}
	return s.Load(ctx)
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
	s.contractLower[c.ID] = strings.ToLower(c.Reference)
	s.contractsGen++
	s.contractsRM.Saw(c.UpdatedAt)
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
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	if err := s.changes.Repair(ctx, s.now().Add(-time.Minute)); err != nil {
		return fmt.Errorf("payments: %w", err)
	}
	if err := s.contractsRM.Refresh(ctx); err != nil {
		return fmt.Errorf("payments: polling contracts: %w", err)
	}
	if err := s.invoicesRM.Refresh(ctx); err != nil {
		return fmt.Errorf("payments: polling invoices: %w", err)
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

// bulkOf binds a collection name to Options.BulkRead (nil stays nil).
func bulkOf(read func(context.Context, string, func([]bson.Raw) error) error, coll string) func(context.Context, func([]bson.Raw) error) error {
	if read == nil {
		return nil
	}
	return func(ctx context.Context, batch func([]bson.Raw) error) error { return read(ctx, coll, batch) }
}
