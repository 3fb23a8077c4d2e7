package performance

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/metrics"
)

// Adapt turns one invoice snapshot of the payments read model into the
// metrics shape. contracts gives each contract's service type (by id);
// orgs gives each provider's SME flag (by id); interest is the interest
// paid against the invoice.
//
// Decisions:
//   - The received date is the London day the invoice was received
//     (ReceivedDate). The deadline is worked out by the metrics package
//     from it, the invoice's own due date (OwnDueDate) and the payment
//     terms (TermsDays), and the history (disputes): metrics.ClockOn.
//   - Each status change counts on its London calendar day (Event.Date).
//   - Payments come from the payment steps of the history (each part
//     payment and the final one: payment date and amount; a paid step of
//     an older version counts as one payment); if the history has none but
//     the snapshot records a payment, that one is used. A part-paid
//     invoice is open: interest runs on the unpaid balance only and it is
//     paid in full when the payments reach the balance.
//   - Credit notes reduce the gross the metrics see (GrossPence - credits).
//   - SmallSupplier is the organisation's small business flag (fewer than
//     50 staff), the Fair Payment Code's test; not the SME flag (fewer than
//     250), which only the Transparency Code exports use.
//   - Regime is the contract's "procured under" (or its default by start
//     date); an invoice with no contract in the register counts under the
//     Procurement Act 2023.
func Adapt(inv *payments.Invoice, contracts map[string]payments.Contract, orgs map[string]auth.Org, interest []InterestPayment) metrics.Invoice {
	m := metrics.Invoice{
		ID: inv.ID, Number: inv.Number, OrgID: inv.OrgID, OrgName: inv.OrgName, SupplierRef: inv.SupplierRef,
		ContractRef: inv.ContractRef, GrossPence: inv.GrossPence, Status: metrics.Status(inv.Status),
	}
	m.Received, _ = metrics.ParseISO(inv.ReceivedDate)
	if m.Received.IsZero() && !inv.ReceivedAt.IsZero() {
		m.Received = metrics.DateOf(inv.ReceivedAt)
	}
	m.FallsDue, _ = metrics.ParseISO(inv.OwnDueDate)
	m.TermsDays = inv.TermsDays
	m.Regime = metrics.RegimePA2023
	if c, ok := contracts[inv.ContractID]; ok {
		m.ServiceType = string(c.ServiceType)
		m.Regime = RegimeOf(&c)
	}
	if o, ok := orgs[inv.OrgID]; ok {
		m.SmallSupplier = o.SmallBusiness
	}
	m.History = make([]metrics.Change, 0, len(inv.History))
	for _, ev := range inv.History {
		day, ok := metrics.ParseISO(ev.Date)
		if !ok {
			day = metrics.DateOf(ev.At)
		}
		m.History = append(m.History, metrics.Change{On: day, To: metrics.Status(ev.To)})
		if ev.IsMoney() && ev.Kind != payments.KindCredit {
			pd, ok := metrics.ParseISO(ev.PaymentDate)
			if !ok {
				pd = day
			}
			amt := ev.AmountPence
			if amt == 0 {
				amt = inv.GrossPence
			}
			m.Payments = append(m.Payments, metrics.Payment{On: pd, Pence: amt, Ref: ev.Reference})
		}
	}
	if len(m.Payments) == 0 && inv.PaidDate != "" {
		if pd, ok := metrics.ParseISO(inv.PaidDate); ok {
			amt := inv.PaidPence
			if amt == 0 {
				amt = inv.GrossPence
			}
			m.Payments = append(m.Payments, metrics.Payment{On: pd, Pence: amt, Ref: inv.PaymentReference})
		}
	}
	// A credit note reduces what the invoice is for: interest runs on
	// gross - credits - payments, and it is paid in full when the
	// payments reach gross - credits. The part of a credit beyond the
	// balance it found (an overpayment the council recovers, after a
	// correction of an invoice already paid) is left out: it did not
	// reduce what was owed when the invoice was paid, so the invoice's
	// payment figures stay as they were.
	m.GrossPence -= inv.CreditPence - inv.CreditBeyondBalance()
	sortPayments(m.Payments)
	sortChanges(m.History)
	for _, ip := range interest {
		if d, ok := metrics.ParseISO(ip.Date); ok {
			m.InterestPaid = append(m.InterestPaid, metrics.Payment{On: d, Pence: ip.Pence})
		}
	}
	return m
}

// RegimeOf is the metrics regime of a contract: its "procured under", or
// the default by start date.
func RegimeOf(c *payments.Contract) metrics.Regime {
	if c.ProcuredUnderOrDefault() == payments.ProcuredPCR2015 {
		return metrics.RegimePCR2015
	}
	return metrics.RegimePA2023
}

func sortPayments(ps []metrics.Payment) {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].On < ps[j-1].On; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

