package payments

// The read model's rows. Every invoice ever received has one small fixed
// row (invRow) with what lists, filters, sorts, searches, counts and
// look-ups need; the whole invoice (*Invoice, with its history, payments
// and lines) is kept only where it is needed often:
//
//   - open work (new, queried, approved, scheduled), which the queues, the
//     counts and the date queues walk (openwork.go);
//   - overpaid invoices (the recovery list);
//   - a recent window: invoices received, or whose latest step is dated,
//     within Options.RecentDays of today (the business dates, not
//     updated_at: an import stamps updated_at = now on every closed
//     invoice it brings in).
//
// Any other invoice is "compacted": a page, a list page or an API that
// asks for it reads its snapshot by _id (readCompacted), a list page at
// most its own page's rows. A remittance advice needs the payments of
// closed invoices, so a row with payments keeps the few facts an advice
// shows (adviceFacts) instead of the invoice.
//
// Strings that repeat across invoices (an organisation's id and name, a
// contract's reference, a day) are shared (record.go shared, dayString);
// the organisation and contract of a row are one index into the party
// table, which holds the search keys too.

import (
	"context"
	"math"
	"sort"
	"strings"
	"time"

	"careportal/portal/store"
)

// DefaultRecentDays is the recent window of Options.RecentDays: a week.
// On the 1,000,000-invoice demo store (about 50,000 invoices a month) a
// week holds some 12,000 closed invoices whole beside 72,000 open ones;
// 31 days held 84,000 more (about 200 MB). A provider's first list page
// (its newest invoices) is mostly within a week.
const DefaultRecentDays = 7

// noDay is a row's day when the invoice has none; noTime its time.
const (
	noDay  = math.MinInt32
	noTime = math.MinInt64
)

// invRow is one invoice of the read model. s.mu guards the rows.
type invRow struct {
	id        string
	numberKey string   // NormaliseNumber of the number (staff search, look-ups)
	held      *Invoice // the whole invoice when held; nil when compacted
	facts     *adviceFacts
	received  int64 // ReceivedAt, unix nanoseconds (noTime when zero)
	updated   int64 // UpdatedAt, unix nanoseconds (noTime when zero)
	gross     int64
	version   int32
	party     int32 // index in Service.parties
	nextNum   int32 // the row received before it with the same number key; -1 when none
	invDay    int32 // InvoiceDate, days since 1970-01-01 (noDay when none)
	recvDay   int32 // ReceivedDate, likewise
	status    uint8 // index in statusCodes
}

// statusCodes are the statuses a row's status indexes (0: anything else,
// whose name is kept in Service.otherStatus).
var statusCodes = []Status{"", StatusSubmitted, StatusQueried, StatusApproved, StatusScheduled, StatusPaid, StatusRejected, StatusCancelled}

func statusCode(st Status) uint8 {
	for i, s := range statusCodes {
		if i > 0 && s == st {
			return uint8(i)
		}
	}
	return 0
}

// statusOf is row r's status.
func (s *Service) statusOf(r *invRow) Status {
	if r.status == 0 {
		if r.held != nil {
			return r.held.Status
		}
		return s.otherStatus[r.id]
	}
	return statusCodes[r.status]
}

// party is what a row shares with the other invoices of its organisation
// and contract: the names as on the invoice and the search keys.
type party struct {
	partyKey
	orgLower, supplierLower, contractLower string
}

type partyKey struct{ orgID, orgName, supplierRef, contractID, contractRef string }

// adviceFacts are what a remittance advice shows of an invoice with
// payments or credits (advice.go).
type adviceFacts struct {
	number string
	lines  []InvoiceLine
	pays   []advicePay
}

// advicePay is one payment or credit: its date as a day number (payment
// dates are validated days), its reference shared.
type advicePay struct {
	ref    string
	pence  int64
	day    int32
	credit bool
}

