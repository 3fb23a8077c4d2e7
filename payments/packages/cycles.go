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
	TolerancePercent int       `bson:"tolerance_percent"`
	ToleranceUnits   int64     `bson:"tolerance_units"`
	ConfirmDays      int       `bson:"confirm_days"` // deadline: the cycle's last day + ConfirmDays
	Version          int       `bson:"version"`
	UpdatedAt        time.Time `bson:"updated_at"`
	ByID             string    `bson:"by_id,omitempty"`
	ByName           string    `bson:"by_name,omitempty"`
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

// CycleStartOn is the first day of the cycle that includes day.
func (b Billing) CycleStartOn(day string) string {
	origin := cycleOrigin(b.Weekday)
	n := payments.DaysBetween(origin, day)
	l := b.Frequency.Days()
	k := n / l
	if n < 0 && n%l != 0 {
		k--
	}
	return payments.AddDays(origin, k*l)
}

// IsCycleStart reports whether day is the first day of a cycle.
func (b Billing) IsCycleStart(day string) bool { return b.CycleStartOn(day) == day }

// CycleEnd is the last day of the cycle starting on start.
func (b Billing) CycleEnd(start string) string { return payments.AddDays(start, b.Frequency.Days()-1) }

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

// BillingInput is the settings form.
type BillingInput struct {
	Frequency, Weekday, TolerancePercent, ToleranceUnits, ConfirmDays string
}

// SetBilling changes a contract's billing settings. Changing the cycle of
// a contract that already has confirmed cycles is refused (their dates
// would no longer line up).
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
		return Billing{}, fault.Conflictf("The billing settings were changed by someone else; check them and try again")
	}
	var f fault.Fields
	b := cur
	switch Frequency(in.Frequency) {
	case Weekly, FourWeekly:
		b.Frequency = Frequency(in.Frequency)
	default:
		f.Add("frequency", "Select how often the contract is billed")
	}
	wd, err := strconv.Atoi(strings.TrimSpace(in.Weekday))
	if err != nil || wd < 0 || wd > 6 {
		f.Add("weekday", "Select the day cycles start on")
	} else {
		b.Weekday = wd
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
	if err := f.Err(); err != nil {
		return Billing{}, err
	}
	if b.Frequency != cur.Frequency || b.Weekday != cur.Weekday {
		s.mu.RLock()
		for _, c := range s.cycles {
			if c.ContractID == contractID {
				s.mu.RUnlock()
				return Billing{}, fault.Conflictf("Cycles of this contract are already confirmed; its cycle cannot change")
			}
		}
		s.mu.RUnlock()
	}
	b.Version = cur.Version + 1
	b.UpdatedAt = s.now().UTC()
	b.ByID, b.ByName = p.UserID, p.Name
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	// The claim: the history entry of this version, inserted once, which
	// makes the version check exact on MongoDB too.
	if _, err := s.db.Collection(colBillingLog).InsertOne(ctx, BillingChange{ID: fmt.Sprintf("%s:%d", contractID, b.Version), Billing: b}); err != nil {
		if store.IsDuplicateKey(err) {
			return Billing{}, fault.Conflictf("The billing settings were changed by someone else; check them and try again")
		}
		return Billing{}, err
	}
	if b.Version == 1 {
		_, err = s.db.Collection(colBilling).InsertOne(ctx, b)
		if store.IsDuplicateKey(err) {
			return Billing{}, fault.Conflictf("The billing settings were changed by someone else; check them and try again")
		}
	} else {
		// Replace by bare _id: the history insert above claimed this version.
		_, err = s.db.Collection(colBilling).ReplaceOne(ctx, bson.D{{Key: "_id", Value: contractID}}, b, options.Replace())
	}
	if err != nil {
		return Billing{}, err
	}
	s.mu.Lock()
	s.billing[contractID] = &b
	s.gen++
	s.mu.Unlock()
	return b, nil
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
		start := b.CycleStartOn(payments.AddDays(today, -b.Frequency.Days()-b.ConfirmDays))
		for b.Deadline(start) < today {
			start = payments.AddDays(start, b.Frequency.Days())
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
			start = payments.AddDays(start, b.Frequency.Days())
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
