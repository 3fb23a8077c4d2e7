package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/csvin"
)

// demoRemittance writes a remittance file for the demo's first payment run
// into the data directory: Sunrise's scheduled invoice paid in full, an
// approved invoice paid £10 short, an invoice already paid and one the
// portal does not know, so that every part of the preview shows. Upload it
// at /staff/remittance as payments@council.example.
func demoRemittance(ctx context.Context, a *app, o demoOptions, st *demoState) error {
	org, err := a.Auth.OrgByRef(ctx, "SUP1001")
	if err != nil {
		return nil // no Sunrise: nothing to pay
	}
	staff := &auth.Principal{Name: "Demo", Role: auth.RoleBrokerage}
	today := payments.LondonDay(o.Now)
	pick := func(s payments.Status) *payments.Invoice {
		res, err := a.Payments.ListInvoices(ctx, staff, payments.InvoiceFilter{OrgID: org.ID, Status: s}, 1, 1)
		if err != nil || len(res.Invoices) == 0 {
			return nil
		}
		return &res.Invoices[0]
	}
	var rows []csvin.RemittanceRow
	add := func(inv *payments.Invoice, amount int64) {
		if inv != nil {
			rows = append(rows, csvin.RemittanceRow{SupplierRef: inv.SupplierRef, InvoiceNumber: inv.Number, AmountPaid: amount,
				PaymentDate: today, PaymentReference: "BACS" + strings.ReplaceAll(today, "-", "")})
		}
	}
	var paidNow []string
	if inv := pick(payments.StatusScheduled); inv != nil {
		add(inv, inv.GrossPence)
		paidNow = append(paidNow, inv.Number)
	}
	if inv := pick(payments.StatusApproved); inv != nil && inv.GrossPence > 1000 {
		add(inv, inv.GrossPence-1000)
	}
	if inv := pick(payments.StatusPaid); inv != nil {
		add(inv, inv.PaidPence)
	}
	if len(rows) == 0 {
		return nil
	}
	rows = append(rows, csvin.RemittanceRow{SupplierRef: "SUP1001", InvoiceNumber: "SRH-99999", AmountPaid: 12500, PaymentDate: today,
		PaymentReference: "BACS" + strings.ReplaceAll(today, "-", "")})
	path := filepath.Join(a.cfg.DataDir, "demo-remittance.csv")
	if err := os.MkdirAll(a.cfg.DataDir, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(path, csvin.WriteRemittance(rows, nil), 0o600); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	st.notes = append(st.notes, fmt.Sprintf("Payment runs: a remittance file for today's payment run is at %s. Sign in as payments@council.example, "+
		"upload it at /staff/remittance, check the preview (invoice %s paid in full, an amount difference, one already paid, one unknown) and apply it; "+
		"or run `portal remittance import %s --dry-run`.", path, strings.Join(paidNow, ", "), path))
	return nil
}
