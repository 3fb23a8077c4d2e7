package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/packages"
	"careportal/payments/performance"
	"careportal/payments/remittance"
	"careportal/portal/assessment"
	"careportal/portal/contacts"
	"careportal/portal/forums"
	"careportal/portal/mail"
	"careportal/portal/notify"
	"careportal/portal/queries"
	"careportal/portal/statements"
	"careportal/portal/store"
	"careportal/portal/workdays"
)

// Services is every domain service of the portal, built by New and Open.
// The HTTP server (package portal) and the admin commands take them from
// here. A feature adds its service as one field here and one construction
// line in wire.
type Services struct {
	Log   *slog.Logger
	Store *store.Store

	Auth        *auth.Service        // accounts, organisations, sessions, API tokens
	Payments    *payments.Service    // contracts and invoices, with their read model
	Remittance  *remittance.Service  // payment runs (remittance files), on payments
	Performance *performance.Service // payment performance and reports, on the payments read model
	Packages    *packages.Service    // care packages, actuals and the invoices generated from them, on payments
	Notify      *notify.Service      // notifications; statements, forums and queries announce through it
	Workdays    *workdays.Service    // working days and bank holidays
	Contacts    *contacts.Service    // council teams and contacts
	Queries     *queries.Service     // provider queries, linked to invoices and contracts
	Statements  *statements.Service  // market position statements
	Forums      *forums.Service      // provider forums
	Assessment  *assessment.Service  // self-assessment; its live evidence comes from the others
	Mail        *mail.Service        // email: outbox, delivery worker, preferences; told of invoice changes

	Startup *Startup // how far the start-up load (Load) has got: /readyz, and pages that wait for it
}

// Options are the choices a caller makes about the services. The zero value
// is what serving uses.
type Options struct {
	// Logger receives the services' logs; nil discards them.
	Logger *slog.Logger
	// Now is the services' clock; nil is time.Now.
	Now func() time.Time
	// Hash is the password hashing cost; the zero value is
	// auth.DefaultHashParams (tests pass auth.CheapHashParams).
	Hash auth.HashParams
	// Mail is how email goes out; the zero value keeps every message in
	// the outbox ("not sent: email is not set up").
	Mail MailOptions
	// BeforeLoad, when set, runs at the start of every Load attempt, and
	// an error from it fails the attempt. Tests use it to hold the load
	// (to watch the portal while it loads) or to make an attempt fail.
	// Serving leaves it nil.
	BeforeLoad func(ctx context.Context) error
}

// App is the wired portal: the store, every service and the background
// jobs that keep them current.
type App struct {
	Services
	jobs      []job
	loops     []loop
	ownsStore bool
	// figuresTap puts the payment figures' first build on the start-up
	// load's pass over the invoices (Load), once.
	figuresTap sync.Once
}

// loop is a background task that runs until its context ends (the mail
// worker, woken as soon as a message is queued).
type loop struct {
	name string
	run  func(ctx context.Context)
}

// job is a background task that runs every so often while serving.
type job struct {
	name  string
	every time.Duration
	run   func(ctx context.Context) error
}

// Open opens the store described by so and wires the services on it (see
// New). Close closes the store.
func Open(ctx context.Context, so store.Options, o Options) (*App, error) {
	if so.Logger == nil {
		so.Logger = o.Logger
	}
	st, err := store.Open(ctx, so)
	if err != nil {
		return nil, err
	}
	a, err := New(ctx, st, o)
	if err != nil {
		_ = closeStore(st)
		return nil, err
	}
	a.ownsStore = true
	return a, nil
}

// New wires the services on a store that is already open (tests pass
// storetest.New): it builds each service, makes sure its collections and
// indexes exist (idempotently), then prepares the store (the embedded
// store's _id indexes). Close leaves the store open.
func New(ctx context.Context, st *store.Store, o Options) (*App, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	a := &App{Services: Services{Log: o.Logger, Store: st, Startup: newStartup(o.Now, o.BeforeLoad)}}
	if err := a.wire(ctx, o); err != nil {
		return nil, err
	}
	if err := st.Prepare(ctx); err != nil {
		return nil, fmt.Errorf("preparing the store: %w", err)
	}
	return a, nil
}

