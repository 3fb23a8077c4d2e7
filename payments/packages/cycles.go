package packages

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/auth"
	"careportal/payments"
	"careportal/portal/fault"
	"careportal/portal/format"
	"careportal/portal/store"
)

// Frequency is how long a contract's billing cycle is.
type Frequency string

const (
	Weekly     Frequency = "weekly"
	FourWeekly Frequency = "four-weekly"
)

// Days is the cycle's length in days.
func (f Frequency) Days() int {
	if f == Weekly {
		return 7
	}
	return 28
}

// Billing is a contract's billing settings: the cycle, its first weekday,
// the tolerance within which a difference from plan is accepted without a
// decision, and the days after a cycle ends by which the provider
// confirms. A contract without settings has DefaultBilling.
type Billing struct {
	ContractID string    `bson:"_id"`
	Frequency  Frequency `bson:"frequency"`
	Weekday    int       `bson:"weekday"` // time.Weekday the cycles start on
	// A difference below plan of up to TolerancePercent of the planned
	// units, or up to ToleranceUnits (hundredths), whichever is more, is
	// accepted automatically.
	TolerancePercent int   `bson:"tolerance_percent"`
	ToleranceUnits   int64 `bson:"tolerance_units"`
	ConfirmDays      int   `bson:"confirm_days"` // deadline: the cycle's last day + ConfirmDays
	// Patterns are the contract's cycle patterns over time, oldest first,
	// once its cycle was changed from a date: each runs from its From to
	// its Until, and the last one (Until empty) is Frequency and Weekday.
	// Empty means one pattern, Frequency and Weekday, always.
	Patterns []CyclePattern `bson:"patterns,omitempty"`
	// CycleFrom is the date the cycle change saved in this version takes
	// effect: "" when this version did not change the cycle's dates,
	// "always" when it changed every cycle (allowed only while none was
	// confirmed or invoiced).
	CycleFrom string    `bson:"cycle_from,omitempty"`
	Version   int       `bson:"version"`
	UpdatedAt time.Time `bson:"updated_at"`
	ByID      string    `bson:"by_id,omitempty"`
	ByName    string    `bson:"by_name,omitempty"`
}

// BillingChange is one saved version of a contract's billing settings,
// kept for the history: who changed them and when. Its _id is the
// contract and the version, inserted once, so two people saving the same
// version at once collide and the second is told to check again.
type BillingChange struct {
	ID      string `bson:"_id"` // contract id : version
	Billing `bson:"settings"`
}

// BillingHistory lists a contract's billing settings changes, newest
// first. Staff only.
func (s *Service) BillingHistory(ctx context.Context, p *auth.Principal, contractID string) ([]Billing, error) {
	if !p.IsStaff() {
		return nil, fault.Forbiddenf("Only council staff see billing settings history")
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	hs, err := store.FindAll[BillingChange](ctx, s.db.Collection(colBillingLog), bson.D{{Key: "settings._id", Value: contractID}})
	if err != nil {
		return nil, err
	}
	out := make([]Billing, len(hs))
	for i := range hs {
		out[i] = hs[i].Billing
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version > out[j].Version })
	return out, nil
}

// DefaultBilling is the settings of a contract that has none: four-weekly
// from Monday, 5% or 1 unit tolerance, confirmation within 7 days.
func DefaultBilling(contractID string) Billing {
	return Billing{ContractID: contractID, Frequency: FourWeekly, Weekday: int(time.Monday), TolerancePercent: 5, ToleranceUnits: 100, ConfirmDays: 7}
}

// epoch is the day cycles are counted from: cycles of a weekday w start on
// the first day on or after it that is a w, and every Days() after.
const epoch = "2024-01-01" // a Monday

func cycleOrigin(weekday int) string {
	return payments.AddDays(epoch, (weekday-int(time.Monday)+7)%7)
}

