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

// visibleInvoice is the invoice with the id as actor may see it, read by
// _id when the read model keeps only its row (rows.go); another
// organisation's is NotFound without a read.
func (s *Service) visibleInvoice(ctx context.Context, actor *auth.Principal, id string) (*Invoice, error) {
	if err := s.ensureLoaded(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	i, ok := s.pos[id]
	if !ok || !actor.CanSeeOrg(s.parties[s.rows[i].party].orgID) {
		s.mu.RUnlock()
		return nil, fault.NotFoundf("invoice not found")
	}
	inv, _, err := s.getRow(ctx, i, true)
	if err != nil {
		return nil, err
	}
	return &inv, nil
}
