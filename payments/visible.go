package payments

import (
	"context"

	"careportal/auth"
	"careportal/portal/fault"
)

// visible is the entry id of one of the read models (contracts, invoices),
// loaded first, as actor may see it: NotFound, naming what, when there is
// none or it belongs to an organisation actor may not see. Every get by
// id of a service method goes through it, so none forgets the check.
func visible[T any](ctx context.Context, s *Service, load func(context.Context) error, of func() map[string]*T, org func(*T) string,
	actor *auth.Principal, id, what string) (*T, error) {
	if err := load(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	v, ok := of()[id]
	s.mu.RUnlock()
	if !ok || !actor.CanSeeOrg(org(v)) {
		return nil, fault.NotFoundf("%s not found", what)
	}
	return v, nil
}

func (s *Service) visibleContract(ctx context.Context, actor *auth.Principal, id string) (*Contract, error) {
	return visible(ctx, s, s.ensureContracts, func() map[string]*Contract { return s.contracts }, func(c *Contract) string { return c.OrgID }, actor, id, "contract")
}

func (s *Service) visibleInvoice(ctx context.Context, actor *auth.Principal, id string) (*Invoice, error) {
	return visible(ctx, s, s.ensureLoaded, func() map[string]*Invoice { return s.invoices }, func(inv *Invoice) string { return inv.OrgID }, actor, id, "invoice")
}
