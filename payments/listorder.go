package payments

// The invoice lists' order, kept as the read model changes. Lists show
// invoices by received time, then id (newest first by default); the rows
// are in arrival order, which is not that order (imported history is
// received earlier than it arrives, and a row's received time can change).
// So the read model keeps the row indexes in list order: every row
// (Service.listed), each organisation's (Service.byOrg) and each
// contract's (Service.byContract). putInvoiceLocked takes a row out of
// them before its received time or its organisation or contract changes
// and puts it back after (listOutLocked, listInLocked); a list request
// walks one of them in the order asked and never sorts.
//
// A rowOrder is a list of chunks of at most orderChunk row indexes
// (int32: 4 bytes a row, chunks full when rows arrive in order). A change
// finds its chunk and its place in it by binary search and moves at most
// a chunk's indexes (2 KB), or splits a full chunk: O(log n) comparisons
// and a bounded copy, where one slice of every row would copy up to 4 MB
// at 1,000,000 invoices on each insert of imported history.

import (
	"slices"
	"sort"
)

// orderChunk is the most row indexes a chunk holds.
const orderChunk = 512

// rowOrder is row indexes in list order (rowBefore). The zero value is an
// empty list; a nil *rowOrder is one too for reading.
type rowOrder struct {
	chunks [][]int32
	n      int
}

// rowBefore reports whether row a comes before row b in list order:
// received earlier, or at the same time with a smaller id.
func (s *Service) rowBefore(a, b int32) bool {
	ra, rb := &s.rows[a], &s.rows[b]
	if ra.received != rb.received {
		return ra.received < rb.received
	}
	return ra.id < rb.id
}

// Len is the number of rows in the list.
func (o *rowOrder) Len() int {
	if o == nil {
		return 0
	}
	return o.n
}

// find is the place of the first row in the list that is not before row
// i: chunk c, index k in it (k may be the chunk's length: after its last).
func (o *rowOrder) find(s *Service, i int32) (c, k int) {
	c = sort.Search(len(o.chunks), func(c int) bool {
		ch := o.chunks[c]
		return !s.rowBefore(ch[len(ch)-1], i)
	})
	if c == len(o.chunks) {
		if c == 0 {
			return 0, 0
		}
		return c - 1, len(o.chunks[c-1])
	}
	ch := o.chunks[c]
	return c, sort.Search(len(ch), func(k int) bool { return !s.rowBefore(ch[k], i) })
}

// insert puts row i in its place. The row must not be in the list.
func (o *rowOrder) insert(s *Service, i int32) {
	o.n++
	if len(o.chunks) == 0 {
		o.chunks = [][]int32{{i}}
		return
	}
	c, k := o.find(s, i)
	ch := o.chunks[c]
	switch {
	case len(ch) < orderChunk:
		o.chunks[c] = slices.Insert(ch, k, i)
	case k == len(ch) && c == len(o.chunks)-1:
		// After every row (rows arriving in order): a new chunk, so that
		// the full ones stay full.
		o.chunks = append(o.chunks, []int32{i})
	default:
		half := len(ch) / 2
		right := append(make([]int32, 0, orderChunk), ch[half:]...)
		left := ch[:half]
		if k <= half {
			left = slices.Insert(left, k, i)
		} else {
			right = slices.Insert(right, k-half, i)
		}
		o.chunks[c] = left
		o.chunks = slices.Insert(o.chunks, c+1, right)
	}
}

// remove takes row i out of the list, where it is in the place its
// current received time and id give it; false when it is not there.
func (o *rowOrder) remove(s *Service, i int32) bool {
	if o == nil || o.n == 0 {
		return false
	}
	c, k := o.find(s, i)
	ch := o.chunks[c]
	if k == len(ch) || ch[k] != i {
		return false
	}
	o.n--
	if len(ch) == 1 {
		o.chunks = slices.Delete(o.chunks, c, c+1)
		return true
	}
	o.chunks[c] = slices.Delete(ch, k, k+1)
	return true
}

// first is the list's first row; -1 when it is empty.
func (o *rowOrder) first() int32 {
	if o.Len() == 0 {
		return -1
	}
	return o.chunks[0][0]
}

// all yields every row of the list, in list order.
func (o *rowOrder) all(yield func(int32) bool) {
	if o == nil {
		return
	}
	for _, ch := range o.chunks {
		for _, i := range ch {
			if !yield(i) {
				return
			}
		}
	}
}

// walk calls fn with the rows of the list from place from on (0: the
// first in the direction), oldest first or newest first, until fn returns
// false.
func (o *rowOrder) walk(newestFirst bool, from int, fn func(int32) bool) {
	if o == nil || from >= o.n {
		return
	}
	if !newestFirst {
		c := 0
		for ; from >= len(o.chunks[c]); c++ {
			from -= len(o.chunks[c])
		}
		for ; c < len(o.chunks); c++ {
			for _, i := range o.chunks[c][from:] {
				if !fn(i) {
					return
				}
			}
			from = 0
		}
		return
	}
	c := len(o.chunks) - 1
	for ; from >= len(o.chunks[c]); c-- {
		from -= len(o.chunks[c])
	}
	for ; c >= 0; c-- {
		ch := o.chunks[c]
		for k := len(ch) - 1 - from; k >= 0; k-- {
			if !fn(ch[k]) {
				return
			}
		}
		from = 0
	}
}

// listOutLocked takes row i out of the list orders when the invoice
// about to be put there changes the row's place: a new received time, or
// another organisation or contract (party p). It reports whether the row
// must be put back (listInLocked) once its fields are set; true for a new
// row (ok false), which is in none yet. s.mu must be held for writing.
func (s *Service) listOutLocked(i int32, ok bool, p int32, received int64) bool {
	if !ok {
		return true
	}
	r := &s.rows[i]
	old, now := &s.parties[r.party], &s.parties[p]
	if r.received == received && old.orgID == now.orgID && old.contractID == now.contractID {
		return false
	}
	s.listed.remove(s, i)
	s.byOrg[old.orgID].remove(s, i)
	s.byContract[old.contractID].remove(s, i)
	return true
}

// listInLocked puts row i, its fields set, in its places in the list
// orders. s.mu must be held for writing.
func (s *Service) listInLocked(i int32) {
	pt := &s.parties[s.rows[i].party]
	s.listed.insert(s, i)
	orderOf(s.byOrg, pt.orgID).insert(s, i)
	orderOf(s.byContract, pt.contractID).insert(s, i)
}

// orderOf is the list order under key k, added when new.
func orderOf(m map[string]*rowOrder, k string) *rowOrder {
	o := m[k]
	if o == nil {
		o = &rowOrder{}
		m[k] = o
	}
	return o
}
