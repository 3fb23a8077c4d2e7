package main

import (
	"context"
	"fmt"

	"careportal/payments/csvin"
	"careportal/payments/importer"
)

func runContracts(ctx context.Context, e env) error {
	return runVerb(ctx, e, "contracts", map[string]func(context.Context, env) error{
		"import": runContractsImport,
	})
}

// runContractsImport: portal contracts import FILE. All or nothing; the
// same file again changes nothing.
func runContractsImport(ctx context.Context, e env) error {
	var cfg config
	fs := newFlags("contracts import", e, &cfg)
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
	res, err := importer.Contracts(ctx, a.Payments, importActor("Contracts register import"), data)
	if err != nil {
		return fileProblems(name, err)
	}
	fmt.Fprintf(e.stdout, "%s: %d rows: %d contracts added, %d changed, %d unchanged\n", name, res.Rows, res.Created, res.Updated, res.Unchanged)
	return nil
}
