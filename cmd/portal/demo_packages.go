package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/packages"
)

// demoPackages places care packages on the demo's active contracts (a mix
// of home care hours, residential and nursing weeks, day opportunities
// days...), each accepted by its provider, and then a year of four-weekly
// actuals: every cycle that has ended is confirmed by the provider (a few
// differences, some waiting for brokerage, decided), and invoiced. With
// --packages 0 a small set of 24 packages is placed, unless --invoices
// asks for a borough-sized year of invoices (whose count the generated
// invoices would change): then none.
func demoPackages(ctx context.Context, a *app, o demoOptions, st *demoState) error {
	n := o.Packages
	if n == 0 && o.Invoices > 0 {
		return nil
	}
	if n == 0 {
		n = 24
	}
	rng := rand.New(rand.NewPCG(2026, 16))
	staff := &auth.Principal{UserID: "demo", Name: demoStaff, Role: auth.RoleBrokerage}
	today := payments.LondonDay(o.Now)
	cs, err := a.Payments.Contracts(ctx, staff, payments.ContractFilter{ActiveOnly: true})
	if err != nil {
		return err
	}
	if len(cs) == 0 {
		return nil
	}
	// A year of cycles: packages start at the first cycle of the year.
	b := packages.DefaultBilling("")
	first := b.CycleStartOn(payments.AddDays(today, -365))
	type mix struct {
		unit      string
		perWeek   []string
		ratePence int64
	}
	mixes := map[payments.ServiceType]mix{
		"home-care":         {"hour", []string{"7", "10.5", "14", "21"}, 2350},
		"residential":       {"week", []string{"1"}, 95000},
		"nursing":           {"week", []string{"1"}, 120000},
		"supported-living":  {"hour", []string{"20", "30", "40"}, 2100},
		"day-opportunities": {"day", []string{"1", "2", "3", "5"}, 6500},
		"extra-care":        {"hour", []string{"5", "7", "10"}, 2200},
		"other":             {"visit", []string{"2", "4", "7"}, 4000},
	}
	firstNames := []string{"Mary", "John", "Patricia", "Robert", "Linda", "Ahmed", "Grace", "Wei", "Olu", "Fatima", "Sean", "Irene"}
	lastNames := []string{"Smith", "Jones", "Patel", "Okafor", "Williams", "Chen", "Murphy", "Khan", "Brown", "Taylor"}
	provider := map[string]*auth.Principal{}
	placed := 0
	for i := 0; i < n; i++ {
		c := cs[i%len(cs)]
		m, ok := mixes[c.ServiceType]
		if !ok {
			m = mixes["other"]
		}
		in := packages.Input{Ref: fmt.Sprintf("CP%06d", i+1), ClientRef: fmt.Sprintf("ASC%07d", 1000000+i),
			ClientName:  firstNames[rng.IntN(len(firstNames))] + " " + lastNames[rng.IntN(len(lastNames))],
			DateOfBirth: fmt.Sprintf("19%02d-%02d-%02d", 25+rng.IntN(40), 1+rng.IntN(12), 1+rng.IntN(28)),
			ContractRef: c.Reference, ServiceType: string(c.ServiceType), Unit: m.unit, UnitsPerWeek: m.perWeek[rng.IntN(len(m.perWeek))],
			Rate: payments.FormatPence(m.ratePence + int64(rng.IntN(300))*10), StartDate: first,
			RequestDate: payments.AddDays(first, -1-rng.IntN(20)), Source: "demo"}
		pkg, err := a.Packages.Create(ctx, staff, in)
		if err != nil {
			return fmt.Errorf("package %s: %w", in.Ref, err)
		}
		p := provider[c.OrgID]
		if p == nil {
			p = &auth.Principal{UserID: "demo-" + c.OrgID, Name: c.OrgName + " care manager", Role: auth.RoleProvider, OrgID: c.OrgID, OrgName: c.OrgName}
			provider[c.OrgID] = p
		}
		if i%50 == 49 { // a few stay proposed, for the provider to accept
			continue
		}
		if _, err := a.Packages.Accept(ctx, p, pkg.ID, pkg.Version); err != nil {
			return fmt.Errorf("accepting %s: %w", in.Ref, err)
		}
		placed++
	}
	// The year's cycles: confirm every ended cycle (but the latest, left
	// for the provider), decide the differences, invoice it.
	cycles := 0
	for start := first; payments.AddDays(b.CycleEnd(start), 28) < today; start = payments.AddDays(start, 28) {
		for _, c := range cs {
			p := provider[c.OrgID]
			if p == nil {
				continue
			}
			sh, err := a.Packages.Sheet(ctx, staff, c.ID, start, 1, 100000)
			if err != nil || sh.Total == 0 || sh.Confirmed != nil {
				continue
			}
			var entries []packages.Entry
			for _, l := range sh.Lines {
				if rng.IntN(20) == 0 && l.Planned >= 100 {
					entries = append(entries, packages.Entry{Ref: l.Ref, Units: packages.FormatUnits(l.Planned - 100*int64(1+rng.IntN(2))), Reason: []string{"hospital", "cancelled", "staffing"}[rng.IntN(3)]})
				}
			}
			if _, err := a.Packages.Confirm(ctx, p, c.ID, start, entries, "demo"); err != nil {
				return fmt.Errorf("confirming %s %s: %w", c.Reference, start, err)
			}
			cycles++
		}
		waiting, err := a.Packages.WaitingList(ctx, staff)
		if err != nil {
			return err
		}
		for _, w := range waiting {
			if _, err := a.Packages.Decide(ctx, staff, w.ContractID, w.Start, w.PackageID, false, "", ""); err != nil {
				return err
			}
		}
		if _, err := a.Packages.GenerateCycle(ctx, staff, start); err != nil {
			return fmt.Errorf("invoicing %s: %w", start, err)
		}
	}
	st.notes = append(st.notes, "Care packages: "+strconv.Itoa(n)+" placed ("+strconv.Itoa(placed)+" accepted), "+strconv.Itoa(cycles)+" cycles of actuals confirmed and invoiced.")
	return nil
}