func factsOf(inv *Invoice) *adviceFacts {
	if len(inv.Payments) == 0 {
		return nil
	}
	f := &adviceFacts{number: inv.Number, lines: inv.Lines, pays: make([]advicePay, len(inv.Payments))}
	for i, p := range inv.Payments {
		f.pays[i] = advicePay{day: dayNum(p.Date), ref: shared(p.Reference), pence: p.Pence, credit: p.Credit}
	}
	return f
}

// dayNum is a "YYYY-MM-DD" day as days since 1970-01-01; noDay when it is
// not a day.
func dayNum(day string) int32 {
	if day == "" {
		return noDay
	}
	t, err := time.Parse(time.DateOnly, day)
	if err != nil || t.Year() < 1 || t.Year() > 9999 {
		return noDay
	}
	return int32(t.Unix() / 86400)
}

func dayOfNum(n int32) string {
	if n == noDay {
		return ""
	}
	return time.Unix(int64(n)*86400, 0).UTC().Format(time.DateOnly)
}

// The days a row's day can be (four-digit years, so that the days'
// strings sort as the days do).
var (
	firstDayNum = dayNum("0001-01-01")
	lastDayNum  = dayNum("9999-12-31")
)

// daysFrom is the first day whose "YYYY-MM-DD" string is not before s (as
// strings compare): a row's day is before it exactly when its string is
// before s. So a filter given any string keeps the meaning of comparing
// the invoice's date string with it.
func daysFrom(s string) int32 {
	n := int(lastDayNum - firstDayNum + 1)
	return firstDayNum + int32(sort.Search(n, func(i int) bool { return dayOfNum(firstDayNum+int32(i)) >= s }))
}

// daysAfter is the first day whose string is after s.
func daysAfter(s string) int32 {
	n := int(lastDayNum - firstDayNum + 1)
	return firstDayNum + int32(sort.Search(n, func(i int) bool { return dayOfNum(firstDayNum+int32(i)) > s }))
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return noTime
	}
	return t.UnixNano()
}

// holds reports whether the read model keeps the whole invoice.
func (s *Service) holds(inv *Invoice) bool {
	switch inv.Status {
	case StatusSubmitted, StatusQueried, StatusApproved, StatusScheduled:
		return true
	}
	if s.holdAll || inv.Balance() < 0 {
		return true
	}
	if s.recentDays < 0 {
		return false
	}
	from := s.windowFrom()
	return inv.ReceivedDate >= from || (len(inv.History) > 0 && eventDay(inv.LastEvent()) >= from)
}

// windowFrom is the first day of the recent window.
func (s *Service) windowFrom() string {
	today := LondonDay(s.now())
	if today != s.window.today {
		s.window.today, s.window.from = today, AddDays(today, -s.recentDays)
	}
	return s.window.from
}

// partyOf is the index of the invoice's party, added when new.
func (s *Service) partyOf(inv *Invoice) int32 {
	k := partyKey{orgID: inv.OrgID, orgName: inv.OrgName, supplierRef: inv.SupplierRef, contractID: inv.ContractID, contractRef: inv.ContractRef}
	if i, ok := s.partyIdx[k]; ok {
		return i
	}
	k = partyKey{orgID: shared(k.orgID), orgName: shared(k.orgName), supplierRef: shared(k.supplierRef), contractID: shared(k.contractID), contractRef: shared(k.contractRef)}
	i := int32(len(s.parties))
	s.parties = append(s.parties, party{partyKey: k,
		orgLower: strings.ToLower(k.orgName), supplierLower: strings.ToLower(k.supplierRef), contractLower: strings.ToLower(k.contractRef)})
	s.partyIdx[k] = i
	return i
}

