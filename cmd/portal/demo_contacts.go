package main

import (
	"context"
	"fmt"
	"time"

	"careportal/auth"
	"careportal/portal/contacts"
)

// demoTeams are the council teams' directory entries in the fictional
// borough, with two or three named people each.
var demoTeams = []struct {
	slug   string
	team   contacts.TeamInput
	people []contacts.ContactInput
}{
	{"quality-assurance", contacts.TeamInput{
		Purpose: "Monitors the quality of the care the council buys: provider visits, improvement plans, CQC liaison and quality concerns.",
		Hours:   "Monday to Friday, 9am to 5pm", Email: "quality.assurance@council.example", Phone: "020 7946 0310"},
		[]contacts.ContactInput{
			{Name: "Bernadette Okafor", Role: "Quality assurance manager", Email: "bernadette.okafor@council.example", Phone: "020 7946 0311"},
			{Name: "Luke Harrington", Role: "Quality monitoring officer (home care)", Email: "luke.harrington@council.example", Phone: "020 7946 0312"},
			{Name: "Mei Lin Chow", Role: "Quality monitoring officer (care homes)", Email: "meilin.chow@council.example"},
		}},
	{"adults-brokerage", contacts.TeamInput{
		Purpose: "Finds and arranges care for adults: new placements and packages, changes to hours, and placement endings.",
		Hours:   "Monday to Friday, 8:30am to 5:30pm", Email: "brokerage@council.example", Phone: "020 7946 0320"},
		[]contacts.ContactInput{
			{Name: "Tomasz Nowak", Role: "Senior broker", Email: "tomasz.nowak@council.example", Phone: "020 7946 0321"},
			{Name: "Shanice Walker", Role: "Broker (home care)", Email: "shanice.walker@council.example", Phone: "020 7946 0322"},
		}},
	{"brokerage-payments", contacts.TeamInput{
		Purpose: "Pays provider invoices for council-arranged care, answers invoice and remittance queries and looks after portal accounts.",
		Hours:   "Monday to Thursday, 9am to 5pm; Friday, 9am to 4:30pm", Email: "provider.payments@council.example", Phone: "020 7946 0330"},
		[]contacts.ContactInput{
			{Name: "Funmi Adeyemi", Role: "Payments team leader", Email: "funmi.adeyemi@council.example", Phone: "020 7946 0331"},
			{Name: "Callum Reid", Role: "Payments officer", Email: "callum.reid@council.example", Phone: "020 7946 0332"},
			{Name: "Parveen Akhtar", Role: "Payments officer", Email: "parveen.akhtar@council.example"},
		}},
	{"direct-payments", contacts.TeamInput{
		Purpose: "Supports people who arrange their own care with a direct payment, and manages appointeeship and Court of Protection deputyship.",
		Hours:   "Monday to Friday, 9:30am to 4:30pm", Email: "direct.payments@council.example", Phone: "020 7946 0340"},
		[]contacts.ContactInput{
			{Name: "Nadia Benali", Role: "Direct payments team manager", Email: "nadia.benali@council.example", Phone: "020 7946 0341"},
			{Name: "Stephen Clarke", Role: "Appointeeship and deputyship officer", Email: "stephen.clarke@council.example", Phone: "020 7946 0342"},
		}},
	{"advice-financial-assessments", contacts.TeamInput{
		Purpose: "Works out what people pay towards their care and gives benefits and charging advice.",
		Hours:   "Monday to Friday, 9am to 5pm", Email: "financial.assessments@council.example", Phone: "020 7946 0350"},
		[]contacts.ContactInput{
			{Name: "Joanne Whitfield", Role: "Financial assessments manager", Email: "joanne.whitfield@council.example", Phone: "020 7946 0351"},
			{Name: "Kwame Asante", Role: "Financial assessment officer", Email: "kwame.asante@council.example"},
		}},
	{"commissioning", contacts.TeamInput{
		Purpose: "Plans and buys adult social care: contracts and fee rates, tenders, the market position statement and provider forums.",
		Hours:   "Monday to Friday, 9am to 5pm", Email: "commissioning@council.example", Phone: "020 7946 0360"},
		[]contacts.ContactInput{
			{Name: "Gareth Lloyd", Role: "Head of commissioning", Email: "gareth.lloyd@council.example", Phone: "020 7946 0361"},
			{Name: "Rebecca Stone", Role: "Commissioning manager (older people)", Email: "rebecca.stone@council.example", Phone: "020 7946 0362"},
			{Name: "Dev Patel", Role: "Contracts officer", Email: "dev.patel@council.example"},
		}},
}

// demoContacts fills the contacts directory. Entries were last checked at
// different times, a few long enough ago to show as due for a check.
func demoContacts(ctx context.Context, a *app, o demoOptions, st *demoState) error {
	var clock time.Time
	cs := contacts.NewService(a.Store.DB, func() time.Time { return clock })
	ago := []int{12, 40, 95, 210, 3, 61, 250, 20}
	n := 0
	for _, t := range demoTeams {
		clock = o.Now.AddDate(0, 0, -30)
		if err := cs.SaveTeam(ctx, t.slug, t.team, auth.System("demo")); err != nil {
			return fmt.Errorf("team %s: %w", t.slug, err)
		}
		for _, p := range t.people {
			clock = o.Now.AddDate(0, 0, -ago[n%len(ago)])
			if _, err := cs.AddContact(ctx, t.slug, p, auth.System("demo")); err != nil {
				return fmt.Errorf("contact %s: %w", p.Name, err)
			}
			n++
		}
	}
	st.notes = append(st.notes, fmt.Sprintf("Contacts: %d council teams with %d named contacts at /contacts.", len(demoTeams), n))
	return nil
}
