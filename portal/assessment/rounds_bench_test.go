package assessment

import (
	"testing"

	"careportal/auth"
	"careportal/portal/store/storetest"
)

// BenchmarkRounds is the self-assessment page's read of the rounds (the
// 2022 baseline and a round started from it), from the store and from
// memory: go test ./portal/assessment -run '^$' -bench Rounds -benchmem
func BenchmarkRounds(b *testing.B) {
	for _, inMemory := range []bool{false, true} {
		name := map[bool]string{false: "store", true: "memory"}[inMemory]
		b.Run(name, func(b *testing.B) {
			st := storetest.New(b)
			ctx := storetest.Context(b)
			s := NewService(st.DB, nil, nil)
			if inMemory {
				s.KeepRoundsInMemory()
			}
			if err := s.EnsureIndexes(ctx); err != nil {
				b.Fatal(err)
			}
			if _, _, err := s.LoadBaseline(ctx, auth.CommandLine); err != nil {
				b.Fatal(err)
			}
			if _, err := s.StartRound(ctx, alice, RoundInput{Name: "2026", Date: "2026-03-10", FromRound: BaselineID}); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				rs, err := s.Rounds(ctx)
				if err != nil || len(rs) != 2 {
					b.Fatalf("%d rounds, %v", len(rs), err)
				}
			}
		})
	}
}