// CyclePattern is how a contract's cycles run over a stretch of days:
// cycles of Frequency, the first starting on From and the next every 7 or
// 28 days, up to Until. The first pattern also covers every day before,
// and with From empty its cycles are counted from the epoch (the first
// Weekday on or after it); the last has Until empty. A cycle that would
// run past Until ends on Until: that is how the short bridging cycle
// before a change of weekday is kept (a pattern of its own, From to
// Until, under a week long).
type CyclePattern struct {
	Frequency Frequency `bson:"frequency"`
	Weekday   int       `bson:"weekday"`
	From      string    `bson:"from,omitempty"`
	Until     string    `bson:"until,omitempty"`
}

// Bridge reports whether p is the short bridging cycle before a change
// of weekday: a stretch shorter than one of its cycles.
func (p CyclePattern) Bridge() bool {
	return p.From != "" && p.Until != "" && payments.DaysBetween(p.From, p.Until)+1 < p.Frequency.Days()
}

// CyclePatterns lists the patterns, oldest first (one, always, for a
// contract whose cycle never changed from a date).
func (b Billing) CyclePatterns() []CyclePattern {
	if len(b.Patterns) > 0 {
		return b.Patterns
	}
	return []CyclePattern{{Frequency: b.Frequency, Weekday: b.Weekday}}
}

// PatternOn is the pattern in force on day.
func (b Billing) PatternOn(day string) CyclePattern {
	ps := b.CyclePatterns()
	for _, p := range ps {
		if p.Until == "" || day <= p.Until {
			return p
		}
	}
	return ps[len(ps)-1]
}

func (p CyclePattern) anchor() string {
	if p.From != "" {
		return p.From
	}
	return cycleOrigin(p.Weekday)
}

// startOn is the first day of the pattern's cycle that includes day.
func (p CyclePattern) startOn(day string) string {
	origin := p.anchor()
	n := payments.DaysBetween(origin, day)
	l := p.Frequency.Days()
	k := n / l
	if n < 0 && n%l != 0 {
		k--
	}
	return payments.AddDays(origin, k*l)
}

// CycleStartOn is the first day of the cycle that includes day.
func (b Billing) CycleStartOn(day string) string { return b.PatternOn(day).startOn(day) }

// IsCycleStart reports whether day is the first day of a cycle.
func (b Billing) IsCycleStart(day string) bool { return b.CycleStartOn(day) == day }

// CycleEnd is the last day of the cycle starting on start (earlier than a
// whole cycle for the short bridging cycle before a change of weekday).
func (b Billing) CycleEnd(start string) string {
	p := b.PatternOn(start)
	end := payments.AddDays(start, p.Frequency.Days()-1)
	if p.Until != "" && end > p.Until {
		end = p.Until
	}
	return end
}

// NextCycleStart is the first day of the cycle after the one starting on
// start.
func (b Billing) NextCycleStart(start string) string { return payments.AddDays(b.CycleEnd(start), 1) }

// PrevCycleStart is the first day of the cycle before the one starting on
// start.
func (b Billing) PrevCycleStart(start string) string {
	return b.CycleStartOn(payments.AddDays(start, -1))
}

// CycleDates is one cycle's first and last day.
type CycleDates struct{ Start, End string }

// Days is the cycle's length in days.
func (c CycleDates) Days() int { return payments.DaysBetween(c.Start, c.End) + 1 }

// CyclesFrom lists n cycles from the one that includes day.
func (b Billing) CyclesFrom(day string, n int) []CycleDates {
	out := make([]CycleDates, 0, n)
	for start := b.CycleStartOn(day); len(out) < n; start = b.NextCycleStart(start) {
		out = append(out, CycleDates{Start: start, End: b.CycleEnd(start)})
	}
	return out
}

// WeekdayOn is the weekday cycles start on, on day.
func (b Billing) WeekdayOn(day string) int { return b.PatternOn(day).Weekday }

// dayWeekday is day's weekday (time.Weekday), -1 for a bad date.
func dayWeekday(day string) int {
	t, err := time.Parse("2006-01-02", day)
	if err != nil {
		return -1
	}
	return int(t.Weekday())
}