func sortChanges(cs []metrics.Change) {
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && cs[j].On < cs[j-1].On; j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}

// snapshotNow returns the adapted invoices, rebuilding them only when the
// read model, the contracts, the organisations or this service's own data
// changed since the last build; when the source lists the invoices that
// changed (Source.Changes), only those are adapted again and the cached
// figures are carried over (maintained.go).
func (s *Service) snapshotNow(ctx context.Context) (*snapshot, error) {
	if err := s.ensureLoaded(ctx); err != nil {
		return nil, err
	}
	if s.src.Invoices == nil {
		return &snapshot{orgs: map[string]auth.Org{}, ids: indexOf(nil), choices: newChoiceSet()}, nil
	}
	if err := s.fromLoad.wait(ctx); err != nil { // a first build fed by the start-up load
		return nil, err
	}
	if snap, ok := s.current(ctx); ok {
		return snap, nil
	}
	// One rebuild serves every request that finds the snapshot stale
	// while it runs; it stops if they all give up.
	v, err := s.flights.do(ctx, "snapshot", func(ctx context.Context) (any, error) {
		if snap, ok := s.current(ctx); ok { // a rebuild just finished
			return snap, nil
		}
		if s.src.Changes != nil {
			s.cacheMu.Lock()
			snap := s.snap
			s.cacheMu.Unlock()
			if snap != nil && s.refsHold(ctx, snap) {
				n, ok, err := s.applyChanges(ctx, snap)
				if err != nil {
					return nil, err
				}
				if ok {
					return n, nil
				}
			}
		}
		return s.rebuild(ctx)
	})
	if err != nil {
		return nil, err
	}
	return v.(*snapshot), nil
}

// current is the snapshot if it still holds.
func (s *Service) current(ctx context.Context) (*snapshot, bool) {
	if s.src.Changes == nil {
		return s.unchanged(ctx)
	}
	s.cacheMu.Lock()
	snap := s.snap
	s.cacheMu.Unlock()
	if snap == nil {
		return nil, false
	}
	gen, _, _, err := s.src.Changes(ctx, math.MaxUint64)
	if err != nil || gen != snap.gen || !s.refsHold(ctx, snap) {
		return nil, false
	}
	s.mu.RLock()
	own := s.ownWrites
	s.mu.RUnlock()
	if snap.fp.own != own {
		return s.refreshOwn(snap), true
	}
	return snap, true
}

// rebuild reads the invoices, contracts and organisations and adapts every
// invoice that changed since the last build. It checks ctx between steps
// and every few thousand invoices, and installs nothing once ctx ended.
func (s *Service) rebuild(ctx context.Context) (*snapshot, error) {
	var gen uint64
	if s.src.Changes != nil {
		// The generation before the read: a change made during it is
		// listed again by the next Changes call (adapting it twice is
		// harmless), never missed.
		g, _, _, err := s.src.Changes(ctx, math.MaxUint64)
		if err != nil {
			return nil, fmt.Errorf("performance: reading invoices: %w", err)
		}
		gen = g
	}
	b, err := s.startBuild(ctx)
	if err != nil {
		return nil, err
	}
	err = s.src.Invoices(ctx, func(invs []payments.Invoice) error { return b.add(ctx, invs) })
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("performance: reading invoices: %w", err)
	}
	return b.install(ctx, gen)
}

// build is one build of the snapshot under way: the contracts and
// organisations read at its start, and the invoices adapted so far.
type build struct {
	s         *Service
	contracts []payments.Contract
	orgs      []auth.Org
	fp        fingerprint
	cmap      map[string]payments.Contract
	omap      map[string]auth.Org
	prev      *snapshot
	sameRefs  bool
	sameOrder bool
	out       []*entry
	choices   *choiceSet
	sc        scratch
}

// startBuild reads the contracts and organisations a build adapts the
// invoices with.
func (s *Service) startBuild(ctx context.Context) (*build, error) {
	b := &build{s: s, choices: newChoiceSet()}
	var err error
	if s.src.Contracts != nil {
		if b.contracts, err = s.src.Contracts(ctx); err != nil {
			return nil, fmt.Errorf("performance: reading contracts: %w", err)
		}
	}
	if s.src.Orgs != nil {
		if b.orgs, err = s.src.Orgs(ctx); err != nil {
			return nil, fmt.Errorf("performance: reading organisations: %w", err)
		}
	}
	s.mu.RLock()
	b.fp = fingerprint{own: s.ownWrites, contracts: len(b.contracts), orgs: len(b.orgs)}
	s.mu.RUnlock()
	b.cmap = make(map[string]payments.Contract, len(b.contracts))
	for _, c := range b.contracts {
		b.cmap[c.ID] = c
	}
	b.omap = make(map[string]auth.Org, len(b.orgs))
	for _, o := range b.orgs {
		b.omap[o.ID] = o
	}
	// Reuse the adapted form of every invoice that has not changed since
	// the last build (same version and update time, same interest
	// payments, same contracts and organisations): after a write only the
	// changed invoices are adapted again.
	s.cacheMu.Lock()
	b.prev = s.snap
	s.cacheMu.Unlock()
	b.sameRefs = b.prev != nil && b.prev.fp.contracts == b.fp.contracts && b.prev.fp.orgs == b.fp.orgs && b.prev.refsKey == refsKey(b.contracts, b.orgs)
	b.sameOrder = b.prev != nil
	return b, nil
}

