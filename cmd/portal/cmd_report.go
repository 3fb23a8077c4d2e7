package main

import (
	"context"
	"flag"
	"strings"

	"careportal/payments"
	"careportal/payments/metrics"
	"careportal/payments/performance"
)

// reportPayments: portal report payments --from YYYY-MM-DD --to YYYY-MM-DD
// [--format json|csv] [--org REF] prints the Procurement Regulations 2024
// reg 38 and Public Contracts Regulations 2015 reg 113(7) figures for the
// range, for the whole council or one provider (by supplier reference).
func reportPayments() adminVerb {
	var fromS, toS, format, orgRef string
	var from, to metrics.Date
	return adminVerb{
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&fromS, "from", "", "first day of the period, YYYY-MM-DD")
			fs.StringVar(&toS, "to", "", "last day of the period, YYYY-MM-DD")
			fs.StringVar(&format, "format", "json", "output format: json or csv")
			fs.StringVar(&orgRef, "org", "", "only this provider, by supplier reference (e.g. SUP1001)")
		},
		check: func(env) error {
			if fromS == "" || toS == "" {
				return usagef("--from and --to are required, as YYYY-MM-DD")
			}
			var err error
			if from, err = metrics.ParseDate(fromS); err != nil {
				return usagef("--from: %v", err)
			}
			if to, err = metrics.ParseDate(toS); err != nil {
				return usagef("--to: %v", err)
			}
			if to < from {
				return usagef("--to must be the same as or after --from")
			}
			format = strings.ToLower(format)
			if format != "json" && format != "csv" {
				return usagef("--format must be json or csv")
			}
			return nil
		},
		run: func(ctx context.Context, x adminCall) error {
			var scope metrics.Scope
			label := "Whole council"
			if orgRef != "" {
				o, err := x.Auth.OrgByRef(ctx, strings.TrimSpace(orgRef))
				if err != nil {
					return usagef("--org: no organisation with supplier reference %q", orgRef)
				}
				scope.OrgID, label = o.ID, o.Name
			}
			// One pass over the stored invoices, each adapted, added and
			// dropped: the report does not load the payments read model.
			r, err := x.Performance.ReportOf(ctx, x.eachStoredInvoice, from, to, scope)
			if err != nil {
				return domainError(err, map[string]string{"from": "--from", "to": "--to"})
			}
			if format == "csv" {
				return performance.WriteFiguresCSV(x.stdout, r, label)
			}
			return performance.WriteFiguresJSON(x.stdout, r, label)
		},
	}
}

// eachStoredInvoice walks every stored invoice once, straight from the
// embedded store's SQLite when it can (store.Store.EachRaw), else
// through the driver: no read model is loaded.
func (a *app) eachStoredInvoice(ctx context.Context, fn func(inv *payments.Invoice) error) error {
	return a.Payments.EachStoredInvoice(ctx, fn)
}
