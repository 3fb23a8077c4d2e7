package packages

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/auth"
	"careportal/payments"
	"careportal/portal/fault"
	"careportal/portal/store"
)

// Cycle is a provider's confirmation of one contract's billing cycle: one
// document, inserted once (its _id is the contract and the first day), with
// a line per package as scalar arrays. A second confirmation collides on
// the _id and is refused.
type Cycle struct {
	ID            string    `bson:"_id"`
	ContractID    string    `bson:"contract_id"`
	ContractRef   string    `bson:"contract_ref"`
	OrgID         string    `bson:"org_id"`
	Start         string    `bson:"start"`
	End           string    `bson:"end"`
	ConfirmedAt   time.Time `bson:"confirmed_at"`
	ConfirmedDate string    `bson:"confirmed_date"`
	ByID          string    `bson:"by_id"`
	ByName        string    `bson:"by_name"`
	Source        string    `bson:"source"`
	PackageIDs    []string  `bson:"package_ids"`
	PackageRefs   []string  `bson:"package_refs"`
	Planned       []int64   `bson:"planned"` // hundredths
	Units         []int64   `bson:"units"`   // hundredths, as confirmed
	Reasons       []string  `bson:"reasons"`
	Notes         []string  `bson:"notes"`
	Auto          []bool    `bson:"auto"` // accepted without a decision (within tolerance)
	UpdatedAt     time.Time `bson:"updated_at"`
}

// Draft is units a provider saved for a line before confirming the cycle
// (the form is paged).
type Draft struct {
	ID        string    `bson:"_id"` // cycle id : package id
	CycleID   string    `bson:"cycle_id"`
	Units     int64     `bson:"units"`
	Reason    string    `bson:"reason"`
	Note      string    `bson:"note"`
	UpdatedAt time.Time `bson:"updated_at"`
}

// Decision is brokerage's decision on a difference that waited: accepted
// as confirmed, or adjusted to other units, with a note. Inserted once.
type Decision struct {
	ID      string    `bson:"_id"` // cycle id : package id
	CycleID string    `bson:"cycle_id"`
	Adjust  bool      `bson:"adjust"`
	Units   int64     `bson:"units"` // the units to pay
	Note    string    `bson:"note"`
	ByID    string    `bson:"by_id"`
	ByName  string    `bson:"by_name"`
	At      time.Time `bson:"at"`
}

// LineState is where one package's actuals for a cycle are.
type LineState string

const (
	LinePlanned  LineState = "planned"  // not confirmed; the plan is filled in
	LineDraft    LineState = "draft"    // saved by the provider, not confirmed
	LineAccepted LineState = "accepted" // confirmed and accepted (within tolerance, or by brokerage)
	LineWaiting  LineState = "waiting"  // confirmed; the difference waits for brokerage
	LineAdjusted LineState = "adjusted" // brokerage changed the units, with a note
)

// Line is one package in a cycle.
type Line struct {
	PackageID, Ref, ClientRef, Initials string
	Unit                                Unit
	Planned, Units, Payable             int64 // hundredths; Payable is what is billed once decided
	Reason                              Reason
	Note                                string
	State                               LineState
	DecisionNote                        string
	RatePence                           int64 // the rate on the cycle's first day of care
}

// Sheet is one contract's cycle as the actuals page shows it.
type Sheet struct {
	ContractID, ContractRef, ContractTitle, OrgID, OrgName string
	Billing                                                Billing
	Start, End, Deadline                                   string
	Lines                                                  []Line // the requested page
	Total                                                  int    // lines in the cycle
	Waiting                                                int    // lines waiting for brokerage
	Confirmed                                              *Cycle
	Bill                                                   *Bill
	// Open: the cycle has ended and is not confirmed, so it can be
	// confirmed now.
	Open bool
}

// Entry is the delivered units a provider gives for one package.
type Entry struct {
	Ref    string // package reference
	Units  string // as typed: "10", "10.5"
	Reason string // a Reason slug or label; empty when no difference
	Note   string
}

