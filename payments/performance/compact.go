package performance

import (
	"sync"

	"careportal/payments/metrics"
)

// The adapted invoices are held compactly (about a hundred bytes an
// invoice beyond the payments read model instead of about four hundred):
// what an invoice shares with others of the same provider and contract
// (organisation, names, contract reference, service type, regime, small
// business flag) is held once (party); the status history and the
// payments are packed into one slice of integers; the payment references
// and interest payments, which the figures do not sum, sit apart and only
// when there are some. An invoice is expanded back into a metrics.Invoice
// (into a reused buffer) when its contribution is worked out; anything
// that does not fit the packing (an unknown status, a date out of range)
// keeps its adapted form whole.

// party is what many invoices share.
type party struct {
	orgID, orgName, supplierRef, contractRef, serviceType string
	regime                                                metrics.Regime
	small                                                 bool
}

// parties interns parties (a few per provider).
type parties struct {
	mu sync.Mutex
	m  map[party]*party
}

func (ps *parties) of(p party) *party {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.m == nil {
		ps.m = map[party]*party{}
	}
	if x, ok := ps.m[p]; ok {
		return x
	}
	x := &p
	ps.m[p] = x
	return x
}

var statusCodes = []metrics.Status{"", metrics.Submitted, metrics.Queried, metrics.Approved, metrics.Scheduled, metrics.Paid, metrics.Rejected, metrics.Cancelled}

func statusCode(s metrics.Status) (uint64, bool) {
	for i, c := range statusCodes {
		if c == s {
			return uint64(i), true
		}
	}
	return 0, false
}

// entryExtra holds what few invoices have, or an invoice that does not
// pack.
type entryExtra struct {
	refs     []string // payment references of an invoice paid in parts, by payment (nil when none has one)
	interest []metrics.Payment
	full     *metrics.Invoice // the invoice as adapted, when it does not pack
}

// activeSpan is the span of days outside which the invoice adds nothing
// to any figure: first is its earliest day (receipt, a status change, a
// payment or an interest payment; zero when it has none), last its latest
// day, or the day after its final deadline if later, and past every day
// (maxDay) while it is still open. A report for [from, to] taken as of
// asOf adds nothing for it when first > asOf (nothing had happened yet)
// or last < from (it was closed before the period began: rejected or
// cancelled, or paid in full, with every payment, status change, interest
// payment and its deadline before from). Payments of an invoice marked
// paid for less than it is for keep it open: interest runs on the rest.
func activeSpan(m *metrics.Invoice) (first, last metrics.Date) {
	see := func(d metrics.Date) {
		if d.IsZero() {
			return
		}
		if first.IsZero() || d < first {
			first = d
		}
		if d > last {
			last = d
		}
	}
	see(m.Received)
	for _, c := range m.History {
		see(c.On)
	}
	for _, p := range m.Payments {
		see(p.On)
	}
	for _, p := range m.InterestPaid {
		see(p.On)
	}
	if m.Received.IsZero() || first < 0 || last < 0 {
		return 0, maxDay // not worth reasoning about
	}
	st := m.StatusOn(maxDay)
	void := st == metrics.Rejected || st == metrics.Cancelled
	if !void && m.PaidBy(maxDay) < m.GrossPence {
		return first, maxDay
	}
	if c := m.ClockOn(maxDay); !c.Deadline.IsZero() && c.Deadline.AddDays(1) > last {
		last = c.Deadline.AddDays(1)
	}
	return first, last
}

// maxDay is after every day the figures meet.
const maxDay = metrics.Date(1 << 30)

// relevant reports whether e may add anything to a report for a period
// beginning on from taken as of asOf (activeSpan).
func (e *entry) relevant(from, asOf metrics.Date) bool {
	return e.first <= asOf && e.last >= from
}

