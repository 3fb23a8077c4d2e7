package forums

import (
	"reflect"
	"testing"

	"careportal/portal/store"
	"careportal/portal/store/storetest"
)

// A store written before the fields became snake_case (orgID, startsAt,
// the holdings nested in the places ledger...) reads the same after the
// start-up migration, and running it again changes nothing.
func TestSnakeCaseMigration(t *testing.T) {
	s, _, ctx := newService(t)
	e, err := s.Create(ctx, input("2"), commissioner, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Book(ctx, e.ID, BookInput{Places: "2", AccessNeeds: "Step-free"}, org(1), now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Book(ctx, e.ID, BookInput{Places: "1"}, org(2), now); err != nil { // waits
		t.Fatal(err)
	}
	tok, err := s.CreateFeedToken(ctx, org(1), now)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := s.Get(ctx, commissioner, e.ID)
	bookingsBefore, _ := s.Bookings(ctx, commissioner, e.ID)

	storetest.Age(t, ctx, s.db, "forums/snake-case-fields", snakeCaseFields, colEvents, colLedger, colBookings, colComments, colFeeds)
	if !storetest.HasKey(t, ctx, s.db.Collection(colLedger), "orgID") || !storetest.HasKey(t, ctx, s.db.Collection(colEvents), "startsAt") {
		t.Fatal("the aged store is not in the old format")
	}
	for range 2 { // start-up, then a second start-up
		if err := s.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for c, old := range map[string]string{colLedger: "orgID", colEvents: "startsAt", colBookings: "accessNeeds", colFeeds: "orgID"} {
		if storetest.HasKey(t, ctx, s.db.Collection(c), old) {
			t.Errorf("%s still has %s", c, old)
		}
	}
	after, err := s.Get(ctx, commissioner, e.ID)
	if err != nil || !reflect.DeepEqual(before, after) {
		t.Errorf("event after migration:\n%+v\nwant\n%+v (%v)", after, before, err)
	}
	bookingsAfter, _ := s.Bookings(ctx, commissioner, e.ID)
	if !reflect.DeepEqual(bookingsBefore, bookingsAfter) || len(bookingsAfter) != 2 || bookingsAfter[0].AccessNeeds != "Step-free" || bookingsAfter[1].Status != Waiting {
		t.Errorf("bookings after migration: %+v, want %+v", bookingsAfter, bookingsBefore)
	}
	if orgID, err := s.FeedOrg(ctx, tok); err != nil || orgID != "org1" {
		t.Errorf("feed token after migration: %q %v", orgID, err)
	}
	// The migration is recorded once.
	if _, err := store.Get[struct{}](ctx, s.db.Collection(store.MigrationsCollection), "forums/snake-case-fields"); err != nil {
		t.Errorf("migration not recorded: %v", err)
	}
}