// cycleLines lists the packages of a contract that care on any day of the
// cycle (accepted packages only), with the planned units. s.mu held.
func (s *Service) cycleLinesLocked(contractID, orgID, start, end string) []*Package {
	var out []*Package
	for _, id := range s.byOrg[orgID] {
		pkg := s.pkgs[id]
		if pkg.ContractID != contractID || pkg.PlacedDate == "" || pkg.StartDate > end {
			continue
		}
		if last := pkg.LastDay(); last != "" && last < start {
			continue
		}
		out = append(out, pkg)
	}
	return out
}

// PlannedUnits is the package's planned units for the days start..end:
// its units per week for each day of care, in hundredths (rounded).
func PlannedUnits(pkg *Package, start, end string) int64 {
	return (pkg.UnitsPerWeek*int64(careDays(pkg, start, end)) + 3) / 7
}

// careDays counts the days of start..end on which the package provides
// care (Package.CaresOn), by interval arithmetic rather than day by day.
func careDays(pkg *Package, start, end string) int {
	if pkg.PlacedDate == "" {
		return 0
	}
	lo, hi := start, end
	if pkg.StartDate > lo {
		lo = pkg.StartDate
	}
	if last := pkg.LastDay(); last != "" && last < hi {
		hi = last
	}
	if hi < lo {
		return 0
	}
	days := payments.DaysBetween(lo, hi) + 1
	for i, f := range pkg.SuspendedFrom {
		t := pkg.SuspendedTo[i]
		if t == "" || t > hi {
			t = hi
		}
		if f < lo {
			f = lo
		}
		if t >= f {
			days -= payments.DaysBetween(f, t) + 1
		}
	}
	return max(days, 0)
}

func lineID(cycle, pkgID string) string { return cycle + ":" + pkgID }

// contractFor checks p may see the contract and returns it.
func (s *Service) contractFor(ctx context.Context, p *auth.Principal, contractID string) (payments.Contract, error) {
	c, err := s.pay.Contract(ctx, p, contractID)
	if err != nil {
		return c, fault.NotFoundf("Contract not found")
	}
	if !canSee(p, c.OrgID) {
		return c, fault.NotFoundf("Contract not found")
	}
	return c, nil
}

// Sheet returns a page (1-based) of a contract's cycle starting on start.
func (s *Service) Sheet(ctx context.Context, p *auth.Principal, contractID, start string, page, perPage int) (Sheet, error) {
	if err := s.ensureLoaded(ctx); err != nil {
		return Sheet{}, err
	}
	c, err := s.contractFor(ctx, p, contractID)
	if err != nil {
		return Sheet{}, err
	}
	b := s.BillingOf(contractID)
	if !b.IsCycleStart(start) {
		return Sheet{}, fault.NotFoundf("No cycle of contract %s starts on %s", c.Reference, start)
	}
	sh := Sheet{ContractID: c.ID, ContractRef: c.Reference, ContractTitle: c.Title, OrgID: c.OrgID, OrgName: c.OrgName,
		Billing: b, Start: start, End: b.CycleEnd(start), Deadline: b.Deadline(start)}
	if perPage <= 0 {
		perPage = 50
	}
	if page < 1 {
		page = 1
	}
	sh.Lines = s.linesPage(c.OrgID, contractID, start, sh.End, &sh, (page-1)*perPage, perPage)
	sh.Open = sh.Confirmed == nil && s.Today() >= sh.End
	return sh, nil
}

// lines builds every line of a cycle (confirmed or not) and fills the
// sheet's confirmation, bill, total and waiting count.
func (s *Service) lines(orgID, contractID, start, end string, sh *Sheet) []Line {
	return s.linesPage(orgID, contractID, start, end, sh, 0, -1)
}

