package statements

import (
	"testing"

	"careportal/portal/notify"
	"careportal/portal/store/storetest"
)

// SetAnnouncer(nil) keeps the do-nothing Announcer: publishing and
// answering feedback work without anyone to tell.
func TestStandInWhenNoneGiven(t *testing.T) {
	st := storetest.New(t)
	ctx := storetest.Context(t)
	s := NewService(st.DB, nil)
	s.SetAnnouncer(nil)
	if _, ok := s.notify.(silentAnnouncer); !ok {
		t.Fatalf("announcer = %T, want silentAnnouncer", s.notify)
	}
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.notify.ToAllProviders(ctx, "statement", "t", notify.Ref{Kind: notify.RefPage, ID: "/x"}, nil); err != nil {
		t.Fatal(err)
	}
}
