package performance

import (
	"context"
	"testing"
	"time"

	"careportal/payments/metrics"
	"careportal/portal/store/storetest"
)

// BenchmarkDashboard30k times the dashboard's work over 30,000 invoices:
// first (every invoice adapted, as at start-up), cold (an invoice changed
// before every call: the read model is copied, the changed invoice
// adapted again and every figure recomputed) and warm (nothing changed:
// the change mark is checked and the cached dashboard returned).
//
//	go test ./payments/performance -run '^$' -bench Dashboard30k -benchtime 20x
func BenchmarkDashboard30k(b *testing.B) {
	today := metrics.MustDate("2026-03-31")
	invs := Synthetic(30000, 40, 1, today)
	st := storetest.New(b)
	ctx := context.Background()
	model := NewSyntheticModel(invs)
	s := NewService(st.DB, model.Source(), Options{Now: today.Time})
	touch := 0
	write := func() { // an invoice changes, as a status change does
		touch += 7919
		model.Touch(touch, time.Now())
	}
	if err := s.EnsureIndexes(ctx); err != nil {
		b.Fatal(err)
	}
	from := metrics.MustDate("2025-04-01")
	b.Run("first", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			s.cacheMu.Lock()
			s.snap = nil // as at start-up: every invoice adapted
			s.cacheMu.Unlock()
			if _, err := s.Dashboard(ctx, from, today, metrics.Scope{}, false); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cold", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			write() // the read model is copied again, the changed invoice re-adapted, every figure recomputed
			if _, err := s.Dashboard(ctx, from, today, metrics.Scope{}, false); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("warm", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := s.Dashboard(ctx, from, today, metrics.Scope{}, false); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("provider-cold", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			write()
			if _, err := s.Dashboard(ctx, from, today, metrics.Scope{OrgID: "org07"}, true); err != nil {
				b.Fatal(err)
			}
		}
	})
}