// linesPage is lines from offset, at most n of them (n < 0: all). The
// sheet's counts are always of the whole cycle.
func (s *Service) linesPage(orgID, contractID, start, end string, sh *Sheet, offset, n int) []Line {
	window := func(total int) (int, int) {
		lo := min(max(offset, 0), total)
		if n < 0 {
			return lo, total
		}
		return lo, min(lo+n, total)
	}
	id := cycleID(contractID, start)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if bl, ok := s.bills[id]; ok {
		b := *bl
		sh.Bill = &b
	}
	if cy, ok := s.cycles[id]; ok {
		c := *cy
		sh.Confirmed = &c
		sh.Total = len(cy.PackageIDs)
		lo, hi := window(sh.Total)
		var out []Line
		for i, pid := range cy.PackageIDs {
			l := Line{PackageID: pid, Ref: cy.PackageRefs[i], Planned: cy.Planned[i], Units: cy.Units[i], Payable: cy.Units[i],
				Reason: Reason(cy.Reasons[i]), Note: cy.Notes[i], State: LineAccepted}
			if pkg, ok := s.pkgs[pid]; ok {
				l.ClientRef, l.Initials, l.Unit, l.RatePence = pkg.ClientRef, pkg.Initials(), pkg.Unit, pkg.RateOn(firstCareDay(pkg, start, end))
			}
			if !cy.Auto[i] {
				l.State = LineWaiting
				if d, ok := s.decisions[lineID(id, pid)]; ok {
					l.State, l.DecisionNote, l.Payable = LineAccepted, d.Note, d.Units
					if d.Adjust {
						l.State = LineAdjusted
					}
				} else {
					sh.Waiting++
				}
			}
			if i >= lo && i < hi {
				out = append(out, l)
			}
		}
		return out
	}
	pkgs := s.cycleLinesLocked(contractID, orgID, start, end)
	sh.Total = len(pkgs)
	lo, hi := window(sh.Total)
	out := make([]Line, 0, hi-lo)
	for _, pkg := range pkgs[lo:hi] {
		pl := PlannedUnits(pkg, start, end)
		l := Line{PackageID: pkg.ID, Ref: pkg.Ref, ClientRef: pkg.ClientRef, Initials: pkg.Initials(), Unit: pkg.Unit,
			Planned: pl, Units: pl, State: LinePlanned, RatePence: pkg.RateOn(firstCareDay(pkg, start, end))}
		if d, ok := s.drafts[lineID(id, pkg.ID)]; ok {
			l.Units, l.Reason, l.Note, l.State = d.Units, Reason(d.Reason), d.Note, LineDraft
		}
		out = append(out, l)
	}
	return out
}

func firstCareDay(pkg *Package, start, end string) string {
	if pkg.StartDate > start && pkg.StartDate <= end {
		return pkg.StartDate
	}
	return start
}

// checkedEntry is an entry that passed the checks.
type checkedEntry struct {
	pkg     *Package
	planned int64
	units   int64
	reason  Reason
	note    string
}

// checkEntries validates entries against the cycle's packages. Problems
// are fault.Invalid field errors named "<field>-<package ref>" (units,
// reason, note) or "package-<ref>" for the package itself.
func (s *Service) checkEntries(orgID, contractID, start, end string, entries []Entry) (map[string]checkedEntry, []*Package, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	pkgs := s.cycleLinesLocked(contractID, orgID, start, end)
	inCycle := map[string]*Package{}
	for _, pkg := range pkgs {
		inCycle[pkg.ID] = pkg
	}
	days := int64(payments.DaysBetween(start, end) + 1)
	var f fault.Fields
	out := map[string]checkedEntry{}
	for _, e := range entries {
		ref := strings.ToUpper(strings.TrimSpace(e.Ref))
		id := packageID(ref)
		pkg, ok := inCycle[id]
		if !ok {
			other, known := s.pkgs[id]
			switch {
			case known && other.OrgID == orgID && other.ContractID == contractID && other.LastDay() != "" && other.LastDay() < start:
				f.Add("package-"+ref, fmt.Sprintf("Package %s ended on %s; no care can be confirmed for it after that", ref, other.LastDay()))
			case known && other.OrgID == orgID && other.ContractID == contractID && other.PlacedDate == "":
				f.Add("package-"+ref, fmt.Sprintf("Package %s is %s; only accepted packages have actuals", ref, string(other.Status)))
			case known && other.OrgID == orgID && other.ContractID == contractID:
				f.Add("package-"+ref, fmt.Sprintf("Package %s starts on %s, after this cycle", ref, other.StartDate))
			default:
				f.Add("package-"+ref, fmt.Sprintf("Package %s is not one of this contract's packages", ref))
			}
			continue
		}
		if _, dup := out[id]; dup {
			f.Add("package-"+ref, fmt.Sprintf("Package %s is given more than once", ref))
			continue
		}
		ce := checkedEntry{pkg: pkg, planned: PlannedUnits(pkg, start, end), note: strings.TrimSpace(e.Note)}
		u, err := ParseUnits(e.Units)
		maxUnits := (pkg.Unit.MaxPerWeek()*days + 6) / 7
		switch {
		case strings.TrimSpace(e.Units) == "":
			f.Add("units-"+ref, "Enter the units delivered for package "+ref)
		case err != nil:
			f.Add("units-"+ref, "Units delivered for package "+ref+" "+err.Error())
		case u > maxUnits:
			f.Add("units-"+ref, fmt.Sprintf("Units delivered for package %s must be %s or fewer: no more %s fit in %d days", ref, FormatUnits(maxUnits), pkg.Unit.plural(), days))
		default:
			ce.units = u
		}
		r, ok := ParseReason(e.Reason)
		switch {
		case !ok:
			f.Add("reason-"+ref, "Select a reason for the difference for package "+ref)
		case err == nil && u != ce.planned && r == ReasonNone:
			f.Add("reason-"+ref, fmt.Sprintf("Select why package %s differs from the %s planned", ref, FormatUnits(ce.planned)))
		case r == ReasonOther && ce.note == "":
			f.Add("note-"+ref, "Say what the other reason is for package "+ref)
		case utf8.RuneCountInString(ce.note) > 500:
			f.Add("note-"+ref, "The note for package "+ref+" must be 500 characters or fewer")
		}
		ce.reason = r
		out[id] = ce
	}
	return out, pkgs, f.Err()
}

