package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/performance"
	"careportal/payments/remittance"
	"careportal/portal/assessment"
	"careportal/portal/contacts"
	"careportal/portal/forums"
	"careportal/portal/notify"
	"careportal/portal/queries"
	"careportal/portal/statements"
	"careportal/portal/store"
	"careportal/portal/workdays"
)

// app is the wired portal: the store and every domain service. Serve and
// the admin commands both start from it.
type app struct {
	cfg   config
	log   *slog.Logger
	store *store.Store

	// accounts
	auth *auth.Service
	// contracts, invoices (payments core); payment performance reads its read model
	payments *payments.Service
	// engagement: contacts, queries, notifications, working days
	contacts *contacts.Service
	queries  *queries.Service
	notify   *notify.Service
	workdays *workdays.Service
	// engagement: market position statements and forums
	statements *statements.Service
	forums     *forums.Service
	// payment performance and reports (wirePerformance, after payments)
	performance *performance.Service
	// payment runs (remittance files), on payments
	remittance *remittance.Service
	// self-assessment
	assessment *assessment.Service
	// background jobs (sweeps, read-model polling) that run while serving.
	jobs []job
}

type job struct {
	name  string
	every time.Duration
	run   func(ctx context.Context) error
}

// openApp opens the store, builds the services and makes sure every
// collection and index exists (idempotently), then adds the embedded
// store's _id indexes.
func openApp(ctx context.Context, cfg config, log *slog.Logger) (*app, error) {
	st, err := store.Open(ctx, store.Options{
		MongoURI: cfg.MongoURI,
		Database: cfg.Database,
		DataDir:  cfg.DataDir,
		Logger:   log,
	})
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, log: log, store: st}
	if err := a.wire(ctx); err != nil {
		_ = a.close()
		return nil, err
	}
	if err := st.Prepare(ctx); err != nil {
		_ = a.close()
		return nil, fmt.Errorf("preparing the store: %w", err)
	}
	return a, nil
}

// wire builds each domain service and ensures its indexes. Features add
// their services here, in dependency order.
func (a *app) wire(ctx context.Context) error {
	// accounts
	a.auth = auth.NewService(a.store.DB, auth.Options{Logger: a.log})
	if err := a.auth.EnsureIndexes(ctx); err != nil {
		return fmt.Errorf("accounts: %w", err)
	}
	a.jobs = append(a.jobs, job{name: "accounts sweep", every: 5 * time.Minute, run: func(ctx context.Context) error {
		_, err := a.auth.Sweep(ctx, auth.SessionTimeouts{Idle: auth.DefaultSessionIdle, Absolute: auth.DefaultSessionAbsolute})
		return err
	}})
	// contracts, invoices (after accounts: it resolves organisations)
	if err := a.wirePayments(ctx); err != nil {
		return err
	}
	// payment runs (remittance files)
	if err := a.wireRemittance(ctx); err != nil {
		return err
	}
	// payment performance and reports (on the payments read model)
	if err := a.wirePerformance(ctx, a.payments); err != nil {
		return err
	}
	// engagement: notifications first (statements, forums and queries
	// announce through it), then working days, contacts and queries.
	if err := a.wireEngagement(ctx); err != nil {
		return err
	}
	if err := a.wireStatementsForums(ctx); err != nil {
		return err
	}
	// self-assessment: last, its live evidence comes from the others
	if err := a.wireAssessment(ctx); err != nil {
		return err
	}
	return nil
}

func (a *app) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return a.store.Close(ctx)
}

// runJobs runs the background jobs until ctx ends.
func (a *app) runJobs(ctx context.Context) {
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
						a.log.Error("background job failed", "job", j.name, "err", err)
					}
				}
			}
		}(j)
	}
}
