package packages

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/csvin"
	"careportal/portal/fault"
)

// ImportResult says what an import did.
type ImportResult struct {
	Rows, Created, Updated, Unchanged int
}

// ImportPackages reads a care packages file (csvin.ParsePackages) and
// places its packages, all or nothing: every row is checked (the contract
// exists, is with the supplier, the service type and unit are known...)
// before anything is written, and any problem is a *csvin.Problems by line
// and column. An optional visit_schedule cell is read as on the form
// (visits separated by semicolons, each named "Visit n" in messages) and
// gives the planned units per week when units_per_week is empty; both
// given must agree. The same file again changes nothing; a row that differs from
// a package still proposed updates it; a row that differs from a package
// the provider has accepted is a problem (change it on its page).
func (s *Service) ImportPackages(ctx context.Context, p *auth.Principal, data []byte) (ImportResult, error) {
	var res ImportResult
	if err := mustManage(p); err != nil {
		return res, err
	}
	if err := s.ensureLoaded(ctx); err != nil {
		return res, err
	}
	rows, err := csvin.ParsePackages(data)
	if err != nil {
		return res, err
	}
	res.Rows = len(rows)
	type plan struct {
		id     string
		d      Details
		rate   int64
		create bool
		update *Package
	}
	var ps csvin.Problems
	var plans []plan
	for _, r := range rows {
		in := Input{Ref: r.PackageRef, ClientRef: r.ClientRef, ClientName: r.ClientName, DateOfBirth: r.DateOfBirth, SupplierRef: r.SupplierRef,
			ContractRef: r.ContractRef, ServiceType: r.ServiceType, Unit: r.Unit, UnitsPerWeek: FormatUnits(r.UnitsPerWeek),
			VisitSchedule: r.VisitSchedule, ScheduleItem: "Visit",
			Rate: payments.FormatPence(r.Rate), StartDate: r.StartDate, EndDate: r.EndDate}
		if r.UnitsPerWeek == 0 {
			// Left empty (the parser allows it only with a schedule): the
			// units follow from the schedule, as on the form.
			in.UnitsPerWeek = ""
		}
		d, rate, err := s.build(ctx, p, in)
		if err != nil {
			fe, ok := fault.As(err)
			if !ok || fe.Kind != fault.Invalid {
				return res, err
			}
			for _, x := range fe.Fields {
				msg := x.Message
				switch x.Field {
				case "visit_schedule":
					// The column names it already: "visit 2: enter a time like 08:00".
					msg = strings.TrimPrefix(msg, "Visit schedule: ")
				case "units_per_week":
					msg = strings.Replace(msg, "leave it empty to use the schedule's figure", "leave the units_per_week cell empty to use the schedule's figure", 1)
				}
				ps.Add(r.Line, x.Field, "%s", lowerFirst(msg))
			}
			continue
		}
		id := packageID(d.Ref)
		s.mu.RLock()
		cur, exists := s.pkgs[id]
		s.mu.RUnlock()
		switch {
		case !exists:
			plans = append(plans, plan{id: id, d: d, rate: rate, create: true})
		case sameDetails(&cur.Details, &d) && len(cur.RateFrom) == 1 && cur.RatePence[0] == rate:
			res.Unchanged++
		case cur.Status == Proposed:
			c := *cur
			plans = append(plans, plan{id: id, d: d, rate: rate, update: &c})
		default:
			ps.Add(r.Line, "package_ref", "package %s is %s and differs from this row; change it on its page", cur.Ref, string(cur.Status))
		}
	}
	if err := ps.Err(); err != nil {
		return ImportResult{}, err
	}
	for _, pl := range plans {
		if pl.create {
			if _, err := s.insert(ctx, p, pl.id, pl.d, pl.rate, "import"); err != nil {
				return res, fmt.Errorf("packages: import stopped at package %s (the same file again finishes it): %w", pl.d.Ref, err)
			}
			res.Created++
			continue
		}
		d := pl.d
		if _, err := s.step(ctx, p, pl.id, pl.update.Version, func(cur *Package) error {
			if cur.Status != Proposed {
				return fault.Conflictf("Package %s was accepted while importing", cur.Ref)
			}
			return nil
		}, Event{Action: "update", Fields: &d, Pence: pl.rate, Source: "import"}); err != nil {
			return res, fmt.Errorf("packages: import stopped at package %s (the same file again finishes it): %w", pl.d.Ref, err)
		}
		res.Updated++
	}
	return res, nil
}

