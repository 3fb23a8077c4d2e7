package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"careportal/auth"
	"careportal/portal/fault"
)

// demoOrgs are the fictional borough's provider organisations.
var demoOrgs = []auth.OrgInput{
	{SupplierRef: "SUP1001", Name: "Sunrise Home Care Ltd", CompanyNumber: "09876543", AddressLine1: "14 Chandler Street", Town: "Kingsbridge", Postcode: "KB1 4QT",
		ContactEmail: "office@sunrise-care.example", TermsDays: 30, SME: true, SmallBusiness: true, ServiceTypes: []string{"Home care"}},
	{SupplierRef: "SUP1002", Name: "Oakfield Residential Homes", CompanyNumber: "04561237", AddressLine1: "Oakfield House", AddressLine2: "2 Priory Lane", Town: "Kingsbridge", Postcode: "KB3 7HN",
		ContactEmail: "accounts@oakfield-homes.example", TermsDays: 30, SME: true, ServiceTypes: []string{"Residential care", "Nursing care"}},
	{SupplierRef: "SUP1003", Name: "Riverside Supported Living CIC", CompanyNumber: "11223344", AddressLine1: "Unit 3, Wharf Road", Town: "Kingsbridge", Postcode: "KB2 9LD",
		ContactEmail: "hello@riverside-living.example", TermsDays: 14, SME: true, SmallBusiness: true, VCSE: true, ServiceTypes: []string{"Supported living"}},
	{SupplierRef: "SUP1004", Name: "Kingsbridge Carers' Trust", CompanyNumber: "07341298", AddressLine1: "The Old Library", AddressLine2: "61 Market Parade", Town: "Kingsbridge", Postcode: "KB1 2RS",
		ContactEmail: "finance@kingsbridge-carers.example", TermsDays: 21, VCSE: true, ServiceTypes: []string{"Carers' support", "Day opportunities"}},
	{SupplierRef: "SUP1005", Name: "Meadowbank Nursing Home Ltd", CompanyNumber: "03987120", AddressLine1: "88 Meadowbank Road", Town: "Kingsbridge", Postcode: "KB5 3PW",
		ContactEmail: "admin@meadowbank-nursing.example", TermsDays: 30, ServiceTypes: []string{"Nursing care"}},
	{SupplierRef: "SUP1006", Name: "Hollybrook Day Opportunities", CompanyNumber: "08812345", AddressLine1: "Hollybrook Centre", AddressLine2: "Station Approach", Town: "Kingsbridge", Postcode: "KB4 6AZ",
		ContactEmail: "team@hollybrook-day.example", TermsDays: 30, SME: true, SmallBusiness: true, VCSE: true, ServiceTypes: []string{"Day opportunities"}},
	{SupplierRef: "SUP1007", Name: "Beacon Reablement Services Ltd", CompanyNumber: "10456789", AddressLine1: "Suite 5, Beacon Court", Town: "Kingsbridge", Postcode: "KB2 1EX",
		ContactEmail: "invoices@beacon-reablement.example", TermsDays: 14, SME: true, ServiceTypes: []string{"Reablement", "Home care"}},
	{SupplierRef: "SUP1008", Name: "Elmtree Extra Care Housing Association", CompanyNumber: "IP031415", AddressLine1: "Elmtree Court", AddressLine2: "40 Canal Walk", Town: "Kingsbridge", Postcode: "KB6 8GU",
		ContactEmail: "care@elmtree-extracare.example", TermsDays: 21, VCSE: true, ServiceTypes: []string{"Extra care housing"}},
}

