package payments

import (
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"careportal/portal/store/storetest"
)

// TestChangeLog: the ids changed after a generation, each once, while the
// log still holds every change since then; a caller further behind than
// the log keeps is told so (it reads Snapshot instead).
func TestChangeLog(t *testing.T) {
	var l changeLog
	for g := uint64(1); g <= 5; g++ {
		l.note(g, fmt.Sprint("i", g%3))
	}
	if ids, ok := l.since(2); !ok || !reflect.DeepEqual(ids, []string{"i0", "i1", "i2"}) {
		t.Fatalf("since 2: %v %v", ids, ok)
	}
	if ids, ok := l.since(4); !ok || !reflect.DeepEqual(ids, []string{"i2"}) {
		t.Fatalf("since 4: %v %v", ids, ok)
	}
	if ids, ok := l.since(5); !ok || len(ids) != 0 {
		t.Fatalf("since 5 (nothing after): %v %v", ids, ok)
	}
	for g := uint64(6); g <= changeLogCap+10; g++ {
		l.note(g, "x")
	}
	if _, ok := l.since(2); ok {
		t.Fatal("changes dropped from the log were reported as complete")
	}
	last := uint64(changeLogCap + 10)
	if ids, ok := l.since(last - 1); !ok || !reflect.DeepEqual(ids, []string{"x"}) {
		t.Fatalf("since the last but one: %v %v", ids, ok)
	}
	if len(l.gens) > changeLogCap {
		t.Fatalf("the log holds %d changes, more than %d", len(l.gens), changeLogCap)
	}
}

// TestChangedSinceAfterAnImportOfHistory: closed invoices imported after
// the load, more than ChangedSince would read by _id, are listed from the
// change log's own copies (no read, no "rebuild from every invoice"), as
// they were stored; the read model still keeps them only as rows.
func TestChangedSinceAfterAnImportOfHistory(t *testing.T) {
	s, _, clk := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	clk.Set(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC))
	if err := s.Load(ctx); err != nil {
		t.Fatal(err)
	}
	gen, _, _, err := s.ChangedSince(ctx, math.MaxUint64) // the generation now
	if err != nil {
		t.Fatal(err)
	}
	var rows []HistoricalInvoice
	n := changedReadLimit + 100
	for i := range n {
		rows = append(rows, HistoricalInvoice{SupplierRef: "SUP1001", ContractRef: "HC-001", InvoiceNumber: fmt.Sprintf("H-%d", i),
			InvoiceDate: AddDays("2024-03-01", i%300), ReceivedDate: AddDays("2024-03-02", i%300), NetPence: int64(100 + i), GrossPence: int64(100 + i),
			Steps: HistoryFromDates(AddDays("2024-03-05", i%300), AddDays("2024-03-20", i%300), int64(100+i), "OLD")})
	}
	if _, _, err := s.ImportHistorical(ctx, staff, rows); err != nil {
		t.Fatal(err)
	}
	held := 0
	s.mu.RLock()
	for i := range s.rows {
		if s.rows[i].held != nil {
			held++
		}
	}
	s.mu.RUnlock()
	if held != 0 {
		t.Fatalf("%d closed invoices of 2024 held whole", held)
	}
	before := s.idReads.Load()
	_, invs, ok, err := s.ChangedSince(ctx, gen)
	if err != nil || !ok {
		t.Fatalf("changes since the import: ok %v, %v (want every one listed)", ok, err)
	}
	if reads := s.idReads.Load() - before; reads != 0 {
		t.Fatalf("%d invoices read by _id, want none", reads)
	}
	if len(invs) != n {
		t.Fatalf("%d changed invoices listed, want %d", len(invs), n)
	}
	for _, inv := range invs {
		got, err := s.readCompacted(ctx, inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored(inv) != stored(got) {
			t.Fatalf("listed %+v\nstored %+v", inv, got)
		}
	}
}

// TestChangeLogKeepsTheLatestCopies: the log keeps at most
// changeLogCopies copies of compacted invoices, the latest, and never
// drops a held invoice's; through the log's halving too.
func TestChangeLogKeepsTheLatestCopies(t *testing.T) {
	var l changeLog
	held := &Invoice{ID: "held"}
	n := changeLogCap + changeLogCopies + 101 // the last a copy
	for g := 1; g <= n; g++ {
		if g%10 == 0 {
			l.noteInvoice(uint64(g), "held", held, false)
			continue
		}
		l.noteInvoice(uint64(g), fmt.Sprint("c", g), &Invoice{ID: fmt.Sprint("c", g)}, true)
	}
	copies, firstKept := 0, -1
	for k, inv := range l.invs {
		switch {
		case l.ids[k] == "held" && inv != held:
			t.Fatalf("a held invoice's entry at %d was dropped", k)
		case l.ids[k] != "held" && inv != nil:
			copies++
			if firstKept < 0 {
				firstKept = k
			}
		}
	}
	if copies != changeLogCopies || copies != l.copies {
		t.Fatalf("%d copies kept (counted %d), want %d", copies, l.copies, changeLogCopies)
	}
	for k := firstKept; k < len(l.invs); k++ {
		if l.ids[k] != "held" && l.invs[k] == nil {
			t.Fatalf("copy at %d dropped while an older one at %d was kept", k, firstKept)
		}
	}
	if last := l.invs[len(l.invs)-1]; last == nil || last.ID != fmt.Sprint("c", n) {
		t.Fatalf("the latest change's copy is %+v", last)
	}
}