// compactOf packs an adapted invoice.
func compactOf(m *metrics.Invoice, key entryKey, ps *parties) *entry {
	e := &entry{key: key}
	e.first, e.last = activeSpan(m)
	full := func() *entry {
		c := *m
		e.extra = &entryExtra{full: &c}
		return e
	}
	st, ok := statusCode(m.Status)
	if !ok || len(m.History) > 0xFFFF || m.TermsDays < -0x8000 || m.TermsDays > 0x7FFF {
		return full()
	}
	e.id, e.number = m.ID, m.Number
	e.p = ps.of(party{orgID: m.OrgID, orgName: m.OrgName, supplierRef: m.SupplierRef, contractRef: m.ContractRef,
		serviceType: m.ServiceType, regime: m.Regime, small: m.SmallSupplier})
	e.gross, e.received, e.fallsDue, e.terms, e.status = m.GrossPence, m.Received, m.FallsDue, int16(m.TermsDays), uint8(st)
	e.nh = uint16(len(m.History))
	e.ev = make([]uint64, 0, len(m.History)+2*len(m.Payments))
	for _, c := range m.History {
		code, ok := statusCode(c.To)
		if !ok || c.On < 0 {
			return full()
		}
		e.ev = append(e.ev, uint64(c.On)<<8|code)
	}
	var refs []string
	for k, p := range m.Payments {
		e.ev = append(e.ev, uint64(uint32(p.On)), uint64(p.Pence))
		switch {
		case p.Ref == "":
		case len(m.Payments) == 1:
			ref := p.Ref
			e.ref = &ref
		default:
			if refs == nil {
				refs = make([]string, len(m.Payments))
			}
			refs[k] = p.Ref
		}
	}
	if refs != nil || m.InterestPaid != nil {
		e.extra = &entryExtra{refs: refs, interest: m.InterestPaid}
	}
	return e
}

// scratch is a reusable invoice to expand entries into.
type scratch struct {
	m metrics.Invoice
	h []metrics.Change
	p []metrics.Payment
}

// expand unpacks e into sc (its slices reused; the result is good until
// the next expand into sc) or, with a nil sc, into a new invoice.
func (e *entry) expand(sc *scratch) *metrics.Invoice {
	if e.extra != nil && e.extra.full != nil {
		return e.extra.full
	}
	if sc == nil {
		sc = &scratch{}
	}
	m := &sc.m
	*m = metrics.Invoice{ID: e.id, Number: e.number, OrgID: e.p.orgID, OrgName: e.p.orgName, SupplierRef: e.p.supplierRef,
		ContractRef: e.p.contractRef, ServiceType: e.p.serviceType, Regime: e.p.regime, SmallSupplier: e.p.small,
		GrossPence: e.gross, Received: e.received, FallsDue: e.fallsDue, TermsDays: int(e.terms), Status: statusCodes[e.status]}
	h := sc.h[:0]
	if h == nil {
		h = make([]metrics.Change, 0, e.nh)
	}
	for _, v := range e.ev[:e.nh] {
		h = append(h, metrics.Change{On: metrics.Date(v >> 8), To: statusCodes[v&0xFF]})
	}
	sc.h, m.History = h, h
	if rest := e.ev[e.nh:]; len(rest) > 0 {
		ps := sc.p[:0]
		for k := 0; k+1 < len(rest); k += 2 {
			p := metrics.Payment{On: metrics.Date(int32(uint32(rest[k]))), Pence: int64(rest[k+1])}
			if e.ref != nil {
				p.Ref = *e.ref
			} else if e.extra != nil && e.extra.refs != nil {
				p.Ref = e.extra.refs[k/2]
			}
			ps = append(ps, p)
		}
		sc.p, m.Payments = ps, ps
	}
	if e.extra != nil {
		m.InterestPaid = e.extra.interest
	}
	return m
}

// invoiceID is the id of the invoice e holds.
func (e *entry) invoiceID() string {
	if e.extra != nil && e.extra.full != nil {
		return e.extra.full.ID
	}
	return e.id
}

// withInterest is e with other interest payments.
func (e *entry) withInterest(ips []metrics.Payment, n int) *entry {
	c := *e
	c.key.interest = int32(n)
	for _, p := range ips {
		if p.On < c.first {
			c.first = p.On
		}
		if p.On > c.last {
			c.last = p.On
		}
	}
	switch {
	case e.extra != nil && e.extra.full != nil:
		m := *e.extra.full
		m.InterestPaid = ips
		c.extra = &entryExtra{full: &m}
	case e.extra != nil:
		c.extra = &entryExtra{refs: e.extra.refs, interest: ips}
	case ips != nil:
		c.extra = &entryExtra{interest: ips}
	}
	return &c
}
