// Package performance serves the payment-performance figures: it adapts the
// payments read model into metrics.Invoice values, keeps the things this
// feature owns (interest payments staff record against invoices, Bank Rate
// changes administrators add, the reporting settings for payments
// compliance notices) and caches computed reports per (range, scope) until
// anything changes.
//
// It never scans the store per request: invoices come from the payments
// service's in-memory read model; its own collections are small and held in
// memory, loaded at start and updated on its own writes.
package performance

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
	"careportal/payments/metrics"
	"careportal/portal/store"
)

// Collections this feature owns.
const (
	colInterestPayments = "interest_payments"
	colBaseRates        = "base_rates"
	colSettings         = "reporting_settings"
)

// Source is where the invoices, contracts and organisations come from:
// the payments service's read model and the auth service. cmd/portal
// wires it.
type Source struct {
	// Invoices hands every invoice snapshot (the payments read model) to
	// each, a batch at a time (payments.Service.EachInvoice): the first
	// build adapts a batch and drops it, so no slice of every whole
	// invoice is held. An error from each stops it and is returned.
	Invoices func(ctx context.Context, each func(invs []payments.Invoice) error) error
	// Invoice, when set, returns one invoice snapshot by id, so that one
	// invoice's interest (InvoiceInterest) costs one invoice, not a build
	// of every invoice's figures. Without it, the snapshot answers.
	Invoice func(ctx context.Context, id string) (payments.Invoice, error)
	// Contracts returns every contract in the register.
	Contracts func(ctx context.Context) ([]payments.Contract, error)
	// Orgs returns every provider organisation.
	Orgs func(ctx context.Context) ([]auth.Org, error)
	// Mark, when set, summarises cheaply (without copying the read model)
	// the number of invoices and the invoices updated after since. Two
	// equal marks mean nothing changed, so a page skips copying the read
	// model.
	Mark func(ctx context.Context, since time.Time) (ChangeMark, error)
	// Changes, when set, returns the source's generation now and every
	// invoice changed after generation since (ok false when it can no
	// longer say: the figures are then rebuilt from Invoices). With it a
	// change costs the changed invoices, not a copy of every invoice
	// (maintained.go). Called with since = the largest uint64 it returns
	// the generation now, before Invoices is read.
	Changes func(ctx context.Context, since uint64) (gen uint64, invs []payments.Invoice, ok bool, err error)
}

// Options configure the service.
type Options struct {
	Now    func() time.Time
	Logger *slog.Logger
}

// Service is the payment-performance feature.
type Service struct {
	db  *mongo.Database
	src Source
	now func() time.Time
	log *slog.Logger

	mu        sync.RWMutex
	loaded    bool
	interest  map[string][]InterestPayment // by invoice id, date order
	extra     []metrics.BaseRate           // admin-added Bank Rate changes
	rates     *metrics.RateTable
	settings  Settings
	ownWrites uint64 // bumps on every write of this service

	cacheMu sync.Mutex
	snap    *snapshot
	reports map[reportKey]*metrics.Report
	// dashboards are cached like reports (same lifetime).
	dashboards map[dashKey]*dashEntry
	// flights shares one rebuild or computation among concurrent requests.
	flights flights
	// parties interns what invoices share (compact.go).
	parties parties
	// fromLoad is the first build fed by the payments load (loadbuild.go).
	fromLoad loadBuild
}

// snapshot is the adapted invoice list and what it was built from.
type snapshot struct {
	fp      fingerprint
	list    invoiceList // the adapted invoices (maintained.go)
	orgs    map[string]auth.Org
	cmap    map[string]payments.Contract // the contracts, by id (what Adapt reads)
	ids     *idIndex                     // invoice id -> place in list
	choices *choiceSet                   // the dashboard's filter choices
	refsKey string                       // the contracts and organisations it was adapted with
	built   time.Time                    // when (organisations are re-read at least every orgsTTL)
	// gen is the source's generation the list reflects (Source.Changes).
	gen uint64
	// since and mark are the change mark taken when it was built.
	since time.Time
	mark  ChangeMark
	// contractsKey is refsKey of the contracts alone: a change of a
	// contract's service type or regime rebuilds the snapshot even when
	// its update time does not move on.
	contractsKey string
}

