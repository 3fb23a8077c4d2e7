package main

import (
	"context"
	"fmt"
	"time"

	"careportal/portal/contacts"
	"careportal/portal/notify"
	"careportal/portal/queries"
	"careportal/portal/workdays"
)

// wireEngagement builds the notifications, working-day, contacts and
// queries services (after wirePayments: queries link to invoices). In MongoDB mode other instances write too, so the
// in-memory read models reload on a timer.
func (a *app) wireEngagement(ctx context.Context) error {
	a.notify = notify.NewService(a.store.DB, nil)
	a.workdays = workdays.NewService(a.store.DB)
	a.contacts = contacts.NewService(a.store.DB, nil)
	a.queries = queries.NewService(a.store.DB, a.workdays, a.notify, queries.Options{Logger: a.log})
	if a.payments != nil { // queries link to the organisation's invoices and contracts
		a.queries.SetLinker(queries.PaymentsLinker{Payments: a.payments})
	}
	for name, s := range map[string]interface{ EnsureIndexes(context.Context) error }{
		"notifications": a.notify, "working days": a.workdays, "contacts": a.contacts, "queries": a.queries,
	} {
		if err := s.EnsureIndexes(ctx); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if !a.store.Embedded {
		a.jobs = append(a.jobs,
			job{name: "notifications read model", every: 30 * time.Second, run: a.notify.Refresh},
			job{name: "queries read model", every: 30 * time.Second, run: a.queries.Refresh},
			job{name: "bank holidays", every: 5 * time.Minute, run: a.workdays.Refresh},
		)
	}
	return nil
}
