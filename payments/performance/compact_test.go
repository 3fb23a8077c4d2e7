package performance

import (
	"math/rand"
	"reflect"
	"testing"
	"time"

	"careportal/payments/metrics"
)

// TestCompactEntriesExpandToTheAdaptedInvoice: every invoice held
// compactly expands back to exactly what Adapt made of it (random
// histories and the synthetic invoices; a reused buffer and a new one),
// an unknown status keeps the adapted form whole, and an entry is a
// small fraction of the adapted invoice.
func TestCompactEntriesExpandToTheAdaptedInvoice(t *testing.T) {
	today := metrics.MustDate("2026-03-31")
	h := &histories{rng: rand.New(rand.NewSource(3)), start: today.AddDays(-800), days: 830, at: time.Now()}
	invs := Synthetic(500, 7, 2, today)
	for range 500 {
		inv := h.fresh()
		for k := h.rng.Intn(7); k > 0; k-- {
			h.step(&inv)
		}
		invs = append(invs, inv)
	}
	odd := h.fresh()
	odd.History[0].To = "on hold" // not a status the figures know
	invs = append(invs, odd)
	var ps parties
	var sc scratch
	packed := 0
	for i := range invs {
		ips := []InterestPayment(nil)
		if i%50 == 0 {
			ips = []InterestPayment{{Date: "2026-01-05", Pence: 1234}}
		}
		m := Adapt(&invs[i], nil, nil, ips)
		e := compactOf(&m, entryKey{version: int32(i)}, &ps)
		if e.extra == nil || e.extra.full == nil {
			packed++
		}
		if got := e.expand(&sc); !reflect.DeepEqual(*got, m) {
			t.Fatalf("invoice %d expanded into a buffer:\n got %+v\nwant %+v", i, *got, m)
		}
		if got := e.expand(nil); !reflect.DeepEqual(*got, m) {
			t.Fatalf("invoice %d expanded afresh:\n got %+v\nwant %+v", i, *got, m)
		}
		if e.invoiceID() != m.ID {
			t.Fatalf("id %q, want %q", e.invoiceID(), m.ID)
		}
	}
	if packed != len(invs)-1 {
		t.Fatalf("%d of %d invoices packed, want all but the one with an unknown status", packed, len(invs))
	}
}
