package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"careportal/auth"
)

func runUsers(ctx context.Context, e env) error {
	return runVerb(ctx, e, "users", map[string]func(context.Context, env) error{
		"create": runUsersCreate,
	})
}

// runUsersCreate: portal users create --email EMAIL --name NAME --role ROLE
// [--org REF] [--manager] [--teams slug,slug], password on standard input.
func runUsersCreate(ctx context.Context, e env) error {
	var cfg config
	var email, name, role, orgRef, teams string
	var manager bool
	fs := newFlags("users create", e, &cfg)
	fs.StringVar(&email, "email", "", "email address (the sign-in name)")
	fs.StringVar(&name, "name", "", "full name")
	fs.StringVar(&role, "role", "", "role: provider, brokerage, commissioner or admin")
	fs.StringVar(&orgRef, "org", "", "supplier reference of the provider organisation (providers only)")
	fs.BoolVar(&manager, "manager", false, "the provider user manages the organisation's users and API tokens")
	fs.StringVar(&teams, "teams", "", "council teams, comma-separated slugs (staff only), e.g. brokerage-payments")
	if err := parseFlags(fs, &cfg, e.args); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(email) == "":
		return usagef("--email is required")
	case strings.TrimSpace(name) == "":
		return usagef("--name is required")
	case !auth.Role(role).Valid():
		return usagef("--role must be one of provider, brokerage, commissioner, admin (got %q)", role)
	case auth.Role(role) == auth.RoleProvider && orgRef == "":
		return usagef("--org is required for a provider user")
	case auth.Role(role) != auth.RoleProvider && orgRef != "":
		return usagef("--org is only for provider users")
	case auth.Role(role) != auth.RoleProvider && manager:
		return usagef("--manager is only for provider users")
	case auth.Role(role) == auth.RoleProvider && teams != "":
		return usagef("--teams is only for council staff")
	}
	in := auth.UserInput{Email: email, Name: name, Role: auth.Role(role), Manager: manager}
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
	password, err := readPassword(e)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, newLogger(e.stderr, false))
	if err != nil {
		return err
	}
	defer a.Close()
	if orgRef != "" {
		o, err := a.Auth.OrgByRef(ctx, orgRef)
		if err != nil {
			return usagef("--org: no organisation has supplier reference %q", orgRef)
		}
		in.OrgID = o.ID
	}
	if err := a.Auth.CheckPassword("password", password, email); err != nil {
		return domainError(err, map[string]string{"password": "password (standard input)"})
	}
	u, err := a.Auth.CreateUser(ctx, auth.CommandLine, in, password)
	if err != nil {
		return domainError(err, map[string]string{
			"email": "--email", "name": "--name", "role": "--role", "org": "--org", "teams": "--teams",
			"password": "password (standard input)",
		})
	}
	fmt.Fprintln(e.stdout, u.ID)
	return nil
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