func sameDetails(a, b *Details) bool {
	x, y := *a, *b
	x.OrgName, y.OrgName = "", ""
	x.Note, y.Note = "", ""
	x.RequestDate, y.RequestDate = "", ""
	return reflect.DeepEqual(x, y)
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// ActualsResult says what an actuals file confirmed.
type ActualsResult struct {
	Rows   int
	Cycles []Cycle
}

// ConfirmFile confirms cycles from an actuals file (csvin.ParseActuals):
// the rows are grouped by contract and period, every cycle is checked
// before any is confirmed, and problems are a *csvin.Problems by line and
// column. Packages of a cycle the file leaves out are confirmed as saved
// or as planned, as on the form.
func (s *Service) ConfirmFile(ctx context.Context, p *auth.Principal, data []byte, source string) (ActualsResult, error) {
	var res ActualsResult
	if err := s.ensureLoaded(ctx); err != nil {
		return res, err
	}
	if p.IsStaff() || p == nil || p.OrgID == "" {
		return res, fault.Forbiddenf("Only the provider confirms the care it delivered")
	}
	rows, err := csvin.ParseActuals(data)
	if err != nil {
		return res, err
	}
	res.Rows = len(rows)
	type group struct {
		contractID, start string
		entries           []Entry
		lines             map[string]int // ref -> line
	}
	groups := map[string]*group{}
	var ps csvin.Problems
	for _, r := range rows {
		ref := strings.ToUpper(r.PackageRef)
		s.mu.RLock()
		pkg, ok := s.pkgs[packageID(ref)]
		s.mu.RUnlock()
		if !ok || pkg.OrgID != p.OrgID {
			ps.Add(r.Line, "package_ref", "none of your packages has the reference %s", r.PackageRef)
			continue
		}
		b := s.BillingOf(pkg.ContractID)
		if !b.IsCycleStart(r.PeriodStart) {
			ps.Add(r.Line, "period_start", "cycles of contract %s start on a %s; the cycle including %s starts on %s", pkg.ContractRef, weekdayName(b.WeekdayOn(r.PeriodStart)), r.PeriodStart, b.CycleStartOn(r.PeriodStart))
			continue
		}
		key := cycleID(pkg.ContractID, r.PeriodStart)
		g, ok := groups[key]
		if !ok {
			g = &group{contractID: pkg.ContractID, start: r.PeriodStart, lines: map[string]int{}}
			groups[key] = g
		}
		g.entries = append(g.entries, Entry{Ref: ref, Units: FormatUnits(r.Units), Reason: r.Reason, Note: r.Note})
		g.lines[ref] = r.Line
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	firstLine := func(g *group) int {
		l := 0
		for _, x := range g.lines {
			if l == 0 || x < l {
				l = x
			}
		}
		return l
	}
	for _, k := range keys {
		g := groups[k]
		c, b, err := s.providerCycle(ctx, p, g.contractID, g.start)
		if err == nil && s.Today() < b.CycleEnd(g.start) {
			err = fault.Conflictf("the cycle from %s to %s has not ended yet", g.start, b.CycleEnd(g.start))
		}
		if err != nil {
			fe, ok := fault.As(err)
			if !ok {
				return res, err
			}
			ps.Add(firstLine(g), "period_start", "%s", lowerFirst(fe.Message))
			continue
		}
		_, _, err = s.checkEntries(c.OrgID, g.contractID, g.start, b.CycleEnd(g.start), g.entries)
		for _, fe := range fault.FieldsOf(err) {
			kind, ref, _ := strings.Cut(fe.Field, "-")
			col := map[string]string{"units": "units", "reason": "reason", "note": "note", "package": "package_ref"}[kind]
			ps.Add(g.lines[ref], col, "%s", lowerFirst(fe.Message))
		}
		if err != nil && len(fault.FieldsOf(err)) == 0 {
			return res, err
		}
	}
	if err := ps.Err(); err != nil {
		return res, err
	}
	for _, k := range keys {
		g := groups[k]
		cy, err := s.Confirm(ctx, p, g.contractID, g.start, g.entries, source)
		if err != nil {
			var fe *fault.Error
			if errors.As(err, &fe) && fe.Kind == fault.Conflict && len(res.Cycles) > 0 {
				return res, fmt.Errorf("packages: %d cycles confirmed, then: %w", len(res.Cycles), err)
			}
			return res, err
		}
		res.Cycles = append(res.Cycles, cy)
	}
	return res, nil
}

func weekdayName(d int) string {
	return []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}[d%7]
}
