package notify

import (
	"reflect"
	"testing"
	"time"

	"careportal/auth"
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
	if err := s.ToAllProviders(ctx, KindEvent, "Home care forum", "/events/e1", []string{"Home care"}); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkAllRead(ctx, homeCare); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(1e9)
	if err := s.ToOrg(ctx, "orgA", KindQuery, "Your query was answered", "/queries/q1"); err != nil {
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