// nextWeekday is the first day on or after day that is a wd.
func nextWeekday(day string, wd int) string {
	return payments.AddDays(day, (wd-dayWeekday(day)+7)%7)
}

// FirstNewCycle is where cycles of weekday wd start after a change from
// the date from: the first wd on or after from (from itself when it is a
// wd). The days between, if any, are one short bridging cycle.
func FirstNewCycle(from string, wd int) string { return nextWeekday(from, wd) }

// ChangeCycle is b with its cycles changed from the date from, which
// must be the first day of one of b's cycles: every cycle before from
// keeps its dates; cycles of frequency f starting on weekday wd start on
// the first wd on or after from; when that is after from, the days from
// from up to it are one short bridging cycle (1 to 6 days). A change
// already set for a date on or after from is replaced by this one.
func (b Billing) ChangeCycle(f Frequency, wd int, from string) Billing {
	first := FirstNewCycle(from, wd)
	var kept []CyclePattern
	for i, p := range b.CyclePatterns() {
		if i == 0 || p.From < from {
			kept = append(kept, p)
		}
	}
	last := &kept[len(kept)-1]
	next := CyclePattern{Frequency: f, Weekday: wd, From: first}
	switch {
	case first == from && last.Frequency == f && last.Weekday == wd && last.startOn(from) == from:
		// The same cycle as before from: nothing to split.
		last.Until = ""
	case first == from:
		last.Until = payments.AddDays(from, -1)
		kept = append(kept, next)
	default:
		last.Until = payments.AddDays(from, -1)
		bridge := CyclePattern{Frequency: Weekly, Weekday: dayWeekday(from), From: from, Until: payments.AddDays(first, -1)}
		kept = append(kept, bridge, next)
	}
	if len(kept) == 1 && kept[0].From == "" {
		kept = nil // never changed from a date after all
	}
	b.Patterns = kept
	b.Frequency, b.Weekday = f, wd
	return b
}

// Deadline is the last day to confirm the cycle starting on start.
func (b Billing) Deadline(start string) string {
	return payments.AddDays(b.CycleEnd(start), b.ConfirmDays)
}

// Within reports whether delivered units are accepted without a decision:
// not over plan, and short of it by no more than the tolerance.
func (b Billing) Within(planned, units int64) bool {
	if units > planned {
		return false
	}
	diff := planned - units
	tol := max(planned*int64(b.TolerancePercent)/100, b.ToleranceUnits)
	return diff <= tol
}

// BillingOf returns the contract's settings (DefaultBilling when none).
func (s *Service) BillingOf(contractID string) Billing {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.billingLocked(contractID)
}

func (s *Service) billingLocked(contractID string) Billing {
	if b, ok := s.billing[contractID]; ok {
		return *b
	}
	return DefaultBilling(contractID)
}

// BillingInput is the settings form. EffectiveFrom is the date a change
// of the cycle takes effect: the first day of a cycle not yet started,
// confirmed or invoiced.
type BillingInput struct {
	Frequency, Weekday, TolerancePercent, ToleranceUnits, ConfirmDays string
	EffectiveFrom                                                     string
}

// LastFixedDay is the last day of the latest cycle of the contract that
// is confirmed or invoiced ("" when none is): the cycle can change only
// after it.
func (s *Service) LastFixedDay(contractID string) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.lastFixedLocked(contractID)
}

func (s *Service) lastFixedLocked(contractID string) string {
	last := ""
	for _, c := range s.cycles {
		if c.ContractID == contractID && c.End > last {
			last = c.End
		}
	}
	for _, b := range s.bills {
		if b.ContractID == contractID && b.CycleEnd > last {
			last = b.CycleEnd
		}
	}
	return last
}

// ChangeDates lists the first n dates a change of the contract's cycle
// may take effect from: the first days of its cycles that start today or
// later and after its last confirmed or invoiced cycle.
func (s *Service) ChangeDates(contractID string, n int) []string {
	b := s.BillingOf(contractID)
	return b.changeDates(s.Today(), s.LastFixedDay(contractID), n)
}

