package payments

// Lookups the imports (payments/remittance, the CSV imports) need from
// the read model. Owned by the imports work; the core lifecycle is in
// invoices.go and transitions.go.

import (
	"context"
	"strings"
)

// InvoiceFinder finds invoices by supplier reference and invoice number
// (compared ignoring case, spaces and punctuation), reading the provider
// organisations once. Build one per file.
type InvoiceFinder struct {
	s    *Service
	orgs *orgLookup
}

// NewInvoiceFinder starts a finder.
func (s *Service) NewInvoiceFinder() *InvoiceFinder {
	return &InvoiceFinder{s: s, orgs: &orgLookup{s: s}}
}

// Find returns the invoice numbered number of the supplier supplierRef.
// supplierKnown says whether any provider organisation has that supplier
// reference; found whether it has that invoice.
func (f *InvoiceFinder) Find(ctx context.Context, supplierRef, number string) (inv Invoice, supplierKnown, found bool, err error) {
	if err := f.s.ensureLoaded(ctx); err != nil {
		return Invoice{}, false, false, err
	}
	org, err := f.orgs.get(ctx, strings.TrimSpace(supplierRef))
	if err != nil {
		return Invoice{}, false, false, err
	}
	if org == nil {
		return Invoice{}, false, false, nil
	}
	f.s.mu.RLock()
	defer f.s.mu.RUnlock()
	p, ok := f.s.invoices[f.s.byNumber[org.ID+":"+NormaliseNumber(number)]]
	if !ok {
		return Invoice{}, true, false, nil
	}
	return *p, true, true, nil
}
