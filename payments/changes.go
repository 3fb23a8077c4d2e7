package payments

import (
	"context"
	"sort"
)

// changeLogCap is how many invoice changes the read model remembers for
// ChangedSince; a caller further behind rebuilds from every invoice.
const changeLogCap = 16384

// changedReadLimit is how many changed invoices ChangedSince reads by
// _id (those the log holds no copy of: changed before the load finished);
// past it, it answers ok false and the caller rebuilds with one scan
// (EachInvoice) instead.
const changedReadLimit = 512

// changeLogCopies is how many copies of compacted invoices (made for the
// log alone) it keeps at most: about 2 KB each, so a few MB, enough to
// follow an import of thousands of closed invoices; older ones are
// dropped first and read by _id if still asked for.
const changeLogCopies = 4096

// changeLog lists the latest invoice changes of the read model, in
// generation order (one entry per putInvoiceLocked that stored a
// snapshot), with the invoice as put: the held one, or a copy of its own
// for a compacted one (nil once dropped). s.mu guards it.
type changeLog struct {
	gens   []uint64
	ids    []string
	invs   []*Invoice
	copied []bool // invs[k] is a copy made for the log
	copies int    // how many of invs are such copies
	oldest int    // no copy before this place
}

func (l *changeLog) note(gen uint64, id string) { l.noteInvoice(gen, id, nil, false) }

func (l *changeLog) noteInvoice(gen uint64, id string, inv *Invoice, copied bool) {
	if len(l.gens) >= changeLogCap {
		half := len(l.gens) / 2
		for _, c := range l.copied[:half] {
			if c {
				l.copies--
			}
		}
		l.oldest = max(0, l.oldest-half)
		l.gens = append(l.gens[:0], l.gens[half:]...)
		l.ids = append(l.ids[:0], l.ids[half:]...)
		clear(l.invs[:half])
		l.invs = append(l.invs[:0], l.invs[half:]...)
		l.copied = append(l.copied[:0], l.copied[half:]...)
	}
	l.gens = append(l.gens, gen)
	l.ids = append(l.ids, id)
	l.invs = append(l.invs, inv)
	l.copied = append(l.copied, copied)
	if !copied {
		return
	}
	for l.copies++; l.copies > changeLogCopies; l.copies-- {
		for !l.copied[l.oldest] {
			l.oldest++
		}
		l.invs[l.oldest], l.copied[l.oldest] = nil, false
	}
}

// ChangedSince returns the read model's generation now and a copy (as
// Snapshot makes) of every invoice changed after generation since, each
// once. ok is false when the changes since then are no longer all
// remembered (the caller reads every invoice instead). It is what lets the
// payment figures follow a change at the cost of the changed invoices
// rather than a copy of every invoice. The change log keeps a copy of
// each changed invoice, compacted ones included (rows.go); one changed
// before the load finished is read by _id.
func (s *Service) ChangedSince(ctx context.Context, since uint64) (gen uint64, invs []Invoice, ok bool, err error) {
	if err := s.ensureLoaded(ctx); err != nil {
		return 0, nil, false, err
	}
	s.mu.RLock()
	gen = s.gen
	if since >= gen {
		s.mu.RUnlock()
		return gen, nil, since == gen, nil
	}
	ids, logged, ok := s.changeLog.sinceLogged(since)
	if !ok {
		s.mu.RUnlock()
		return gen, nil, false, nil
	}
	var read []string
	for k, id := range ids {
		i, ok := s.pos[id]
		if !ok {
			continue
		}
		r := &s.rows[i]
		switch {
		case r.held != nil:
			invs = append(invs, *r.held)
		case logged[k] != nil && logged[k].Version == int(r.version):
			invs = append(invs, *logged[k])
		default:
			if inv, ok := s.cachedLocked(i); ok {
				invs = append(invs, inv)
				continue
			}
			read = append(read, id)
		}
	}
	s.mu.RUnlock()
	if len(read) > changedReadLimit {
		return gen, nil, false, nil
	}
	for _, id := range read {
		inv, err := s.readCompacted(ctx, id)
		if err != nil {
			return 0, nil, false, err
		}
		invs = append(invs, inv)
	}
	return gen, invs, true, nil
}

// since lists, each once, the ids changed after generation since; ok is
// false when some of those changes are no longer kept.
func (l *changeLog) since(since uint64) (ids []string, ok bool) {
	ids, _, ok = l.sinceLogged(since)
	return ids, ok
}

// sinceLogged is since with the invoice logged at the latest change of
// each id (nil when not logged).
func (l *changeLog) sinceLogged(since uint64) (ids []string, invs []*Invoice, ok bool) {
	i := sort.Search(len(l.gens), func(i int) bool { return l.gens[i] > since })
	if i == len(l.gens) {
		return nil, nil, len(l.gens) > 0 && l.gens[len(l.gens)-1] == since
	}
	// Every generation after since must still be listed: the first one
	// kept must be since+1 (generations move one per change).
	if l.gens[i] != since+1 {
		return nil, nil, false
	}
	at := make(map[string]int, len(l.gens)-i)
	for k := i; k < len(l.ids); k++ {
		id := l.ids[k]
		if j, seen := at[id]; seen {
			invs[j] = l.invs[k]
			continue
		}
		at[id] = len(ids)
		ids = append(ids, id)
		invs = append(invs, l.invs[k])
	}
	return ids, invs, true
}
