package main

// The accounts commands: `portal orgs create`, `portal users create` and
// `portal tokens create`.

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"strings"

	"careportal/auth"
)

// orgsCreate: portal orgs create --ref REF --name NAME [--terms-days N] [--email EMAIL]
func orgsCreate() adminVerb {
	var in auth.OrgInput
	return adminVerb{
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&in.SupplierRef, "ref", "", "supplier reference (the finance system's supplier number), e.g. SUP1001")
			fs.StringVar(&in.Name, "name", "", "organisation name")
			fs.IntVar(&in.TermsDays, "terms-days", auth.DefaultTermsDays, "payment terms in days (1 to 30)")
			fs.StringVar(&in.ContactEmail, "email", "", "main contact email address")
			fs.StringVar(&in.CompanyNumber, "company-number", "", "Companies House number")
			fs.BoolVar(&in.SME, "sme", false, "the organisation is a small or medium-sized enterprise (fewer than 250 staff)")
			fs.BoolVar(&in.SmallBusiness, "small-business", false, "the organisation is a small business (fewer than 50 staff; the Fair Payment Code's test)")
			fs.BoolVar(&in.VCSE, "vcse", false, "the organisation is a voluntary, community or social enterprise")
		},
		check: func(env) error { return firstMissing("--ref", in.SupplierRef, "--name", in.Name) },
		run: func(ctx context.Context, x adminCall) error {
			o, err := x.Auth.CreateOrg(ctx, auth.CommandLine, in)
			if err != nil {
				return domainError(err, map[string]string{
					"supplier_ref": "--ref", "name": "--name", "terms_days": "--terms-days",
					"contact_email": "--email", "company_number": "--company-number",
				})
			}
			fmt.Fprintln(x.stdout, o.ID)
			return nil
		},
	}
}

// usersCreate: portal users create --email EMAIL --name NAME --role ROLE
// [--org REF] [--manager] [--teams slug,slug], password on standard input.
func usersCreate() adminVerb {
	var email, name, role, orgRef, teams, password string
	var manager bool
	var in auth.UserInput
	return adminVerb{
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&email, "email", "", "email address (the sign-in name)")
			fs.StringVar(&name, "name", "", "full name")
			fs.StringVar(&role, "role", "", "role: provider, brokerage, commissioner or admin")
			fs.StringVar(&orgRef, "org", "", "supplier reference of the provider organisation (providers only)")
			fs.BoolVar(&manager, "manager", false, "the provider user manages the organisation's users and API tokens")
			fs.StringVar(&teams, "teams", "", "council teams, comma-separated slugs (staff only), e.g. brokerage-payments")
		},
		check: func(e env) error {
			if err := firstMissing("--email", email, "--name", name); err != nil {
				return err
			}
			switch r := auth.Role(role); {
			case !r.Valid():
				return usagef("--role must be one of provider, brokerage, commissioner, admin (got %q)", role)
			case r == auth.RoleProvider && orgRef == "":
				return usagef("--org is required for a provider user")
			case r != auth.RoleProvider && orgRef != "":
				return usagef("--org is only for provider users")
			case r != auth.RoleProvider && manager:
				return usagef("--manager is only for provider users")
			case r == auth.RoleProvider && teams != "":
				return usagef("--teams is only for council staff")
			}
			in = auth.UserInput{Email: email, Name: name, Role: auth.Role(role), Manager: manager}
			for _, t := range strings.Split(teams, ",") {
				if t = strings.TrimSpace(t); t != "" {
					if auth.TeamName(t) == "" {
						var slugs []string
						for _, ct := range auth.CouncilTeams {
							slugs = append(slugs, ct.Slug)
						}
						return usagef("--teams: unknown team %q (teams: %s)", t, strings.Join(slugs, ", "))
					}
					in.Teams = append(in.Teams, t)
				}
			}
			var err error
			password, err = readPassword(e)
			return err
		},
		run: func(ctx context.Context, x adminCall) error {
			if orgRef != "" {
				o, err := x.Auth.OrgByRef(ctx, orgRef)
				if err != nil {
					return usagef("--org: no organisation has supplier reference %q", orgRef)
				}
				in.OrgID = o.ID
			}
			if err := x.Auth.CheckPassword("password", password, email); err != nil {
				return domainError(err, map[string]string{"password": "password (standard input)"})
			}
			u, err := x.Auth.CreateUser(ctx, auth.CommandLine, in, password)
			if err != nil {
				return domainError(err, map[string]string{
					"email": "--email", "name": "--name", "role": "--role", "org": "--org", "teams": "--teams",
					"password": "password (standard input)",
				})
			}
			fmt.Fprintln(x.stdout, u.ID)
			return nil
		},
	}
}

// readPassword reads one line from standard input.
func readPassword(e env) (string, error) {
	if e.stdin == nil {
		return "", usagef("give the password on standard input (one line)")
	}
	sc := bufio.NewScanner(e.stdin)
	sc.Buffer(make([]byte, 4096), 4096)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return "", usagef("reading the password from standard input: %v", err)
		}
		return "", usagef("give the password on standard input (one line)")
	}
	return strings.TrimRight(sc.Text(), "\r"), nil
}

// tokensCreate: portal tokens create --org REF --name NAME; prints the
// token (shown only this once) on its own line.
func tokensCreate() adminVerb {
	var orgRef, name string
	return adminVerb{
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&orgRef, "org", "", "supplier reference of the provider organisation")
			fs.StringVar(&name, "name", "", "a name for the token, e.g. the finance system that uses it")
		},
		check: func(env) error { return firstMissing("--org", orgRef, "--name", name) },
		run: func(ctx context.Context, x adminCall) error {
			o, err := x.Auth.OrgByRef(ctx, orgRef)
			if err != nil {
				return usagef("--org: no organisation has supplier reference %q", orgRef)
			}
			_, secret, err := x.Auth.CreateToken(ctx, auth.CommandLine, o.ID, name)
			if err != nil {
				return domainError(err, map[string]string{"name": "--name"})
			}
			fmt.Fprintln(x.stdout, secret)
			return nil
		},
	}
}
