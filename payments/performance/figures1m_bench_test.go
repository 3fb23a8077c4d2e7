package performance

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"sort"
	"strconv"
	"testing"
	"time"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/metrics"
	"careportal/portal/store/storetest"
)

// BenchmarkFigures1M times the payment figures over 1,000,000 synthetic
// invoices held in memory (no store; PERF_BENCH_INVOICES sets another
// count): 200 providers with two contracts each, one procured under PCR
// 2015, so the reg 113 report is not empty. For each page's figures —
// the staff dashboard and a provider's dashboard for the financial year
// to date, the payments compliance notice for the latest half-year, the
// reg 113 report for the current financial year and the
// self-assessment's headline for the last twelve months — it reports:
//
//   - warm: nothing changed since the figures were last asked for;
//   - changed: one invoice moved on one step (a payment, a query, an
//     approval...) just before each call, as a write between two page
//     views does: the changed invoice is read and adapted, and the cached
//     figures carried over;
//   - first: once at start (every invoice adapted, then each page's
//     figures computed from every invoice), and a range never asked for
//     before (one pass over the invoices).
//
// p95-ms is the 95th percentile of the calls; heap-MB and
// perf-B/invoice are the live heap after a collection, and what the
// figures service holds per invoice beyond the read model.
//
//	nice -n 10 go test ./payments/performance -run '^$' -bench Figures1M -benchtime 200x -timeout 30m
func BenchmarkFigures1M(b *testing.B) {
	n := 1000000
	if v, err := strconv.Atoi(os.Getenv("PERF_BENCH_INVOICES")); err == nil && v > 0 {
		n = v
	}
	today := metrics.MustDate("2026-03-31")
	const orgCount = 200
	var before runtime.MemStats
	invs := Synthetic(n, orgCount, 1, today)
	model := NewSyntheticModel(invs)
	invs = nil
	runtime.GC()
	runtime.ReadMemStats(&before)
	var contracts []payments.Contract
	var orgs []auth.Org
	for o := range orgCount {
		orgs = append(orgs, auth.Org{ID: fmt.Sprintf("org%02d", o), Name: fmt.Sprintf("Provider %02d Ltd", o), SmallBusiness: o%3 == 0})
		for k := range 2 {
			c := payments.Contract{ID: fmt.Sprintf("c%02d-%d", o, k), Reference: fmt.Sprintf("C-%02d-%d", o, k),
				ServiceType: payments.ServiceType([]string{"home-care", "residential"}[k]), ProcuredUnder: payments.ProcuredPA2023}
			if k == 1 {
				c.ProcuredUnder = payments.ProcuredPCR2015
			}
			contracts = append(contracts, c)
		}
	}
	src := model.ChangesSource()
	src.Contracts = func(context.Context) ([]payments.Contract, error) { return contracts, nil }
	src.Orgs = func(context.Context) ([]auth.Org, error) { return orgs, nil }
	st := storetest.New(b)
	ctx := context.Background()
	s := NewService(st.DB, src, Options{Now: today.Time})
	if err := s.EnsureIndexes(ctx); err != nil {
		b.Fatal(err)
	}
	fyFrom, _ := FinancialYear(CurrentFinancialYear(today))
	nFrom, nTo, _ := HalfYear(LatestHalfYearEnd(today))
	rFrom, rTo := FinancialYear(CurrentFinancialYear(today))
	pages := []struct {
		name string
		call func() error
	}{
		{"staff-dashboard", func() error { _, err := s.Dashboard(ctx, fyFrom, today, metrics.Scope{}, false); return err }},
		{"provider-dashboard", func() error {
			_, err := s.Dashboard(ctx, fyFrom, today, metrics.Scope{OrgID: "org07"}, true)
			return err
		}},
		{"compliance-notice", func() error { _, err := s.Report(ctx, nFrom, nTo, NoticeScope); return err }},
		{"reg113-report", func() error { _, err := s.Report(ctx, rFrom, rTo, Reg113Scope); return err }},
		{"self-assessment", func() error { _, err := s.Headline(ctx, today.AddDays(-364), today); return err }},
	}
	t0 := time.Now()
	for _, p := range pages {
		if err := p.call(); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%d invoices: first build and every page's figures in %s", n, time.Since(t0).Round(time.Millisecond))
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	perInvoice := float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
	b.Logf("heap: read model %d MB, with the figures service %d MB (%.0f B an invoice)", before.HeapAlloc>>20, after.HeapAlloc>>20, perInvoice)

	h := &histories{rng: rand.New(rand.NewSource(2)), at: time.Now()}
	write := func() { // one invoice moves on one step
		i := h.rng.Intn(model.Len())
		inv := model.Get(i)
		inv.History = append([]payments.Event(nil), inv.History...)
		h.step(&inv)
		model.Put(inv)
	}
	report := func(b *testing.B, ds []time.Duration) {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		b.ReportMetric(float64(ds[len(ds)*95/100])/1e6, "p95-ms")
		b.ReportMetric(float64(after.HeapAlloc>>20), "heap-MB")
		b.ReportMetric(perInvoice, "perf-B/invoice")
	}
	for _, p := range pages {
		b.Run("warm/"+p.name, func(b *testing.B) {
			ds := make([]time.Duration, 0, b.N)
			for i := 0; i < b.N; i++ {
				t := time.Now()
				if err := p.call(); err != nil {
					b.Fatal(err)
				}
				ds = append(ds, time.Since(t))
			}
			report(b, ds)
		})
		b.Run("changed/"+p.name, func(b *testing.B) {
			ds := make([]time.Duration, 0, b.N)
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				write()
				b.StartTimer()
				t := time.Now()
				if err := p.call(); err != nil {
					b.Fatal(err)
				}
				ds = append(ds, time.Since(t))
			}
			report(b, ds)
		})
	}
	b.Run("first/new-range", func(b *testing.B) {
		ds := make([]time.Duration, 0, b.N)
		for i := 0; i < b.N; i++ {
			from := today.AddDays(-30 - i%300) // a range not asked for before
			t := time.Now()
			if _, err := s.Report(ctx, from, today, metrics.Scope{}); err != nil {
				b.Fatal(err)
			}
			ds = append(ds, time.Since(t))
		}
		report(b, ds)
	})
}
