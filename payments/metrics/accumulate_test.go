package metrics

import (
	"math/rand"
	"reflect"
	"testing"
)

// TestPropertyMaintainedEqualsCompute: a report and trend kept up to date
// by Include (invoices replaced one at a time by other random invoices:
// the old contribution taken away, the new one added) equal Compute and
// Trend over the invoices as they end up, field for field, for random
// ranges, scopes and days (a fixed seed list plus one random seed, logged).
func TestPropertyMaintainedEqualsCompute(t *testing.T) {
	seeds := []int64{1, 2, 3, 20260401, rand.Int63()}
	rates := NewRateTable()
	scopes := []Scope{{}, {OrgID: "a"}, {Regime: RegimePA2023}, {Regime: RegimePCR2015}, {ServiceType: "home", OrgID: "b"}}
	for _, seed := range seeds {
		rng := rand.New(rand.NewSource(seed))
		for round := 0; round < 30; round++ {
			invs := randomInvoices(rng, 30)
			from := d("2023-01-01").AddDays(rng.Intn(900))
			to := from.AddDays(rng.Intn(400))
			today := from.AddDays(rng.Intn(900))
			scope := scopes[rng.Intn(len(scopes))]
			o := Options{From: from, To: to, Today: today, Scope: scope, Rates: rates}
			r := NewReport(o)
			pts := NewTrend(from, to, today)
			by := map[string]*OrgOverdue{}
			for i := range invs {
				OverdueInclude(by, &invs[i], scope, r.AsOf, 1)
				r.Include(&invs[i], rates, 1)
				TrendInclude(pts, &invs[i], scope, from, to, today, 1)
			}
			// Replace a third of them, one at a time.
			repl := randomInvoices(rng, len(invs)/3)
			for k := range repl {
				i := rng.Intn(len(invs))
				r.Include(&invs[i], rates, -1)
				OverdueInclude(by, &invs[i], scope, r.AsOf, -1)
				TrendInclude(pts, &invs[i], scope, from, to, today, -1)
				invs[i] = repl[k]
				r.Include(&invs[i], rates, 1)
				OverdueInclude(by, &invs[i], scope, r.AsOf, 1)
				TrendInclude(pts, &invs[i], scope, from, to, today, 1)
			}
			r.Finish()
			TrendFinish(pts)
			want := Compute(invs, o)
			if !reflect.DeepEqual(r, want) {
				t.Fatalf("seed %d round %d %s..%s today %s scope %+v:\nmaintained %+v\ncomputed   %+v", seed, round, from, to, today, scope, r, want)
			}
			if wt := Trend(invs, scope, from, to, today); !reflect.DeepEqual(pts, wt) {
				t.Fatalf("seed %d round %d: trend maintained %+v computed %+v", seed, round, pts, wt)
			}
			if got, want := TopOf(by, 10), TopOverdue(invs, scope, r.AsOf, 10); !reflect.DeepEqual(got, want) {
				t.Fatalf("seed %d round %d: top overdue maintained %+v computed %+v", seed, round, got, want)
			}
		}
	}
}