// SaveDraft keeps the units given for some of a cycle's packages without
// confirming the cycle (the paged form saves a page at a time).
func (s *Service) SaveDraft(ctx context.Context, p *auth.Principal, contractID, start string, entries []Entry) error {
	c, b, err := s.providerCycle(ctx, p, contractID, start)
	if err != nil {
		return err
	}
	end := b.CycleEnd(start)
	checked, _, err := s.checkEntries(c.OrgID, contractID, start, end, entries)
	if err != nil {
		return err
	}
	id := cycleID(contractID, start)
	now := s.now().UTC()
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	for pid, ce := range checked {
		d := Draft{ID: lineID(id, pid), CycleID: id, Units: ce.units, Reason: string(ce.reason), Note: ce.note, UpdatedAt: now}
		if _, err := s.db.Collection(colDrafts).ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d, options.Replace().SetUpsert(true)); err != nil {
			return fmt.Errorf("packages: saving the units: %w", err)
		}
		s.mu.Lock()
		s.drafts[d.ID] = &d
		s.mu.Unlock()
	}
	return nil
}

// providerCycle checks that p is the contract's provider and that the
// cycle exists and is not confirmed.
func (s *Service) providerCycle(ctx context.Context, p *auth.Principal, contractID, start string) (payments.Contract, Billing, error) {
	if err := s.ensureLoaded(ctx); err != nil {
		return payments.Contract{}, Billing{}, err
	}
	c, err := s.contractFor(ctx, p, contractID)
	if err != nil {
		return c, Billing{}, err
	}
	if p.IsStaff() || p.OrgID != c.OrgID {
		return c, Billing{}, fault.Forbiddenf("Only the provider confirms the care it delivered")
	}
	b := s.BillingOf(contractID)
	if !b.IsCycleStart(start) {
		return c, b, fault.NotFoundf("No cycle of contract %s starts on %s", c.Reference, start)
	}
	s.mu.RLock()
	cy, done := s.cycles[cycleID(contractID, start)]
	s.mu.RUnlock()
	if done {
		s.mu.RLock()
		bl, billed := s.bills[cy.ID]
		generated := billed && bl.Generated
		var number string
		if generated {
			number = bl.InvoiceNumber
		}
		s.mu.RUnlock()
		if generated {
			// Confirmed actuals are the council's record once invoiced:
			// only brokerage changes them, by a correction (a credit note
			// or a supplementary invoice), never by confirming again.
			return c, b, fault.Conflictf("The cycle from %s to %s was already confirmed on %s and invoiced (invoice %s); it cannot be confirmed again. To change the units paid, ask the council's brokerage team to correct it: fewer units become a credit note, more a supplementary invoice",
				cy.Start, cy.End, cy.ConfirmedDate, number)
		}
		return c, b, fault.Conflictf("The cycle from %s to %s was already confirmed on %s; it cannot be confirmed again", cy.Start, cy.End, cy.ConfirmedDate)
	}
	return c, b, nil
}

