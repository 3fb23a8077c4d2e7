package payments

import (
	lru "github.com/hashicorp/golang-lru/v2"
)

// DefaultReadCacheSize is how many compacted invoices read by _id are kept
// (Options.ReadCacheSize): about 2 to 3 KB each with their history, so a
// few megabytes, enough for the pages many providers and staff are
// looking at. A provider paging back through last year's invoices reads
// each page from the store once, not on every visit, which keeps those
// reads off the embedded store's one connection that submissions queue
// for.
const DefaultReadCacheSize = 2048

// newReadCache is the cache of the compacted invoices read lately by _id
// (Service.recentReads), nil when size is 0 or less (none). An entry is
// used only while its version is the row's (an invoice's every change
// raises its version), so a change needs no invalidation to be seen: the
// next read finds the versions differ and reads the store again.
func newReadCache(size int) *lru.Cache[string, Invoice] {
	if size <= 0 {
		return nil
	}
	c, _ := lru.New[string, Invoice](size) // errs only for a size below 1
	return c
}

// inMemoryLocked is row i's invoice when the read model has it without a
// read: held whole, or in the cache at the row's version. s.mu must be
// held (read).
func (s *Service) inMemoryLocked(i int32) (Invoice, bool) {
	if h := s.rows[i].held; h != nil {
		return *h, true
	}
	return s.cachedLocked(i)
}

// cachedLocked is row i's invoice from the cache when the cache holds that
// version. s.mu must be held (read).
func (s *Service) cachedLocked(i int32) (Invoice, bool) {
	if s.recentReads == nil {
		return Invoice{}, false
	}
	r := &s.rows[i]
	inv, ok := s.recentReads.Get(r.id)
	if !ok || inv.Version != int(r.version) {
		return Invoice{}, false
	}
	s.cacheHits.Add(1)
	return inv, true
}

// keepRead puts an invoice just read by _id (or just changed while
// compacted) in the cache.
func (s *Service) keepRead(inv Invoice) {
	if s.recentReads != nil {
		s.recentReads.Add(inv.ID, inv)
	}
}
