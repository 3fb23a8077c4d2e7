package performance

import (
	"context"
	"sort"
	"sync"

	"careportal/payments/metrics"
)

// How the figures are kept up to date (README "Payment performance"):
//
//   - The adapted invoices are held in a chunked, copy-on-write list
//     (invoiceList): a change replaces one chunk of 1,024 pointers and the
//     list of chunks, not a copy of every invoice, and a report being
//     computed over the previous list is not disturbed.
//   - When the source can say which invoices changed since a generation
//     (Source.Changes: payments.Service.ChangedSince), only those are
//     read and adapted again.
//   - Every figure of a report is a sum over invoices (metrics.Include),
//     so each cached report, trend and overdue ranking is carried over to
//     the new list by taking each changed invoice's old contribution away
//     and adding its new one: a change costs the changed invoices times
//     the cached figures, not the history.
//   - A period that has ended (its last day before today) has figures
//     that no longer depend on today (every figure is taken as known at
//     the period's end), so it is cached without today and survives
//     midnight; changes that reach back into it are applied to it the
//     same way.

const chunkBits = 10
const chunkSize = 1 << chunkBits

// entry is one adapted invoice, held compactly (compact.go), and the
// state it was adapted from. Entries are never changed once in a list.
type entry struct {
	id, number         string
	p                  *party
	gross              int64
	ev                 []uint64 // the history (nh of them), then each payment's day and amount
	ref                *string  // the reference of its one payment, when it has one
	extra              *entryExtra
	key                entryKey
	received, fallsDue metrics.Date
	first, last        metrics.Date // the days it may count on (activeSpan)
	terms              int16
	nh                 uint16
	status             uint8
}

// invoiceList is a persistent list of entries: set and push return a new
// list sharing every chunk but the one changed.
type invoiceList struct {
	chunks [][]*entry
	n      int
}

func (l *invoiceList) len() int { return l.n }

func (l *invoiceList) at(i int) *entry { return l.chunks[i>>chunkBits][i&(chunkSize-1)] }

func (l *invoiceList) each(fn func(e *entry)) {
	for _, c := range l.chunks {
		for _, e := range c {
			fn(e)
		}
	}
}

// listOf builds a list from entries in order.
func listOf(es []*entry) invoiceList {
	l := invoiceList{n: len(es)}
	for i := 0; i < len(es); i += chunkSize {
		j := min(i+chunkSize, len(es))
		l.chunks = append(l.chunks, append(make([]*entry, 0, chunkSize), es[i:j]...))
	}
	return l
}

func (l invoiceList) set(i int, e *entry) invoiceList {
	chunks := append([][]*entry(nil), l.chunks...)
	c := append(make([]*entry, 0, chunkSize), chunks[i>>chunkBits]...)
	c[i&(chunkSize-1)] = e
	chunks[i>>chunkBits] = c
	return invoiceList{chunks: chunks, n: l.n}
}

func (l invoiceList) push(e *entry) invoiceList {
	chunks := append([][]*entry(nil), l.chunks...)
	if l.n&(chunkSize-1) == 0 {
		chunks = append(chunks, append(make([]*entry, 0, chunkSize), e))
	} else {
		k := len(chunks) - 1
		chunks[k] = append(append(make([]*entry, 0, chunkSize), chunks[k]...), e)
	}
	return invoiceList{chunks: chunks, n: l.n + 1}
}

// idIndex finds invoices' places in a list. Lists derived from one
// another share it: places never move and new invoices are only added, so
// an older list reads a place past its end as "not in this list". The
// list a full build makes is in id order (the read model's order), so
// for those places it holds no map: a binary search over the list finds
// them. Only invoices added since (and any out of order) are in the map,
// which keeps the index from costing some fifty bytes an invoice.
type idIndex struct {
	sorted int // places [0, sorted) are in increasing id order
	mu     sync.RWMutex
	m      map[string]int
}

// indexOf is the index of a list just built from es.
func indexOf(es []*entry) *idIndex {
	x := &idIndex{m: map[string]int{}}
	for x.sorted < len(es) && (x.sorted == 0 || es[x.sorted-1].invoiceID() < es[x.sorted].invoiceID()) {
		x.sorted++
	}
	for i := x.sorted; i < len(es); i++ {
		x.m[es[i].invoiceID()] = i
	}
	return x
}

