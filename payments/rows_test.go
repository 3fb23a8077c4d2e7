package payments

import (
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/store/storetest"
)

// randomHistory writes, through the real service, a random history of
// invoices for both providers: submitted over several months (receipt
// times that tie on purpose), numbers that repeat across organisations,
// then approved, queried and answered, scheduled, paid in full or in part,
// paid over the gross, credited (some beyond the balance), recovered,
// rejected or cancelled, and an import of closed historical invoices.
// It returns the invoice ids.
func randomHistory(t *testing.T, s *Service, clk *clock, seed uint64) []string {
	t.Helper()
	ctx := storetest.Context(t)
	rng := rand.New(rand.NewPCG(seed, 13))
	base := time.Date(2025, 9, 1, 9, 0, 0, 0, time.UTC)
	var ids []string
	versions := map[string]int{}
	for i := range 40 {
		clk.Set(base.Add(time.Duration(rng.IntN(150)) * 24 * time.Hour).Add(time.Duration(rng.IntN(3)) * time.Hour))
		actor, ref := provider1, "HC-001"
		if rng.IntN(3) == 0 {
			actor, ref = provider2, "RES-001"
		}
		in := goodInput()
		in.ContractRef = ref
		in.InvoiceNumber = []string{"INV-", "L ", "A/"}[rng.IntN(3)] + fmt.Sprint(i%17)
		day := LondonDay(clk.Now())
		in.InvoiceDate = AddDays(day, -rng.IntN(20))
		in.PeriodStart, in.PeriodEnd = AddDays(in.InvoiceDate, -30), AddDays(in.InvoiceDate, -1)
		pence := int64(1+rng.IntN(9)) * 10000
		in.Net, in.VAT, in.Gross = FormatPence(pence), "0", FormatPence(pence)
		inv, err := s.SubmitInvoice(ctx, actor, in)
		if fault.KindOf(err) == fault.Conflict {
			continue // the number again for the same provider
		}
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, inv.ID)
		versions[inv.ID] = inv.Version
	}
	step := func(id string, inv Invoice, err error) {
		if err == nil {
			versions[id] = inv.Version
		}
	}
	for range 160 {
		id := ids[rng.IntN(len(ids))]
		cur, _, err := s.current(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		v := versions[id]
		clk.Set(clk.Now().Add(time.Duration(rng.IntN(5)) * 24 * time.Hour))
		today := LondonDay(clk.Now())
		owner := provider1
		if cur.OrgID == "org2" {
			owner = provider2
		}
		switch rng.IntN(10) {
		case 0, 1:
			inv, err := s.Transition(ctx, staff, id, v, StatusApproved, "", Details{})
			step(id, inv, err)
		case 2:
			inv, err := s.Transition(ctx, staff, id, v, StatusQueried, "Which week?", Details{})
			step(id, inv, err)
		case 3:
			inv, err := s.Transition(ctx, owner, id, v, StatusSubmitted, "Week 2", Details{})
			step(id, inv, err)
		case 4:
			inv, err := s.Transition(ctx, staff, id, v, StatusScheduled, "Run", Details{ScheduledDate: AddDays(today, 3)})
			step(id, inv, err)
		case 5, 6:
			amount := cur.Balance()
			if rng.IntN(3) == 0 {
				amount /= 2
			}
			over := rng.IntN(6) == 0
			if over {
				amount += 5000
			}
			inv, err := s.RecordPayment(ctx, staff, id, v, Money{Date: today, Pence: max(amount, 1), Reference: fmt.Sprintf("BACS-%d", rng.IntN(4)), Source: "remittance", AcceptOver: over})
			step(id, inv, err)
		case 7:
			inv, err := s.SubmitCreditNote(ctx, staff, CreditNote{InvoiceID: id, Number: fmt.Sprintf("CN-%d", rng.IntN(1000)), Date: today,
				Pence: int64(1+rng.IntN(4)) * 5000, Reason: "Not delivered", Overpayment: rng.IntN(2) == 0})
			step(id, inv, err)
		case 8:
			if cur.Balance() < 0 {
				inv, err := s.RecordRecovery(ctx, staff, id, v, RecoveryInput{Date: today, Pence: -cur.Balance(), Method: RecoverySetOff, Reference: "SO-1"})
				step(id, inv, err)
			}
		case 9:
			to := StatusRejected
			if rng.IntN(2) == 0 {
				to = StatusCancelled
			}
			actor := staff
			if to == StatusCancelled {
				actor = owner
			}
			inv, err := s.Transition(ctx, actor, id, v, to, "Duplicate", Details{})
			step(id, inv, err)
		}
	}
	var rows []HistoricalInvoice
	for i := range 15 {
		rows = append(rows, HistoricalInvoice{SupplierRef: "SUP1001", ContractRef: "HC-001", InvoiceNumber: fmt.Sprintf("H-%d", i),
			InvoiceDate: AddDays("2024-01-10", i*9), ReceivedDate: AddDays("2024-01-11", i*9), NetPence: 7000, GrossPence: 7000,
			Steps: HistoryFromDates(AddDays("2024-01-15", i*9), AddDays("2024-02-01", i*9), 7000, fmt.Sprintf("OLD-%d", i%3))})
	}
	if _, _, err := s.ImportHistorical(ctx, staff, rows); err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestCompactedRowsAnswerAsWholeInvoices: random histories through the
// real service, then two fresh services on the same store, one holding
// every invoice whole (compaction off) and one holding only open work and
// overpaid invoices (window of 0 days: every other invoice compacted,
// read by _id when asked). Every list, filter, search, queue, count,
// advice and look-up answers the same in both.
func TestCompactedRowsAnswerAsWholeInvoices(t *testing.T) {
	for seed := uint64(1); seed <= 2; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			s, _, clk := newTestService(t)
			seedContracts(t, s)
			ctx := storetest.Context(t)
			randomHistory(t, s, clk, seed)
			clk.Set(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
			quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
			off := NewService(s.db, fixedOrgs, Options{Now: clk.Now, Logger: quiet})
			off.holdAll = true
			on := NewService(s.db, fixedOrgs, Options{Now: clk.Now, Logger: quiet, RecentDays: -1})
			for _, x := range []*Service{off, on} {
				if err := x.Load(ctx); err != nil {
					t.Fatal(err)
				}
			}
			compacted := 0
			for i := range on.rows {
				if on.rows[i].held == nil {
					compacted++
				}
			}
			if compacted == 0 || compacted == len(on.rows) {
				t.Fatalf("%d of %d invoices compacted: the history does not exercise both", compacted, len(on.rows))
			}
			checkSameAnswers(t, s, off, on)
		})
	}
}