// putInvoiceLocked stores a snapshot in the read model unless it already
// holds a newer version. s.mu must be held for writing.
func (s *Service) putInvoiceLocked(inv *Invoice) {
	i, ok := s.pos[inv.ID]
	var old *Invoice
	if ok {
		if int(s.rows[i].version) > inv.Version {
			return
		}
		old = s.rows[i].held
	}
	keep := s.holds(inv)
	if keep {
		// Its own allocation: a load puts pointers into a batch, and one
		// held invoice would keep the whole batch (and every invoice's
		// history in it) alive.
		c := *inv
		inv = &c
	}
	s.open.put(old, inv)
	s.gen++
	// A compacted invoice (old nil) is closed, so in no date queue.
	s.keepDatedLocked(old, inv)
	if ok && s.rows[i].numberKey != inv.NumberKey {
		s.numbers.numberChanged()
	}
	p := s.partyOf(inv)
	pt := &s.parties[p]
	if !ok {
		i = int32(len(s.rows))
		s.pos[inv.ID] = i
		next := int32(-1)
		if head, ok := s.numFirst[inv.NumberKey]; ok {
			next = head
		}
		s.numFirst[inv.NumberKey] = i
		s.orgBySupplier[pt.supplierLower] = pt.orgID
		s.rows = append(s.rows, invRow{id: inv.ID, nextNum: next})
	}
	relist := s.listOutLocked(i, ok, p, nanos(inv.ReceivedAt)) // the list orders (listorder.go)
	r := &s.rows[i]
	r.numberKey, r.party = inv.NumberKey, p
	r.received, r.updated, r.gross, r.version = nanos(inv.ReceivedAt), nanos(inv.UpdatedAt), inv.GrossPence, int32(inv.Version)
	r.invDay, r.recvDay = dayNum(inv.InvoiceDate), dayNum(inv.ReceivedDate)
	r.status = statusCode(inv.Status)
	if r.status == 0 {
		s.otherStatus[inv.ID] = inv.Status
	} else if len(s.otherStatus) > 0 {
		delete(s.otherStatus, inv.ID)
	}
	if relist {
		s.listInLocked(i)
	}
	r.facts = factsOf(inv)
	r.held = nil
	if keep {
		r.held = inv
	}
	// The change log keeps the invoice beside its id: the held copy, or
	// after the load a copy of its own for a compacted one (history
	// imported or paid off elsewhere), so ChangedSince need not read it by
	// _id; changeLogCopies bounds that memory. During the
	// load none: the figures read the load's own batches (loadtap.go).
	logged, copied := r.held, false
	if logged == nil && s.invoicesRM.Loaded() {
		c := *inv
		logged, copied = &c, true
		s.keepRead(c) // its page shows it next without a read by _id
	}
	s.changeLog.noteInvoice(s.gen, inv.ID, logged, copied)
	s.invoicesRM.Saw(inv.UpdatedAt)
	s.releaseLocked()
}

// releaseLocked lets go, once a day, of the whole invoices that have left
// the recent window (closed, not overpaid, nothing dated in the window).
// s.mu must be held for writing.
func (s *Service) releaseLocked() {
	if !s.invoicesRM.Loaded() {
		return
	}
	today := LondonDay(s.now())
	if today == s.released {
		return
	}
	s.released = today
	for i := range s.rows {
		if h := s.rows[i].held; h != nil && !s.holds(h) {
			s.rows[i].held = nil
		}
	}
}

// rowByNumber is the row of the organisation's invoice with the number key
// (the latest received when there are several); ok false when none. s.mu
// must be held.
func (s *Service) rowByNumber(orgID, key string) (int32, bool) {
	i, ok := s.numFirst[key]
	for ok && i >= 0 {
		r := &s.rows[i]
		if r.numberKey == key && s.parties[r.party].orgID == orgID {
			return i, true
		}
		i = r.nextNum
	}
	return -1, false
}

// get is the invoice with the id as the read model has it: the held copy,
// or the snapshot read by _id for a compacted one. ok is false when the
// read model has no such invoice.
func (s *Service) get(ctx context.Context, id string) (Invoice, bool, error) {
	s.mu.RLock()
	i, ok := s.pos[id]
	return s.getRow(ctx, i, ok)
}