// wire builds each service in dependency order and ensures its indexes.
// A feature adds its service here, one line, after the services it uses.
// In MongoDB mode other instances write too, so the in-memory read models
// reload on a timer (poll); the embedded store is single-instance and
// needs no polling.
func (a *App) wire(ctx context.Context, o Options) error {
	s, db, log, now := &a.Services, a.Store.DB, o.Logger, o.Now
	w := &wiring{ctx: ctx, app: a}

	s.Auth = ensure(w, "accounts", auth.NewService(db, auth.Options{Now: now, Hash: o.Hash, Logger: log, SessionsInMemory: a.Store.Embedded,
		ListsInMemory: a.Store.Embedded, BulkRead: a.Store.ReadAllRaw}))
	s.Payments = ensure(w, "payments", payments.NewService(db, s.Auth, payments.Options{Now: now, Logger: log, BulkRead: a.Store.EachRaw, BulkInsert: a.Store.InsertRows}))
	s.Remittance = ensure(w, "remittance", remittance.NewService(db, s.Payments, remittance.Options{Now: now, Logger: log, SingleInstance: a.Store.Embedded}))
	s.Packages = ensure(w, "care packages", packages.NewService(db, s.Payments, s.Auth, packages.Options{Now: now, Logger: log}))
	s.Performance = ensure(w, "payment performance", performance.NewService(db, performance.PaymentsSource(s.Payments, s.Auth.Orgs), performance.Options{Now: now, Logger: log}))
	s.Notify = ensure(w, "notifications", notify.NewService(db, now))
	s.Workdays = ensure(w, "working days", workdays.NewService(db))
	s.Contacts = ensure(w, "contacts", contacts.NewService(db, now))
	s.Queries = ensure(w, "queries", queries.NewService(db, s.Workdays, s.Notify, queries.Options{Now: now, Logger: log}))
	s.Queries.SetLinker(queries.PaymentsLinker{Payments: s.Payments})
	s.Statements = ensure(w, "statements", statements.NewService(db, s.Notify))
	s.Forums = ensure(w, "forums", forums.NewService(db, s.Notify, orgDirectory{s.Auth}))
	s.Assessment = ensure(w, "self-assessment", assessment.NewService(db, assessmentEvidence(s), now))
	if a.Store.Embedded {
		s.Assessment.KeepRoundsInMemory() // one process writes them
	}

	w.always("accounts sweep", 5*time.Minute, func(ctx context.Context) error {
		_, err := s.Auth.Sweep(ctx, auth.SessionTimeouts{Idle: auth.DefaultSessionIdle, Absolute: auth.DefaultSessionAbsolute})
		return err
	})
	w.poll("payments read model", 2*time.Second, s.Payments.Poll)
	w.poll("care packages", 5*time.Second, s.Packages.Poll)
	w.poll("payment performance settings", 30*time.Second, s.Performance.Load)
	w.poll("notifications read model", 30*time.Second, s.Notify.Refresh)
	w.poll("queries read model", 30*time.Second, s.Queries.Refresh)
	w.poll("bank holidays", 5*time.Minute, s.Workdays.Refresh)
	a.loops = append(a.loops, loop{name: "payment runs", run: s.Remittance.Resume}) // finishes runs a restart cut short
	a.wireMail(w, o)
	return w.err
}

// wiring collects the first error and the jobs while wire builds.
type wiring struct {
	ctx context.Context
	app *App
	err error
}

// indexed is a service with collections and indexes to make sure of.
type indexed interface {
	EnsureIndexes(ctx context.Context) error
}

// ensure makes sure the service's collections and indexes exist (unless
// an earlier service failed) and returns the service.
func ensure[S indexed](w *wiring, name string, svc S) S {
	if w.err == nil {
		if err := svc.EnsureIndexes(w.ctx); err != nil {
			w.err = fmt.Errorf("%s: %w", name, err)
		}
	}
	return svc
}