func checkSameAnswers(t *testing.T, live, off, on *Service) {
	t.Helper()
	ctx := storetest.Context(t)
	same := func(what string, f func(s *Service) any) {
		t.Helper()
		a, b := f(off), f(on)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%s:\n compaction off %+v\n compaction on  %+v", what, a, b)
		}
	}
	var filters []InvoiceFilter
	for _, q := range Queues {
		filters = append(filters, InvoiceFilter{Queue: q}, InvoiceFilter{Queue: q, OldestFirst: true}, InvoiceFilter{Queue: q, OrgID: "org1"})
	}
	for _, st := range []Status{StatusSubmitted, StatusQueried, StatusApproved, StatusScheduled, StatusPaid, StatusRejected, StatusCancelled} {
		filters = append(filters, InvoiceFilter{Status: st}, InvoiceFilter{Status: st, OrgID: "org2", OldestFirst: true})
	}
	for _, q := range []string{"sup1001", "SUP1002", "hc-", "res", "inv", "l 3", "a/1", "1", "sunrise", "oak", "H-", "zzz", "-"} {
		filters = append(filters, InvoiceFilter{Search: q}, InvoiceFilter{Search: q, OrgID: "org1"})
	}
	for _, r := range [][2]string{{"2025-10-01", "2025-12-31"}, {"2024", ""}, {"", "2025-11"}, {"2025-13-45", "2026-02-30"}, {"x", "y"}} {
		filters = append(filters, InvoiceFilter{From: r[0], To: r[1]}, InvoiceFilter{From: r[0], To: r[1], OrgID: "org1", Status: StatusPaid})
	}
	contracts, err := off.Contracts(ctx, staff, ContractFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range contracts {
		filters = append(filters, InvoiceFilter{ContractID: c.ID}, InvoiceFilter{ContractID: c.ID, WithHistory: true})
	}
	filters = append(filters, InvoiceFilter{}, InvoiceFilter{OldestFirst: true}, InvoiceFilter{WithHistory: true},
		InvoiceFilter{Overpaid: true}, InvoiceFilter{Overpaid: true, OldestFirst: true}, InvoiceFilter{Overpaid: true, OrgID: "org1"},
		InvoiceFilter{UpdatedSince: time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)}, InvoiceFilter{UpdatedSince: time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC), OldestFirst: true})
	actors := []*auth.Principal{staff, provider1, provider2}
	snapAll, err := off.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range filters {
		for _, actor := range actors {
			for _, pg := range [][2]int{{1, 7}, {3, 7}, {1, 200}} {
				label := fmt.Sprintf("%s: list %+v page %d of %d", actor.Name, f, pg[0], pg[1])
				same(label, func(s *Service) any {
					p, err := s.ListInvoices(ctx, actor, f, pg[0], pg[1])
					if err != nil {
						t.Fatalf("%s: %v", label, err)
					}
					if f.WithHistory {
						return p
					}
					// Without WithHistory a History may hold only what the
					// snapshot keeps of each step (a held invoice whose
					// events were read keeps them): compare what is stored.
					return fmt.Sprint(p.Total, p.Page, p.Pages, stored(p.Invoices...))
				})
				// A simple scan of every whole invoice, as the lists were
				// computed before rows, gives the same page.
				if want, total := scanList(snapAll, contracts, actor, f, LondonDay(on.now()), pg[0], pg[1]); true {
					b, _ := on.ListInvoices(ctx, actor, f, pg[0], pg[1])
					if b.Total != total || !slices.Equal(pageIDs(b), want) {
						t.Fatalf("%s: a scan gives %d %v, the rows %d %v", label, total, want, b.Total, pageIDs(b))
					}
				}
				// The live service (full histories in memory) lists the
				// same invoices in the same order.
				if !f.WithHistory && pg[1] == 200 {
					a, _ := live.ListInvoices(ctx, actor, f, pg[0], pg[1])
					b, _ := on.ListInvoices(ctx, actor, f, pg[0], pg[1])
					if a.Total != b.Total || !slices.Equal(pageIDs(a), pageIDs(b)) {
						t.Fatalf("%s: live %d %v, compacted %d %v", label, a.Total, pageIDs(a), b.Total, pageIDs(b))
					}
				}
			}
		}
	}
	same("queue counts", func(s *Service) any { c, _ := s.QueueCounts(ctx); return c })
	same("overpaid count", func(s *Service) any { n, _ := s.OverpaidCount(ctx); return n })
	same("generation", func(s *Service) any { return s.Generation() })
	for _, actor := range actors {
		for _, org := range []string{"", "org1", "org2"} {
			same(fmt.Sprintf("%s: advices of %q", actor.Name, org), func(s *Service) any {
				a, err := s.Advices(ctx, actor, org)
				if err != nil {
					t.Fatal(err)
				}
				return a
			})
		}
	}
	for _, org := range []string{"", "org1", "org2"} {
		got, _ := on.Advices(ctx, staff, org)
		if want := scanAdvices(snapAll, org); !reflect.DeepEqual(got, want) {
			t.Fatalf("advices of %q: a scan gives %+v, the rows %+v", org, want, got)
		}
	}
	advices, _ := off.Advices(ctx, staff, "")
	if len(advices) == 0 {
		t.Fatal("no remittance advice in the history")
	}
	for _, a := range advices {
		for _, actor := range actors {
			same("advice "+a.ID+" for "+actor.Name, func(s *Service) any {
				got, err := s.AdviceByID(ctx, actor, a.ID)
				return fmt.Sprint(got, fault.KindOf(err))
			})
		}
	}
	snap, err := off.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	same("every invoice", func(s *Service) any { all, _ := s.Snapshot(ctx); return stored(all...) })
	for _, inv := range snap {
		for _, actor := range actors {
			same("invoice "+inv.ID+" for "+actor.Name, func(s *Service) any {
				got, err := s.Invoice(ctx, actor, inv.ID)
				return fmt.Sprint(got, fault.KindOf(err))
			})
		}
		for _, org := range []string{"org1", "org2"} {
			same("number "+inv.Number+" of "+org, func(s *Service) any {
				got, err := s.FindInvoiceByNumber(ctx, org, inv.Number)
				return fmt.Sprint(stored(got), fault.KindOf(err))
			})
		}
		same("current "+inv.ID, func(s *Service) any {
			got, ok, err := s.current(ctx, inv.ID)
			return fmt.Sprint(stored(got), ok, err)
		})
	}
	same("open invoices", func(s *Service) any {
		var out []Invoice
		_ = s.OpenInvoices(ctx, func(inv Invoice) error { out = append(out, inv); return nil })
		return stored(out...)
	})
	for _, since := range []time.Time{{}, time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)} {
		same(fmt.Sprint("updated after ", since), func(s *Service) any {
			n, v, l, _ := s.UpdatedAfter(ctx, since)
			return fmt.Sprint(n, v, l)
		})
	}
}

