package packages

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"careportal/auth"
	"careportal/payments"
	"careportal/portal/fault"
	"careportal/portal/store"
)

// Input is a package as brokerage types it (form, API or import). Field
// names in errors are the API's: package_ref, client_ref, client_name,
// date_of_birth, contract_ref, service_type, unit, units_per_week, rate,
// visit_schedule, start_date, end_date, request_date, note.
type Input struct {
	Ref          string
	ClientRef    string
	ClientName   string
	DateOfBirth  string
	SupplierRef  string // optional: when given it must be the contract's provider
	ContractRef  string
	ServiceType  string
	Unit         string
	UnitsPerWeek string
	// VisitSchedule is the optional schedule, one visit a line or
	// separated by semicolons (see ParseSchedule); ScheduleItem names an
	// entry in its messages ("Line", the default, or "Visit").
	VisitSchedule string
	ScheduleItem  string
	Rate          string // pounds per unit, e.g. 23.50
	StartDate     string
	EndDate       string
	RequestDate   string
	Note          string
	Source        string
}

// InputFields is the order of the form's fields.
var InputFields = []string{"package_ref", "client_ref", "client_name", "date_of_birth", "supplier_ref", "contract_ref", "service_type", "unit", "units_per_week", "visit_schedule", "rate", "start_date", "end_date", "request_date", "note"}

