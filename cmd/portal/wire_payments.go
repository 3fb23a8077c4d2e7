package main

import (
	"context"
	"fmt"
	"time"

	"careportal/payments"
)

// wirePayments builds the payments service (contracts, invoices) and loads
// its read model. In MongoDB mode other instances write too, so the read
// model polls for their changes every 2 seconds; the embedded store is
// single-instance and needs no polling.
func (a *app) wirePayments(ctx context.Context) error {
	a.payments = payments.NewService(a.store.DB, a.auth, payments.Options{Logger: a.log})
	if err := a.payments.EnsureIndexes(ctx); err != nil {
		return fmt.Errorf("payments: %w", err)
	}
	if !a.store.Embedded {
		a.jobs = append(a.jobs, job{name: "payments read model", every: 2 * time.Second, run: a.payments.Poll})
	}
	return nil
}
