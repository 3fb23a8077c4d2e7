// Package metrics computes the council's payment-performance figures from a
// plain list of invoices: Procurement Regulations 2024 reg 38 (payments
// compliance notices), Public Contracts Regulations 2015 reg 113(7),
// statutory interest under the Late Payment of Commercial Debts (Interest)
// Act 1998, ageing of approved unpaid invoices, the Fair Payment Code band
// and time spent queried.
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
	// SmallSupplier is true when the supplier is a small business (fewer
	// than 50 employees; the contract's SME flag). Used by the Fair Payment
	// Code Silver test.
	SmallSupplier bool
	GrossPence    int64
	// Received is the invoice day: the day the council received it.
	Received Date
	// Due is the day payment is due (set at approval). Zero when not yet
	// fixed; then DueDate falls back to the Procurement Act 2023 s68 term.
	Due Date
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

// DueDate is the day payment falls due. When approval has not fixed one,
// it is the last day of the 30 days beginning with the day the invoice was
// received (Procurement Act 2023 s68(2)): Received + 29.
//
// Decision: an invoice that nobody has approved or queried still becomes
// payable on that day, because s68 runs from receipt, not from approval.
func (inv *Invoice) DueDate() Date {
	if !inv.Due.IsZero() {
		return inv.Due
	}
	if inv.Received.IsZero() {
		return 0
	}
	return inv.Received.AddDays(29)
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

// Settled is the day the invoice was paid in full: the day of the payment
// that brought the total paid up to the gross amount. If the payments
// never reach the gross amount but the invoice is marked paid, it is the
// day of the last payment (the council recorded the invoice as settled for
// less, e.g. after a credit note). Zero when not settled.
func (inv *Invoice) Settled() Date {
	var sum int64
	for _, p := range inv.Payments {
		sum += p.Pence
		if sum >= inv.GrossPence {
			return p.On
		}
	}
	if inv.Status == Paid && len(inv.Payments) > 0 {
		return inv.Payments[len(inv.Payments)-1].On
	}
	return 0
}

// everApproved reports whether the invoice was approved (or went further
// down the payment path) at any time.
func (inv *Invoice) everApproved() bool {
	for _, c := range inv.History {
		switch c.To {
		case Approved, Scheduled, Paid:
			return true
		}
	}
	switch inv.Status {
	case Approved, Scheduled, Paid:
		return true
	}
	return false
}

// terminalVoid reports whether the invoice's current status is rejected
// or cancelled.
func (inv *Invoice) terminalVoid() bool {
	return inv.Status == Rejected || inv.Status == Cancelled
}

// Scope selects invoices: the whole council (zero Scope), one provider
// organisation, one contract, one service type, or a combination.
type Scope struct {
	OrgID       string
	ContractRef string
	ServiceType string
}

// Matches reports whether the invoice is in scope.
func (s Scope) Matches(inv *Invoice) bool {
	return (s.OrgID == "" || inv.OrgID == s.OrgID) &&
		(s.ContractRef == "" || inv.ContractRef == s.ContractRef) &&
		(s.ServiceType == "" || inv.ServiceType == s.ServiceType)
}

// IsAll reports whether the scope is the whole council.
func (s Scope) IsAll() bool { return s == Scope{} }
