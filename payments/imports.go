package payments

// Lookups the imports (payments/remittance, the CSV imports) need from
// the read model. Owned by the imports work; the core lifecycle is in
// invoices.go and transitions.go.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"careportal/portal/fault"
	"careportal/portal/store"
)

// InvoiceFinder finds invoices by supplier reference and invoice number
// (compared ignoring case, spaces and punctuation), reading the provider
// organisations once. Build one per file. Before the read model is loaded
// it reads each invoice from the store by _id (lookup.go).
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
	org, err := f.orgs.get(ctx, strings.TrimSpace(supplierRef))
	if err != nil {
		return Invoice{}, false, false, err
	}
	if org == nil {
		return Invoice{}, false, false, nil
	}
	// From the read model when it is loaded, otherwise by _id through the
	// number's document (lookup.go): a command-line import does not load
	// every invoice to find a few.
	inv, found, err = f.s.byNumberNow(ctx, org.ID, NormaliseNumber(number))
	if err != nil {
		return Invoice{}, false, false, err
	}
	return inv, true, found, nil
}

// ClearOrphanNumbers makes a historical import that was cut short
// (a crash, a lost connection) complete when run again. An import writes
// each batch's invoice number documents (orgID:number, the uniqueness
// claim) before the invoices themselves; a batch cut short between the two
// leaves number documents that point at no invoice, and the rerun would
// stop at them as duplicates. This removes, for the rows given, number
// documents whose invoice exists neither in the read model nor in the
// store. Numbers of real invoices are left alone, so an import never
// duplicates an invoice. It returns how many it removed.
func (s *Service) ClearOrphanNumbers(ctx context.Context, rows []HistoricalInvoice) (int, error) {
	// Not the invoices read model: a number not in it is checked in the
	// store below (its claim, then its invoice, by _id).
	if err := s.prepare(ctx); err != nil {
		return 0, err
	}
	removed := 0
	seen := map[string]bool{}
	for _, h := range rows {
		s.mu.RLock()
		c, ok := s.contracts[s.contractByRef[normaliseRef(h.ContractRef)]]
		var id string
		known := false
		if ok {
			id = c.OrgID + ":" + NormaliseNumber(h.InvoiceNumber)
			_, known = s.rowByNumber(c.OrgID, NormaliseNumber(h.InvoiceNumber))
		}
		s.mu.RUnlock()
		if !ok || known || seen[id] {
			continue
		}
		seen[id] = true
		cctx, cancel := store.CallContext(ctx)
		var nd numberDoc
		err := s.db.Collection(colInvoiceNumbers).FindOne(cctx, bson.D{{Key: "_id", Value: id}}).Decode(&nd)
		if errors.Is(err, mongo.ErrNoDocuments) {
			cancel()
			continue
		}
		if err != nil {
			cancel()
			return removed, fmt.Errorf("payments: reading invoice number %s: %w", id, err)
		}
		if nd.CreatedAt.After(s.now().Add(-time.Minute)) {
			cancel()
			continue // a submission in progress, not an orphan
		}
		if _, err := s.invoiceByID(cctx, nd.InvoiceID); err == nil || fault.KindOf(err) != fault.NotFound {
			cancel()
			if err != nil {
				return removed, err
			}
			continue
		}
		if _, err := s.db.Collection(colInvoiceNumbers).DeleteOne(cctx, bson.D{{Key: "_id", Value: id}, {Key: "invoice_id", Value: nd.InvoiceID}}); err != nil {
			cancel()
			return removed, fmt.Errorf("payments: clearing invoice number %s: %w", id, err)
		}
		cancel()
		removed++
	}
	return removed, nil
}
