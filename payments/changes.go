package payments

import (
	"context"
	"sort"
)

// changeLogCap is how many invoice changes the read model remembers for
// ChangedSince; a caller further behind rebuilds from Snapshot.
const changeLogCap = 16384

// changeLog lists the latest invoice changes of the read model, in
// generation order (one entry per putInvoiceLocked that stored a
// snapshot). s.mu guards it.
type changeLog struct {
	gens []uint64
	ids  []string
}

func (l *changeLog) note(gen uint64, id string) {
	if len(l.gens) >= changeLogCap {
		half := len(l.gens) / 2
		l.gens = append(l.gens[:0], l.gens[half:]...)
		l.ids = append(l.ids[:0], l.ids[half:]...)
	}
	l.gens = append(l.gens, gen)
	l.ids = append(l.ids, id)
}

// ChangedSince returns the read model's generation now and a copy (as
// Snapshot makes) of every invoice changed after generation since, each
// once. ok is false when the changes since then are no longer all
// remembered (the caller reads Snapshot instead). It is what lets the
// payment figures follow a change at the cost of the changed invoices
// rather than a copy of every invoice.
func (s *Service) ChangedSince(ctx context.Context, since uint64) (gen uint64, invs []Invoice, ok bool, err error) {
	if err := s.ensureLoaded(ctx); err != nil {
		return 0, nil, false, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	gen = s.gen
	if since >= gen {
		return gen, nil, since == gen, nil
	}
	ids, ok := s.changeLog.since(since)
	if !ok {
		return gen, nil, false, nil
	}
	for _, id := range ids {
		if inv, ok := s.invoices[id]; ok {
			invs = append(invs, *inv)
		}
	}
	return gen, invs, true, nil
}

// since lists, each once, the ids changed after generation since; ok is
// false when some of those changes are no longer kept.
func (l *changeLog) since(since uint64) (ids []string, ok bool) {
	i := sort.Search(len(l.gens), func(i int) bool { return l.gens[i] > since })
	if i == len(l.gens) {
		return nil, len(l.gens) > 0 && l.gens[len(l.gens)-1] == since
	}
	// Every generation after since must still be listed: the first one
	// kept must be since+1 (generations move one per change).
	if l.gens[i] != since+1 {
		return nil, false
	}
	seen := make(map[string]bool, len(l.gens)-i)
	for _, id := range l.ids[i:] {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, true
}