// RefKey is the form of a reference used to compare them: upper case,
// letters, digits and hyphens.
func RefKey(ref string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(strings.TrimSpace(ref)) {
		if r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// packageID is a package's _id: "pk-" and its reference key, so that an
// import of the same reference finds it by bare _id.
func packageID(ref string) string { return "pk-" + RefKey(ref) }

// build validates in and returns the details and the first rate.
func (s *Service) build(ctx context.Context, p *auth.Principal, in Input) (Details, int64, error) {
	var f fault.Fields
	d := Details{}
	d.Ref = f.Text("package_ref", "the package reference", in.Ref, false, 40)
	if d.Ref != "" && (RefKey(d.Ref) != strings.ToUpper(d.Ref) || RefKey(d.Ref) == "") {
		f.Add("package_ref", "Package reference must only include letters, numbers and hyphens")
	}
	d.Ref = strings.ToUpper(d.Ref)
	d.ClientRef = f.Text("client_ref", "the client reference", in.ClientRef, true, 40)
	d.ClientName = f.Text("client_name", "the client name", in.ClientName, true, 120)
	d.Note = f.Text("note", "a note", in.Note, false, 2000)
	date := func(field, label, v string, required bool) string {
		if strings.TrimSpace(v) == "" {
			if required {
				f.Add(field, "Enter "+strings.ToLower(label[:1])+label[1:])
			}
			return ""
		}
		day, err := payments.ParseDate(v)
		if err != nil {
			f.Add(field, label+" "+err.Error())
		}
		return day
	}
	if strings.TrimSpace(in.DateOfBirth) == "" {
		f.Add("date_of_birth", "Enter the date of birth")
	} else if dob, ok := ParseBirthDate(in.DateOfBirth); !ok {
		f.Add("date_of_birth", "Date of birth must be a real date, like 27 3 1940")
	} else {
		d.DateOfBirth = dob
	}
	if d.DateOfBirth > s.Today() {
		f.Add("date_of_birth", "Date of birth must be in the past")
	}
	d.StartDate = date("start_date", "Start date", in.StartDate, true)
	d.EndDate = date("end_date", "End date", in.EndDate, false)
	d.RequestDate = date("request_date", "Request date", in.RequestDate, false)
	if d.StartDate != "" && d.EndDate != "" && d.EndDate < d.StartDate {
		f.Add("end_date", "End date must be the same as or after the start date")
	}
	if d.RequestDate != "" && d.StartDate != "" && d.RequestDate > d.StartDate {
		f.Add("request_date", "Request date must be on or before the start date")
	}
	if st, ok := payments.ParseServiceType(in.ServiceType); ok {
		d.ServiceType = st
	} else if strings.TrimSpace(in.ServiceType) == "" {
		f.Add("service_type", "Select the service type")
	} else {
		f.Add("service_type", "Select one of the listed service types")
	}
	if u, ok := ParseUnit(in.Unit); ok {
		d.Unit = u
	} else if strings.TrimSpace(in.Unit) == "" {
		f.Add("unit", "Select the unit")
	} else {
		f.Add("unit", "Unit must be hour, visit, night, week or day")
	}
	var fromSchedule int64 = -1
	if strings.TrimSpace(in.VisitSchedule) != "" {
		if sched, err := ParseSchedule(in.VisitSchedule, in.ScheduleItem); err != nil {
			f.Add("visit_schedule", "Visit schedule: "+err.Error())
		} else if len(sched) > 0 && d.Unit != "" {
			// (Only separators, like " ; ", is no schedule: the units are
			// then needed as without one.)
			if u, err := ScheduleUnits(d.Unit, sched); err != nil {
				f.Add("visit_schedule", "Visit schedule: "+err.Error())
			} else {
				d.Schedule, fromSchedule = sched, u
			}
		}
	}
	if fromSchedule >= 0 {
		typed, err := ParseUnits(in.UnitsPerWeek)
		switch {
		case strings.TrimSpace(in.UnitsPerWeek) == "":
			d.UnitsPerWeek = fromSchedule
		case err != nil:
			f.Add("units_per_week", "Planned units per week "+err.Error())
		case typed != fromSchedule:
			f.Add("units_per_week", fmt.Sprintf("Planned units per week is %s but the visit schedule adds up to %s %s; leave it empty to use the schedule's figure", FormatUnits(typed), FormatUnits(fromSchedule), d.Unit.plural()))
		default:
			d.UnitsPerWeek = fromSchedule
		}
	} else if strings.TrimSpace(in.UnitsPerWeek) == "" {
		if !f.Has("visit_schedule") {
			f.Add("units_per_week", "Enter the planned units per week")
		}
	} else if u, err := ParseUnits(in.UnitsPerWeek); err != nil {
		f.Add("units_per_week", "Planned units per week "+err.Error())
	} else if u == 0 {
		f.Add("units_per_week", "Planned units per week must be more than 0")
	} else if d.Unit != "" && u > d.Unit.MaxPerWeek() {
		f.Add("units_per_week", fmt.Sprintf("Planned units per week must be %s or fewer for %s", FormatUnits(d.Unit.MaxPerWeek()), d.Unit.plural()))
	} else {
		d.UnitsPerWeek = u
	}
	var rate int64
	if strings.TrimSpace(in.Rate) == "" {
		f.Add("rate", "Enter the rate per unit")
	} else if r, err := payments.ParsePence(in.Rate, false); err != nil {
		f.Add("rate", "Rate per unit "+err.Error())
	} else if r == 0 || r > 10_000_00 {
		f.Add("rate", "Rate per unit must be more than £0 and no more than £10,000")
	} else {
		rate = r
	}
	if ref := strings.TrimSpace(in.ContractRef); ref == "" {
		f.Add("contract_ref", "Enter the contract reference")
	} else if c, err := s.pay.ContractByRef(ctx, p, ref); err != nil {
		if fault.KindOf(err) != fault.NotFound {
			return d, 0, err
		}
		f.Add("contract_ref", "No contract has the reference "+ref)
	} else {
		switch {
		case c.Status != payments.ContractActive:
			f.Add("contract_ref", "Contract "+c.Reference+" is "+string(c.Status)+"; place packages only on active contracts")
		case in.SupplierRef != "" && !strings.EqualFold(strings.TrimSpace(in.SupplierRef), c.SupplierRef):
			f.Add("supplier_ref", "Contract "+c.Reference+" is with supplier "+c.SupplierRef+", not "+strings.TrimSpace(in.SupplierRef))
		default:
			d.ContractID, d.ContractRef, d.OrgID, d.OrgName, d.SupplierRef = c.ID, c.Reference, c.OrgID, c.OrgName, c.SupplierRef
		}
	}
	var ordered fault.Fields
	for _, name := range InputFields {
		for _, fe := range f {
			if fe.Field == name {
				ordered.Add(fe.Field, fe.Message)
			}
		}
	}
	return d, rate, ordered.Err()
}

// Create places a new package (status proposed) for the provider of the
// contract to accept. Only brokerage staff place packages.
func (s *Service) Create(ctx context.Context, p *auth.Principal, in Input) (Package, error) {
	if err := mustManage(p); err != nil {
		return Package{}, err
	}
	if err := s.ensureLoaded(ctx); err != nil {
		return Package{}, err
	}
	d, rate, err := s.build(ctx, p, in)
	if err != nil {
		return Package{}, err
	}
	if d.Ref == "" {
		d.Ref = "CP" + strings.ToUpper(store.NewID("", 4))
	}
	id := packageID(d.Ref)
	s.mu.RLock()
	_, exists := s.pkgs[id]
	s.mu.RUnlock()
	if exists {
		return Package{}, fault.Invalidf([]fault.FieldError{{Field: "package_ref", Message: "A package with reference " + d.Ref + " already exists"}}, "A package with reference %s already exists", d.Ref)
	}
	return s.insert(ctx, p, id, d, rate, in.Source)
}

func (s *Service) insert(ctx context.Context, p *auth.Principal, id string, d Details, rate int64, source string) (Package, error) {
	if source == "" {
		source = "portal"
	}
	now := s.now().UTC()
	ev := Event{Seq: 1, At: now, ByID: p.UserID, ByName: p.Name, Action: "create", To: Proposed, Pence: rate, Fields: &d, Source: source}
	pkg := Package{ID: id}
	pkg.apply(ev)
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	if err := s.changes.Append(ctx, id, 1, ev, &pkg, "", now); err != nil {
		if fault.KindOf(err) == fault.Conflict {
			return Package{}, fault.Conflictf("A package with reference %s was placed at this moment by someone else", d.Ref)
		}
		return Package{}, err
	}
	s.log.Info("care package placed", "package", d.Ref, "contract", d.ContractRef)
	return pkg, nil
}

// get returns the package if p may see it.
func (s *Service) get(ctx context.Context, p *auth.Principal, id string) (Package, error) {
	if err := s.ensureLoaded(ctx); err != nil {
		return Package{}, err
	}
	s.mu.RLock()
	pkg, ok := s.pkgs[id]
	s.mu.RUnlock()
	if !ok || !canSee(p, pkg.OrgID) {
		return Package{}, notFound()
	}
	return *pkg, nil
}

// Package returns one package with its personal details. A view by
// council staff is recorded in the audit log (package.view, by reference).
func (s *Service) Package(ctx context.Context, p *auth.Principal, id string) (Package, error) {
	pkg, err := s.get(ctx, p, id)
	if err != nil {
		return Package{}, err
	}
	if p.IsStaff() && s.audit != nil {
		if err := s.audit.Audit(ctx, auth.AuditEntry{ActorID: p.UserID, ActorEmail: p.Email, Action: "package.view", Target: pkg.Ref, Detail: "personal details shown"}); err != nil {
			return Package{}, fmt.Errorf("packages: recording the view: %w", err)
		}
	}
	return pkg, nil
}

// ByRef finds a package by its reference (for the API), as Package.
func (s *Service) ByRef(ctx context.Context, p *auth.Principal, ref string) (Package, error) {
	return s.Package(ctx, p, packageID(ref))
}

// Filter narrows a list of packages.
type Filter struct {
	OrgID      string // staff only; a provider always sees its own
	ContractID string
	Status     Status
	Search     string // package or client reference (prefix, any case)
}

// Summary is what lists show of a package: references and the client's
// initials, never the name or date of birth.
type Summary struct {
	ID, Ref, ClientRef, Initials string
	OrgID, OrgName, ContractRef  string
	ContractID                   string
	ServiceType                  payments.ServiceType
	Unit                         Unit
	UnitsPerWeek, RatePence      int64
	StartDate, EndDate           string
	Status                       Status
	Version                      int
}

func summaryOf(pkg *Package, today string) Summary {
	return Summary{ID: pkg.ID, Ref: pkg.Ref, ClientRef: pkg.ClientRef, Initials: pkg.Initials(), OrgID: pkg.OrgID, OrgName: pkg.OrgName,
		ContractRef: pkg.ContractRef, ContractID: pkg.ContractID, ServiceType: pkg.ServiceType, Unit: pkg.Unit, UnitsPerWeek: pkg.UnitsPerWeek, RatePence: pkg.RateOn(today),
		StartDate: pkg.StartDate, EndDate: pkg.LastDay(), Status: pkg.Status, Version: pkg.Version}
}

// List returns a page (1-based) of the packages p may see, by reference,
// and the number that match.
func (s *Service) List(ctx context.Context, p *auth.Principal, f Filter, page, perPage int) ([]Summary, int, error) {
	if err := s.ensureLoaded(ctx); err != nil {
		return nil, 0, err
	}
	if !p.IsStaff() {
		if p == nil || p.OrgID == "" {
			return nil, 0, fault.Forbiddenf("Sign in as a provider or council staff")
		}
		f.OrgID = p.OrgID
	}
	today := s.Today()
	search := strings.ToUpper(strings.TrimSpace(f.Search))
	s.mu.RLock()
	defer s.mu.RUnlock()
	var ids []string
	if f.OrgID != "" {
		ids = s.byOrg[f.OrgID]
	} else {
		for _, l := range s.byOrg {
			ids = append(ids, l...)
		}
	}
	var out []*Package
	for _, id := range ids {
		pkg := s.pkgs[id]
		if (f.ContractID != "" && pkg.ContractID != f.ContractID) || (f.Status != "" && pkg.Status != f.Status) {
			continue
		}
		if search != "" && !strings.HasPrefix(pkg.Ref, search) && !strings.HasPrefix(strings.ToUpper(pkg.ClientRef), search) {
			continue
		}
		out = append(out, pkg)
	}
	if f.OrgID == "" {
		sortByRef(out)
	}
	total := len(out)
	if perPage <= 0 {
		perPage = 50
	}
	if page < 1 {
		page = 1
	}
	lo := min((page-1)*perPage, total)
	hi := min(lo+perPage, total)
	res := make([]Summary, 0, hi-lo)
	for _, pkg := range out[lo:hi] {
		res = append(res, summaryOf(pkg, today))
	}
	return res, total, nil
}

func sortByRef(ps []*Package) {
	sort.Slice(ps, func(i, j int) bool { return ps[i].Ref < ps[j].Ref })
}

// step applies one event to the package at expectedVersion. A stale
// version, or a second writer of the same step, is a fault.Conflict and
// nothing changes.
func (s *Service) step(ctx context.Context, p *auth.Principal, id string, expectedVersion int, check func(pkg *Package) error, ev Event) (Package, error) {
	pkg, err := s.get(ctx, p, id)
	if err != nil {
		return Package{}, err
	}
	if expectedVersion != 0 && pkg.Version != expectedVersion {
		return Package{}, fault.Conflictf("Package %s was changed by someone else while you were looking at it; check its latest state and try again", pkg.Ref)
	}
	if err := check(&pkg); err != nil {
		return Package{}, err
	}
	now := s.now().UTC()
	ev.Seq, ev.At, ev.ByID, ev.ByName, ev.From = pkg.Version+1, now, p.UserID, p.Name, pkg.Status
	if ev.To == "" {
		ev.To = pkg.Status
	}
	pkg.apply(ev)
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	if err := s.changes.Append(ctx, id, ev.Seq, ev, &pkg, "", now); err != nil {
		if fault.KindOf(err) == fault.Conflict {
			return Package{}, fault.Conflictf("Package %s was changed by someone else at the same moment; check its latest state and try again", pkg.Ref)
		}
		return Package{}, err
	}
	s.put(&pkg)
	s.log.Info("care package changed", "package", pkg.Ref, "action", ev.Action, "status", string(pkg.Status))
	return pkg, nil
}

// Accept is the provider accepting a proposed package: it becomes active.
func (s *Service) Accept(ctx context.Context, p *auth.Principal, id string, expectedVersion int) (Package, error) {
	return s.step(ctx, p, id, expectedVersion, func(pkg *Package) error {
		if p.IsStaff() || p.OrgID != pkg.OrgID {
			return fault.Forbiddenf("Only the provider the package is placed with can accept it")
		}
		if pkg.Status != Proposed {
			return fault.Conflictf("Package %s is %s; only a proposed package can be accepted", pkg.Ref, string(pkg.Status))
		}
		return nil
	}, Event{Action: "accept", To: Active, Date: s.Today()})
}

// Decline is the provider declining a proposed package, with a reason.
func (s *Service) Decline(ctx context.Context, p *auth.Principal, id string, expectedVersion int, reason string) (Package, error) {
	reason = strings.TrimSpace(reason)
	return s.step(ctx, p, id, expectedVersion, func(pkg *Package) error {
		if p.IsStaff() || p.OrgID != pkg.OrgID {
			return fault.Forbiddenf("Only the provider the package is placed with can decline it")
		}
		if pkg.Status != Proposed {
			return fault.Conflictf("Package %s is %s; only a proposed package can be declined", pkg.Ref, string(pkg.Status))
		}
		return reasonCheck(reason)
	}, Event{Action: "decline", To: Declined, Reason: reason, Date: s.Today()})
}

func reasonCheck(reason string) error {
	switch {
	case reason == "":
		return fault.InvalidField("reason", "Enter the reason")
	case utf8.RuneCountInString(reason) > 500:
		return fault.InvalidField("reason", "Reason must be 500 characters or fewer")
	}
	return nil
}

func dateField(field, label, v string) (string, error) {
	if strings.TrimSpace(v) == "" {
		return "", fault.InvalidField(field, "Enter "+strings.ToLower(label))
	}
	d, err := payments.ParseDate(v)
	if err != nil {
		return "", fault.InvalidField(field, label+" "+err.Error())
	}
	return d, nil
}

// Suspend pauses an active package from a day (hospital admission,
// respite); until, optional, is the expected last day of the suspension.
func (s *Service) Suspend(ctx context.Context, p *auth.Principal, id string, expectedVersion int, reason, from, until string) (Package, error) {
	if err := mustManage(p); err != nil {
		return Package{}, err
	}
	reason = strings.TrimSpace(reason)
	if err := reasonCheck(reason); err != nil {
		return Package{}, err
	}
	day, err := dateField("from", "Date the suspension starts", from)
	if err != nil {
		return Package{}, err
	}
	var to string
	if strings.TrimSpace(until) != "" {
		if to, err = dateField("until", "Expected end of the suspension", until); err != nil {
			return Package{}, err
		}
		if to < day {
			return Package{}, fault.InvalidField("until", "Expected end of the suspension must be on or after its start")
		}
	}
	return s.step(ctx, p, id, expectedVersion, func(pkg *Package) error {
		if pkg.Status != Active {
			return fault.Conflictf("Package %s is %s; only an active package can be suspended", pkg.Ref, string(pkg.Status))
		}
		if day < pkg.StartDate {
			return fault.InvalidField("from", "The suspension must start on or after the package start date, "+pkg.StartDate)
		}
		if err := s.notBilled(pkg, day); err != nil {
			return fault.InvalidField("from", err.Error())
		}
		return nil
	}, Event{Action: "suspend", To: Suspended, Reason: reason, Date: day, DateTo: to})
}

// Resume makes a suspended package active again from a day.
func (s *Service) Resume(ctx context.Context, p *auth.Principal, id string, expectedVersion int, from string) (Package, error) {
	if err := mustManage(p); err != nil {
		return Package{}, err
	}
	day, err := dateField("from", "Date care starts again", from)
	if err != nil {
		return Package{}, err
	}
	return s.step(ctx, p, id, expectedVersion, func(pkg *Package) error {
		if pkg.Status != Suspended {
			return fault.Conflictf("Package %s is %s; only a suspended package can be resumed", pkg.Ref, string(pkg.Status))
		}
		if n := len(pkg.SuspendedFrom); n > 0 && day <= pkg.SuspendedFrom[n-1] {
			return fault.InvalidField("from", "Care must start again after the suspension began on "+pkg.SuspendedFrom[n-1])
		}
		return nil
	}, Event{Action: "resume", To: Active, Date: day})
}

// End finishes an active or suspended package; on is the last day of care.
func (s *Service) End(ctx context.Context, p *auth.Principal, id string, expectedVersion int, reason, on string) (Package, error) {
	if err := mustManage(p); err != nil {
		return Package{}, err
	}
	reason = strings.TrimSpace(reason)
	if err := reasonCheck(reason); err != nil {
		return Package{}, err
	}
	day, err := dateField("on", "Last day of care", on)
	if err != nil {
		return Package{}, err
	}
	return s.step(ctx, p, id, expectedVersion, func(pkg *Package) error {
		if pkg.Status != Active && pkg.Status != Suspended && pkg.Status != Proposed {
			return fault.Conflictf("Package %s is %s already", pkg.Ref, string(pkg.Status))
		}
		if day < pkg.StartDate {
			return fault.InvalidField("on", "The last day of care must be on or after the start date, "+pkg.StartDate)
		}
		if err := s.notBilled(pkg, payments.AddDays(day, 1)); err != nil {
			return fault.InvalidField("on", err.Error())
		}
		return nil
	}, Event{Action: "end", To: Ended, Reason: reason, Date: day})
}

// ErrRateBeforeStart is the refusal of a rate change dated before the
// package starts.
var ErrRateBeforeStart = errors.New("a rate change must be on or after the package start date")

// ChangeRate sets a new rate per unit (pence) from a day for one package.
// Days before it keep the rate in force on each day. A change dated
// before the package start, or into a cycle already invoiced, is refused.
func (s *Service) ChangeRate(ctx context.Context, p *auth.Principal, id string, expectedVersion int, from, rate string) (Package, error) {
	if err := mustManage(p); err != nil {
		return Package{}, err
	}
	day, pence, err := rateInput(from, rate)
	if err != nil {
		return Package{}, err
	}
	return s.step(ctx, p, id, expectedVersion, func(pkg *Package) error { return s.rateCheck(pkg, day) },
		Event{Action: "rate", Date: day, Pence: pence})
}

func rateInput(from, rate string) (string, int64, error) {
	day, err := dateField("from", "Date the rate applies from", from)
	if err != nil {
		return "", 0, err
	}
	if strings.TrimSpace(rate) == "" {
		return "", 0, fault.InvalidField("rate", "Enter the new rate per unit")
	}
	pence, err := payments.ParsePence(rate, false)
	if err != nil {
		return "", 0, fault.InvalidField("rate", "Rate per unit "+err.Error())
	}
	if pence == 0 || pence > 10_000_00 {
		return "", 0, fault.InvalidField("rate", "Rate per unit must be more than £0 and no more than £10,000")
	}
	return day, pence, nil
}

func (s *Service) rateCheck(pkg *Package, day string) error {
	switch {
	case day < pkg.StartDate:
		return fault.InvalidField("from", fmt.Sprintf("Package %s starts on %s; %s", pkg.Ref, pkg.StartDate, ErrRateBeforeStart))
	case pkg.Status == Declined || (pkg.Status == Ended && day > pkg.LastDay()):
		return fault.Conflictf("Package %s is %s; its rate cannot change", pkg.Ref, string(pkg.Status))
	}
	if err := s.notBilled(pkg, day); err != nil {
		return fault.InvalidField("from", err.Error())
	}
	return nil
}

// notBilled refuses a change from day when a cycle including day or later
// has already been invoiced: a correction after invoicing is a credit note
// or a supplementary invoice, never a change of what was billed.
func (s *Service) notBilled(pkg *Package, day string) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, b := range s.bills {
		if b.ContractID == pkg.ContractID && b.CycleEnd >= day {
			for _, pid := range b.PackageIDs {
				if pid == pkg.ID {
					return fmt.Errorf("the cycle from %s to %s is already invoiced; correct it with a credit note or a supplementary invoice", b.CycleStart, b.CycleEnd)
				}
			}
		}
	}
	return nil
}

// UpliftScope is what a rate uplift applies to: every package of a
// contract, or of a service type.
type UpliftScope struct {
	ContractRef string
	ServiceType string
}

// UpliftResult says what an uplift did.
type UpliftResult struct {
	Changed []string // package references
	Skipped []string // packages starting after the date, declined or ended before it, or already at that rate from it
}

// Uplift sets a new rate from a day for every package in scope (an annual
// uplift), in one step: the uplift is recorded first (care_rate_uplifts),
// then each package's rate event; running the same uplift again changes
// nothing more. Packages that start after the day keep their own rate.
func (s *Service) Uplift(ctx context.Context, p *auth.Principal, scope UpliftScope, from, rate string) (UpliftResult, error) {
	var res UpliftResult
	if err := mustManage(p); err != nil {
		return res, err
	}
	if err := s.ensureLoaded(ctx); err != nil {
		return res, err
	}
	day, pence, err := rateInput(from, rate)
	if err != nil {
		return res, err
	}
	var match func(pkg *Package) bool
	switch {
	case strings.TrimSpace(scope.ContractRef) != "":
		c, err := s.pay.ContractByRef(ctx, p, scope.ContractRef)
		if err != nil {
			return res, fault.InvalidField("contract_ref", "No contract has the reference "+strings.TrimSpace(scope.ContractRef))
		}
		match = func(pkg *Package) bool { return pkg.ContractID == c.ID }
	case strings.TrimSpace(scope.ServiceType) != "":
		st, ok := payments.ParseServiceType(scope.ServiceType)
		if !ok {
			return res, fault.InvalidField("service_type", "Select one of the listed service types")
		}
		match = func(pkg *Package) bool { return pkg.ServiceType == st }
	default:
		return res, fault.InvalidField("contract_ref", "Enter a contract reference or select a service type")
	}
	s.mu.RLock()
	var targets []*Package
	for _, pkg := range s.pkgs {
		if match(pkg) {
			targets = append(targets, pkg)
		}
	}
	s.mu.RUnlock()
	sortByRef(targets)
	ctx2, cancel := store.CallContext(ctx)
	_, err = s.db.Collection(colUplifts).InsertOne(ctx2, map[string]any{"_id": store.NewID("up-", 8), "from": day, "pence": pence,
		"contract_ref": scope.ContractRef, "service_type": scope.ServiceType, "by_id": p.UserID, "at": s.now().UTC(), "packages": len(targets)})
	cancel()
	if err != nil {
		return res, fmt.Errorf("packages: recording the uplift: %w", err)
	}
	for _, pkg := range targets {
		if day < pkg.StartDate || pkg.Status == Declined || (pkg.Status == Ended && day > pkg.LastDay()) || pkg.RateOn(day) == pence && contains(pkg.RateFrom, day) || s.notBilled(pkg, day) != nil {
			res.Skipped = append(res.Skipped, pkg.Ref)
			continue
		}
		if _, err := s.step(ctx, p, pkg.ID, pkg.Version, func(cur *Package) error { return s.rateCheck(cur, day) }, Event{Action: "rate", Date: day, Pence: pence}); err != nil {
			return res, fmt.Errorf("packages: uplift stopped at package %s (run it again to finish): %w", pkg.Ref, err)
		}
		res.Changed = append(res.Changed, pkg.Ref)
	}
	return res, nil
}

func contains(l []string, v string) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

// ParseBirthDate reads a date of birth written 1940-03-27, 27/3/1940,
// 27-03-1940 or "27 3 1940" (years from 1900), as YYYY-MM-DD.
func ParseBirthDate(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t.Format(time.DateOnly), t.Year() >= 1900
	}
	parts := strings.FieldsFunc(v, func(r rune) bool { return r == '/' || r == '-' || r == ' ' || r == '.' })
	if len(parts) != 3 {
		return "", false
	}
	var n [3]int
	for i, p := range parts {
		x, err := strconv.Atoi(p)
		if err != nil || len(p) > 4 {
			return "", false
		}
		n[i] = x
	}
	day, month, year := n[0], n[1], n[2]
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if year < 1900 || t.Day() != day || int(t.Month()) != month {
		return "", false
	}
	return t.Format(time.DateOnly), true
}