// find is the place of invoice id in l, checked against the entry there
// (a place recorded by a change that was never installed is not trusted).
func (x *idIndex) find(l *invoiceList, id string) (int, bool) {
	n := min(x.sorted, l.len())
	i := sort.Search(n, func(i int) bool { return l.at(i).invoiceID() >= id })
	if i < n && l.at(i).invoiceID() == id {
		return i, true
	}
	x.mu.RLock()
	i, ok := x.m[id]
	x.mu.RUnlock()
	if !ok || i >= l.len() || l.at(i).invoiceID() != id {
		return 0, false
	}
	return i, true
}

func (x *idIndex) put(id string, i int) {
	x.mu.Lock()
	x.m[id] = i
	x.mu.Unlock()
}

// choiceSet counts the invoices behind each filter choice (providers,
// contracts, service types) so that a change keeps it without a scan.
type choiceSet struct {
	orgs, contracts, services map[string]*choiceCount
	lists                     [3][]Choice // sorted, worked out once per set
}

type choiceCount struct {
	label string
	n     int
}

func newChoiceSet() *choiceSet {
	return &choiceSet{orgs: map[string]*choiceCount{}, contracts: map[string]*choiceCount{}, services: map[string]*choiceCount{}}
}

func (c *choiceSet) clone() *choiceSet {
	cp := func(m map[string]*choiceCount) map[string]*choiceCount {
		out := make(map[string]*choiceCount, len(m))
		for k, v := range m {
			x := *v
			out[k] = &x
		}
		return out
	}
	return &choiceSet{orgs: cp(c.orgs), contracts: cp(c.contracts), services: cp(c.services)}
}

func (c *choiceSet) include(inv *metrics.Invoice, sign int) {
	add := func(m map[string]*choiceCount, v, label string) {
		x := m[v]
		if x == nil {
			x = &choiceCount{}
			m[v] = x
		}
		x.n += sign
		if sign > 0 {
			x.label = label
		}
		if x.n <= 0 {
			delete(m, v)
		}
	}
	add(c.orgs, inv.OrgID, inv.OrgName)
	if inv.ContractRef != "" {
		add(c.contracts, inv.ContractRef, inv.ContractRef)
	}
	if inv.ServiceType != "" {
		add(c.services, inv.ServiceType, inv.ServiceType)
	}
}

func (c *choiceSet) finish() {
	for i, m := range []map[string]*choiceCount{c.orgs, c.contracts, c.services} {
		out := make([]Choice, 0, len(m))
		for v, x := range m {
			out = append(out, Choice{v, x.label})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Label < out[j].Label })
		c.lists[i] = out
	}
}

// change is one invoice replaced in a list: old is nil for a new invoice.
type change struct{ old, new *entry }

// maxPatchWork bounds how many invoice contributions a change may
// recompute in the cached figures (changed invoices times cached
// figures); past it the caches are dropped and refilled on demand.
const maxPatchWork = 400000

