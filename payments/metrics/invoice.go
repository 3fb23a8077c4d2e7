// Package metrics computes the council's payment-performance figures from a
// plain list of invoices: Procurement Regulations 2024 reg 38 (payments
// compliance notices), Public Contracts Regulations 2015 reg 113(7),
// statutory interest under the Late Payment of Commercial Debts (Interest)
// Act 1998, ageing of unpaid invoices (approved or not), the Fair Payment
// Code band and time spent queried. One rule for the Procurement Act 2023
// s68(2) deadline and disputes (Invoice.ClockOn) serves every figure.
//
// It is pure Go: no store, no HTTP, no clock (callers pass "today"). Money
// is int64 pence; dates are Europe/London calendar dates (Date). Every
// decision about what counts is written beside the code that makes it and
// collected in Notes, which every report shows.
package metrics

// Status is an invoice lifecycle status (the statuses of package payments).
type Status string

// The lifecycle statuses.
const (
	Submitted Status = "submitted"
	Queried   Status = "queried"
	Approved  Status = "approved"
	Scheduled Status = "scheduled"
	Paid      Status = "paid"
	Rejected  Status = "rejected"
	Cancelled Status = "cancelled"
)

// Change is one step of an invoice's status history: on day On it moved
// to status To.
type Change struct {
	On Date
	To Status
}

// Payment is a sum paid (to the supplier, or as interest) on a day.
type Payment struct {
	On    Date
	Pence int64
	Ref   string // the payment (remittance) reference, for exports
}

// Regime is the law a contract was procured under, which decides the
// annual report its invoices belong to.
type Regime string

// The two regimes. The zero Regime is read as RegimePA2023.
const (
	// RegimePA2023: the Procurement Act 2023 (payments compliance notices,
	// Procurement Regulations 2024 reg 38).
	RegimePA2023 Regime = "pa2023"
	// RegimePCR2015: the Public Contracts Regulations 2015, revoked on
	// 24 February 2025 but saved for procurements begun before then
	// (the reg 113(7) late payment report).
	RegimePCR2015 Regime = "pcr2015"
)

// ActCommenced is the day the Procurement Act 2023 came into force and
// the Public Contracts Regulations 2015 were revoked.
var ActCommenced = MustDate("2025-02-24")

// DefaultRegime is the regime of a contract that does not say: PCR 2015
// when it started before 24 February 2025, the Act otherwise (and when
// the start is unknown). A contract that started later but whose
// procurement began before that day must be marked PCR 2015 by hand.
func DefaultRegime(contractStart Date) Regime {
	if !contractStart.IsZero() && contractStart < ActCommenced {
		return RegimePCR2015
	}
	return RegimePA2023
}

// Invoice is what the figures need to know about one invoice. The
// payments package's read model is adapted into this shape.
type Invoice struct {
	ID          string
	Number      string // the supplier's invoice number, for lists
	OrgID       string
	OrgName     string
	SupplierRef string
	ContractRef string
	ServiceType string
	// Regime is the law the contract was procured under ("" = the Act).
	Regime Regime
	// SmallSupplier is true when the supplier is a small business (fewer
	// than 50 staff: the organisation's "small business" flag, not its SME
	// flag). Used by the Fair Payment Code Silver test.
	SmallSupplier bool
	GrossPence    int64
	// Received is the invoice day: the day the council received it.
	Received Date
	// FallsDue is the day payment falls due under the invoice itself (the
	// due date the invoice gives), zero when it gives none. When it is
	// later than the day of receipt the s68(2) period begins on it.
	FallsDue Date
	// TermsDays are the contract's or organisation's payment terms when
	// shorter than 30 days (0 means the statutory 30).
	TermsDays int
	// Status is the current status; History lists every change, oldest
	// first (the first entry is normally "submitted" on Received).
	Status  Status
	History []Change
	// Payments are the sums paid to the supplier against the invoice, in
	// date order (more than one for an invoice paid in instalments).
	Payments []Payment
	// InterestPaid are payments of late-payment interest (and fixed sums)
	// that staff recorded against the invoice.
	InterestPaid []Payment
}

// RegimeOf is the invoice's regime, the Act when unset.
func (inv *Invoice) RegimeOf() Regime {
	if inv.Regime == "" {
		return RegimePA2023
	}
	return inv.Regime
}

// Clock is where an invoice stands under Procurement Act 2023 s68(2) at
// the end of a day (Invoice.ClockOn).
type Clock struct {
	// Disputed: the council disputes the invoice (it is queried, and the
	// query was raised before the payment period ran out), so the s68(2)
	// duty does not apply: there is no deadline, nothing is payable,
	// overdue or earning interest.
	Disputed bool
	// ValidFrom is the day the invoice became valid and undisputed: the
	// day of receipt, or the day its last dispute ended.
	ValidFrom Date
	// Deadline is the last day of the payment period (zero while
	// disputed): the period of 30 days (or shorter terms) beginning with
	// the later of ValidFrom and the day payment falls due under the
	// invoice, so the deadline is that day + 29.
	Deadline Date
}