// add adapts a batch of invoices. The invoices come a batch at a time
// (Source.Invoices, or the payments load's own pass): each is adapted and
// dropped, so no slice of every whole invoice is held. The read model
// lists invoices in id order, so between two builds the same invoice is
// nearly always at the same index: compare ids there first and only fall
// back to the index when invoices were added.
func (b *build) add(ctx context.Context, invs []payments.Invoice) error {
	s, prev := b.s, b.prev
	s.mu.RLock()
	defer s.mu.RUnlock()
	for k := range invs {
		i := len(b.out)
		if i%4096 == 4095 && ctx.Err() != nil {
			return ctx.Err()
		}
		inv := &invs[k]
		b.fp.count++
		b.fp.versions += int64(inv.Version)
		if inv.UpdatedAt.After(b.fp.latest) {
			b.fp.latest = inv.UpdatedAt
		}
		ips := s.interest[inv.ID]
		key := keyOfInvoice(inv, len(ips))
		if b.sameOrder && (i >= prev.list.len() || prev.list.at(i).invoiceID() != inv.ID) {
			b.sameOrder = false
		}
		if b.sameRefs {
			j, ok := i, b.sameOrder
			if !ok {
				j, ok = prev.ids.find(&prev.list, inv.ID)
			}
			if ok && prev.list.at(j).key == key {
				b.out = append(b.out, prev.list.at(j))
				b.choices.include(b.out[i].expand(&b.sc), 1)
				continue
			}
		}
		m := Adapt(inv, b.cmap, b.omap, ips)
		b.out = append(b.out, compactOf(&m, key, &s.parties))
		b.choices.include(&m, 1)
	}
	return nil
}