func (b Billing) changeDates(today, fixed string, n int) []string {
	earliest := today
	if fixed != "" && fixed >= earliest {
		earliest = payments.AddDays(fixed, 1)
	}
	start := b.CycleStartOn(earliest)
	if start < earliest {
		start = b.NextCycleStart(start)
	}
	var out []string
	for ; len(out) < n; start = b.NextCycleStart(start) {
		out = append(out, start)
	}
	return out
}

// changeDatesText says the first dates a change may take effect from:
// "4 May 2026, 1 June 2026 or 29 June 2026".
func changeDatesText(ds []string) string {
	for i := range ds {
		ds[i] = dayText(ds[i])
	}
	if len(ds) < 2 {
		return strings.Join(ds, "")
	}
	return strings.Join(ds[:len(ds)-1], ", ") + " or " + ds[len(ds)-1]
}

// dayText says a date with its weekday: "Monday 4 May 2026".
func dayText(iso string) string {
	if wd := dayWeekday(iso); wd >= 0 {
		return weekdayName(wd) + " " + format.Day(iso)
	}
	return iso
}

var errBillingConflict = "The billing settings were changed by someone else while you were editing them, so nothing you typed was saved"

// SetBilling changes a contract's billing settings, against the version
// the form was typed from (a different one is a conflict, and nothing
// changes). Tolerance and days to confirm apply to every cycle not yet
// confirmed. A change of the cycle (its length or starting weekday)
// takes effect from in.EffectiveFrom, which must be the first day of a
// cycle that starts today or later, after the last confirmed or invoiced
// cycle: cycles before it keep their dates, and the new cycles start on
// the first chosen weekday on or after it, the days between being one
// short bridging cycle (Billing.ChangeCycle). While no cycle of the
// contract is confirmed or invoiced the date may be left empty: the new
// cycle then applies to all its cycles.
//
// Storage: the history entry of the new version is inserted first with
// the _id "contract:version" (the claim: a second writer of the same
// version gets a duplicate key and a conflict), then the settings
// document is replaced by bare _id. A crash between the two leaves the
// history ahead of the settings; loading takes the newest history entry,
// so the change stands as a whole.
func (s *Service) SetBilling(ctx context.Context, p *auth.Principal, contractID string, expectedVersion int, in BillingInput) (Billing, error) {
	if err := mustManage(p); err != nil {
		return Billing{}, err
	}
	if err := s.ensureLoaded(ctx); err != nil {
		return Billing{}, err
	}
	if _, err := s.pay.Contract(ctx, p, contractID); err != nil {
		return Billing{}, err
	}
	cur := s.BillingOf(contractID)
	if cur.Version != expectedVersion {
		return Billing{}, fault.Conflictf("%s", errBillingConflict)
	}
	var f fault.Fields
	b := cur
	b.CycleFrom = ""
	freq := Frequency(in.Frequency)
	switch freq {
	case Weekly, FourWeekly:
	default:
		f.Add("frequency", "Select how often the contract is billed: weekly or four-weekly")
	}
	wd, err := strconv.Atoi(strings.TrimSpace(in.Weekday))
	if err != nil || wd < 0 || wd > 6 {
		f.Add("weekday", "Select the day of the week cycles start on")
	}
	num := func(field, label, v string, lo, hi int) int {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < lo || n > hi {
			f.Add(field, fmt.Sprintf("%s must be a whole number from %d to %d", label, lo, hi))
		}
		return n
	}
	b.TolerancePercent = num("tolerance_percent", "Tolerance in percent", in.TolerancePercent, 0, 50)
	if u, err := ParseUnits(in.ToleranceUnits); err != nil || u > 10000 {
		f.Add("tolerance_units", "Tolerance in units must be a number from 0 to 100, like 1 or 1.5")
	} else {
		b.ToleranceUnits = u
	}
	b.ConfirmDays = num("confirm_days", "Days to confirm", in.ConfirmDays, 1, 28)
	today := s.Today()
	fixed := s.LastFixedDay(contractID)
	choose := func() string {
		return "Choose the first day of a cycle that has not started, such as " + changeDatesText(cur.changeDates(today, fixed, 3))
	}
	if !f.Has("frequency") && !f.Has("weekday") {
		changed := freq != cur.Frequency || wd != cur.Weekday
		if strings.TrimSpace(in.EffectiveFrom) == "" {
			switch {
			case !changed:
			case fixed != "":
				f.Add("effective_from", "Enter the date the new cycle takes effect. Cycles of this contract are already confirmed or invoiced, so the change can only apply from a cycle that has not started. "+choose())
			default:
				// Nothing confirmed or invoiced: the new cycle applies to
				// every cycle of the contract.
				b.Patterns = nil
				b.Frequency, b.Weekday = freq, wd
				b.CycleFrom = "always"
			}
		} else if from, err := payments.ParseDate(in.EffectiveFrom); err != nil {
			f.Add("effective_from", "The date the new cycle takes effect "+err.Error())
		} else {
			start := cur.CycleStartOn(from)
			end := cur.CycleEnd(start)
			s.mu.RLock()
			_, conf := s.cycles[cycleID(contractID, start)]
			_, inv := s.bills[cycleID(contractID, start)]
			s.mu.RUnlock()
			day := dayText
			switch {
			case conf || inv:
				what := "confirmed by the provider"
				if inv {
					what = "invoiced"
				}
				f.Add("effective_from", fmt.Sprintf("%s is in the cycle from %s to %s, which is already %s; its dates cannot change. %s", day(from), day(start), day(end), what, choose()))
			case from < today:
				f.Add("effective_from", fmt.Sprintf("%s is in the past; a change of cycle cannot apply to days gone by. %s", day(from), choose()))
			case fixed != "" && from <= fixed:
				f.Add("effective_from", fmt.Sprintf("Cycles up to %s are already confirmed or invoiced. %s", day(fixed), choose()))
			case start != from:
				f.Add("effective_from", fmt.Sprintf("%s is not the first day of a cycle: it is part-way through the cycle from %s to %s. %s", day(from), day(start), day(end), choose()))
			default:
				b = b.ChangeCycle(freq, wd, from)
				b.CycleFrom = from
			}
		}
	}
	if err := f.Err(); err != nil {
		return Billing{}, err
	}
	b.Version = cur.Version + 1
	b.UpdatedAt = s.now().UTC()
	b.ByID, b.ByName = p.UserID, p.Name
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	logID := fmt.Sprintf("%s:%d", contractID, b.Version)
	if _, err := s.db.Collection(colBillingLog).InsertOne(ctx, BillingChange{ID: logID, Billing: b}); err != nil {
		if store.IsDuplicateKey(err) {
			// Someone else claimed this version: roll their change in
			// (this instance may not have seen it yet) and say so.
			if won, err := store.Get[BillingChange](ctx, s.db.Collection(colBillingLog), logID); err == nil {
				s.putBilling(&won.Billing)
			}
			return Billing{}, fault.Conflictf("%s", errBillingConflict)
		}
		return Billing{}, err
	}
	if err := s.writeBilling(ctx, b); err != nil {
		return Billing{}, err
	}
	s.putBilling(&b)
	return b, nil
}

