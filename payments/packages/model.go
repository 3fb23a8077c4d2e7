// Package packages is the care packages domain: brokerage places a package
// of care for a person with a provider, the provider accepts it, confirms
// the care delivered each billing cycle (actuals), and the confirmed
// actuals become invoices through the payments lifecycle.
//
// It knows nothing of HTTP. Every method takes the acting *auth.Principal
// and checks visibility itself: a provider sees only the packages placed
// with it (anything else is a fault.NotFound), council staff see all, and
// only brokerage staff and administrators change packages.
//
// Storage follows the house rules (payments/doc.go): packages change by
// store.Changes (an inserted event with a deterministic id, then the
// snapshot by bare _id), and every other step is one insert with a
// deterministic _id — a cycle's confirmation, a decision on a difference,
// a cycle's billing — so a second writer of the same step gets a
// duplicate key and is told it happened already. Everything is also held
// in memory for the pages.
//
// Personal data (client name, date of birth) is never logged: logs and
// notifications name the package reference.
package packages

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"careportal/payments"
)

// Collections the packages domain owns.
const (
	colPackages   = "care_packages"
	colEvents     = "care_package_events"
	colPending    = "care_package_pending"
	colBilling    = "care_billing_settings"
	colBillingLog = "care_billing_history"
	colCycles     = "care_cycles"
	colDrafts     = "care_actual_drafts"
	colDecisions  = "care_actual_decisions"
	colBills      = "care_bills"
	colUplifts    = "care_rate_uplifts"
)

// Status is where a package is.
type Status string

const (
	Proposed  Status = "proposed"  // placed by brokerage, waiting for the provider
	Active    Status = "active"    // accepted by the provider
	Declined  Status = "declined"  // the provider declined it (with a reason)
	Suspended Status = "suspended" // paused (hospital admission, respite)
	Ended     Status = "ended"     // finished (with a reason)
)

// Statuses lists every status in the order lists show them.
var Statuses = []Status{Proposed, Active, Suspended, Ended, Declined}

// Unit is what a package's units count.
type Unit string

const (
	Hour  Unit = "hour"
	Visit Unit = "visit"
	Night Unit = "night"
	Week  Unit = "week"
	Day   Unit = "day"
)

// Units lists every unit in the order forms show them.
var Units = []Unit{Hour, Visit, Night, Week, Day}

// plural is the unit in this package's messages ("hours").
func (u Unit) plural() string { return string(u) + "s" }

// MaxPerWeek is the most units of u one person can receive in a week:
// more is a typing mistake (168 hours, 70 visits, 7 nights or days, 1
// week).
func (u Unit) MaxPerWeek() int64 {
	switch u {
	case Hour:
		return 168 * 100
	case Visit:
		return 70 * 100
	case Night, Day:
		return 7 * 100
	case Week:
		return 1 * 100
	}
	return 0
}

// ParseUnit accepts a unit's name in any case, singular or plural.
func ParseUnit(s string) (Unit, bool) {
	k := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), "s")
	for _, u := range Units {
		if string(u) == k {
			return u, true
		}
	}
	return "", false
}

// Units are counted in hundredths (10.5 hours is 1050), so that sums and
// money stay whole numbers.

// ParseUnits reads a number of units as people write it ("10", "10.5",
// "7.25"): not negative, at most two decimal places, returned in
// hundredths.
func ParseUnits(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("is empty")
	}
	if strings.HasPrefix(s, "-") {
		return 0, fmt.Errorf("must not be negative")
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" {
		whole = "0"
	}
	if len(whole) > 6 || strings.IndexFunc(whole, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return 0, fmt.Errorf("must be a number, like 10 or 10.5")
	}
	if hasFrac && (frac == "" || len(frac) > 2 || strings.IndexFunc(frac, func(r rune) bool { return r < '0' || r > '9' }) >= 0) {
		if len(frac) > 2 {
			return 0, fmt.Errorf("must have no more than 2 decimal places")
		}
		return 0, fmt.Errorf("must be a number, like 10 or 10.5")
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f := int64(0)
	if frac != "" {
		f, _ = strconv.ParseInt(frac, 10, 64)
		if len(frac) == 1 {
			f *= 10
		}
	}
	return w*100 + f, nil
}

