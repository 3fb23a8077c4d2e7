package payments

import "fmt"

// Status is where an invoice is in its lifecycle (see the package
// documentation).
type Status string

const (
	StatusSubmitted Status = "submitted" // received; the clock has started
	StatusQueried   Status = "queried"   // the council needs something; the provider is told why
	StatusApproved  Status = "approved"  // valid and undisputed
	StatusScheduled Status = "scheduled" // in a payment run with an expected payment date
	StatusPaid      Status = "paid"      // payment date, amount and reference recorded
	StatusRejected  Status = "rejected"  // refused, with a reason (terminal)
	StatusCancelled Status = "cancelled" // withdrawn by the provider before approval (terminal)
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{StatusSubmitted, StatusQueried, StatusApproved, StatusScheduled, StatusPaid, StatusRejected, StatusCancelled}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if v == s {
			return true
		}
	}
	return false
}

// Terminal reports whether nothing can follow s.
func (s Status) Terminal() bool {
	return s == StatusPaid || s == StatusRejected || s == StatusCancelled
}

// Unpaid reports whether the council still owes the invoice (approved or
// scheduled): the ones that can be overdue.
func (s Status) Unpaid() bool { return s == StatusApproved || s == StatusScheduled }

// Party is who takes a step.
type Party int

const (
	PartyProvider Party = iota + 1 // a user (or API token) of the invoice's provider organisation
	PartyStaff                     // council brokerage and payments staff, or an import they run
)

func (p Party) String() string {
	if p == PartyProvider {
		return "the provider"
	}
	return "council staff"
}

// step is one allowed arrow of the lifecycle.
type step struct {
	by        Party
	needsNote bool // a reason or answer the other side reads
	needsDate bool // the expected payment date (scheduled) or payment date (paid)
}

// lifecycle is the whole table of allowed steps: the package
// documentation's diagram, plus three arrows it implies:
//
//   - queried -> rejected: a query may show that the invoice cannot be paid
//     (wrong contract, service not delivered) without it going back to
//     submitted first;
//   - submitted/queried -> cancelled: "withdrawn by the provider before
//     approval" covers both states before approval;
//   - approved -> paid: the finance system's remittance file can pay an
//     invoice that was approved but never put in a portal payment run;
//     refusing it would leave the portal saying "unpaid" about money that
//     was paid.
//
// Not allowed: any step out of paid, rejected or cancelled; unscheduling
// (scheduled -> approved) — a changed payment run is recorded by paying on
// the real date.
var lifecycle = map[Status]map[Status]step{
	StatusSubmitted: {
		StatusQueried:   {by: PartyStaff, needsNote: true},
		StatusApproved:  {by: PartyStaff},
		StatusRejected:  {by: PartyStaff, needsNote: true},
		StatusCancelled: {by: PartyProvider},
	},
	StatusQueried: {
		StatusSubmitted: {by: PartyProvider, needsNote: true}, // the provider's answer
		StatusRejected:  {by: PartyStaff, needsNote: true},
		StatusCancelled: {by: PartyProvider},
	},
	StatusApproved: {
		StatusScheduled: {by: PartyStaff, needsDate: true},
		StatusPaid:      {by: PartyStaff, needsDate: true},
	},
	StatusScheduled: {
		StatusPaid: {by: PartyStaff, needsDate: true},
	},
}

// CanMove reports whether party may move an invoice from one status to
// another, and if not, why (a message for people).
func CanMove(from, to Status, by Party) error {
	st, ok := lifecycle[from][to]
	if !ok {
		return fmt.Errorf("an invoice that is %s cannot become %s", from.word(), to.word())
	}
	if st.by != by {
		return fmt.Errorf("only %s can make a %s invoice %s", st.by, from.word(), to.word())
	}
	return nil
}

// word is the status inside a message of this package ("payment
// scheduled"); pages name statuses themselves.
func (s Status) word() string {
	if s == StatusScheduled {
		return "payment scheduled"
	}
	return string(s)
}

// NextSteps lists the statuses party may move an invoice in status from to.
func NextSteps(from Status, by Party) []Status {
	var out []Status
	for _, to := range Statuses {
		if CanMove(from, to, by) == nil {
			out = append(out, to)
		}
	}
	return out
}

func stepOf(from, to Status) step { return lifecycle[from][to] }
