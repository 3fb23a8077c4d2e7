package payments

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestOpenWorkMatchesAScan changes random invoices in random order (new
// ones, status moves, payments and credits past the gross, received times
// that tie) and checks after every change that each work queue and the
// overpaid list kept by the open-work index are exactly what a scan of
// every invoice, sorted, gives — the date queues both merged afresh and
// kept in step change by change (datedQueues.put).
func TestOpenWorkMatchesAScan(t *testing.T) {
	statuses := []Status{StatusSubmitted, StatusQueried, StatusApproved, StatusScheduled, StatusPaid, StatusRejected, StatusCancelled}
	base := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	today := "2026-05-10"
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		w := newOpenWork()
		kept := w.dateQueues(0, today) // kept in step with each change below
		current := map[string]*Invoice{}
		for step := range 400 {
			var inv Invoice
			if len(current) == 0 || rng.IntN(3) == 0 {
				inv = Invoice{ID: fmt.Sprintf("inv%03d", len(current)), GrossPence: 10000,
					ReceivedAt: base.Add(time.Duration(rng.IntN(40)) * time.Hour)} // ties on purpose
			} else {
				ids := make([]string, 0, len(current))
				for id := range current {
					ids = append(ids, id)
				}
				slices.Sort(ids)
				inv = *current[ids[rng.IntN(len(ids))]]
				inv.Version++
			}
			inv.Status = statuses[rng.IntN(len(statuses))]
			inv.DueDate = AddDays("2026-05-01", rng.IntN(20))
			inv.PaidPence = int64(rng.IntN(3)) * 6000 // 0, 6,000 or 12,000 of a 10,000 gross
			inv.History = []Event{{Date: AddDays("2026-05-01", rng.IntN(20)), To: inv.Status}}
			w.put(current[inv.ID], &inv)
			kept.put(current[inv.ID], &inv)
			current[inv.ID] = &inv

			for _, q := range Queues {
				var got []*Invoice
				if q == QueueDueSoon || q == QueueOverdue {
					d := w.dateQueues(uint64(step), today)
					got = d.dueSoon
					if q == QueueOverdue {
						got = d.overd
					}
				} else {
					got = w.list(q)
				}
				want := scanned(current, func(inv *Invoice) bool { return q.matches(inv, today) })
				if !sameInvoices(got, want) {
					t.Fatalf("seed %d step %d: queue %s is %v, a scan gives %v", seed, step, q, idsOf(got), idsOf(want))
				}
			}
			for _, k := range []struct {
				q   Queue
				got []*Invoice
			}{{QueueDueSoon, kept.dueSoon}, {QueueOverdue, kept.overd}} {
				if want := scanned(current, func(inv *Invoice) bool { return k.q.matches(inv, today) }); !sameInvoices(k.got, want) {
					t.Fatalf("seed %d step %d: queue %s kept in step is %v, a scan gives %v", seed, step, k.q, idsOf(k.got), idsOf(want))
				}
			}
			if want := scanned(current, func(inv *Invoice) bool { return inv.Balance() < 0 }); !sameInvoices(w.overpaid, want) {
				t.Fatalf("seed %d step %d: overpaid is %v, a scan gives %v", seed, step, idsOf(w.overpaid), idsOf(want))
			}
		}
	}
}

func scanned(all map[string]*Invoice, keep func(*Invoice) bool) []*Invoice {
	var out []*Invoice
	for _, inv := range all {
		if keep(inv) {
			out = append(out, inv)
		}
	}
	slices.SortFunc(out, func(a, b *Invoice) int {
		if before(a, b) {
			return -1
		}
		return 1
	})
	return out
}

func sameInvoices(a, b []*Invoice) bool {
	return slices.EqualFunc(a, b, func(x, y *Invoice) bool { return x == y })
}

func idsOf(l []*Invoice) []string {
	out := make([]string, len(l))
	for i, inv := range l {
		out[i] = inv.ID
	}
	return out
}