// Confirm is the provider confirming the care delivered in a cycle, for
// every package at once: entries give the units where they are not the
// saved draft or the plan. A difference within the contract's tolerance is
// accepted at once; a larger one, or any units over plan, waits for
// brokerage. The cycle can be confirmed once, after its last day.
func (s *Service) Confirm(ctx context.Context, p *auth.Principal, contractID, start string, entries []Entry, source string) (Cycle, error) {
	c, b, err := s.providerCycle(ctx, p, contractID, start)
	if err != nil {
		return Cycle{}, err
	}
	end := b.CycleEnd(start)
	if s.Today() < end {
		return Cycle{}, fault.Conflictf("The cycle from %s to %s has not ended yet; confirm it on or after %s", start, end, end)
	}
	checked, pkgs, err := s.checkEntries(c.OrgID, contractID, start, end, entries)
	if err != nil {
		return Cycle{}, err
	}
	if len(pkgs) == 0 {
		return Cycle{}, fault.Conflictf("Contract %s has no packages in the cycle from %s to %s", c.Reference, start, end)
	}
	now := s.now().UTC()
	id := cycleID(contractID, start)
	cy := Cycle{ID: id, ContractID: contractID, ContractRef: c.Reference, OrgID: c.OrgID, Start: start, End: end,
		ConfirmedAt: now, ConfirmedDate: payments.LondonDay(now), ByID: p.UserID, ByName: p.Name, Source: source, UpdatedAt: now}
	if cy.Source == "" {
		cy.Source = "portal"
	}
	s.mu.RLock()
	for _, pkg := range pkgs {
		ce, given := checked[pkg.ID]
		if !given {
			ce = checkedEntry{pkg: pkg, planned: PlannedUnits(pkg, start, end)}
			ce.units = ce.planned
			if d, ok := s.drafts[lineID(id, pkg.ID)]; ok {
				ce.units, ce.reason, ce.note = d.Units, Reason(d.Reason), d.Note
			}
		}
		cy.PackageIDs = append(cy.PackageIDs, pkg.ID)
		cy.PackageRefs = append(cy.PackageRefs, pkg.Ref)
		cy.Planned = append(cy.Planned, ce.planned)
		cy.Units = append(cy.Units, ce.units)
		cy.Reasons = append(cy.Reasons, string(ce.reason))
		cy.Notes = append(cy.Notes, ce.note)
		cy.Auto = append(cy.Auto, b.Within(ce.planned, ce.units))
	}
	s.mu.RUnlock()
	cctx, cancel := store.CallContext(ctx)
	defer cancel()
	if _, err := s.db.Collection(colCycles).InsertOne(cctx, cy); err != nil {
		if store.IsDuplicateKey(err) {
			return Cycle{}, fault.Conflictf("The cycle from %s to %s was already confirmed; it cannot be confirmed again", start, end)
		}
		return Cycle{}, fmt.Errorf("packages: confirming the cycle: %w", err)
	}
	s.mu.Lock()
	s.cycles[id] = &cy
	for _, pid := range cy.PackageIDs {
		delete(s.drafts, lineID(id, pid))
	}
	s.gen++
	s.mu.Unlock()
	if _, err := s.db.Collection(colDrafts).DeleteMany(cctx, bson.D{{Key: "cycle_id", Value: id}}); err != nil {
		s.log.Warn("packages: clearing saved units failed", "cycle", id, "err", err)
	}
	s.log.Info("care cycle confirmed", "contract", c.Reference, "start", start, "packages", len(cy.PackageIDs))
	return cy, nil
}

// Waiting is a difference waiting for brokerage.
type Waiting struct {
	CycleID, ContractID, ContractRef, OrgID, Start, End, ConfirmedDate string
	Line
}

