package main

import (
	"context"
	"fmt"
	"time"

	"careportal/payments"
	"careportal/payments/performance"
)

// wirePerformance builds the payment-performance service on the payments
// read model (call it after the payments service is built). In MongoDB
// mode other instances record interest payments and settings too, so its
// small in-memory copy reloads on a timer; invoice changes are seen
// through the payments read model itself.
func (a *app) wirePerformance(ctx context.Context, p *payments.Service) error {
	a.performance = performance.NewService(a.store.DB, performance.PaymentsSource(p, a.auth.Orgs), performance.Options{Logger: a.log})
	if err := a.performance.EnsureIndexes(ctx); err != nil {
		return fmt.Errorf("payment performance: %w", err)
	}
	if !a.store.Embedded {
		a.jobs = append(a.jobs, job{name: "payment performance settings", every: 30 * time.Second, run: a.performance.Load})
	}
	return nil
}
