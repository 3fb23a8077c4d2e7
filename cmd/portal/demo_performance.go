package main

import (
	"context"
	"fmt"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/metrics"
	"careportal/payments/performance"
)

// demoPerformance fills in the reporting settings (so payments compliance
// notices are complete) and records a payment of late-payment interest on
// the demo invoice longest overdue, so the interest paid figure is not
// empty.
func demoPerformance(ctx context.Context, a *app, o demoOptions, st *demoState) error {
	staff := &auth.Principal{Name: "Demo", Role: auth.RoleBrokerage}
	if _, err := a.Performance.SaveSettings(ctx, staff, performance.SettingsInput{
		AuthorityName: "London Borough of Northwick (fictional)", AuthorityIdentifier: "PUK-NWK-0001",
		AuthorityAddress: "Town Hall, 1 High Street, Northwick, NW1 1AA", AuthorityEmail: "payments@council.example",
		AuthorityTelephone: "020 7946 0000", AuthorityWebsite: "https://www.council.example",
		Department: "Adult Social Care", ApproverName: "Jordan Ellis", ApproverJobTitle: "Director of Finance (Section 151 Officer)",
	}); err != nil {
		return err
	}
	today := metrics.DateOf(o.Now)
	// the unpaid approved invoice longest past its due date (unpaid
	// invoices are open work: the open-work index, not every invoice)
	var best string
	oldest := ""
	err := a.Payments.OpenInvoices(ctx, func(inv payments.Invoice) error {
		if !inv.Status.Unpaid() || inv.DueDate == "" || inv.DueDate >= today.String() {
			return nil
		}
		if oldest == "" || inv.DueDate < oldest || inv.DueDate == oldest && inv.ID < best {
			best, oldest = inv.ID, inv.DueDate
		}
		return nil
	})
	if err != nil {
		return err
	}
	note := "Payment performance: figures at /performance, notices and exports at /reports, settings at /admin/reporting-settings."
	if best != "" {
		res, inv, _ := a.Performance.InvoiceInterest(ctx, best)
		if res.FixedSum > 0 {
			if _, err := a.Performance.RecordInterestPayment(ctx, staff, best, performance.InterestInput{
				Date: today.String(), Amount: fmt.Sprintf("%d.%02d", res.FixedSum/100, res.FixedSum%100), Reference: "INT-DEMO-1",
				Note: "Fixed sum for late payment",
			}); err != nil {
				return err
			}
			note += fmt.Sprintf(" Interest owed on overdue invoice %s of %s is at /staff/invoices/%s/interest (its fixed sum is recorded as paid).", inv.Number, inv.OrgName, best)
		}
	}
	st.notes = append(st.notes, note)
	return nil
}
