package queries

import (
	"reflect"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/portal/notify"
	"careportal/portal/store"
	"careportal/portal/store/storetest"
	"careportal/portal/workdays"
)

// A store written before the fields became snake_case (raisedAt, the
// messages' byUser, the snapshot nested in each event, the targets in the
// settings collection) reads the same after the start-up migration, and a
// second run changes nothing.
func TestSnakeCaseMigration(t *testing.T) {
	s, _, c := newSvc(t)
	ctx := storetest.Context(t)
	q, err := s.Raise(ctx, provA, "Org A", RaiseInput{Topic: "forums", Subject: "Next forum", Message: "When is it?", File: pdf()})
	if err != nil {
		t.Fatal(err)
	}
	if q, err = s.Reply(ctx, staff, q.ID, ReplyInput{Message: "In March.", Version: q.Version}); err != nil {
		t.Fatal(err)
	}
	if q, err = s.Assign(ctx, staff, q.ID, staff.UserID, staff.Name, q.Version); err != nil {
		t.Fatal(err)
	}
	if err := s.SetTargets(ctx, admin, Targets{FirstResponseDays: 3, ResolutionDays: 15}); err != nil {
		t.Fatal(err)
	}
	before, _ := s.Get(ctx, staff, q.ID)
	listBefore, _ := s.List(ctx, staff, Filter{})

	db := s.queries.Database()
	storetest.Age(t, ctx, db, "queries/snake-case-fields", snakeCaseFields, collQueries, collEvents, collAttachments)
	back := map[string]string{}
	for from, to := range snakeCaseFields {
		back[to] = from
	}
	if err := store.RenameKeys(ctx, db.Collection(collSettings), bson.D{{Key: "_id", Value: targetsID}}, back); err != nil {
		t.Fatal(err)
	}
	if !storetest.HasKey(t, ctx, db.Collection(collEvents), "byUser") || !storetest.HasKey(t, ctx, db.Collection(collSettings), "firstResponseDays") {
		t.Fatal("the aged store is not in the old format")
	}

	// Start again on the old store: a new service, as after a restart.
	s2 := NewService(db, workdays.NewService(db), notify.NewService(db, c.now), Options{Now: c.now})
	for range 2 {
		if err := s2.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for coll, old := range map[string]string{collQueries: "raisedAt", collEvents: "byUser", collAttachments: "contentType", collSettings: "firstResponseDays"} {
		if storetest.HasKey(t, ctx, db.Collection(coll), old) {
			t.Errorf("%s still has %s", coll, old)
		}
	}
	if got, err := s2.Get(ctx, staff, q.ID); err != nil || !reflect.DeepEqual(got, before) {
		t.Errorf("query after migration:\n%+v\nwant\n%+v (%v)", got, before, err)
	}
	if got, _ := s2.List(ctx, staff, Filter{}); !reflect.DeepEqual(got, listBefore) {
		t.Errorf("list after migration: %+v, want %+v", got, listBefore)
	}
	if tg, _ := s2.Targets(ctx); tg.FirstResponseDays != 3 || tg.ResolutionDays != 15 {
		t.Errorf("targets after migration: %+v", tg)
	}
	if a, err := s2.Attachment(ctx, staff, before.Messages[0].Attachment.ID); err != nil || a.ContentType != "application/pdf" {
		t.Errorf("attachment after migration: %+v %v", a, err)
	}
}
