package performance

import (
	"context"
	"fmt"
	"math/rand"
	"sort"
	"sync"
	"time"

	"careportal/payments"
	"careportal/payments/metrics"
)

// Synthetic makes n invoice snapshots shaped like the payments read model
// for benchmarks: spread over the two years before today, across orgs
// providers and two contracts each, with queries, rejections, payments on
// both sides of 30 days and some approved invoices still unpaid. The same
// seed gives the same invoices.
func Synthetic(n, orgs int, seed int64, today metrics.Date) []payments.Invoice {
	rng := rand.New(rand.NewSource(seed))
	out := make([]payments.Invoice, n)
	at := func(d metrics.Date) time.Time { return d.Time().Add(12 * time.Hour) }
	for i := range out {
		org := rng.Intn(orgs)
		rec := today.AddDays(-rng.Intn(730))
		gross := int64(5000 + rng.Intn(2000000))
		inv := payments.Invoice{
			ID: fmt.Sprintf("syn%06d", i), OrgID: fmt.Sprintf("org%02d", org), OrgName: fmt.Sprintf("Provider %02d Ltd", org),
			SupplierRef: fmt.Sprintf("SUP%04d", 1000+org), ContractID: fmt.Sprintf("c%02d-%d", org, i%2), ContractRef: fmt.Sprintf("C-%02d-%d", org, i%2),
			Number: fmt.Sprintf("INV-%06d", i), GrossPence: gross, NetPence: gross,
			ReceivedAt: at(rec), ReceivedDate: rec.String(), TermsDays: 30, DueDate: rec.AddDays(29).String(),
		}
		seq := 1
		add := func(d metrics.Date, to payments.Status, ev payments.Event) {
			ev.Seq, ev.At, ev.Date, ev.To = seq, at(d), d.String(), to
			if len(inv.History) > 0 {
				ev.From = inv.History[len(inv.History)-1].To
			}
			inv.History = append(inv.History, ev)
			inv.Status, inv.Version, inv.UpdatedAt = to, seq, ev.At
			seq++
		}
		add(rec, payments.StatusSubmitted, payments.Event{})
		day := rec
		if rng.Intn(6) == 0 {
			day = day.AddDays(1 + rng.Intn(5))
			add(day, payments.StatusQueried, payments.Event{Note: "query"})
			day = day.AddDays(1 + rng.Intn(20))
			if rng.Intn(8) == 0 {
				add(day, payments.StatusRejected, payments.Event{Note: "rejected"})
				out[i] = inv
				continue
			}
			add(day, payments.StatusSubmitted, payments.Event{})
		}
		day = day.AddDays(1 + rng.Intn(10))
		if day > today {
			out[i] = inv
			continue
		}
		add(day, payments.StatusApproved, payments.Event{})
		inv.ApprovedDate = day.String()
		pay := rec.AddDays(10 + rng.Intn(60))
		if pay < day {
			pay = day
		}
		if pay <= today && rng.Intn(10) > 0 {
			add(pay, payments.StatusPaid, payments.Event{PaymentDate: pay.String(), AmountPence: gross, Reference: "PAY"})
			inv.PaidDate, inv.PaidPence = pay.String(), gross
		}
		out[i] = inv
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// SyntheticModel is an in-memory stand-in for the payments read model,
// for benchmarks: Source serves its invoices the way payments.Service does
// (Snapshot copies and sorts every invoice; Mark walks them all), and
// Touch changes one invoice as a write would.
type SyntheticModel struct {
	mu   sync.RWMutex
	invs []payments.Invoice
	pos  map[string]int // id -> index in invs (Put)
	// gen and log are the change log ChangesSource serves, as
	// payments.Service.ChangedSince does: log[k] is the index of the
	// invoice changed by generation k+1.
	gen uint64
	log []int
}

// NewSyntheticModel holds the invoices.
func NewSyntheticModel(invs []payments.Invoice) *SyntheticModel { return &SyntheticModel{invs: invs} }

// Touch bumps invoice i's version and update time, as a status change does.
func (m *SyntheticModel) Touch(i int, at time.Time) {
	m.mu.Lock()
	inv := m.invs[i%len(m.invs)]
	inv.Version++
	inv.UpdatedAt = at
	m.invs[i%len(m.invs)] = inv
	m.gen++
	m.log = append(m.log, i%len(m.invs))
	m.mu.Unlock()
}

// Put stores an invoice (a new one, or a new version of one held).
func (m *SyntheticModel) Put(inv payments.Invoice) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pos == nil {
		m.pos = make(map[string]int, len(m.invs))
		for i := range m.invs {
			m.pos[m.invs[i].ID] = i
		}
	}
	i, ok := m.pos[inv.ID]
	if !ok {
		i = len(m.invs)
		m.pos[inv.ID] = i
		m.invs = append(m.invs, inv)
	} else {
		m.invs[i] = inv
	}
	m.gen++
	m.log = append(m.log, i)
}

// Get is a copy of invoice i (in the order held).
func (m *SyntheticModel) Get(i int) payments.Invoice {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.invs[i]
}

// Len is the number of invoices held.
func (m *SyntheticModel) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.invs)
}

// ChangesSource is Source with Changes: after the first read only the
// changed invoices are read, as from payments.Service.ChangedSince.
func (m *SyntheticModel) ChangesSource() Source {
	src := m.Source()
	src.Changes = func(ctx context.Context, since uint64) (uint64, []payments.Invoice, bool, error) {
		m.mu.RLock()
		defer m.mu.RUnlock()
		if since >= m.gen {
			return m.gen, nil, since == m.gen, nil
		}
		seen := map[int]bool{}
		var out []payments.Invoice
		for _, i := range m.log[since:] {
			if !seen[i] {
				seen[i] = true
				out = append(out, m.invs[i])
			}
		}
		return m.gen, out, true, nil
	}
	return src
}

// Source is the model as a performance Source.
func (m *SyntheticModel) Source() Source {
	return Source{
		Invoices: func(ctx context.Context, each func([]payments.Invoice) error) error {
			m.mu.RLock()
			out := make([]payments.Invoice, len(m.invs))
			copy(out, m.invs)
			m.mu.RUnlock()
			sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
			return each(out)
		},
		Mark: func(ctx context.Context, since time.Time) (ChangeMark, error) {
			m.mu.RLock()
			defer m.mu.RUnlock()
			var recent []*payments.Invoice
			for i := range m.invs {
				if m.invs[i].UpdatedAt.After(since) {
					recent = append(recent, &m.invs[i])
				}
			}
			sort.Slice(recent, func(i, j int) bool { return recent[i].ReceivedAt.Before(recent[j].ReceivedAt) })
			if len(recent) > markRecentLimit {
				return ChangeMark{Total: len(m.invs)}, nil
			}
			mk := ChangeMark{Total: len(m.invs), Recent: len(recent), Known: true}
			for _, inv := range recent {
				mk.Versions += int64(inv.Version)
				if inv.UpdatedAt.After(mk.Latest) {
					mk.Latest = inv.UpdatedAt
				}
			}
			return mk, nil
		},
	}
}
