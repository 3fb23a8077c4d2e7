package payments

import (
	"strings"
	"sync"
	"sync/atomic"
)

// numberSearch remembers, for the last few texts staff searched for that
// matched no supplier, contract or exact invoice number, which invoices'
// numbers contain the text and how far into the read model it has looked,
// so that the same search again looks only at the invoices added since
// instead of at every invoice number. The read model only grows (an
// invoice keeps its place in Service.rows), so what was found stays found
// unless an invoice already looked at changes its number, which bumps
// epoch and makes every remembered search start again.
type numberSearch struct {
	epoch   atomic.Uint64
	mu      sync.Mutex
	entries map[string]*numberHits
	tick    uint64 // for choosing the least recently used entry
}

type numberHits struct {
	epoch uint64
	upTo  int     // Service.rows[:upTo] have been looked at
	hits  []int32 // indexes in Service.rows whose number contains the text, ascending
	used  uint64
}

const (
	// numberSearchEntries is how many different search texts are kept.
	numberSearchEntries = 32
	// numberSearchMaxHits: a text found in more numbers than this is not
	// kept (a list that long is the exception, and its memory is not).
	numberSearchMaxHits = 20000
)

// numberChanged is told that an invoice already in the read model has a
// new number key.
func (n *numberSearch) numberChanged() { n.epoch.Add(1) }

// numbersContainingLocked lists the indexes in s.rows of the invoices whose
// normalised number contains qKey, ascending. s.mu must be held (read or
// write) while it runs and while the result is used.
func (s *Service) numbersContainingLocked(qKey string) []int32 {
	n := &s.numbers
	n.mu.Lock()
	defer n.mu.Unlock()
	epoch := n.epoch.Load()
	e := n.entries[qKey]
	if e == nil || e.epoch != epoch || e.upTo > len(s.rows) {
		e = &numberHits{epoch: epoch}
	}
	for i := e.upTo; i < len(s.rows); i++ {
		if strings.Contains(s.rows[i].numberKey, qKey) {
			e.hits = append(e.hits, int32(i))
		}
	}
	e.upTo = len(s.rows)
	n.tick++
	e.used = n.tick
	if len(e.hits) <= numberSearchMaxHits {
		if n.entries == nil {
			n.entries = map[string]*numberHits{}
		}
		if _, ok := n.entries[qKey]; !ok && len(n.entries) >= numberSearchEntries {
			oldest := ""
			for k, x := range n.entries {
				if oldest == "" || x.used < n.entries[oldest].used {
					oldest = k
				}
			}
			delete(n.entries, oldest)
		}
		n.entries[qKey] = e
	} else {
		delete(n.entries, qKey)
	}
	// Later searches append to e.hits beyond this length only.
	return e.hits[:len(e.hits):len(e.hits)]
}
