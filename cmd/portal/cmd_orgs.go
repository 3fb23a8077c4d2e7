package main

import (
	"context"
	"fmt"
	"strings"

	"careportal/auth"
	"careportal/portal/fault"
)

// runVerb dispatches `portal <group> <verb>` to the verb's function.
func runVerb(ctx context.Context, e env, group string, verbs map[string]func(context.Context, env) error) error {
	if len(e.args) == 0 || strings.HasPrefix(e.args[0], "-") {
		return usagef("portal %s: say what to do: %s", group, verbList(verbs))
	}
	verb := e.args[0]
	f, ok := verbs[verb]
	if !ok {
		return usagef("portal %s: unknown command %q (try: %s)", group, verb, verbList(verbs))
	}
	e.args = e.args[1:]
	return f(ctx, e)
}

func verbList(verbs map[string]func(context.Context, env) error) string {
	var names []string
	for n := range verbs {
		names = append(names, n)
	}
	return strings.Join(names, ", ")
}

// domainError turns a validation fault into a usage error naming each bad
// field by its flag (so scripts see exit status 2 and what to fix).
func domainError(err error, flagOf map[string]string) error {
	fe, ok := fault.As(err)
	if !ok || fe.Kind != fault.Invalid {
		if ok && fe.Kind == fault.NotFound {
			return usagef("%s", fe.Message)
		}
		return err
	}
	var parts []string
	for _, f := range fe.Fields {
		name := f.Field
		if fl, ok := flagOf[f.Field]; ok {
			name = fl
		}
		parts = append(parts, fmt.Sprintf("%s: %s", name, f.Message))
	}
	if len(parts) == 0 {
		parts = append(parts, fe.Message)
	}
	return usagef("%s", strings.Join(parts, "; "))
}

func runOrgs(ctx context.Context, e env) error {
	return runVerb(ctx, e, "orgs", map[string]func(context.Context, env) error{
		"create": runOrgsCreate,
	})
}

// runOrgsCreate: portal orgs create --ref REF --name NAME [--terms-days N] [--email EMAIL]
func runOrgsCreate(ctx context.Context, e env) error {
	var cfg config
	var in auth.OrgInput
	fs := newFlags("orgs create", e, &cfg)
	fs.StringVar(&in.SupplierRef, "ref", "", "supplier reference (the finance system's supplier number), e.g. SUP1001")
	fs.StringVar(&in.Name, "name", "", "organisation name")
	fs.IntVar(&in.TermsDays, "terms-days", auth.DefaultTermsDays, "payment terms in days (1 to 30)")
	fs.StringVar(&in.ContactEmail, "email", "", "main contact email address")
	fs.StringVar(&in.CompanyNumber, "company-number", "", "Companies House number")
	fs.BoolVar(&in.SME, "sme", false, "the organisation is a small or medium-sized enterprise (fewer than 250 staff)")
	fs.BoolVar(&in.SmallBusiness, "small-business", false, "the organisation is a small business (fewer than 50 staff; the Fair Payment Code's test)")
	fs.BoolVar(&in.VCSE, "vcse", false, "the organisation is a voluntary, community or social enterprise")
	if err := parseFlags(fs, &cfg, e.args); err != nil {
		return err
	}
	if strings.TrimSpace(in.SupplierRef) == "" {
		return usagef("--ref is required")
	}
	if strings.TrimSpace(in.Name) == "" {
		return usagef("--name is required")
	}
	a, err := openApp(ctx, cfg, newLogger(e.stderr, false))
	if err != nil {
		return err
	}
	defer a.close()
	o, err := a.auth.CreateOrg(ctx, auth.CommandLine, in)
	if err != nil {
		return domainError(err, map[string]string{
			"supplier_ref": "--ref", "name": "--name", "terms_days": "--terms-days",
			"contact_email": "--email", "company_number": "--company-number",
		})
	}
	fmt.Fprintln(e.stdout, o.ID)
	return nil
}