// FormatUnits writes hundredths of a unit as people read them: "10",
// "10.5", "7.25".
func FormatUnits(u int64) string {
	neg := u < 0
	if neg {
		u = -u
	}
	s := strconv.FormatInt(u/100, 10)
	if f := u % 100; f != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%02d", f), "0")
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Reason says why the delivered units differ from the plan.
type Reason string

const (
	ReasonNone      Reason = ""
	ReasonHospital  Reason = "hospital"
	ReasonCancelled Reason = "cancelled"
	ReasonStaffing  Reason = "staffing"
	ReasonDied      Reason = "died"
	ReasonOther     Reason = "other"
)

// Reasons lists every reason for a difference, in the order forms show them.
var Reasons = []Reason{ReasonHospital, ReasonCancelled, ReasonStaffing, ReasonDied, ReasonOther}

// name is the reason as forms and import files spell it, which ParseReason
// accepts too.
func (r Reason) name() string {
	switch r {
	case ReasonHospital:
		return "Person in hospital"
	case ReasonCancelled:
		return "Cancelled by the person"
	case ReasonStaffing:
		return "We could not staff it"
	case ReasonDied:
		return "The person died"
	case ReasonOther:
		return "Other"
	}
	return string(r)
}

// ParseReason accepts a reason's slug or label in any case; empty is no
// reason.
func ParseReason(s string) (Reason, bool) {
	k := strings.ToLower(strings.TrimSpace(s))
	if k == "" {
		return ReasonNone, true
	}
	for _, r := range Reasons {
		if string(r) == k || strings.ToLower(r.name()) == k {
			return r, true
		}
	}
	return "", false
}

// Details are the fields brokerage sets on a package. ClientName and
// DateOfBirth are personal data.
type Details struct {
	Ref          string               `bson:"ref"`
	ClientRef    string               `bson:"client_ref"`
	ClientName   string               `bson:"client_name"`
	DateOfBirth  string               `bson:"date_of_birth"`
	OrgID        string               `bson:"org_id"`
	OrgName      string               `bson:"org_name"`
	SupplierRef  string               `bson:"supplier_ref"`
	ContractID   string               `bson:"contract_id"`
	ContractRef  string               `bson:"contract_ref"`
	ServiceType  payments.ServiceType `bson:"service_type"`
	Unit         Unit                 `bson:"unit"`
	UnitsPerWeek int64                `bson:"units_per_week"` // hundredths
	// Schedule is the optional weekly visit schedule, Monday first; when
	// set, UnitsPerWeek is what it adds up to.
	Schedule    []PlannedVisit `bson:"schedule,omitempty"`
	StartDate   string         `bson:"start_date"`
	EndDate     string         `bson:"end_date,omitempty"` // planned end, optional
	RequestDate string         `bson:"request_date,omitempty"`
	Note        string         `bson:"note,omitempty"`
}

// Rate is a rate per unit in pence, in force from a day (until the next
// rate's day).
type Rate struct {
	From  string `bson:"from"`
	Pence int64  `bson:"pence"`
}

// Package is the snapshot of one care package (the document in
// care_packages; its events are in care_package_events).
type Package struct {
	ID      string `bson:"_id"`
	Details `bson:",inline"`
	Status  Status `bson:"status"`
	// Rates by day, oldest first, stored as two scalar arrays.
	RateFrom  []string `bson:"rate_from"`
	RatePence []int64  `bson:"rate_pence"`

	PlacedDate    string   `bson:"placed_date,omitempty"` // the day the provider accepted
	Reason        string   `bson:"reason,omitempty"`      // the latest decline, suspension or end reason
	EndedDate     string   `bson:"ended_date,omitempty"`  // last day of care, when ended
	SuspendedFrom []string `bson:"suspended_from"`        // suspensions, first day
	SuspendedTo   []string `bson:"suspended_to"`          // and last day ("" while open)

	Version   int       `bson:"version"`
	CreatedAt time.Time `bson:"created_at"`
	UpdatedAt time.Time `bson:"updated_at"`
}

// Rates returns the package's dated rates, oldest first.
func (p *Package) Rates() []Rate {
	out := make([]Rate, len(p.RateFrom))
	for i := range p.RateFrom {
		out[i] = Rate{From: p.RateFrom[i], Pence: p.RatePence[i]}
	}
	return out
}

// RateOn is the rate in force on day (0 before the first rate).
func (p *Package) RateOn(day string) int64 {
	var r int64
	for i, f := range p.RateFrom {
		if f <= day {
			r = p.RatePence[i]
		}
	}
	return r
}

// LastDay is the last day of care: the ended date, else the planned end
// date ("" when open-ended).
func (p *Package) LastDay() string {
	if p.EndedDate != "" {
		return p.EndedDate
	}
	return p.EndDate
}

// CaresOn reports whether the package provides care on day: accepted,
// within its dates and not suspended.
func (p *Package) CaresOn(day string) bool {
	if p.PlacedDate == "" || day < p.StartDate {
		return false
	}
	if last := p.LastDay(); last != "" && day > last {
		return false
	}
	for i, f := range p.SuspendedFrom {
		if day >= f && (p.SuspendedTo[i] == "" || day <= p.SuspendedTo[i]) {
			return false
		}
	}
	return true
}

// Initials are the client's initials, what lists show instead of the name.
func (p *Package) Initials() string { return Initials(p.ClientName) }

// Initials of a name: "Mary Ann Smith" is "M. A. S.".
func Initials(name string) string {
	var b strings.Builder
	for _, w := range strings.Fields(name) {
		r := []rune(w)[0]
		if unicode.IsLetter(r) {
			b.WriteRune(unicode.ToUpper(r))
			b.WriteString(". ")
		}
	}
	return strings.TrimSpace(b.String())
}

// Event is one step in a package's history.
type Event struct {
	Seq    int       `bson:"seq"`
	At     time.Time `bson:"at"`
	ByID   string    `bson:"by_id"`
	ByName string    `bson:"by_name"`
	Action string    `bson:"action"` // create, update, accept, decline, suspend, resume, end, rate
	From   Status    `bson:"from,omitempty"`
	To     Status    `bson:"to"`
	Reason string    `bson:"reason,omitempty"`
	Date   string    `bson:"date,omitempty"`    // the day it takes effect
	DateTo string    `bson:"date_to,omitempty"` // a suspension's expected last day
	Pence  int64     `bson:"pence,omitempty"`   // a rate change's rate
	// Fields are the package's details, for create and update.
	Fields *Details `bson:"fields,omitempty"`
	Source string   `bson:"source,omitempty"` // portal, import, api
}

// apply moves a package through one event. Slices are copied, so copies
// handed out earlier stay as they were.
func (p *Package) apply(ev Event) {
	p.Version = ev.Seq
	p.UpdatedAt = ev.At
	p.Status = ev.To
	switch ev.Action {
	case "create":
		p.Details = *ev.Fields
		p.CreatedAt = ev.At
		p.RateFrom = []string{ev.Fields.StartDate}
		p.RatePence = []int64{ev.Pence}
		p.SuspendedFrom, p.SuspendedTo = []string{}, []string{}
	case "update":
		p.Details = *ev.Fields
		if len(p.RateFrom) == 1 {
			p.RateFrom = []string{ev.Fields.StartDate}
			p.RatePence = []int64{ev.Pence}
		}
	case "accept":
		p.PlacedDate = ev.Date
	case "decline":
		p.Reason = ev.Reason
	case "suspend":
		p.Reason = ev.Reason
		p.SuspendedFrom = append(append([]string{}, p.SuspendedFrom...), ev.Date)
		p.SuspendedTo = append(append([]string{}, p.SuspendedTo...), "")
	case "resume":
		to := append([]string{}, p.SuspendedTo...)
		if n := len(to); n > 0 {
			to[n-1] = payments.AddDays(ev.Date, -1)
		}
		p.SuspendedTo = to
		p.Reason = ""
	case "end":
		p.Reason = ev.Reason
		p.EndedDate = ev.Date
		if n := len(p.SuspendedTo); n > 0 && p.SuspendedTo[n-1] == "" {
			to := append([]string{}, p.SuspendedTo...)
			to[n-1] = ev.Date
			p.SuspendedTo = to
		}
	case "rate":
		from := []string{}
		pence := []int64{}
		placed := false
		for i, f := range p.RateFrom {
			if f == ev.Date {
				continue
			}
			if !placed && f > ev.Date {
				from, pence = append(from, ev.Date), append(pence, ev.Pence)
				placed = true
			}
			from, pence = append(from, f), append(pence, p.RatePence[i])
		}
		if !placed {
			from, pence = append(from, ev.Date), append(pence, ev.Pence)
		}
		p.RateFrom, p.RatePence = from, pence
	}
}
