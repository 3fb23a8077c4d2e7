package main

import (
	"context"
	"fmt"

	"careportal/auth"
	"careportal/portal/forums"
	"careportal/portal/statements"
)

// wireStatementsForums builds the market position statements and forums
// services. They announce through the notifications service, so it runs
// after wireEngagement; forums learn about provider organisations from
// accounts.
func (a *app) wireStatementsForums(ctx context.Context) error {
	a.statements = statements.NewService(a.store.DB, a.notify)
	a.forums = forums.NewService(a.store.DB, a.notify, orgDirectory{a.auth})
	if err := a.statements.EnsureIndexes(ctx); err != nil {
		return fmt.Errorf("statements: %w", err)
	}
	if err := a.forums.EnsureIndexes(ctx); err != nil {
		return fmt.Errorf("forums: %w", err)
	}
	return nil
}

// orgDirectory gives forums the active provider organisations from
// accounts.
type orgDirectory struct{ auth *auth.Service }

func (d orgDirectory) ActiveProviders(ctx context.Context) ([]forums.Provider, error) {
	orgs, err := d.auth.Orgs(ctx)
	if err != nil {
		return nil, err
	}
	var out []forums.Provider
	for _, o := range orgs {
		if o.Active {
			out = append(out, forums.Provider{ID: o.ID, Name: o.Name, ServiceTypes: o.ServiceTypes})
		}
	}
	return out, nil
}
