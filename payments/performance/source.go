package performance

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"careportal/auth"
	"careportal/payments"
)

// PaymentsSource is the Source for the running portal: every invoice from
// the payments read model, streamed (payments.Service.EachInvoice), every contract
// (read as staff), and the provider organisations from orgs, which are
// re-read at most every orgsTTL (they change rarely and live in the
// store, not in memory). After the first read, only the invoices that
// changed are read again (payments.Service.ChangedSince).
func PaymentsSource(p *payments.Service, orgs func(ctx context.Context) ([]auth.Org, error)) Source {
	staff := auth.System("payment performance")
	c := &orgCache{load: orgs}
	return Source{
		Invoices: p.EachInvoice,
		Invoice: func(ctx context.Context, id string) (payments.Invoice, error) {
			return p.Invoice(ctx, staff, id)
		},
		Changes: p.ChangedSince,
		Contracts: func(ctx context.Context) ([]payments.Contract, error) {
			return p.Contracts(ctx, staff, payments.ContractFilter{})
		},
		Orgs: c.get,
		Mark: func(ctx context.Context, since time.Time) (ChangeMark, error) {
			return markOf(ctx, p, since)
		},
	}
}

const orgsTTL = 30 * time.Second

type orgCache struct {
	load func(ctx context.Context) ([]auth.Org, error)
	mu   sync.Mutex
	at   time.Time
	orgs []auth.Org
}

func (c *orgCache) get(ctx context.Context) ([]auth.Org, error) {
	if c.load == nil {
		return nil, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.orgs != nil && time.Since(c.at) < orgsTTL {
		return c.orgs, nil
	}
	orgs, err := c.load(ctx)
	if err != nil {
		return nil, err
	}
	c.orgs, c.at = orgs, time.Now()
	return orgs, nil
}

// markRecentLimit is the most recently updated invoices a mark lists; past
// it the mark is unknown and the snapshot is rebuilt.
const markRecentLimit = 1000

// markOf summarises the payments read model cheaply: its generation (which
// moves on every invoice change, so nothing goes unseen), the work-queue
// counts (kept by the payments service per change) and the invoices
// updated after since, counted from the payments rows
// (payments.Service.UpdatedAfter: no invoice is read or copied).
func markOf(ctx context.Context, p *payments.Service, since time.Time) (ChangeMark, error) {
	gen := p.Generation()
	counts, err := p.QueueCounts(ctx)
	if err != nil {
		return ChangeMark{}, err
	}
	var qs strings.Builder
	for _, q := range payments.Queues {
		fmt.Fprintf(&qs, "%s=%d;", q, counts[q])
	}
	n, versions, latest, err := p.UpdatedAfter(ctx, since)
	if err != nil {
		return ChangeMark{}, err
	}
	if n > markRecentLimit {
		return ChangeMark{Gen: gen, Queues: qs.String()}, nil
	}
	return ChangeMark{Gen: gen, Queues: qs.String(), Known: true, Recent: n, Versions: versions, Latest: latest}, nil
}