// writeBilling replaces (or inserts) the settings document by bare _id.
func (s *Service) writeBilling(ctx context.Context, b Billing) error {
	_, err := s.db.Collection(colBilling).ReplaceOne(ctx, bson.D{{Key: "_id", Value: b.ContractID}}, b, options.Replace().SetUpsert(true))
	return err
}

// putBilling keeps b in memory unless a newer version is held.
func (s *Service) putBilling(b *Billing) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur, ok := s.billing[b.ContractID]; ok && cur.Version >= b.Version {
		return
	}
	cp := *b
	s.billing[b.ContractID] = &cp
	s.gen++
}

// ScheduleEntry is one coming cycle of a contract: when it runs, the last
// day to confirm it, and the latest day the council pays when it is
// confirmed by then (the invoice is received on the day of confirmation,
// and paid within the contract's terms).
type ScheduleEntry struct {
	ContractID, ContractRef, ContractTitle string
	Start, End, Deadline, PaymentBy        string
	Confirmed                              bool
	Invoiced                               bool
}

// Schedule lists, for each contract with packages p may see, the cycles
// from the one in progress (or the latest unconfirmed one) and the next n.
func (s *Service) Schedule(ctx context.Context, p *auth.Principal, n int) ([]ScheduleEntry, error) {
	if err := s.ensureLoaded(ctx); err != nil {
		return nil, err
	}
	if !p.IsStaff() && (p == nil || p.OrgID == "") {
		return nil, fault.Forbiddenf("Sign in as a provider or council staff")
	}
	today := s.Today()
	var out []ScheduleEntry
	for _, cid := range s.contractsOf(p) {
		c, err := s.pay.Contract(ctx, p, cid)
		if err != nil {
			continue
		}
		b := s.BillingOf(cid)
		terms := c.TermsDays
		start := b.CycleStartOn(payments.AddDays(today, -FourWeekly.Days()-b.ConfirmDays))
		for b.Deadline(start) < today {
			start = b.NextCycleStart(start)
		}
		for i := 0; i < n; i++ {
			id := cycleID(cid, start)
			s.mu.RLock()
			cy, conf := s.cycles[id]
			_, inv := s.bills[id]
			s.mu.RUnlock()
			e := ScheduleEntry{ContractID: cid, ContractRef: c.Reference, ContractTitle: c.Title, Start: start, End: b.CycleEnd(start),
				Deadline: b.Deadline(start), PaymentBy: payments.DueDate(b.Deadline(start), terms), Confirmed: conf, Invoiced: inv}
			if conf {
				e.PaymentBy = payments.DueDate(cy.ConfirmedDate, terms)
			}
			out = append(out, e)
			start = b.NextCycleStart(start)
		}
	}
	return out, nil
}

