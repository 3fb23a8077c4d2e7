package payments

import (
	"testing"

	"careportal/portal/store/storetest"
)

// TestEnsureIndexesTwice is a restart: indexes are created again on a store
// that has them (and the _id shim), which must be a no-op.
func TestEnsureIndexesTwice(t *testing.T) {
	s, st, _ := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	for i := 0; i < 2; i++ {
		if err := s.EnsureIndexes(ctx); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		if err := st.Prepare(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