// stored is the invoices as their snapshots store them: a History that
// holds only what the snapshot keeps of each step (a compacted invoice
// read back) and the whole history (a held one whose events were read for
// a page) are the same there.
func stored(invs ...Invoice) string {
	docs := make([]invoiceDoc, len(invs))
	for i := range invs {
		docs[i] = docOf(&invs[i])
	}
	return fmt.Sprint(docs)
}

func pageIDs(p InvoicePage) []string {
	out := make([]string, len(p.Invoices))
	for i, inv := range p.Invoices {
		out[i] = inv.ID
	}
	return out
}

// paidHistory imports n invoices paid in 2024 (numbered prefix-0 and on)
// and returns a second service loaded from that store two years later,
// holding none of them whole, and a function making another such service
// with other options.
func paidHistory(t *testing.T, prefix string, n int) (*Service, func(o Options) *Service) {
	t.Helper()
	s, _, clk := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	var rows []HistoricalInvoice
	for i := range n {
		rows = append(rows, HistoricalInvoice{SupplierRef: "SUP1001", ContractRef: "HC-001", InvoiceNumber: fmt.Sprintf("%s-%d", prefix, i),
			InvoiceDate: AddDays("2024-03-01", i), ReceivedDate: AddDays("2024-03-02", i), NetPence: 100, GrossPence: 100,
			Steps: HistoryFromDates(AddDays("2024-03-05", i), AddDays("2024-03-20", i), 100, "OLD")})
	}
	if _, _, err := s.ImportHistorical(ctx, staff, rows); err != nil {
		t.Fatal(err)
	}
	clk.Set(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC))
	another := func(o Options) *Service {
		t.Helper()
		o.Now, o.RecentDays = clk.Now, -1
		fresh := NewService(s.db, fixedOrgs, o)
		if err := fresh.Load(ctx); err != nil {
			t.Fatal(err)
		}
		return fresh
	}
	return another(Options{}), another
}