// contractsOf lists the contracts with packages p may see, by id.
func (s *Service) contractsOf(p *auth.Principal) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	seen := map[string]bool{}
	var out []string
	add := func(ids []string) {
		for _, id := range ids {
			pkg := s.pkgs[id]
			if pkg.PlacedDate != "" && !seen[pkg.ContractID] {
				seen[pkg.ContractID] = true
				out = append(out, pkg.ContractID)
			}
		}
	}
	if p.IsStaff() {
		for _, ids := range s.byOrg {
			add(ids)
		}
	} else {
		add(s.byOrg[p.OrgID])
	}
	sort.Strings(out)
	return out
}

// cycleID is the _id of a contract's cycle: contract and first day.
func cycleID(contractID, start string) string { return contractID + ":" + start }

// ContractCycle is one cycle of a contract and where it is.
type ContractCycle struct {
	CycleDates
	// Short: shorter than the cycle's length, the bridging cycle before a
	// change of weekday.
	Short     bool
	Confirmed bool
	Invoiced  bool
}

// CyclesAround lists n cycles of the contract, from the one before
// before cycles before the one that includes day. Staff only.
func (s *Service) CyclesAround(ctx context.Context, p *auth.Principal, contractID, day string, before, n int) ([]ContractCycle, error) {
	if !p.IsStaff() {
		return nil, fault.Forbiddenf("Only council staff see a contract's billing settings")
	}
	if err := s.ensureLoaded(ctx); err != nil {
		return nil, err
	}
	b := s.BillingOf(contractID)
	start := b.CycleStartOn(day)
	for i := 0; i < before; i++ {
		start = b.PrevCycleStart(start)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []ContractCycle
	for _, c := range b.CyclesFrom(start, n) {
		_, conf := s.cycles[cycleID(contractID, c.Start)]
		bl, inv := s.bills[cycleID(contractID, c.Start)]
		out = append(out, ContractCycle{CycleDates: c, Short: b.PatternOn(c.Start).Bridge(),
			Confirmed: conf, Invoiced: inv && bl.Generated})
	}
	return out, nil
}
