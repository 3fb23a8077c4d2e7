package performance

import (
	"context"
	"sync"
	"time"

	"careportal/auth"
	"careportal/payments"
)

// PaymentsSource is the Source for the running portal: every invoice from
// the payments read model (payments.Service.Snapshot), every contract
// (read as staff), and the provider organisations from orgs, which are
// re-read at most every orgsTTL (they change rarely and live in the
// store, not in memory).
func PaymentsSource(p *payments.Service, orgs func(ctx context.Context) ([]auth.Org, error)) Source {
	staff := payments.Actor{Party: payments.PartyStaff, Name: "payment performance"}
	c := &orgCache{load: orgs}
	return Source{
		Invoices: p.Snapshot,
		Contracts: func(ctx context.Context) ([]payments.Contract, error) {
			return p.Contracts(ctx, staff, payments.ContractFilter{})
		},
		Orgs: c.get,
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