// RateRequest is a provider asking the commissioning team for a new rate
// on one of its packages, checked: the portal raises it as a query to the
// team with the evidence.
type RateRequest struct {
	Package  Package
	From     string // the day the new rate would apply from
	Pence    int64  // the rate asked for, per unit
	Current  int64  // the rate in force on From
	Evidence string
}

// CheckRateRequest checks a rate change request for a package placed with
// p's organisation (active or suspended): the day, the rate asked for and
// the evidence (why) are required. Nothing is recorded here.
func (s *Service) CheckRateRequest(ctx context.Context, p *auth.Principal, id, from, rate, evidence string) (RateRequest, error) {
	if p == nil || p.IsStaff() || p.OrgID == "" {
		return RateRequest{}, fault.Forbiddenf("Only the provider asks for a rate change")
	}
	pkg, err := s.get(ctx, p, id)
	if err != nil {
		return RateRequest{}, err
	}
	if pkg.Status != Active && pkg.Status != Suspended {
		return RateRequest{}, fault.Conflictf("Package %s is %s; ask for a rate change on an active package", pkg.Ref, string(pkg.Status))
	}
	var f fault.Fields
	day, pence, rerr := rateInput(from, rate)
	if rerr != nil {
		for _, fe := range fault.FieldsOf(rerr) {
			f.Add(fe.Field, fe.Message)
		}
		// rateInput stops at the first problem: check the rate on its own
		// too, so both fields are answered at once.
		if !f.Has("rate") {
			if _, p2, err := rateInput(s.Today(), rate); err != nil {
				for _, fe := range fault.FieldsOf(err) {
					f.Add(fe.Field, fe.Message)
				}
			} else {
				pence = p2
			}
		}
	}
	if day != "" && day < pkg.StartDate {
		f.Add("from", fmt.Sprintf("Package %s starts on %s; ask for a rate from then or later", pkg.Ref, pkg.StartDate))
	}
	evidence = strings.TrimSpace(evidence)
	switch {
	case evidence == "":
		f.Add("evidence", "Say why the rate should change, for example the costs that have risen")
	case len(evidence) > 4000:
		f.Add("evidence", "The reason must be 4,000 characters or fewer")
	}
	if err := f.Err(); err != nil {
		return RateRequest{}, err
	}
	return RateRequest{Package: pkg, From: day, Pence: pence, Current: pkg.RateOn(day), Evidence: evidence}, nil
}
