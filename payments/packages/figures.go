package packages

import (
	"context"
	"sort"

	"careportal/auth"
	"careportal/payments"
	"careportal/portal/fault"
)

// Figures are the care packages' figures for commissioners: what the
// market position statement and the self-assessment quote. Counting rules:
//
//   - Commissioned and delivered units: from confirmed cycles, by the
//     service type of the package and the calendar month of the cycle's
//     first day. Commissioned is the plan recorded at confirmation (units
//     per week for each day of care); delivered is what is paid: the
//     units confirmed, or brokerage's adjustment, or the latest
//     correction after invoicing. Hundredths of a unit.
//   - Started and ended: packages by the month of their start date
//     (accepted packages only) and of their last day (ended packages).
//   - Average weekly cost: over packages active today, units per week
//     times today's rate, averaged per service type, in pence.
//   - Time to placement: days from the request date brokerage recorded to
//     the day the provider accepted, averaged over packages with both.
type Figures struct {
	Units      []UnitsRow
	Flow       []FlowRow
	WeeklyCost []CostRow
	// PlacementDaysAvg is the mean days from request to placement (tenths
	// of a day), over PlacementCount packages.
	PlacementTenths int64
	PlacementCount  int
}

// UnitsRow is commissioned and delivered units of a service type in a month.
type UnitsRow struct {
	ServiceType             payments.ServiceType
	Month                   string // YYYY-MM
	Commissioned, Delivered int64  // hundredths
}

// FlowRow is packages started and ended in a month.
type FlowRow struct {
	Month          string
	Started, Ended int
}

// CostRow is the average weekly cost of active packages of a service type.
type CostRow struct {
	ServiceType   payments.ServiceType
	Packages      int
	AvgWeeklyCost int64 // pence
}

// Figures computes the figures for months from..to (YYYY-MM, inclusive).
// Council staff only.
func (s *Service) Figures(ctx context.Context, p *auth.Principal, from, to string) (Figures, error) {
	if !p.IsStaff() {
		return Figures{}, fault.Forbiddenf("Only council staff see the care package figures")
	}
	if err := s.ensureLoaded(ctx); err != nil {
		return Figures{}, err
	}
	today := s.Today()
	in := func(day string) bool { return len(day) >= 7 && day[:7] >= from && day[:7] <= to }
	s.mu.RLock()
	defer s.mu.RUnlock()
	type key struct {
		st    payments.ServiceType
		month string
	}
	units := map[key]*UnitsRow{}
	for _, cy := range s.cycles {
		if !in(cy.Start) {
			continue
		}
		for i, pid := range cy.PackageIDs {
			pkg, ok := s.pkgs[pid]
			if !ok {
				continue
			}
			k := key{pkg.ServiceType, cy.Start[:7]}
			row := units[k]
			if row == nil {
				row = &UnitsRow{ServiceType: k.st, Month: k.month}
				units[k] = row
			}
			row.Commissioned += cy.Planned[i]
			paid := cy.Units[i]
			if d, ok := s.decisions[lineID(cy.ID, pid)]; ok {
				paid = d.Units
			}
			// A correction after invoicing is what is paid now.
			if cs := s.corrections[lineID(cy.ID, pid)]; len(cs) > 0 {
				paid = cs[len(cs)-1].ToUnits
			}
			row.Delivered += paid
		}
	}
	flow := map[string]*FlowRow{}
	flowRow := func(m string) *FlowRow {
		if flow[m] == nil {
			flow[m] = &FlowRow{Month: m}
		}
		return flow[m]
	}
	type cost struct {
		n   int
		sum int64
	}
	costs := map[payments.ServiceType]*cost{}
	var f Figures
	var placementDays int64
	for _, pkg := range s.pkgs {
		if pkg.PlacedDate != "" && in(pkg.StartDate) {
			flowRow(pkg.StartDate[:7]).Started++
		}
		if pkg.Status == Ended && in(pkg.EndedDate) {
			flowRow(pkg.EndedDate[:7]).Ended++
		}
		if pkg.Status == Active && pkg.CaresOn(today) {
			c := costs[pkg.ServiceType]
			if c == nil {
				c = &cost{}
				costs[pkg.ServiceType] = c
			}
			c.n++
			c.sum += (pkg.UnitsPerWeek*pkg.RateOn(today) + 50) / 100
		}
		if pkg.RequestDate != "" && pkg.PlacedDate != "" {
			placementDays += int64(payments.DaysBetween(pkg.RequestDate, pkg.PlacedDate))
			f.PlacementCount++
		}
	}
	for _, r := range units {
		f.Units = append(f.Units, *r)
	}
	sort.Slice(f.Units, func(i, j int) bool {
		if f.Units[i].Month != f.Units[j].Month {
			return f.Units[i].Month < f.Units[j].Month
		}
		return f.Units[i].ServiceType < f.Units[j].ServiceType
	})
	for _, r := range flow {
		f.Flow = append(f.Flow, *r)
	}
	sort.Slice(f.Flow, func(i, j int) bool { return f.Flow[i].Month < f.Flow[j].Month })
	for _, st := range payments.ServiceTypes {
		if c := costs[st]; c != nil {
			f.WeeklyCost = append(f.WeeklyCost, CostRow{ServiceType: st, Packages: c.n, AvgWeeklyCost: (c.sum + int64(c.n)/2) / int64(c.n)})
		}
	}
	if f.PlacementCount > 0 {
		f.PlacementTenths = (placementDays*10 + int64(f.PlacementCount)/2) / int64(f.PlacementCount)
	}
	return f, nil
}