// always adds a job that runs on every store.
func (w *wiring) always(name string, every time.Duration, run func(context.Context) error) {
	w.app.jobs = append(w.app.jobs, job{name: name, every: every, run: run})
}

// poll adds a job that only MongoDB mode needs (other instances write).
func (w *wiring) poll(name string, every time.Duration, run func(context.Context) error) {
	if !w.app.Store.Embedded {
		w.always(name, every, run)
	}
}

// Load fills the read models that must be complete before the portal
// answers requests that need them (contracts, invoices and care packages),
// telling Startup what it is loading. Serving runs it in the background
// (LoadInBackground); its parts load once, so a second call, or a retry
// after a failure, redoes only what is not loaded yet.
func (a *App) Load(ctx context.Context) error {
	st := a.Startup
	st.begin()
	if st.before != nil {
		if err := st.before(ctx); err != nil {
			return err
		}
	}
	st.loading("the payments read model and figures (contracts and invoices)")
	// The figures' first build reads the same pass over the invoices as
	// the read model, not a second one after it (payments/performance
	// LoadTap); only serving loads, so a command does not build figures.
	a.figuresTap.Do(func() {
		if a.Performance != nil {
			a.Payments.TapLoad(a.Performance.LoadTap())
		}
	})
	if err := a.Payments.Load(ctx); err != nil {
		return err
	}
	// Again: a one-time migration may have put a rebuilt collection in
	// place (payments' invoices), which needs the embedded _id index too.
	st.loading("the store's indexes")
	if err := a.Store.Prepare(ctx); err != nil {
		return fmt.Errorf("preparing the store: %w", err)
	}
	st.loading("the care packages read model")
	if err := a.Packages.Load(ctx); err != nil {
		return err
	}
	st.loaded()
	return nil
}

// RunJobs starts the background jobs (session sweeps, read-model polling
// in MongoDB mode); they run until ctx ends. A job that fails is logged
// and runs again at its next turn.
func (a *App) RunJobs(ctx context.Context) {
	for _, l := range a.loops {
		go l.run(ctx)
	}
	for _, j := range a.jobs {
		go func(j job) {
			t := time.NewTicker(j.every)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					if err := j.run(ctx); err != nil && ctx.Err() == nil {
						a.Log.Error("background job failed", "job", j.name, "err", err)
					}
				}
			}
		}(j)
	}
}

// Close closes the store when Open opened it, waiting up to 30 seconds for
// writes to finish. Stop RunJobs' context first.
func (a *App) Close() error {
	// Submissions' events are written a moment after the answer (in the
	// background, batched): write them now rather than leave them to the
	// next start's repair.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	settled := a.Payments.Settle(ctx)
	cancel()
	if !a.ownsStore {
		return settled
	}
	return errors.Join(settled, closeStore(a.Store))
}

func closeStore(st *store.Store) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return st.Close(ctx)
}

// orgDirectory gives forums the active provider organisations from
// accounts.
type orgDirectory struct{ auth *auth.Service }

func (d orgDirectory) ActiveProviders(ctx context.Context) ([]forums.Provider, error) {
	orgs, err := d.auth.Orgs(ctx)
	if err != nil {
		return nil, err
	}
	var out []forums.Provider
	for _, o := range orgs {
		if o.Active {
			out = append(out, forums.Provider{ID: o.ID, Name: o.Name, ServiceTypes: o.ServiceTypes})
		}
	}
	return out, nil
}

// randomKey is a signing key for this process only.
func randomKey() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}

// WarmFigures computes the headline payment figures once, right after the
// start-up load, so that the first person to open a home page does not
// wait for them. The invoices were adapted during the load itself
// (Load, performance LoadTap); without that, this is where the figures'
// first build reads every stored invoice.
func (a *App) WarmFigures(ctx context.Context) {
	start := time.Now()
	today := a.Performance.Today()
	if _, err := a.Performance.Headline(ctx, today.AddDays(-364), today); err != nil {
		if ctx.Err() == nil {
			a.Log.Error("building the payment figures", "err", err)
		}
		return
	}
	a.Log.Info("payment figures built", "duration_ms", time.Since(start).Milliseconds())
}
