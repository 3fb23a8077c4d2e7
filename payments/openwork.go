package payments

import (
	"sort"
)

// openWork indexes the read model's open work so that a work queue, its
// count or the overpaid list never walks the whole history: each status
// queue (new, queried, approved, scheduled) and the overpaid invoices are
// kept ordered by (received, id), the queues' order, and changed on each
// put: a binary search and a move of the pointers after it within that
// one list, so a change costs O(log n) comparisons and no sort.
//
// The two date queues (due soon, overdue) depend on the day as well as the
// invoice; only open invoices can be in them, so they are merged from the
// four status lists once per day (dateQueues), which costs the open work,
// not the history, and then kept in step with each change like the status
// queues (datedQueues.put). All of it is guarded by Service.mu.
type openWork struct {
	byStatus map[Status]*orderedInvoices
	overpaid orderedInvoices
}

type datedQueues struct {
	gen            uint64
	today          string
	dueSoon, overd []*Invoice
}

func newOpenWork() openWork {
	return openWork{byStatus: map[Status]*orderedInvoices{
		StatusSubmitted: {}, StatusQueried: {}, StatusApproved: {}, StatusScheduled: {},
	}}
}

// orderedInvoices is a list of invoices ordered by (ReceivedAt, ID).
type orderedInvoices []*Invoice

// before reports whether a sorts before b in the queues' order.
func before(a, b *Invoice) bool {
	if !a.ReceivedAt.Equal(b.ReceivedAt) {
		return a.ReceivedAt.Before(b.ReceivedAt)
	}
	return a.ID < b.ID
}

// search is the index of the first invoice not before inv.
func (o orderedInvoices) search(inv *Invoice) int {
	return sort.Search(len(o), func(i int) bool { return !before(o[i], inv) })
}

func (o *orderedInvoices) insert(inv *Invoice) {
	i := o.search(inv)
	*o = append(*o, nil)
	copy((*o)[i+1:], (*o)[i:])
	(*o)[i] = inv
}

// remove takes out the entry with inv's id at inv's place (inv is the
// version the list holds, or one with the same received time).
func (o *orderedInvoices) remove(inv *Invoice) {
	i := o.search(inv)
	if i < len(*o) && (*o)[i].ID == inv.ID {
		*o = append((*o)[:i], (*o)[i+1:]...)
	}
}

// replace swaps in inv for the entry with its id at its place.
func (o orderedInvoices) replace(inv *Invoice) {
	if i := o.search(inv); i < len(o) && o[i].ID == inv.ID {
		o[i] = inv
	}
}

// put moves an invoice from its previous version's lists (old, nil when
// new) to its new version's. Called with Service.mu held for writing.
func (w *openWork) put(old, inv *Invoice) {
	if old != nil {
		if l := w.byStatus[old.Status]; l != nil {
			l.remove(old)
		}
		if old.Balance() < 0 {
			w.overpaid.remove(old)
		}
	}
	if l := w.byStatus[inv.Status]; l != nil {
		l.insert(inv)
	}
	if inv.Balance() < 0 { // as InvoiceFilter.Overpaid
		w.overpaid.insert(inv)
	}
}

// swap replaces an entry by a copy of the same version (more history).
func (w *openWork) swap(inv *Invoice) {
	if l := w.byStatus[inv.Status]; l != nil {
		l.replace(inv)
	}
	if inv.Balance() < 0 {
		w.overpaid.replace(inv)
	}
}

// list is a status queue's invoices in order (nil for a date queue). The
// slices are the index itself: callers hold Service.mu (read) while they
// use them.
func (w *openWork) list(q Queue) []*Invoice {
	switch q {
	case QueueNew:
		return *w.byStatus[StatusSubmitted]
	case QueueQueried:
		return *w.byStatus[StatusQueried]
	case QueueApproved:
		return *w.byStatus[StatusApproved]
	case QueueScheduled:
		return *w.byStatus[StatusScheduled]
	}
	return nil
}

// dateQueues merges the open invoices that are due soon or overdue on
// today, in order. The caller holds Service.mu and keeps the result for
// one generation and day (Service.datedQueues).
func (w *openWork) dateQueues(gen uint64, today string) datedQueues {
	d := datedQueues{gen: gen, today: today}
	lists := []orderedInvoices{
		*w.byStatus[StatusSubmitted], *w.byStatus[StatusQueried], *w.byStatus[StatusApproved], *w.byStatus[StatusScheduled],
	}
	// A k-way merge of four ordered lists keeps the queues' order without
	// a sort.
	for {
		best := -1
		for k, l := range lists {
			if len(l) > 0 && (best < 0 || before(l[0], lists[best][0])) {
				best = k
			}
		}
		if best < 0 {
			break
		}
		inv := lists[best][0]
		lists[best] = lists[best][1:]
		if inv.DueSoon(today) {
			d.dueSoon = append(d.dueSoon, inv)
		}
		if inv.Overdue(today) {
			d.overd = append(d.overd, inv)
		}
	}
	return d
}

// put moves the date queues of d.today on by one change: the previous
// version (old, nil when new) leaves them and the new one joins each it is
// in, at its place in the queues' order. A binary search and a move of the
// pointers after it, instead of merging the open work again. Called with
// Service.mu held for writing (no reader holds the slices).
func (d *datedQueues) put(old, inv *Invoice) {
	if old != nil {
		(*orderedInvoices)(&d.dueSoon).remove(old)
		(*orderedInvoices)(&d.overd).remove(old)
	}
	if inv.DueSoon(d.today) {
		(*orderedInvoices)(&d.dueSoon).insert(inv)
	}
	if inv.Overdue(d.today) {
		(*orderedInvoices)(&d.overd).insert(inv)
	}
}

// keepDatedLocked keeps the cached date queues in step with a change to the
// invoices (old the previous version, nil when new; s.gen already bumped for
// it), so that a submit does not make the next staff page merge every open
// invoice again: O(log n) per change instead of O(open work) per change. A
// cache of another generation or day is left as it is: the next reader
// merges afresh. s.mu must be held for writing.
func (s *Service) keepDatedLocked(old, inv *Invoice) {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	if s.dated.today == "" || s.dated.gen+1 != s.gen {
		return
	}
	s.dated.put(old, inv)
	s.dated.gen = s.gen
}

// swapDatedLocked replaces, in the cached date queues, an entry by a copy
// of the same version (more history), as openWork.swap does in the status
// queues. s.mu must be held for writing.
func (s *Service) swapDatedLocked(inv *Invoice) {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	orderedInvoices(s.dated.dueSoon).replace(inv)
	orderedInvoices(s.dated.overd).replace(inv)
}

// overpaidPage is one page of the overpaid invoices, oldest first or
// newest first (the invoice list's default order), from the open-work
// index.
func (s *Service) overpaidPage(oldestFirst bool, page, perPage int) InvoicePage {
	s.mu.RLock()
	defer s.mu.RUnlock()
	o := s.open.overpaid
	if oldestFirst {
		return pageOf(o, page, perPage)
	}
	newest := make([]*Invoice, len(o))
	for i, inv := range o {
		newest[len(o)-1-i] = inv
	}
	return pageOf(newest, page, perPage)
}
