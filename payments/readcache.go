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

// readCache keeps the compacted invoices read lately by _id. An entry is
// used only while its version is the row's (an invoice's every change
// raises its version), so a change needs no invalidation to be seen: the
// next read finds the versions differ and reads the store again.
type readCache struct {
	c *lru.Cache[string, Invoice] // nil when turned off
}

func newReadCache(size int) *readCache {
	rc := &readCache{}
	if size > 0 {
		c, err := lru.New[string, Invoice](size)
		if err == nil {
			rc.c = c
		}
	}
	return rc
}

// cachedLocked is row i's invoice from the cache when the cache holds that
// version. s.mu must be held (read).
func (s *Service) cachedLocked(i int32) (Invoice, bool) {
	if s.recentReads.c == nil {
		return Invoice{}, false
	}
	r := &s.rows[i]
	inv, ok := s.recentReads.c.Get(r.id)
	if !ok || inv.Version != int(r.version) {
		return Invoice{}, false
	}
	s.cacheHits.Add(1)
	return inv, true
}

// keepRead puts an invoice just read by _id (or just changed while
// compacted) in the cache.
func (s *Service) keepRead(inv Invoice) {
	if s.recentReads.c != nil {
		s.recentReads.c.Add(inv.ID, inv)
	}
}
