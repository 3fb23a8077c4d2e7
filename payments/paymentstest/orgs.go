// Package paymentstest holds what the tests of the payments packages share.
package paymentstest

import (
	"context"
	"strings"

	"careportal/auth"
	"careportal/portal/fault"
)

// Orgs is a fixed set of provider organisations: the part of the auth
// service the payments service reads, for tests that do not exercise
// accounts.
type Orgs []auth.Org

// Org finds an organisation by id.
func (o Orgs) Org(_ context.Context, id string) (*auth.Org, error) {
	for i := range o {
		if o[i].ID == id {
			return &o[i], nil
		}
	}
	return nil, fault.NotFoundf("organisation not found")
}

// OrgByRef finds an organisation by supplier reference, ignoring case.
func (o Orgs) OrgByRef(_ context.Context, ref string) (*auth.Org, error) {
	for i := range o {
		if strings.EqualFold(o[i].SupplierRef, ref) {
			return &o[i], nil
		}
	}
	return nil, fault.NotFoundf("organisation not found")
}

// Orgs lists them all.
func (o Orgs) Orgs(context.Context) ([]auth.Org, error) { return o, nil }
