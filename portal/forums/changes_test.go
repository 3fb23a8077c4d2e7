package forums

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/portal/store"
	"careportal/portal/store/storetest"
)

// TestTwoWritersOfOneLedgerStep: two writers of the same ledger entry
// cannot both succeed; the loser is told the step was taken (and change
// reads again), and the entry is the winner's.
func TestTwoWritersOfOneLedgerStep(t *testing.T) {
	s, _, ctx := newService(t)
	e, err := s.Create(ctx, input("1"), commissioner, now)
	if err != nil {
		t.Fatal(err)
	}
	storetest.OneWinner(t, 2, func(i int) error {
		after := &placeState{Seq: 1, Capacity: 1, At: now, Holdings: []Holding{{OrgID: org(i).OrgID, Places: 1, Since: now}}}
		return s.record(ctx, e.ID, "book", org(i), after)
	}, func(err error) bool { return errors.Is(err, errStepTaken) })
	got, err := s.entry(ctx, e.ID, 1)
	if err != nil || len(got.Holdings) != 1 || got.booked() != 1 {
		t.Fatalf("entry 1 after two writers: %+v, %v", got, err)
	}
	if _, err := store.Get[bson.Raw](ctx, s.db.Collection(colLedger), e.ID+":000001"); err != nil {
		t.Fatalf("entry 1 not under the shared id format: %v", err)
	}
}

// TestPlacesRepairedAtStartUp: a booking that stopped after its ledger
// entry, before the snapshots, is read right at once (the ledger is
// probed) and its snapshots are brought in line at start-up.
func TestPlacesRepairedAtStartUp(t *testing.T) {
	s, _, ctx := newService(t)
	e, err := s.Create(ctx, input("2"), commissioner, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Book(ctx, e.ID, BookInput{Places: "1"}, org(1), now); err != nil {
		t.Fatal(err)
	}
	// Organisation 2's booking: the entry only.
	before, _ := s.places(ctx, &Event{ID: e.ID, Seq: 1})
	after := before.clone()
	after.Seq, after.At = 2, now
	after.Holdings = append(after.Holdings, Holding{OrgID: org(2).OrgID, OrgName: org(2).OrgName, Places: 1, Since: now})
	if err := s.record(ctx, e.ID, "book", org(2), after); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(ctx, commissioner, e.ID); got.Booked != 2 || got.Seq != 2 {
		t.Fatalf("reader did not catch up: %+v", got)
	}
	if doc, _ := s.getDoc(ctx, e.ID); doc.Seq != 1 {
		t.Fatalf("snapshot already at %d", doc.Seq)
	}
	s2 := NewService(s.db, nil, nil)
	if err := s2.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	doc, _ := s2.getDoc(ctx, e.ID)
	if doc.Seq != 2 || doc.Booked != 2 || doc.Waiting != 0 {
		t.Fatalf("snapshot after repair: %+v", doc)
	}
	b, err := store.Get[Booking](ctx, s.db.Collection(colBookings), bookingID(e.ID, org(2).OrgID))
	if err != nil || b.Status != Booked || b.Places != 1 {
		t.Fatalf("booking snapshot after repair: %+v, %v", b, err)
	}
}

// TestLedgerIDMigration: a store whose ledger entries are keyed
// "<event>:<seq>" unpadded (before the shared format) reads the same after
// start-up, with the entries rekeyed, and takes new bookings.
func TestLedgerIDMigration(t *testing.T) {
	s, _, ctx := newService(t)
	e, err := s.Create(ctx, input("1"), commissioner, now)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 2; i++ { // one booked, one waiting
		if _, err := s.Book(ctx, e.ID, BookInput{Places: "1"}, org(i), now); err != nil {
			t.Fatal(err)
		}
	}
	before, _ := s.Get(ctx, commissioner, e.ID)
	bookingsBefore, _ := s.Bookings(ctx, commissioner, e.ID)
	storetest.AgeIDs(t, ctx, s.db, "forums/ledger-ids", colLedger, func(id string) string {
		i := strings.LastIndex(id, ":")
		return id[:i+1] + strings.TrimLeft(id[i+1:], "0")
	})
	if _, err := store.Get[bson.Raw](ctx, s.db.Collection(colLedger), e.ID+":2"); err != nil {
		t.Fatalf("not in the old format: %v", err)
	}
	s2 := NewService(s.db, nil, nil)
	for range 2 {
		if err := s2.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := s2.Get(ctx, commissioner, e.ID); err != nil || !reflect.DeepEqual(got, before) {
		t.Fatalf("event after migration: %+v, want %+v (%v)", got, before, err)
	}
	if got, _ := s2.Bookings(ctx, commissioner, e.ID); !reflect.DeepEqual(got, bookingsBefore) {
		t.Fatalf("bookings after migration: %+v, want %+v", got, bookingsBefore)
	}
	if n, _ := s.db.Collection(colLedger).CountDocuments(ctx, bson.D{}); n != 2 {
		t.Fatalf("%d ledger entries after migration, want 2", n)
	}
	if err := s2.Cancel(ctx, e.ID, org(1), now); err != nil {
		t.Fatal(err)
	}
	if b, err := s2.BookingFor(ctx, org(2), e.ID); err != nil || b.Status != Booked {
		t.Fatalf("waiting list not promoted after migration: %+v, %v", b, err)
	}
}