// applyChanges carries snap over to the invoices the source says changed
// since snap was built (Source.Changes), adapting only those. ok is false
// when the source cannot say (the caller rebuilds from every invoice).
func (s *Service) applyChanges(ctx context.Context, snap *snapshot) (*snapshot, bool, error) {
	gen, invs, ok, err := s.src.Changes(ctx, snap.gen)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return nil, false, nil
	}
	s.mu.RLock()
	own := s.ownWrites
	s.mu.RUnlock()
	if own != snap.fp.own {
		snap = s.refreshOwn(snap)
	}
	if len(invs) == 0 {
		if gen != snap.gen {
			s.cacheMu.Lock()
			if s.snap == snap {
				n := *snap
				n.gen = gen
				s.snap = &n
				snap = s.snap
			}
			s.cacheMu.Unlock()
		}
		return snap, true, nil
	}
	rates, err := s.Rates(ctx)
	if err != nil {
		return nil, false, err
	}
	next := *snap
	next.gen = gen
	next.choices = snap.choices.clone()
	list := snap.list
	changes := make([]change, 0, len(invs))
	var sc scratch
	s.mu.RLock()
	for i := range invs {
		inv := &invs[i]
		ips := s.interest[inv.ID]
		key := keyOfInvoice(inv, len(ips))
		m := Adapt(inv, snap.cmap, snap.orgs, ips)
		e := compactOf(&m, key, &s.parties)
		if j, ok := snap.ids.find(&list, inv.ID); ok {
			old := list.at(j)
			if old.key == e.key {
				continue
			}
			list = list.set(j, e)
			changes = append(changes, change{old, e})
			next.choices.include(old.expand(&sc), -1)
		} else {
			snap.ids.put(inv.ID, list.len())
			list = list.push(e)
			changes = append(changes, change{nil, e})
		}
		next.choices.include(&m, 1)
	}
	s.mu.RUnlock()
	next.choices.finish()
	next.list = list
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	if s.snap != snap {
		// Another change got there first: the places recorded above may
		// not hold for it, so the caller rebuilds from every invoice.
		return nil, false, nil
	}
	s.snap = &next
	if work := len(changes) * (len(s.reports) + 3*len(s.dashboards)); work > maxPatchWork {
		s.reports = map[reportKey]*metrics.Report{}
		s.dashboards = map[dashKey]*dashEntry{}
		return s.snap, true, nil
	}
	s.reports, s.dashboards = patchCaches(s.reports, s.dashboards, changes, rates, &next)
	return s.snap, true, nil
}

// patchCaches carries every cached report and dashboard over the changes.
func patchCaches(reports map[reportKey]*metrics.Report, dashboards map[dashKey]*dashEntry, changes []change, rates *metrics.RateTable, snap *snapshot) (map[reportKey]*metrics.Report, map[dashKey]*dashEntry) {
	done := map[*metrics.Report]*metrics.Report{}
	var sc scratch
	patch := func(r *metrics.Report) *metrics.Report {
		if r == nil {
			return nil
		}
		if n, ok := done[r]; ok {
			return n
		}
		n := r.Clone()
		for _, c := range changes {
			if c.old != nil {
				n.Include(c.old.expand(&sc), rates, -1)
			}
			n.Include(c.new.expand(&sc), rates, 1)
		}
		n.Finish()
		done[r] = n
		return n
	}
	nr := make(map[reportKey]*metrics.Report, len(reports))
	for k, r := range reports {
		nr[k] = patch(r)
	}
	nd := make(map[dashKey]*dashEntry, len(dashboards))
	for k, de := range dashboards {
		d := *de.d
		d.Report = patch(de.d.Report)
		d.Council = patch(de.d.Council)
		r := d.Report
		d.Trend = append([]metrics.MonthPoint(nil), de.d.Trend...)
		for _, c := range changes {
			if c.old != nil {
				metrics.TrendInclude(d.Trend, c.old.expand(&sc), k.scope, k.from, k.to, r.Today, -1)
			}
			metrics.TrendInclude(d.Trend, c.new.expand(&sc), k.scope, k.from, k.to, r.Today, 1)
		}
		metrics.TrendFinish(d.Trend)
		ne := &dashEntry{d: &d}
		if !k.provider {
			ne.overdue = make(map[string]*metrics.OrgOverdue, len(de.overdue))
			for id, o := range de.overdue {
				x := *o
				ne.overdue[id] = &x
			}
			for _, c := range changes {
				if c.old != nil {
					metrics.OverdueInclude(ne.overdue, c.old.expand(&sc), k.scope, r.AsOf, -1)
				}
				metrics.OverdueInclude(ne.overdue, c.new.expand(&sc), k.scope, r.AsOf, 1)
			}
			d.TopOverdue = metrics.TopOf(ne.overdue, 10)
			d.Orgs, d.Contracts, d.Services = snap.choices.lists[0], snap.choices.lists[1], snap.choices.lists[2]
		}
		nd[k] = ne
	}
	return nr, nd
}

// dashEntry is a cached dashboard and the providers' overdue totals its
// ranking was taken from.
type dashEntry struct {
	d       *Dashboard
	overdue map[string]*metrics.OrgOverdue
}