// ChangeMark summarises the read model for Source.Mark: how many invoices
// there are (or, from the payments service, its work-queue counts), and
// how many were updated after a moment, with the sum of their versions and
// the latest update. Known is false when the recent set was too large to
// summarise (then the snapshot is rebuilt).
type ChangeMark struct {
	// Gen is the payments read model's generation (payments.Service.
	// Generation): it moves on every invoice change, including imported
	// history that changes no queue, so a cached snapshot is never stale.
	Gen           uint64
	Queues        string
	Total, Recent int
	Versions      int64
	Latest        time.Time
	Known         bool
}

type fingerprint struct {
	count     int
	versions  int64
	latest    time.Time
	own       uint64
	contracts int
	orgs      int
}

type reportKey struct {
	from, to, today metrics.Date
	scope           metrics.Scope
}

// NewService builds the service.
func NewService(db *mongo.Database, src Source, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Service{db: db, src: src, now: o.Now, log: o.Logger,
		interest: map[string][]InterestPayment{}, rates: metrics.NewRateTable(), reports: map[reportKey]*metrics.Report{}}
}

// EnsureIndexes creates the collections and indexes (idempotent).
func (s *Service) EnsureIndexes(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := store.EnsureCollections(ctx, s.db, colInterestPayments, colBaseRates, colSettings); err != nil {
		return err
	}
	_, err := s.db.Collection(colInterestPayments).Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys: bson.D{{Key: "invoice_id", Value: 1}, {Key: "date", Value: 1}}, Options: options.Index().SetName("invoice_date"),
	})
	if err != nil {
		return fmt.Errorf("performance: indexes: %w", err)
	}
	return nil
}

// Load reads this feature's collections into memory (they are small).
// Every read calls it; call it at start-up too. Calling it again re-reads
// (the background poll uses that in MongoDB mode).
func (s *Service) Load(ctx context.Context) error {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	ips, err := store.FindAll[InterestPayment](ctx, s.db.Collection(colInterestPayments), bson.D{})
	if err != nil {
		return fmt.Errorf("performance: loading interest payments: %w", err)
	}
	rates, err := store.FindAll[baseRateDoc](ctx, s.db.Collection(colBaseRates), bson.D{})
	if err != nil {
		return fmt.Errorf("performance: loading base rates: %w", err)
	}
	var set Settings
	if err := s.db.Collection(colSettings).FindOne(ctx, bson.D{{Key: "_id", Value: settingsID}}).Decode(&set); err != nil && err != mongo.ErrNoDocuments {
		return fmt.Errorf("performance: loading settings: %w", err)
	}
	byInv := map[string][]InterestPayment{}
	for _, p := range ips {
		byInv[p.InvoiceID] = append(byInv[p.InvoiceID], p)
	}
	for k := range byInv {
		sortInterest(byInv[k])
	}
	var extra []metrics.BaseRate
	for _, r := range rates {
		d, err := metrics.ParseDate(r.ID)
		if err != nil {
			continue
		}
		extra = append(extra, metrics.BaseRate{Effective: d, BasisPoints: r.BasisPoints})
	}
	s.mu.Lock()
	s.interest = byInv
	s.extra = extra
	s.rates = rateTable(extra, set)
	s.settings = set
	s.loaded = true
	s.ownWrites++
	s.mu.Unlock()
	return nil
}

func (s *Service) ensureLoaded(ctx context.Context) error {
	s.mu.RLock()
	ok := s.loaded
	s.mu.RUnlock()
	if ok {
		return nil
	}
	return s.Load(ctx)
}

func sortInterest(ps []InterestPayment) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Date != ps[j].Date {
			return ps[i].Date < ps[j].Date
		}
		return ps[i].At.Before(ps[j].At)
	})
}

func newID() string { return store.NewID("", 12) }

// Today is the London calendar date now.
func (s *Service) Today() metrics.Date { return metrics.DateOf(s.now()) }

// Rates is the Bank Rate table: the shipped history plus admin additions.
func (s *Service) Rates(ctx context.Context) (*metrics.RateTable, error) {
	if err := s.ensureLoaded(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.rates, nil
}