// demoPeople are the demo accounts; the emails are fixed (every browser
// test signs in with them).
var demoPeople = []struct {
	email, name string
	role        auth.Role
	org         string // supplier ref
	manager     bool
	teams       []string
}{
	{"admin@council.example", "Priya Raman", auth.RoleAdmin, "", false, nil},
	{"commissioner@council.example", "Gareth Lloyd", auth.RoleCommissioner, "", false, []string{"commissioning"}},
	{"payments@council.example", "Funmi Adeyemi", auth.RoleBrokerage, "", false, []string{"brokerage-payments"}},
	{"brokerage@council.example", "Tomasz Nowak", auth.RoleBrokerage, "", false, []string{"adults-brokerage", "quality-assurance"}},
	{"manager@sunrise-care.example", "Helen Marsh", auth.RoleProvider, "SUP1001", true, nil},
	{"carer@sunrise-care.example", "Daniel Osei", auth.RoleProvider, "SUP1001", false, nil},
	{"manager@oakfield-homes.example", "Margaret Doyle", auth.RoleProvider, "SUP1002", true, nil},
	{"manager@riverside-living.example", "Aisha Khan", auth.RoleProvider, "SUP1003", true, nil},
	{"manager@kingsbridge-carers.example", "Owen Pritchard", auth.RoleProvider, "SUP1004", true, nil},
	{"manager@meadowbank-nursing.example", "Grace Mensah", auth.RoleProvider, "SUP1005", true, nil},
	{"manager@hollybrook-day.example", "Rory Fitzgerald", auth.RoleProvider, "SUP1006", true, nil},
	{"manager@beacon-reablement.example", "Sofia Costa", auth.RoleProvider, "SUP1007", true, nil},
	{"manager@elmtree-extracare.example", "Imran Hussain", auth.RoleProvider, "SUP1008", true, nil},
}

// demoAccounts creates the organisations and the demo accounts.
func demoAccounts(ctx context.Context, a *app, o demoOptions, st *demoState) error {
	names := map[string]string{}
	for _, in := range demoOrgs {
		org, err := demoOrg(ctx, a, in)
		if err != nil {
			return err
		}
		st.ids["org:"+org.SupplierRef] = org.ID
		names[org.SupplierRef] = org.Name
	}
	for _, p := range demoPeople {
		password := o.Password
		if password == "" {
			password = randomDemoPassword()
		}
		in := auth.UserInput{Email: p.email, Name: p.name, Role: p.role, Manager: p.manager, Teams: p.teams}
		if p.org != "" {
			in.OrgID = st.ids["org:"+p.org]
		}
		// A demo run again (after being cut short, or with --force) finds
		// the accounts it made and gives them the new password.
		u, err := a.Auth.UserByEmail(ctx, p.email)
		switch {
		case err == nil:
			if err := a.Auth.SetPassword(ctx, auth.CommandLine, u.ID, password); err != nil {
				return fmt.Errorf("user %s: %w", p.email, err)
			}
		case fault.KindOf(err) == fault.NotFound:
			if u, err = a.Auth.CreateUser(ctx, auth.CommandLine, in, password); err != nil {
				return fmt.Errorf("user %s: %w", p.email, err)
			}
		default:
			return err
		}
		st.ids["user:"+p.email] = u.ID
		role := string(p.role)
		if p.manager {
			role = "provider/mgr"
		}
		st.logins = append(st.logins, demoLogin{Role: role, Name: p.name, Email: p.email, Password: password, Org: names[p.org]})
	}
	return nil
}

// demoOrg finds the organisation with the supplier reference, or makes it,
// so that a demo can run again.
func demoOrg(ctx context.Context, a *app, in auth.OrgInput) (*auth.Org, error) {
	org, err := a.Auth.OrgByRef(ctx, in.SupplierRef)
	if err == nil {
		return org, nil
	}
	if fault.KindOf(err) != fault.NotFound {
		return nil, err
	}
	org, err = a.Auth.CreateOrg(ctx, auth.CommandLine, in)
	if err != nil {
		return nil, fmt.Errorf("organisation %s: %w", in.SupplierRef, err)
	}
	return org, nil
}

func randomDemoPassword() string {
	b := make([]byte, 15)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
