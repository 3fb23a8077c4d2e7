package performance

import (
	"context"
	"fmt"

	"careportal/payments"
	"careportal/payments/metrics"
)

// EachInvoice walks invoice snapshots one at a time (for the command line:
// payments.Service.EachStoredInvoice, which reads the store batch by batch
// without loading the read model). fn must not keep the pointer.
type EachInvoice func(ctx context.Context, fn func(inv *payments.Invoice) error) error

// ReportOf computes every figure for [from, to] and scope as Report does,
// but over the invoices each gives, one at a time: each is adapted,
// added to the sums and dropped, so memory does not grow with the number
// of invoices, and neither the payments read model nor this service's
// snapshot is built. It is for a one-off report (`portal report
// payments`); the portal's pages use Report, which keeps the adapted
// invoices and caches the figures. The sums are metrics.Compute's (as
// Report's are), so the two give the same report for the same invoices.
func (s *Service) ReportOf(ctx context.Context, each EachInvoice, from, to metrics.Date, scope metrics.Scope) (*metrics.Report, error) {
	if err := checkRange(from, to); err != nil {
		return nil, err
	}
	rates, err := s.Rates(ctx) // loads this service's own collections too
	if err != nil {
		return nil, err
	}
	cmap := map[string]payments.Contract{}
	if s.src.Contracts != nil {
		cs, err := s.src.Contracts(ctx)
		if err != nil {
			return nil, fmt.Errorf("performance: reading contracts: %w", err)
		}
		for _, c := range cs {
			cmap[c.ID] = c
		}
	}
	omap, err := s.orgMap(ctx)
	if err != nil {
		return nil, fmt.Errorf("performance: reading organisations: %w", err)
	}
	r := metrics.NewReport(metrics.Options{From: from, To: to, Today: s.Today(), Scope: scope, Rates: rates})
	err = each(ctx, func(inv *payments.Invoice) error {
		if scope.OrgID != "" && inv.OrgID != scope.OrgID {
			return nil // out of scope: not worth adapting (Include would skip it)
		}
		s.mu.RLock()
		ips := s.interest[inv.ID] // replaced, never changed in place (interest.go)
		s.mu.RUnlock()
		m := Adapt(inv, cmap, omap, ips)
		// As Report does (computeReport): an invoice that adds nothing to
		// any figure of the period is not worked through.
		if first, last := activeSpan(&m); first <= r.AsOf && last >= r.From {
			r.Include(&m, rates, 1)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("performance: reading invoices: %w", err)
	}
	r.Finish()
	r.Notes = append(append([]string(nil), metrics.Notes...), Notes...)
	return r, nil
}
