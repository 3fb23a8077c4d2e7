package notify

import (
	"reflect"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/auth"
	"careportal/portal/store"
	"careportal/portal/store/storetest"
)

// A store written before the fields became snake_case (serviceTypes,
// upTo) lists the same after the start-up migration, and a second run
// changes nothing.
func TestSnakeCaseMigration(t *testing.T) {
	s, now := newSvc(t)
	ctx := storetest.Context(t)
	homeCare := &auth.Principal{Role: auth.RoleProvider, OrgID: "orgA", ServiceTypes: []string{"home care"}}
	nursing := &auth.Principal{Role: auth.RoleProvider, OrgID: "orgB", ServiceTypes: []string{"Nursing care"}}
	if err := s.ToAllProviders(ctx, KindEvent, "Home care forum", RefOf("/events/e1"), []string{"Home care"}); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkAllRead(ctx, homeCare); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(1e9)
	if err := s.ToOrg(ctx, "orgA", KindQuery, "Your query was answered", RefOf("/queries/q1")); err != nil {
		t.Fatal(err)
	}
	before, _ := s.List(ctx, homeCare)

	storetest.Age(t, ctx, s.notes.Database(), "notify/snake-case-fields", snakeCaseFields, collNotes, collReads)
	if !storetest.HasKey(t, ctx, s.notes, "serviceTypes") || !storetest.HasKey(t, ctx, s.reads, "upTo") {
		t.Fatal("the aged store is not in the old format")
	}
	s2 := NewService(s.notes.Database(), func() time.Time { return *now })
	for range 2 {
		if err := s2.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if storetest.HasKey(t, ctx, s.notes, "serviceTypes") || storetest.HasKey(t, ctx, s.reads, "upTo") {
		t.Error("old field names left after the migration")
	}
	got, err := s2.List(ctx, homeCare)
	if err != nil || !reflect.DeepEqual(got, before) || len(got) != 2 || !got[1].Read || got[0].Read {
		t.Errorf("list after migration: %+v, want %+v (%v)", got, before, err)
	}
	if other, _ := s2.List(ctx, nursing); len(other) != 0 {
		t.Errorf("a broadcast for home care reached nursing after migration: %+v", other)
	}
}

// A store written when notifications held link strings: the start-up
// migration turns each link into a reference, drops the link, and a second
// run changes nothing.
func TestLinkRefsMigration(t *testing.T) {
	s, _ := newSvc(t)
	ctx := storetest.Context(t)
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	old := []struct {
		id, link string
		want     Ref
	}{
		{"n1", "/events/e1", Ref{Kind: RefEvent, ID: "e1"}},
		{"n2", "/invoices/i1", Ref{Kind: RefInvoice, ID: "i1"}},
		{"n3", "/queries/q1", Ref{Kind: RefQuery, ID: "q1"}},
		{"n4", "/queries", Ref{Kind: RefQueries}},
		{"n5", "/statements/s1/versions/3", Ref{Kind: RefStatement, ID: "s1", Sub: "3"}},
		{"n6", "/statements/feedback", Ref{Kind: RefFeedback}},
		{"n7", "/forums?tab=past", Ref{Kind: RefPage, ID: "/forums?tab=past"}},
		{"n8", "", Ref{}},
	}
	for i, o := range old {
		doc := bson.D{{Key: "_id", Value: o.id}, {Key: "org", Value: "orgA"}, {Key: "broadcast", Value: false},
			{Key: "kind", Value: "general"}, {Key: "title", Value: "Old " + o.id}, {Key: "link", Value: o.link},
			{Key: "at", Value: at.Add(time.Duration(i) * time.Minute)}}
		if _, err := s.notes.InsertOne(ctx, doc); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.notes.Database().Collection(store.MigrationsCollection).DeleteOne(ctx, bson.D{{Key: "_id", Value: "notify/link-refs"}}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := NewService(s.notes.Database(), nil).EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if storetest.HasKey(t, ctx, s.notes, "link") {
		t.Error("old link fields left after the migration")
	}
	items, err := NewService(s.notes.Database(), nil).List(ctx, &auth.Principal{Role: auth.RoleProvider, OrgID: "orgA"})
	if err != nil || len(items) != len(old) {
		t.Fatalf("list after migration: %d items, %v", len(items), err)
	}
	got := map[string]Ref{}
	for _, it := range items {
		got[it.ID] = it.Ref
	}
	for _, o := range old {
		if got[o.id] != o.want {
			t.Errorf("%s (%q): ref %+v, want %+v", o.id, o.link, got[o.id], o.want)
		}
	}
}
