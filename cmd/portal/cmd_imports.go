package main

// Shared by `portal contracts import`, `portal invoices import` and
// `portal remittance import`: a FILE argument among the flags, reading it
// within the size limit, and reporting a file's problems by line.

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"careportal/auth"
	"careportal/payments/csvin"
)

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
