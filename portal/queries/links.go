package queries

import (
	"context"
	"fmt"

	"careportal/auth"
	"careportal/payments"
	"careportal/portal/format"
)

// PaymentsLinker links queries to an organisation's invoices and contracts
// through the payments service, which also checks that they are that
// organisation's.
type PaymentsLinker struct{ Payments *payments.Service }

var _ Linker = PaymentsLinker{}

func providerActor(orgID string) *auth.Principal {
	return &auth.Principal{Role: auth.RoleProvider, OrgID: orgID, Name: "queries"}
}

// LinkOptions lists the organisation's 200 most recent invoices and its
// contracts.
func (l PaymentsLinker) LinkOptions(ctx context.Context, orgID string) ([]LinkOption, error) {
	a := providerActor(orgID)
	page, err := l.Payments.ListInvoices(ctx, a, payments.InvoiceFilter{OrgID: orgID}, 1, 200)
	if err != nil {
		return nil, err
	}
	var out []LinkOption
	for _, inv := range page.Invoices {
		out = append(out, LinkOption{Value: "invoice:" + inv.ID, Label: invoiceLabel(inv)})
	}
	cs, err := l.Payments.Contracts(ctx, a, payments.ContractFilter{OrgID: orgID})
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		out = append(out, LinkOption{Value: "contract:" + c.ID, Label: contractLabel(c)})
	}
	return out, nil
}

func invoiceLabel(inv payments.Invoice) string {
	return fmt.Sprintf("Invoice %s for %s, dated %s", inv.Number, format.Pence(inv.GrossPence), format.Day(inv.InvoiceDate))
}

func contractLabel(c payments.Contract) string {
	return fmt.Sprintf("Contract %s: %s", c.Reference, c.Title)
}

// Describe labels the organisation's invoice or contract; another
// organisation's is NotFound.
func (l PaymentsLinker) Describe(ctx context.Context, orgID, kind, id string) (string, error) {
	a := providerActor(orgID)
	switch kind {
	case "invoice":
		inv, err := l.Payments.Invoice(ctx, a, id)
		if err != nil {
			return "", err
		}
		return invoiceLabel(inv), nil
	case "contract":
		c, err := l.Payments.Contract(ctx, a, id)
		if err != nil {
			return "", err
		}
		return contractLabel(c), nil
	}
	return "", fmt.Errorf("queries: unknown link kind %q", kind)
}
