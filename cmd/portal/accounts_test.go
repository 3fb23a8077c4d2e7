package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"careportal/auth"
)

// runCmd runs the portal with args against the embedded store in dataDir.
// openDataDir opens the app on the embedded store in dir, as a command
// does; the caller closes it.
func openDataDir(t *testing.T, dir string) *app {
	t.Helper()
	a, err := openApp(context.Background(), config{Database: "portal", DataDir: dir}, newLogger(&bytes.Buffer{}, false))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func runCmd(t *testing.T, dataDir, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := run(ctx, env{
		args:   args,
		stdin:  strings.NewReader(stdin),
		stdout: &out,
		stderr: &errb,
		getenv: envFrom(map[string]string{"PORTAL_DATA_DIR": dataDir}),
	})
	return out.String(), errb.String(), err
}

func TestAccountCommands(t *testing.T) {
	dir := t.TempDir()
	const pw = "a long enough password\n"

	out, _, err := runCmd(t, dir, "", "orgs", "create", "--ref", "sup1001", "--name", "Sunrise Home Care Ltd", "--terms-days", "14", "--email", "office@sunrise.example")
	if err != nil {
		t.Fatalf("orgs create: %v", err)
	}
	orgID := strings.TrimSpace(out)
	if len(orgID) != 32 || strings.Count(out, "\n") != 1 {
		t.Fatalf("orgs create printed %q, want the id on one line", out)
	}

	out, _, err = runCmd(t, dir, pw, "users", "create", "--email", "Manager@Sunrise.example", "--name", "Helen Marsh", "--role", "provider", "--org", "SUP1001", "--manager")
	if err != nil {
		t.Fatalf("users create: %v", err)
	}
	userID := strings.TrimSpace(out)
	out, _, err = runCmd(t, dir, "another long password\r\n", "users", "create", "--email", "pay@council.example", "--name", "Funmi Adeyemi", "--role", "brokerage", "--teams", "brokerage-payments,adults-brokerage")
	if err != nil {
		t.Fatalf("staff users create: %v", err)
	}
	staffID := strings.TrimSpace(out)

	out, _, err = runCmd(t, dir, "", "tokens", "create", "--org", "SUP1001", "--name", "Finance system")
	if err != nil {
		t.Fatalf("tokens create: %v", err)
	}
	token := strings.TrimSpace(out)
	if !strings.HasPrefix(token, "cpp_") || strings.Count(out, "\n") != 1 {
		t.Fatalf("tokens create printed %q", out)
	}

	// What the commands made is in the store, usable.
	cfg := config{Database: "portal", DataDir: dir}
	a, err := openApp(context.Background(), cfg, newLogger(&bytes.Buffer{}, false))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	o, err := a.Auth.Org(ctx, orgID)
	if err != nil || o.SupplierRef != "SUP1001" || o.TermsDays != 14 || o.ContactEmail != "office@sunrise.example" {
		t.Errorf("org %+v %v", o, err)
	}
	u, err := a.Auth.Login(ctx, "manager@sunrise.example", "a long enough password", "127.0.0.1")
	if err != nil || u.ID != userID || u.OrgID != orgID || !u.Manager || u.Role != auth.RoleProvider {
		t.Errorf("user %+v %v", u, err)
	}
	s, err := a.Auth.Login(ctx, "pay@council.example", "another long password", "127.0.0.1")
	if err != nil || s.ID != staffID || len(s.Teams) != 2 {
		t.Errorf("staff %+v %v", s, err)
	}
	p, err := a.Auth.TokenPrincipal(ctx, token)
	if err != nil || p.OrgID != orgID {
		t.Errorf("token principal %+v %v", p, err)
	}
}

func TestAccountCommandsRefuseBadInput(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := runCmd(t, dir, "", "orgs", "create", "--ref", "SUP1", "--name", "One"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"orgs without verb", "", []string{"orgs"}, "create"},
		{"orgs unknown verb", "", []string{"orgs", "delete"}, "unknown command"},
		{"org without ref", "", []string{"orgs", "create", "--name", "X"}, "--ref"},
		{"org without name", "", []string{"orgs", "create", "--ref", "SUP2"}, "--name"},
		{"org duplicate ref", "", []string{"orgs", "create", "--ref", "sup1", "--name", "Two"}, "--ref: Another organisation already has supplier reference SUP1"},
		{"org bad terms", "", []string{"orgs", "create", "--ref", "SUP3", "--name", "Three", "--terms-days", "45"}, "--terms-days"},
		{"org bad email", "", []string{"orgs", "create", "--ref", "SUP3", "--name", "Three", "--email", "nope"}, "--email"},
		{"user bad role", "x\n", []string{"users", "create", "--email", "a@b.example", "--name", "A", "--role", "boss"}, "--role"},
		{"provider without org", "x\n", []string{"users", "create", "--email", "a@b.example", "--name", "A", "--role", "provider"}, "--org is required"},
		{"unknown org", "a long enough password\n", []string{"users", "create", "--email", "a@b.example", "--name", "A", "--role", "provider", "--org", "NOPE"}, "--org"},
		{"staff with org", "x\n", []string{"users", "create", "--email", "a@b.example", "--name", "A", "--role", "admin", "--org", "SUP1"}, "--org is only"},
		{"unknown team", "x\n", []string{"users", "create", "--email", "a@b.example", "--name", "A", "--role", "brokerage", "--teams", "finance"}, "--teams"},
		{"no password", "", []string{"users", "create", "--email", "a@b.example", "--name", "A", "--role", "admin"}, "standard input"},
		{"short password", "short\n", []string{"users", "create", "--email", "a@b.example", "--name", "A", "--role", "admin"}, "12 characters"},
		{"common password", "qwerty123456\n", []string{"users", "create", "--email", "a@b.example", "--name", "A", "--role", "admin"}, "too common"},
		{"bad email", "a long enough password\n", []string{"users", "create", "--email", "not-an-email", "--name", "A", "--role", "admin"}, "--email"},
		{"token unknown org", "", []string{"tokens", "create", "--org", "NOPE", "--name", "X"}, "--org"},
		{"token without name", "", []string{"tokens", "create", "--org", "SUP1"}, "--name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, _, err := runCmd(t, dir, c.stdin, c.args...)
			if err == nil {
				t.Fatalf("no error; printed %q", out)
			}
			if exitCode(err) == 0 || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q (exit %d), want one naming %q", err, exitCode(err), c.want)
			}
			if out != "" {
				t.Errorf("printed %q on failure", out)
			}
		})
	}
	// A second user with the same email in another case is refused.
	if _, _, err := runCmd(t, dir, "a long enough password\n", "users", "create", "--email", "x@b.example", "--name", "X", "--role", "admin"); err != nil {
		t.Fatal(err)
	}
	_, _, err := runCmd(t, dir, "a long enough password\n", "users", "create", "--email", "X@B.example", "--name", "X2", "--role", "admin")
	if err == nil || !strings.Contains(err.Error(), "--email: There is already an account") {
		t.Errorf("duplicate email: %v", err)
	}
}

