package forums

import (
	"testing"
	"time"

	"careportal/portal/store/storetest"
)

// Without an Announcer or Directory the service still works: events are
// created and cancelled (telling no one) and figures say the number of
// providers is unknown.
func TestStandInsWhenNoneGiven(t *testing.T) {
	st := storetest.New(t)
	ctx := storetest.Context(t)
	s := NewService(st.DB, nil, nil)
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	e, err := s.Create(ctx, input("10"), commissioner, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Book(ctx, e.ID, BookInput{Places: "1"}, org(1), now); err != nil {
		t.Fatal(err)
	}
	if err := s.CancelEvent(ctx, commissioner, e.ID, now); err != nil {
		t.Fatal(err)
	}
	fg, err := s.Figures(ctx, commissioner, time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if fg.ProvidersKnown || fg.ActiveProviders != 0 {
		t.Fatalf("figures without a directory: %+v", fg)
	}
	if _, err := (noDirectory{}).ActiveProviders(ctx); err != ErrNoDirectory {
		t.Fatalf("noDirectory answered %v", err)
	}
}
