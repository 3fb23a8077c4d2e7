package main

import (
	"context"
	"fmt"

	"careportal/payments/remittance"
)

// wireRemittance builds the payment runs service (remittance files) on
// the payments service: call it after wirePayments.
func (a *app) wireRemittance(ctx context.Context) error {
	a.remittance = remittance.NewService(a.store.DB, a.payments, remittance.Options{})
	if err := a.remittance.EnsureIndexes(ctx); err != nil {
		return fmt.Errorf("remittance: %w", err)
	}
	return nil
}
