package performance

import (
	"context"
	"testing"

	"careportal/payments/metrics"
	"careportal/portal/store/storetest"
)

// BenchmarkDashboard30k times the dashboard's work over 30,000 invoices:
// reading the read model (a Snapshot-like copy), the change check, and
// the figures for a year, cold (cache emptied every time, as after a
// write) and warm.
//
//	go test ./payments/performance -run '^$' -bench Dashboard30k -benchtime 20x
func BenchmarkDashboard30k(b *testing.B) {
	today := metrics.MustDate("2026-03-31")
	invs := Synthetic(30000, 40, 1, today)
	st := storetest.New(b)
	ctx := context.Background()
	s := NewService(st.DB, SyntheticSource(invs), Options{Now: today.Time})
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
			s.mu.Lock()
			s.ownWrites++ // as a write does: the adapted snapshot and every report are rebuilt
			s.mu.Unlock()
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
			s.mu.Lock()
			s.ownWrites++
			s.mu.Unlock()
			if _, err := s.Dashboard(ctx, from, today, metrics.Scope{OrgID: "org07"}, true); err != nil {
				b.Fatal(err)
			}
		}
	})
}
