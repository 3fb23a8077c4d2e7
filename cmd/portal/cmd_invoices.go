package main

import (
	"context"
	"fmt"

	"careportal/payments/csvin"
	"careportal/payments/importer"
)

func runInvoices(ctx context.Context, e env) error {
	return runVerb(ctx, e, "invoices", map[string]func(context.Context, env) error{
		"import": runInvoicesImport,
	})
}

// runInvoicesImport: portal invoices import FILE. Historical invoices
// with the history their dates imply; all or nothing; the same file again
// changes nothing.
func runInvoicesImport(ctx context.Context, e env) error {
	var cfg config
	fs := newFlags("invoices import", e, &cfg)
	name, err := parseFileFlags(fs, &cfg, e.args)
	if err != nil {
		return err
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
	res, err := importer.Invoices(ctx, a.Payments, importActor("Historical invoices import"), data)
	if err != nil {
		return fileProblems(name, err)
	}
	fmt.Fprintf(e.stdout, "%s: %d rows: %d invoices imported, %d already there\n", name, res.Rows, res.Created, res.Unchanged)
	return nil
}