// getRow is get for a row found under the lock (its invoice is read after
// the lock is let go).
func (s *Service) getRow(ctx context.Context, i int32, ok bool) (Invoice, bool, error) {
	if !ok {
		s.mu.RUnlock()
		return Invoice{}, false, nil
	}
	inv, known := s.inMemoryLocked(i)
	id := s.rows[i].id
	s.mu.RUnlock()
	if known {
		return inv, true, nil
	}
	inv, err := s.readCompacted(ctx, id)
	if err != nil {
		return Invoice{}, false, err
	}
	return inv, true, nil
}

// readCompacted reads a compacted invoice's snapshot by _id (counted in
// idReads).
func (s *Service) readCompacted(ctx context.Context, id string) (Invoice, error) {
	s.idReads.Add(1)
	cctx, cancel := store.CallContext(ctx)
	defer cancel()
	inv, err := s.readSnapshot(cctx, id)
	if err == nil {
		s.keepRead(inv)
	}
	return inv, err
}

// OpenInvoices calls fn with a copy of each open invoice (new, queried,
// approved or scheduled), in the queues' order (received, then id), from
// the open-work index: the cost of the open work, not of the history.
func (s *Service) OpenInvoices(ctx context.Context, fn func(inv Invoice) error) error {
	if err := s.ensureLoaded(ctx); err != nil {
		return err
	}
	s.mu.RLock()
	var out []Invoice
	for _, q := range []Queue{QueueNew, QueueQueried, QueueApproved, QueueScheduled} {
		for _, inv := range s.open.list(q) {
			out = append(out, *inv)
		}
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return before(&out[i], &out[j]) })
	for _, inv := range out {
		if err := fn(inv); err != nil {
			return err
		}
	}
	return nil
}

// EachInvoice calls fn with every invoice, whole, a batch at a time (about
// store.RawBatch): one streaming scan of the stored snapshots, with the
// read model's copy in place of any it holds (the same version or newer:
// own writes, with their full history). The batches are the caller's; no
// slice of every invoice is made. It is what the payment figures' first
// build reads.
func (s *Service) EachInvoice(ctx context.Context, fn func(invs []Invoice) error) error {
	if err := s.ensureLoaded(ctx); err != nil {
		return err
	}
	s.mu.RLock()
	seen := make([]bool, len(s.rows)) // rows given (a flag a row, not a map of ids)
	s.mu.RUnlock()
	err := s.invoicesRM.Each(ctx, func(invs []Invoice) error {
		s.mu.RLock()
		for k := range invs {
			if i, ok := s.pos[invs[k].ID]; ok {
				if h := s.rows[i].held; h != nil && h.Version >= invs[k].Version {
					invs[k] = *h
				}
				if int(i) < len(seen) {
					seen[i] = true
				}
			}
		}
		s.mu.RUnlock()
		return fn(invs)
	})
	if err != nil {
		return err
	}
	// Held invoices the store did not give (not written yet: none in
	// practice, but the read model is what the caller asked for).
	var rest []Invoice
	s.mu.RLock()
	for i := range s.rows {
		if h := s.rows[i].held; h != nil && (i >= len(seen) || !seen[i]) {
			rest = append(rest, *h)
		}
	}
	s.mu.RUnlock()
	if len(rest) > 0 {
		return fn(rest)
	}
	return nil
}

// UpdatedAfter counts the invoices updated after since, with the sum of
// their versions and the latest update, from the rows alone (no invoice is
// read): what ListInvoices with InvoiceFilter.UpdatedSince would give over
// all its pages.
func (s *Service) UpdatedAfter(ctx context.Context, since time.Time) (n int, versions int64, latest time.Time, err error) {
	if err := s.ensureLoaded(ctx); err != nil {
		return 0, 0, time.Time{}, err
	}
	after := nanos(since)
	var last int64 = noTime
	s.mu.RLock()
	for i := range s.rows {
		if r := &s.rows[i]; since.IsZero() || r.updated > after {
			n++
			versions += int64(r.version)
			last = max(last, r.updated)
		}
	}
	s.mu.RUnlock()
	if n > 0 && last != noTime {
		latest = time.Unix(0, last).UTC()
	}
	return n, versions, latest, nil
}
