package main

import (
	"context"
	"strings"

	"careportal/payments/metrics"
	"careportal/payments/performance"
)

func runReport(ctx context.Context, e env) error {
	return runVerb(ctx, e, "report", map[string]func(context.Context, env) error{
		"payments": runReportPayments,
	})
}

// runReportPayments: portal report payments --from YYYY-MM-DD --to YYYY-MM-DD [--format json|csv] [--org REF]
// prints the Procurement Regulations 2024 reg 38 and Public Contracts
// Regulations 2015 reg 113(7) figures for the range, for the whole council
// or one provider (by supplier reference).
func runReportPayments(ctx context.Context, e env) error {
	var cfg config
	var fromS, toS, format, orgRef string
	fs := newFlags("report payments", e, &cfg)
	fs.StringVar(&fromS, "from", "", "first day of the period, YYYY-MM-DD")
	fs.StringVar(&toS, "to", "", "last day of the period, YYYY-MM-DD")
	fs.StringVar(&format, "format", "json", "output format: json or csv")
	fs.StringVar(&orgRef, "org", "", "only this provider, by supplier reference (e.g. SUP1001)")
	if err := parseFlags(fs, &cfg, e.args); err != nil {
		return err
	}
	if fromS == "" || toS == "" {
		return usagef("--from and --to are required, as YYYY-MM-DD")
	}
	from, err := metrics.ParseDate(fromS)
	if err != nil {
		return usagef("--from: %v", err)
	}
	to, err := metrics.ParseDate(toS)
	if err != nil {
		return usagef("--to: %v", err)
	}
	if to < from {
		return usagef("--to must be the same as or after --from")
	}
	format = strings.ToLower(format)
	if format != "json" && format != "csv" {
		return usagef("--format must be json or csv")
	}
	a, err := openApp(ctx, cfg, newLogger(e.stderr, false))
	if err != nil {
		return err
	}
	defer a.Close()
	var scope metrics.Scope
	label := "Whole council"
	if orgRef != "" {
		o, err := a.Auth.OrgByRef(ctx, strings.TrimSpace(orgRef))
		if err != nil {
			return usagef("--org: no organisation with supplier reference %q", orgRef)
		}
		scope.OrgID, label = o.ID, o.Name
	}
	r, err := a.Performance.Report(ctx, from, to, scope)
	if err != nil {
		return domainError(err, map[string]string{"from": "--from", "to": "--to"})
	}
	if format == "csv" {
		return performance.WriteFiguresCSV(e.stdout, r, label)
	}
	return performance.WriteFiguresJSON(e.stdout, r, label)
}