// install makes the adapted invoices the snapshot, as of the source's
// generation gen, and drops the cached figures (unless nothing changed).
func (b *build) install(ctx context.Context, gen uint64) (*snapshot, error) {
	s, prev, out, fp := b.s, b.prev, b.out, b.fp
	sameOrder := b.sameOrder && prev.list.len() == len(out)
	if !sort.SliceIsSorted(out, func(i, j int) bool { return out[i].invoiceID() < out[j].invoiceID() }) {
		sort.Slice(out, func(i, j int) bool { return out[i].invoiceID() < out[j].invoiceID() })
	}
	since := fp.latest.Add(-10 * time.Second)
	var mark ChangeMark
	if s.src.Mark != nil {
		var err error
		if mark, err = s.src.Mark(ctx, since); err != nil {
			return nil, err
		}
	}
	for i := range b.contracts {
		fp.versions += int64(b.contracts[i].Version) << 20
		if b.contracts[i].UpdatedAt.After(fp.latest) {
			fp.latest = b.contracts[i].UpdatedAt
		}
	}
	for i := range b.orgs {
		if b.orgs[i].UpdatedAt.After(fp.latest) {
			fp.latest = b.orgs[i].UpdatedAt
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	if s.snap != nil && s.snap.fp == fp {
		if s.snap.gen != gen {
			n := *s.snap
			n.gen = gen
			s.snap = &n
		}
		s.snap.built = time.Now() // checked just now: still current
		return s.snap, nil
	}
	var ids *idIndex
	if sameOrder && s.snap == prev {
		ids = prev.ids
	} else {
		ids = indexOf(out)
	}
	b.choices.finish()
	s.snap = &snapshot{fp: fp, list: listOf(out), orgs: b.omap, cmap: b.cmap, ids: ids, choices: b.choices, refsKey: refsKey(b.contracts, b.orgs), built: time.Now(),
		gen: gen, since: since, mark: mark, contractsKey: refsKey(b.contracts, nil)}
	s.reports = map[reportKey]*metrics.Report{}
	s.dashboards = map[dashKey]*dashEntry{}
	return s.snap, nil
}

// entryKey says which state of an invoice an adapted copy was made from.
type entryKey struct {
	updated  int64
	version  int32
	interest int32
}

func keyOfInvoice(inv *payments.Invoice, interest int) entryKey {
	return entryKey{version: int32(inv.Version), updated: inv.UpdatedAt.UnixNano(), interest: int32(interest)}
}

// refsKey summarises what Adapt reads from contracts and organisations
// (service types, regimes and small business flags), so a change to them
// rebuilds everything.
func refsKey(contracts []payments.Contract, orgs []auth.Org) string {
	var b strings.Builder
	for _, c := range contracts {
		b.WriteString(c.ID)
		b.WriteByte('=')
		b.WriteString(string(c.ServiceType))
		b.WriteByte('/')
		b.WriteString(string(c.ProcuredUnderOrDefault()))
		b.WriteByte(';')
	}
	for _, o := range orgs {
		b.WriteString(o.ID)
		if o.SmallBusiness {
			b.WriteString("+")
		}
		b.WriteByte(';')
	}
	return b.String()
}

// unchanged reports whether the last build still holds, using the
// source's cheap change mark: nothing written here since, the same mark for
// invoices updated after the build's latest update less 10 seconds (a
// margin for other instances' clocks, as the payments poll uses), and the
// contracts and organisations as they were (refsHold).
func (s *Service) unchanged(ctx context.Context) (*snapshot, bool) {
	if s.src.Mark == nil {
		return nil, false
	}
	s.cacheMu.Lock()
	snap := s.snap
	s.cacheMu.Unlock()
	s.mu.RLock()
	own := s.ownWrites
	s.mu.RUnlock()
	if snap == nil || !snap.mark.Known {
		return nil, false
	}
	mark, err := s.src.Mark(ctx, snap.since)
	if err != nil || mark != snap.mark {
		return nil, false
	}
	if !s.refsHold(ctx, snap) {
		return nil, false
	}
	if snap.fp.own != own {
		// Only this service wrote (an interest payment, a rate, the
		// settings): keep the invoices, refresh the interest payments.
		return s.refreshOwn(snap), true
	}
	return snap, true
}

// refsHold reports whether the contracts and organisations are those snap
// was adapted with. Contracts are few and compared each time; the
// organisations are re-read at most every orgsTTL.
func (s *Service) refsHold(ctx context.Context, snap *snapshot) bool {
	var cs []payments.Contract
	if s.src.Contracts != nil {
		var err error
		cs, err = s.src.Contracts(ctx)
		if err != nil || len(cs) != snap.fp.contracts || refsKey(cs, nil) != snap.contractsKey {
			return false
		}
		for i := range cs {
			if cs[i].UpdatedAt.After(snap.fp.latest) {
				return false
			}
		}
	}
	s.cacheMu.Lock()
	checked := snap.built
	s.cacheMu.Unlock()
	if time.Since(checked) > orgsTTL {
		// If what the figures take from the organisations (small business
		// flags) is as it was, the snapshot holds and its check time
		// moves on; it is not rebuilt just because time passed.
		if !s.orgsUnchanged(ctx, snap, cs) {
			return false
		}
		s.cacheMu.Lock()
		snap.built = time.Now()
		s.cacheMu.Unlock()
	}
	return true
}

// orgsUnchanged reports whether the organisations read now are those snap
// was adapted with (same count, same SME flags, none updated since).
func (s *Service) orgsUnchanged(ctx context.Context, snap *snapshot, contracts []payments.Contract) bool {
	if s.src.Orgs == nil {
		return snap.fp.orgs == 0
	}
	orgs, err := s.src.Orgs(ctx)
	if err != nil || len(orgs) != snap.fp.orgs {
		return false
	}
	for i := range orgs {
		if orgs[i].UpdatedAt.After(snap.fp.latest) {
			return false
		}
	}
	return refsKey(contracts, orgs) == snap.refsKey
}

// refreshOwn is a new snapshot with the same invoices as snap and their
// interest payments as they are now; every cached report goes (a Bank
// Rate change moves every interest figure).
func (s *Service) refreshOwn(snap *snapshot) *snapshot {
	s.mu.RLock()
	own := s.ownWrites
	out := make([]*entry, 0, snap.list.len())
	snap.list.each(func(e *entry) {
		ips := s.interest[e.invoiceID()]
		if len(ips) == int(e.key.interest) {
			out = append(out, e)
			return
		}
		var paid []metrics.Payment
		for _, ip := range ips {
			if d, ok := metrics.ParseISO(ip.Date); ok {
				paid = append(paid, metrics.Payment{On: d, Pence: ip.Pence})
			}
		}
		out = append(out, e.withInterest(paid, len(ips)))
	})
	s.mu.RUnlock()
	s.cacheMu.Lock()
	n := *snap // under cacheMu: refsHold moves snap.built
	s.cacheMu.Unlock()
	n.list = listOf(out)
	n.fp.own = own
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	if s.snap != snap { // someone else moved on first
		if s.snap != nil {
			return s.snap
		}
	}
	s.snap = &n
	s.reports = map[reportKey]*metrics.Report{}
	s.dashboards = map[dashKey]*dashEntry{}
	return s.snap
}
