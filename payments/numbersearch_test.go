package payments

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestNumberSearchMatchesAScan adds invoices and changes their numbers in
// random order, and after every change searches for random parts of
// numbers (more different texts than are remembered, so entries are
// dropped and made again), checking that the remembered search lists
// exactly the invoices a scan of every number finds.
func TestNumberSearchMatchesAScan(t *testing.T) {
	s, _, _ := newTestService(t)
	base := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	alphabet := "ab12"
	word := func(rng *rand.Rand, n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	rng := rand.New(rand.NewPCG(3, 13))
	var ids []string
	for step := range 600 {
		var inv Invoice
		if len(ids) == 0 || rng.IntN(4) > 0 {
			inv = Invoice{ID: fmt.Sprintf("inv%04d", len(ids)), OrgID: "org1", ReceivedAt: base.Add(time.Duration(step) * time.Minute), Status: StatusSubmitted}
			ids = append(ids, inv.ID)
		} else {
			s.mu.RLock()
			inv = *s.rows[s.pos[ids[rng.IntN(len(ids))]]].held
			s.mu.RUnlock()
			inv.Version++
		}
		inv.Number = word(rng, 2+rng.IntN(5))
		inv.NumberKey = NormaliseNumber(inv.Number)
		s.putInvoice(&inv)

		for range 3 {
			q := word(rng, 1+rng.IntN(3))
			s.mu.RLock()
			got := slices.Clone(s.numbersContainingLocked(q))
			var want []int32
			for i, r := range s.rows {
				if strings.Contains(r.numberKey, q) {
					want = append(want, int32(i))
				}
			}
			s.mu.RUnlock()
			if !slices.Equal(got, want) {
				t.Fatalf("step %d: numbers containing %q: remembered search gives %v, a scan %v", step, q, got, want)
			}
		}
	}
	if n := len(s.numbers.entries); n == 0 || n > numberSearchEntries {
		t.Fatalf("%d searches remembered, want 1-%d", n, numberSearchEntries)
	}
}