// WaitingList lists the differences waiting for brokerage, oldest cycle
// first. Staff only.
func (s *Service) WaitingList(ctx context.Context, p *auth.Principal) ([]Waiting, error) {
	if !p.IsStaff() {
		return nil, fault.Forbiddenf("Only council staff decide on differences")
	}
	if err := s.ensureLoaded(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Waiting
	for _, cy := range s.cycles {
		for i, pid := range cy.PackageIDs {
			if cy.Auto[i] {
				continue
			}
			if _, ok := s.decisions[lineID(cy.ID, pid)]; ok {
				continue
			}
			l := Line{PackageID: pid, Ref: cy.PackageRefs[i], Planned: cy.Planned[i], Units: cy.Units[i], Reason: Reason(cy.Reasons[i]), Note: cy.Notes[i], State: LineWaiting}
			if pkg, ok := s.pkgs[pid]; ok {
				l.ClientRef, l.Initials, l.Unit = pkg.ClientRef, pkg.Initials(), pkg.Unit
			}
			out = append(out, Waiting{CycleID: cy.ID, ContractID: cy.ContractID, ContractRef: cy.ContractRef, OrgID: cy.OrgID, Start: cy.Start, End: cy.End, ConfirmedDate: cy.ConfirmedDate, Line: l})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Start != out[j].Start {
			return out[i].Start < out[j].Start
		}
		return out[i].Ref < out[j].Ref
	})
	return out, nil
}

// Decide is brokerage accepting a waiting difference as confirmed, or
// adjusting the units to pay (adjust true, units required), with a note.
// A line is decided once.
func (s *Service) Decide(ctx context.Context, p *auth.Principal, contractID, start, packageID string, adjust bool, units, note string) (Decision, error) {
	if err := mustManage(p); err != nil {
		return Decision{}, err
	}
	if err := s.ensureLoaded(ctx); err != nil {
		return Decision{}, err
	}
	id := cycleID(contractID, start)
	s.mu.RLock()
	cy, ok := s.cycles[id]
	idx := -1
	if ok {
		for i, pid := range cy.PackageIDs {
			if pid == packageID {
				idx = i
			}
		}
	}
	_, decided := s.decisions[lineID(id, packageID)]
	s.mu.RUnlock()
	switch {
	case idx < 0:
		return Decision{}, fault.NotFoundf("No confirmed actuals for that package and cycle")
	case cy.Auto[idx]:
		return Decision{}, fault.Conflictf("Package %s was within tolerance and accepted already", cy.PackageRefs[idx])
	case decided:
		return Decision{}, fault.Conflictf("The difference for package %s was decided already", cy.PackageRefs[idx])
	}
	note = strings.TrimSpace(note)
	d := Decision{ID: lineID(id, packageID), CycleID: id, Adjust: adjust, Units: cy.Units[idx], Note: note, ByID: p.UserID, ByName: p.Name, At: s.now().UTC()}
	var f fault.Fields
	if adjust {
		u, err := ParseUnits(units)
		days := int64(payments.DaysBetween(cy.Start, cy.End) + 1)
		s.mu.RLock()
		unit := s.pkgs[packageID].Unit
		s.mu.RUnlock()
		switch {
		case strings.TrimSpace(units) == "":
			f.Add("units", "Enter the units to pay")
		case err != nil:
			f.Add("units", "Units to pay "+err.Error())
		case u > (unit.MaxPerWeek()*days+6)/7:
			f.Add("units", "Units to pay are more than fit in the cycle")
		default:
			d.Units = u
		}
		if note == "" {
			f.Add("note", "Enter a note saying why the units are adjusted")
		}
	}
	if utf8.RuneCountInString(note) > 500 {
		f.Add("note", "Note must be 500 characters or fewer")
	}
	if err := f.Err(); err != nil {
		return Decision{}, err
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	if _, err := s.db.Collection(colDecisions).InsertOne(ctx, d); err != nil {
		if store.IsDuplicateKey(err) {
			return Decision{}, fault.Conflictf("The difference for package %s was decided by someone else at the same moment", cy.PackageRefs[idx])
		}
		return Decision{}, err
	}
	s.mu.Lock()
	s.decisions[d.ID] = &d
	s.gen++
	s.mu.Unlock()
	return d, nil
}

// Cycles lists the confirmed cycles p may see, newest first.
func (s *Service) Cycles(ctx context.Context, p *auth.Principal) ([]Cycle, error) {
	if err := s.ensureLoaded(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Cycle
	for _, cy := range s.cycles {
		if canSee(p, cy.OrgID) {
			out = append(out, *cy)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Start != out[j].Start {
			return out[i].Start > out[j].Start
		}
		return out[i].ContractRef < out[j].ContractRef
	})
	return out, nil
}