// Deadline is the s68(2) deadline for an invoice received on received
// whose own due date is fallsDue (zero when it gives none), with terms of
// termsDays (0 or over 30 means 30): the last day of the period of
// termsDays days beginning with the later of the two days. The invoice's
// own due date starts the period; it is not itself the deadline.
func Deadline(received, fallsDue Date, termsDays int) Date {
	if received.IsZero() {
		return 0
	}
	if termsDays <= 0 || termsDays > 30 {
		termsDays = 30
	}
	start := received
	if fallsDue > start {
		start = fallsDue
	}
	return start.AddDays(termsDays - 1)
}

// ClockOn is the invoice's s68(2) position at the end of day d, from its
// history up to d. This is the one rule for disputes, used by reg
// 38(2)(d), interest, ageing, the overdue counts and reg 113:
//
//   - The period begins with the day of receipt or, if later, the day
//     payment falls due under the invoice; the deadline is its last day.
//   - A query raised on or before the deadline is a dispute: while it is
//     open the s68(2) duty does not apply (no deadline). When it ends
//     (the invoice leaves "queried" for any status) the invoice is valid
//     and undisputed from that day, and a new period begins with that day
//     (or the invoice's own due date, if later).
//   - A query raised after the deadline has passed does not stop the
//     clock: the council did not dispute the invoice in time, so it was
//     already late and stays late.
func (inv *Invoice) ClockOn(d Date) Clock {
	if inv.Received.IsZero() || inv.Received > d {
		return Clock{}
	}
	c := Clock{ValidFrom: inv.Received, Deadline: Deadline(inv.Received, inv.FallsDue, inv.TermsDays)}
	st := Submitted
	for _, ch := range inv.History {
		if ch.On > d {
			break
		}
		switch {
		case ch.To == Queried && st != Queried:
			if !c.Disputed && ch.On <= c.Deadline {
				c.Disputed = true
			}
		case ch.To != Queried && st == Queried && c.Disputed:
			c.Disputed = false
			c.ValidFrom = ch.On
			c.Deadline = Deadline(ch.On, inv.FallsDue, inv.TermsDays)
		}
		st = ch.To
	}
	if c.Disputed {
		c.Deadline = 0
	}
	return c
}

// StatusOn is the invoice's status at the end of day d, replayed from the
// history. Before the first recorded change it is "submitted" if the
// invoice had been received by then, else "".
func (inv *Invoice) StatusOn(d Date) Status {
	var st Status
	if !inv.Received.IsZero() && inv.Received <= d {
		st = Submitted
	}
	for _, c := range inv.History {
		if c.On > d {
			break
		}
		st = c.To
	}
	return st
}

// PaidBy is the total paid to the supplier on or before day d.
func (inv *Invoice) PaidBy(d Date) int64 {
	var sum int64
	for _, p := range inv.Payments {
		if p.On <= d {
			sum += p.Pence
		}
	}
	return sum
}

// Settled is the day the invoice was paid in full, as far as is known at
// the end of day asOf: the day of the payment (on or before asOf) that
// brought the total paid up to the gross amount. If the payments by then
// never reach the gross amount but the invoice was marked paid by asOf, it
// is the day of the last payment (the council recorded the invoice as
// settled for less, e.g. after a credit note). Zero when not settled.
func (inv *Invoice) Settled(asOf Date) Date {
	var sum int64
	var last Date
	for _, p := range inv.Payments {
		if p.On > asOf {
			break
		}
		sum += p.Pence
		last = p.On
		if sum >= inv.GrossPence {
			return p.On
		}
	}
	if !last.IsZero() && inv.StatusOn(asOf) == Paid {
		return last
	}
	return 0
}

// voidOn reports whether the invoice was rejected or cancelled by the end
// of day d.
func (inv *Invoice) voidOn(d Date) bool {
	st := inv.StatusOn(d)
	return st == Rejected || st == Cancelled
}

// Overdue is the invoice's overdue position at the end of day asOf, the
// one rule for ageing, the overdue counts and the top-overdue list: an
// invoice received by then, not rejected, cancelled or marked paid, not
// disputed (ClockOn: a query raised after the deadline does not stop the
// clock), with something unpaid; approved or not. daysOver is asOf minus
// the deadline (0 or less: not yet due).
func (inv *Invoice) Overdue(asOf Date) (daysOver int, unpaid int64, ok bool) {
	switch inv.StatusOn(asOf) {
	case Submitted, Queried, Approved, Scheduled:
	default:
		return 0, 0, false
	}
	c := inv.ClockOn(asOf)
	if c.Disputed {
		return 0, 0, false
	}
	unpaid = inv.GrossPence - inv.PaidBy(asOf)
	if unpaid <= 0 {
		return 0, 0, false
	}
	return asOf.Sub(c.Deadline), unpaid, true
}

// Scope selects invoices: the whole council (zero Scope), one provider
// organisation, one contract, one service type, one regime (the payments
// compliance notice covers the Act's contracts, the reg 113 report PCR
// 2015 ones), or a combination.
type Scope struct {
	OrgID       string
	ContractRef string
	ServiceType string
	Regime      Regime
}

// Matches reports whether the invoice is in scope.
func (s Scope) Matches(inv *Invoice) bool {
	return (s.OrgID == "" || inv.OrgID == s.OrgID) &&
		(s.ContractRef == "" || inv.ContractRef == s.ContractRef) &&
		(s.ServiceType == "" || inv.ServiceType == s.ServiceType) &&
		(s.Regime == "" || inv.RegimeOf() == s.Regime)
}

// IsAll reports whether the scope is the whole council.
func (s Scope) IsAll() bool { return s == Scope{} }
