package queries

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/portal/fault"
	"careportal/portal/notify"
	"careportal/portal/store"
	"careportal/portal/store/storetest"
	"careportal/portal/workdays"
)

// TestTwoWritersOfOneStep: two people answering the same version of a
// query at once cannot both succeed; the loser is told of a Conflict and
// the thread holds the winner's message once, in order.
func TestTwoWritersOfOneStep(t *testing.T) {
	s, _, _ := newSvc(t)
	ctx := storetest.Context(t)
	q, err := s.Raise(ctx, provA, "Org A", RaiseInput{Topic: "forums", Subject: "s", Message: "first"})
	if err != nil {
		t.Fatal(err)
	}
	storetest.OneWinner(t, 2, func(i int) error {
		_, err := s.Reply(ctx, staff, q.ID, ReplyInput{Message: fmt.Sprintf("answer %d", i), Version: q.Version})
		return err
	}, func(err error) bool { return fault.KindOf(err) == fault.Conflict })
	got, _ := s.Get(ctx, staff, q.ID)
	if got.Version != 2 || len(got.Messages) != 2 || got.Messages[0].Text != "first" || !strings.HasPrefix(got.Messages[1].Text, "answer ") {
		t.Fatalf("after two writers of version 2: %+v", got)
	}
	if ev, err := s.changes.Event(ctx, q.ID, 2); err != nil || ev.Snapshot.Messages[1].Text != got.Messages[1].Text {
		t.Fatalf("event 2: %+v, %v", ev, err)
	}
}

// TestEventIDMigration: a store whose events are keyed "<query>/<version>"
// (before the shared step), with a change that an older version left half
// done (the event written, the snapshot not, no intent record), reads the
// same after start-up, with the events rekeyed and the half change in place.
func TestEventIDMigration(t *testing.T) {
	s, _, c := newSvc(t)
	ctx := storetest.Context(t)
	q, err := s.Raise(ctx, provA, "Org A", RaiseInput{Topic: "forums", Subject: "s", Message: "first"})
	if err != nil {
		t.Fatal(err)
	}
	if q, err = s.Reply(ctx, staff, q.ID, ReplyInput{Message: "second", Version: q.Version}); err != nil {
		t.Fatal(err)
	}
	// The half change of the older version: event 3 alone.
	next := *q
	next.Messages = append(append([]Message(nil), q.Messages...), Message{ID: "m", At: c.t, ByName: "Sam Staff", FromCouncil: true, Text: "lost answer"})
	next.Version, next.Status = 3, StatusAwaitingProvider
	doc, err := s.changes.EventDoc(q.ID, 3, event{Action: ActCouncilMessage, From: q.Status, To: next.Status, At: c.t, Snapshot: &next})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.events.InsertOne(ctx, doc); err != nil {
		t.Fatal(err)
	}
	db := s.queries.Database()
	storetest.AgeIDs(t, ctx, db, "queries/event-ids", collEvents, func(id string) string {
		entity, seq, _ := strings.Cut(id, ":")
		return entity + "/" + strings.TrimLeft(seq, "0")
	})
	if _, err := store.Get[bson.Raw](ctx, s.events, q.ID+"/3"); err != nil {
		t.Fatalf("not in the old format: %v", err)
	}

	s2 := NewService(db, workdays.NewService(db), notify.NewService(db, c.now), Options{Now: c.now})
	for range 2 {
		if err := s2.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s2.Get(ctx, staff, q.ID)
	if err != nil || got.Version != 3 || !reflect.DeepEqual(got.Messages, next.Messages) {
		t.Fatalf("after migration: %+v, %v", got, err)
	}
	for seq := 1; seq <= 3; seq++ {
		if ev, err := s2.changes.Event(ctx, q.ID, seq); err != nil || ev.Seq != seq || ev.Snapshot.Version != seq {
			t.Fatalf("event %d after migration: %+v, %v", seq, ev, err)
		}
	}
	if n, _ := s2.events.CountDocuments(ctx, bson.D{}); n != 3 {
		t.Fatalf("%d events after migration, want 3", n)
	}
	q4, err := s2.Reply(ctx, provA, q.ID, ReplyInput{Message: "fourth", Version: 3})
	if err != nil || q4.Version != 4 || q4.Messages[3].Text != "fourth" {
		t.Fatalf("reply after migration: %+v, %v", q4, err)
	}
}

// TestRefreshFinishesStoppedChanges: a change another instance left half
// done (its intent record and event written, not the snapshot) is finished
// by the polling Refresh once it is older than staleAfter, not before.
func TestRefreshFinishesStoppedChanges(t *testing.T) {
	s, _, c := newSvc(t)
	ctx := storetest.Context(t)
	q, err := s.Raise(ctx, provA, "Org A", RaiseInput{Topic: "forums", Subject: "s", Message: "first"})
	if err != nil {
		t.Fatal(err)
	}
	next := *q
	next.Messages = append(append([]Message(nil), q.Messages...), Message{ID: "m", At: c.t, ByName: "Sam Staff", FromCouncil: true, Text: "from another instance"})
	next.Version, next.Status = 2, StatusAwaitingProvider
	if err := s.changes.Begin(ctx, q.ID, 2, "", c.t); err != nil {
		t.Fatal(err)
	}
	if err := s.changes.AppendEvent(ctx, q.ID, 2, event{Action: ActCouncilMessage, From: q.Status, To: next.Status, At: c.t, Snapshot: &next}); err != nil {
		t.Fatal(err)
	}
	if err := s.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(ctx, staff, q.ID); got.Version != 1 {
		t.Fatalf("a change in flight was finished early: v%d", got.Version)
	}
	c.t = c.t.Add(time.Minute)
	if err := s.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Get(ctx, staff, q.ID)
	if got.Version != 2 || got.Messages[1].Text != "from another instance" {
		t.Fatalf("stopped change not finished: %+v", got)
	}
	if l, _ := s.List(ctx, staff, Filter{}); len(l) != 1 || l[0].Version != 2 {
		t.Fatalf("list after repair: %+v", l)
	}
}