// TestListPageReadsOnlyItsPage: a list of closed invoices the read model
// keeps only as rows reads, for one page, that page's invoices by _id and
// no other; a count or a queue reads none.
func TestListPageReadsOnlyItsPage(t *testing.T) {
	fresh, _ := paidHistory(t, "P", 30)
	ctx := storetest.Context(t)
	for i := range fresh.rows {
		if fresh.rows[i].held != nil {
			t.Fatalf("closed invoice %s of 2024 is held whole", fresh.rows[i].id)
		}
	}
	for _, c := range []struct {
		f             InvoiceFilter
		page, perPage int
		want          int
	}{
		{InvoiceFilter{}, 1, 10, 10},
		{InvoiceFilter{Status: StatusPaid}, 3, 10, 10},
		{InvoiceFilter{OrgID: "org1", OldestFirst: true}, 2, 25, 5},
		{InvoiceFilter{Search: "p-1"}, 1, 50, 1}, // that number exactly
		{InvoiceFilter{Search: "hc-0"}, 1, 50, 30},
		{InvoiceFilter{Queue: QueueNew}, 1, 50, 0},
		{InvoiceFilter{Status: StatusApproved}, 1, 50, 0},
	} {
		// Read by _id or found in the cache of those read lately
		// (readcache.go): the page's invoices, no others.
		before := fresh.idReads.Load() + fresh.cacheHits.Load()
		p, err := fresh.ListInvoices(ctx, staff, c.f, c.page, c.perPage)
		if err != nil {
			t.Fatal(err)
		}
		if n := fresh.idReads.Load() + fresh.cacheHits.Load() - before; n != int64(c.want) || len(p.Invoices) != c.want {
			t.Fatalf("%+v page %d of %d: %d invoices listed, %d read by _id or from the cache, want %d", c.f, c.page, c.perPage, len(p.Invoices), n, c.want)
		}
		for _, inv := range p.Invoices {
			if inv.Status != StatusPaid || inv.Number == "" {
				t.Fatalf("a page's invoice read back as %+v", inv)
			}
		}
	}
	before := fresh.idReads.Load()
	if _, err := fresh.QueueCounts(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := fresh.Advices(ctx, staff, ""); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := fresh.UpdatedAfter(ctx, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if n := fresh.idReads.Load() - before; n != 0 {
		t.Fatalf("counts and advices read %d invoices by _id", n)
	}
}

// TestDaysFromKeepsStringOrder: a row's day compares with a filter's
// string as the day's own string would, whatever the string.
func TestDaysFromKeepsStringOrder(t *testing.T) {
	days := []string{"", "0001-01-01", "1999-12-31", "2024-02-29", "2025-01-01", "2025-06-15", "2025-12-31", "9999-12-31"}
	bounds := []string{"2025", "2025-06", "2025-06-15", "2025-06-15x", "2025-13-01", "2025-02-30", "x", "0", "2025-06-1", "10000-01-01", "9999-12-31"}
	for _, d := range days {
		n := dayNum(d)
		for _, b := range bounds {
			if got, want := n < daysFrom(b), d < b; got != want {
				t.Fatalf("%q before %q: %v by day numbers, %v as strings", d, b, got, want)
			}
			if got, want := n > daysAfter(b)-1, d > b; got != want {
				t.Fatalf("%q after %q: %v by day numbers, %v as strings", d, b, got, want)
			}
		}
	}
}

// scanList is ListInvoices as a scan of every whole invoice (arrival
// order does not matter: the result is sorted), the staff search's
// indexes written as the predicates they stand for.
func scanList(all []Invoice, contracts []Contract, actor *auth.Principal, f InvoiceFilter, today string, page, perPage int) ([]string, int) {
	if !actor.IsStaff() {
		f.OrgID = actor.OrgID
	}
	q := strings.ToLower(strings.TrimSpace(f.Search))
	qKey := NormaliseNumber(f.Search)
	keep := func(inv *Invoice) bool {
		if (f.OrgID != "" && inv.OrgID != f.OrgID) || (f.Status != "" && inv.Status != f.Status) ||
			(f.ContractID != "" && inv.ContractID != f.ContractID) || (f.From != "" && inv.InvoiceDate < f.From) ||
			(f.To != "" && inv.InvoiceDate > f.To) || (f.Queue != "" && !f.Queue.matches(inv, today)) ||
			(!f.UpdatedSince.IsZero() && !inv.UpdatedAt.After(f.UpdatedSince)) || (f.Overpaid && inv.Balance() >= 0) {
			return false
		}
		return q == "" || strings.ToLower(inv.SupplierRef) == q || strings.Contains(strings.ToLower(inv.ContractRef), q) ||
			(qKey != "" && strings.Contains(inv.NumberKey, qKey)) || (f.OrgID == "" && len(q) >= 3 && strings.Contains(strings.ToLower(inv.OrgName), q))
	}
	candidate := func(inv *Invoice) bool { return true }
	if f.OrgID == "" && q != "" {
		refs := map[string]string{}
		for _, c := range contracts {
			refs[c.ID] = strings.ToLower(c.Reference)
		}
		indexed := func(inv *Invoice) bool {
			return strings.ToLower(inv.SupplierRef) == q || (len(q) >= 3 && strings.Contains(strings.ToLower(inv.OrgName), q)) ||
				strings.Contains(refs[inv.ContractID], q) || inv.NumberKey == qKey
		}
		candidate = indexed
		any := false
		for i := range all {
			any = any || indexed(&all[i])
		}
		if !any && qKey != "" {
			candidate = func(inv *Invoice) bool { return strings.Contains(inv.NumberKey, qKey) }
		}
	}
	var m []*Invoice
	for i := range all {
		if candidate(&all[i]) && keep(&all[i]) {
			m = append(m, &all[i])
		}
	}
	slices.SortFunc(m, func(a, b *Invoice) int {
		if before(a, b) == f.OldestFirst {
			return -1
		}
		return 1
	})
	p := pageOf(m, page, perPage)
	return pageIDs(p), p.Total
}

// scanAdvices is Advices as it was computed from every whole invoice.
func scanAdvices(all []Invoice, orgID string) []Advice {
	byID := map[string]*Advice{}
	slices.SortFunc(all, func(a, b Invoice) int {
		if before(&a, &b) {
			return -1
		}
		return 1
	})
	for _, inv := range all {
		if len(inv.Payments) == 0 || (orgID != "" && inv.OrgID != orgID) {
			continue
		}
		var paid, credit int64
		for _, p := range inv.Payments {
			if p.Credit {
				credit += p.Pence
			} else {
				paid += p.Pence
			}
			id := adviceID(inv.OrgID, p.Date, p.Reference)
			a := byID[id]
			if a == nil {
				a = &Advice{ID: id, OrgID: inv.OrgID, OrgName: inv.OrgName, Date: p.Date, Reference: p.Reference}
				byID[id] = a
			}
			line := AdviceLine{InvoiceID: inv.ID, Number: inv.Number, GrossPence: inv.GrossPence, BalanceAfter: inv.GrossPence - paid - credit}
			if p.Credit {
				line.CreditPence = p.Pence
			} else {
				line.PaidPence = p.Pence
				line.Items = inv.Lines
				a.Total += p.Pence
			}
			a.Lines = append(a.Lines, line)
		}
	}
	out := []Advice{}
	for _, a := range byID {
		if !hasPayment(a) {
			continue
		}
		slices.SortStableFunc(a.Lines, func(x, y AdviceLine) int { return strings.Compare(x.Number, y.Number) })
		out = append(out, *a)
	}
	slices.SortFunc(out, func(x, y Advice) int {
		if x.Date != y.Date {
			return -strings.Compare(x.Date, y.Date)
		}
		return strings.Compare(x.ID, y.ID)
	})
	return out
}

// TestReadCacheKeepsPagesAndSeesChanges: a page of compacted invoices read
// again comes from the cache with no read by _id; an invoice changed (as a
// poll or a payment puts it) shows its new version at once; an entry of
// another version than the row's is never used.
func TestReadCacheKeepsPagesAndSeesChanges(t *testing.T) {
	fresh, another := paidHistory(t, "C", 12)
	ctx := storetest.Context(t)
	list := func() (InvoicePage, int64) {
		t.Helper()
		before := fresh.idReads.Load()
		p, err := fresh.ListInvoices(ctx, staff, InvoiceFilter{}, 1, 10)
		if err != nil {
			t.Fatal(err)
		}
		return p, fresh.idReads.Load() - before
	}
	first, reads := list()
	if reads != 10 {
		t.Fatalf("first page: %d reads by _id, want 10", reads)
	}
	again, reads := list()
	if reads != 0 {
		t.Fatalf("the same page again: %d reads by _id, want 0", reads)
	}
	if !reflect.DeepEqual(first, again) {
		t.Fatalf("the page from the cache differs:\n%+v\n%+v", first, again)
	}

	// A change as the poll puts it: the new version, no read.
	changed := first.Invoices[0]
	changed.Version++
	changed.ContractTitle = "CHANGED-1"
	fresh.putInvoice(&changed)
	after, reads := list()
	if reads != 0 || after.Invoices[0].ContractTitle != "CHANGED-1" || after.Invoices[0].Version != changed.Version {
		t.Fatalf("after a change: %d reads, first invoice %+v", reads, after.Invoices[0])
	}

	// An entry of another version than the row's is read again from the store.
	stale := first.Invoices[1]
	stale.Version += 5
	stale.ContractTitle = "NOT-THIS"
	fresh.keepRead(stale)
	after, reads = list()
	if reads != 1 || after.Invoices[1].ContractTitle == "NOT-THIS" || after.Invoices[1].Version != first.Invoices[1].Version {
		t.Fatalf("a stale entry: %d reads, invoice %+v", reads, after.Invoices[1])
	}

	// Turned off, every page reads its invoices.
	off := another(Options{ReadCacheSize: -1})
	for range 2 {
		before := off.idReads.Load()
		if _, err := off.ListInvoices(ctx, staff, InvoiceFilter{}, 1, 10); err != nil {
			t.Fatal(err)
		}
		if n := off.idReads.Load() - before; n != 10 {
			t.Fatalf("cache off: %d reads, want 10", n)
		}
	}
}