func TestDemoAccounts(t *testing.T) {
	dir := t.TempDir()
	out, _, err := runCmd(t, dir, "", "demo", "--password", "demo password for tests")
	if err != nil {
		t.Fatalf("demo: %v", err)
	}
	for _, email := range []string{"admin@council.example", "commissioner@council.example", "payments@council.example", "brokerage@council.example",
		"manager@sunrise-care.example", "carer@sunrise-care.example", "manager@oakfield-homes.example"} {
		if !strings.Contains(out, email) {
			t.Errorf("demo summary lacks %s", email)
		}
	}
	a := openDataDir(t, dir)
	defer a.Close()
	ctx := context.Background()
	orgs, _ := a.Auth.Orgs(ctx)
	if len(orgs) != 8 {
		t.Errorf("%d organisations, want 8", len(orgs))
	}
	check := func(email string, role auth.Role, org string, manager bool, teams ...string) {
		t.Helper()
		u, err := a.Auth.Login(ctx, email, "demo password for tests", "127.0.0.1")
		if err != nil {
			t.Errorf("%s: %v", email, err)
			return
		}
		if u.Role != role || u.Manager != manager || strings.Join(u.Teams, ",") != strings.Join(teams, ",") {
			t.Errorf("%s: %+v", email, u)
		}
		if org != "" {
			o, err := a.Auth.Org(ctx, u.OrgID)
			if err != nil || o.SupplierRef != org {
				t.Errorf("%s: org %+v %v", email, o, err)
			}
		}
	}
	check("admin@council.example", auth.RoleAdmin, "", false)
	check("commissioner@council.example", auth.RoleCommissioner, "", false, "commissioning")
	check("payments@council.example", auth.RoleBrokerage, "", false, "brokerage-payments")
	check("brokerage@council.example", auth.RoleBrokerage, "", false, "adults-brokerage", "quality-assurance")
	check("manager@sunrise-care.example", auth.RoleProvider, "SUP1001", true)
	check("carer@sunrise-care.example", auth.RoleProvider, "SUP1001", false)
	check("manager@oakfield-homes.example", auth.RoleProvider, "SUP1002", true)
	sunrise, _ := a.Auth.OrgByRef(ctx, "SUP1001")
	if sunrise.Name != "Sunrise Home Care Ltd" {
		t.Errorf("SUP1001 is %q", sunrise.Name)
	}
	oak, _ := a.Auth.OrgByRef(ctx, "SUP1002")
	if oak.Name != "Oakfield Residential Homes" {
		t.Errorf("SUP1002 is %q", oak.Name)
	}
}
