package main

// The CSV imports: `portal contracts import`, `portal invoices import` and
// `portal remittance import`, and what they share: a FILE argument among
// the flags, reading it within the size limit, and reporting a file's
// problems by line.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"careportal/auth"
	"careportal/payments/csvin"
	"careportal/payments/importer"
	"careportal/payments/remittance"
	"careportal/portal"
	"careportal/portal/format"
)

// contractsImport: portal contracts import FILE. All or nothing; the same
// file again changes nothing.
func contractsImport() adminVerb {
	return adminVerb{file: true, run: func(ctx context.Context, x adminCall) error {
		res, err := importer.Contracts(ctx, x.Payments, importActor("Contracts register import"), x.data)
		if err != nil {
			return fileProblems(x.file, err)
		}
		fmt.Fprintf(x.stdout, "%s: %d rows: %d contracts added, %d changed, %d unchanged\n", x.file, res.Rows, res.Created, res.Updated, res.Unchanged)
		return nil
	}}
}

// invoicesImport: portal invoices import FILE. Historical invoices with
// the history their dates imply (a paid amount below the gross is a part
// payment; the optional credit_amount column a credit); all or nothing;
// the same file again changes nothing.
func invoicesImport() adminVerb {
	// No load: each row's number is checked through its claim document by
	// _id (payments.ImportHistoricalFrom), not against every invoice.
	return adminVerb{file: true, run: func(ctx context.Context, x adminCall) error {
		res, err := importer.Invoices(ctx, x.Payments, importActor("Historical invoices import"), x.data)
		if err != nil {
			return fileProblems(x.file, err)
		}
		fmt.Fprintf(x.stdout, "%s: %d rows: %d invoices imported, %d already there\n", x.file, res.Rows, res.Created, res.Unchanged)
		return nil
	}}
}

// remittanceImport: portal remittance import FILE [--dry-run]
// [--columns field=Column,...]. Marks the matched invoices paid; lists
// differences, unknown invoices and invoices already paid. The same file
// again changes nothing; --dry-run only says what it would do.
func remittanceImport() adminVerb {
	var dryRun bool
	var columns string
	var m csvin.Mapping
	return adminVerb{
		flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&dryRun, "dry-run", false, "say what the file would do and change nothing")
			fs.StringVar(&columns, "columns", "", "the file's column names when they differ, e.g. supplier_ref=Vendor,invoice_number=Document,amount_paid=Paid,payment_date=Date,payment_reference=Run")
		},
		check: func(env) error {
			var err error
			if m, err = csvin.ParseMapping(columns); err != nil {
				return usagef("--columns: %v", err)
			}
			return nil
		},
		file: true,
		// No load: each line's invoice is found by _id through its number
		// (payments.InvoiceFinder), not by loading every invoice first.
		run: func(ctx context.Context, x adminCall) error {
			actor := importActor("Remittance import")
			if dryRun {
				rep, err := x.Remittance.Preview(ctx, actor, filepath.Base(x.file), x.data, m)
				if err != nil {
					return fileProblems(x.file, err)
				}
				printRemittance(x.stdout, x.file, rep, "dry run: nothing changed")
				return nil
			}
			rep, err := x.Remittance.Upload(ctx, actor, filepath.Base(x.file), x.data, m)
			if err != nil {
				return fileProblems(x.file, err)
			}
			res, err := x.Remittance.Apply(ctx, actor, rep.Run.ID)
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
			printRemittance(x.stdout, x.file, res.Report, status)
			return nil
		},
	}
}

func printRemittance(w io.Writer, name string, rep remittance.Report, status string) {
	fmt.Fprintf(w, "%s (sha256 %s): %d lines, %s; %s\n", name, rep.Run.ID, rep.Run.Lines, format.Pence(rep.Run.Total), status)
	for _, o := range remittance.Outcomes {
		if n := rep.Count(o); n > 0 {
			fmt.Fprintf(w, "  %-22s %5d  %s\n", portal.Label(o), n, format.Pence(rep.Sum(o)))
		}
	}
	for _, row := range rep.Rows {
		if row.Outcome.NeedsAttention() || row.Outcome == remittance.AlreadyPaid {
			fmt.Fprintf(w, "  line %d: %s %s: %s: %s\n", row.Line, row.SupplierRef, row.InvoiceNumber, portal.Label(row.Outcome), row.Note)
		}
	}
}

// parseFileFlags parses flags around one FILE argument (before or after
// the flags) and returns the file's name.
func parseFileFlags(fs *flag.FlagSet, c *config, args []string) (string, error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return "", err
		}
		return "", usageError{err.Error()}
	}
	if fs.NArg() == 0 {
		return "", usagef("say which file to import: %s FILE", fs.Name())
	}
	file := fs.Arg(0)
	if err := parseFlags(fs, c, fs.Args()[1:]); err != nil {
		return "", err
	}
	return file, nil
}

// readImportFile reads the file ("-" is standard input) up to limit bytes.
func readImportFile(e env, name string, limit int64) ([]byte, error) {
	var r io.Reader
	if name == "-" {
		r = e.stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, usagef("%v", err)
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d MB; split it into smaller files", name, limit>>20)
	}
	return data, nil
}

// fileProblems turns a file's problems into the command's error: each on
// its own line, naming line and column.
func fileProblems(name string, err error) error {
	ps, ok := csvin.AsProblems(err)
	if !ok {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s has %d %s; nothing was imported:", name, ps.Count(), map[bool]string{true: "problem", false: "problems"}[ps.Count() == 1])
	for _, p := range ps.List {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	if ps.Omitted > 0 {
		fmt.Fprintf(&b, "\n  and %d more", ps.Omitted)
	}
	return errors.New(b.String())
}

// importActor is who the command line acts as: council staff, named in
// the invoices' history.
func importActor(what string) *auth.Principal {
	return &auth.Principal{UserID: "cli", Name: what + " (command line)", Role: auth.RoleBrokerage}
}

// packagesImport: portal packages import FILE. Care packages placed with
// providers (proposed until each provider accepts); all or nothing; the
// same file again changes nothing.
func packagesImport() adminVerb {
	// No load: packages read the contracts register and their own
	// collections (packages.Service loads those), not the invoices.
	return adminVerb{file: true, run: func(ctx context.Context, x adminCall) error {
		res, err := x.Packages.ImportPackages(ctx, cliPrincipal("Care packages import"), x.data)
		if err != nil {
			return fileProblems(x.file, err)
		}
		fmt.Fprintf(x.stdout, "%s: %d rows: %d packages placed, %d changed, %d unchanged\n", x.file, res.Rows, res.Created, res.Updated, res.Unchanged)
		return nil
	}}
}

// cliPrincipal is who an admin command acts as in the domains that take a
// principal: an administrator named after the command.
func cliPrincipal(what string) *auth.Principal {
	return &auth.Principal{UserID: "cli", Name: what + " (command line)", Email: "command line", Role: auth.RoleAdmin}
}
