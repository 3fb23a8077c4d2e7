package main

import (
	"context"
	"fmt"
	"strings"

	"careportal/auth"
)

func runTokens(ctx context.Context, e env) error {
	return runVerb(ctx, e, "tokens", map[string]func(context.Context, env) error{
		"create": runTokensCreate,
	})
}

// runTokensCreate: portal tokens create --org REF --name NAME; prints the
// token (shown only this once) on its own line.
func runTokensCreate(ctx context.Context, e env) error {
	var cfg config
	var orgRef, name string
	fs := newFlags("tokens create", e, &cfg)
	fs.StringVar(&orgRef, "org", "", "supplier reference of the provider organisation")
	fs.StringVar(&name, "name", "", "a name for the token, e.g. the finance system that uses it")
	if err := parseFlags(fs, &cfg, e.args); err != nil {
		return err
	}
	if strings.TrimSpace(orgRef) == "" {
		return usagef("--org is required")
	}
	if strings.TrimSpace(name) == "" {
		return usagef("--name is required")
	}
	a, err := openApp(ctx, cfg, newLogger(e.stderr, false))
	if err != nil {
		return err
	}
	defer a.Close()
	o, err := a.Auth.OrgByRef(ctx, orgRef)
	if err != nil {
		return usagef("--org: no organisation has supplier reference %q", orgRef)
	}
	_, secret, err := a.Auth.CreateToken(ctx, auth.CommandLine, o.ID, name)
	if err != nil {
		return domainError(err, map[string]string{"name": "--name"})
	}
	fmt.Fprintln(e.stdout, secret)
	return nil
}
