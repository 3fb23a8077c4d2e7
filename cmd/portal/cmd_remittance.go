package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"careportal/payments"
	"careportal/payments/csvin"
	"careportal/payments/remittance"
)

func runRemittance(ctx context.Context, e env) error {
	return runVerb(ctx, e, "remittance", map[string]func(context.Context, env) error{
		"import": runRemittanceImport,
	})
}

// runRemittanceImport: portal remittance import FILE [--dry-run]
// [--columns field=Column,...]. Marks the matched invoices paid; lists
// differences, unknown invoices and invoices already paid. The same file
// again changes nothing; --dry-run only says what it would do.
func runRemittanceImport(ctx context.Context, e env) error {
	var cfg config
	var dryRun bool
	var columns string
	fs := newFlags("remittance import", e, &cfg)
	fs.BoolVar(&dryRun, "dry-run", false, "say what the file would do and change nothing")
	fs.StringVar(&columns, "columns", "", "the file's column names when they differ, e.g. supplier_ref=Vendor,invoice_number=Document,amount_paid=Paid,payment_date=Date,payment_reference=Run")
	name, err := parseFileFlags(fs, &cfg, e.args)
	if err != nil {
		return err
	}
	m, err := csvin.ParseMapping(columns)
	if err != nil {
		return usagef("--columns: %v", err)
	}
	data, err := readImportFile(e, name, csvin.MaxFileSize)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, newLogger(e.stderr, false))
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.Payments.Load(ctx); err != nil {
		return err
	}
	actor := importActor("Remittance import")
	if dryRun {
		rep, err := a.Remittance.Preview(ctx, actor, filepath.Base(name), data, m)
		if err != nil {
			return fileProblems(name, err)
		}
		printRemittance(e.stdout, name, rep, "dry run: nothing changed")
		return nil
	}
	rep, err := a.Remittance.Upload(ctx, actor, filepath.Base(name), data, m)
	if err != nil {
		return fileProblems(name, err)
	}
	res, err := a.Remittance.Apply(ctx, actor, rep.Run.ID)
	if err != nil {
		return err
	}
	status := fmt.Sprintf("applied: %d invoices marked paid", res.PaidNow)
	if res.PaidNow == 1 {
		status = "applied: 1 invoice marked paid"
	}
	if res.AlreadyApplied {
		status = "this file was applied before; nothing changed"
	}
	printRemittance(e.stdout, name, res.Report, status)
	return nil
}

func printRemittance(w io.Writer, name string, rep remittance.Report, status string) {
	fmt.Fprintf(w, "%s (sha256 %s): %d lines, £%s; %s\n", name, rep.Run.ID, rep.Run.Lines, payments.FormatPence(rep.Run.Total), status)
	for _, o := range remittance.Outcomes {
		if n := rep.Count(o); n > 0 {
			fmt.Fprintf(w, "  %-22s %5d  £%s\n", o.Label(), n, payments.FormatPence(rep.Sum(o)))
		}
	}
	for _, row := range rep.Rows {
		if row.Outcome.NeedsAttention() || row.Outcome == remittance.AlreadyPaid {
			fmt.Fprintf(w, "  line %d: %s %s: %s: %s\n", row.Line, row.SupplierRef, row.InvoiceNumber, row.Outcome.Label(), row.Note)
		}
	}
}
