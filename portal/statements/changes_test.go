package statements

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/portal/fault"
	"careportal/portal/store"
	"careportal/portal/store/storetest"
)

// TestTwoWritersOfOneVersion: two writers of the same version number
// cannot both succeed, and the version stored is the winner's, unchanged.
func TestTwoWritersOfOneVersion(t *testing.T) {
	s, _, ctx := newService(t)
	t0 := time.Date(2025, 4, 1, 9, 0, 0, 0, time.UTC)
	st, err := s.Create(ctx, "MPS", "Summary", commissioner, t0)
	if err != nil {
		t.Fatal(err)
	}
	storetest.OneWinner(t, 2, func(i int) error {
		v := Version{StatementID: st.ID, N: 1, Content: st.Draft, ChangeNote: []string{"one", "two"}[i], PublishedAt: t0, PublishedBy: "test"}
		next := *st
		s.versions.Apply(&next, v)
		return s.versions.Append(ctx, st.ID, 1, v, &next, "", t0)
	}, func(err error) bool { return fault.KindOf(err) == fault.Conflict })
	v1, err := s.Version(ctx, st.ID, 1)
	got, _ := s.Get(ctx, commissioner, st.ID)
	if err != nil || got.Version != 1 || got.DraftChanged {
		t.Fatalf("after two writers of version 1: %+v %+v %v", got, v1, err)
	}
	if _, err := s.Publish(ctx, st.ID, "again", commissioner, t0); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("publishing an unchanged draft: %v", err)
	}
	if again, _ := s.Version(ctx, st.ID, 1); !reflect.DeepEqual(again, v1) {
		t.Fatalf("version 1 changed: %+v, was %+v", again, v1)
	}
}

// TestPublishRepairedAtStartUp: a publish that stopped after inserting its
// version, before the statement was told, is finished at start-up, and
// the draft edited meanwhile is kept (a publish sets only the publishing
// fields).
func TestPublishRepairedAtStartUp(t *testing.T) {
	s, _, ctx := newService(t)
	t0 := time.Date(2025, 4, 1, 9, 0, 0, 0, time.UTC)
	st, err := s.Create(ctx, "MPS", "Summary", commissioner, t0)
	if err != nil {
		t.Fatal(err)
	}
	v := Version{StatementID: st.ID, N: 1, Content: st.Draft.normalise(), ChangeNote: "First", PublishedAt: t0, PublishedBy: "Cara Commissioner"}
	if err := s.versions.Begin(ctx, st.ID, 1, "", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.versions.AppendEvent(ctx, st.ID, 1, v); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateDetails(ctx, st.ID, "MPS 2025", "Summary", commissioner, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(ctx, commissioner, st.ID); got.Version != 0 {
		t.Fatalf("statement told before repair: v%d", got.Version)
	}
	s2 := NewService(s.db, nil)
	if err := s2.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := s2.Get(ctx, commissioner, st.ID)
	if err != nil || got.Version != 1 || !got.PublishedAt.Equal(t0) || got.Draft.Title != "MPS 2025" {
		t.Fatalf("after repair: %+v, %v", got, err)
	}
	if v1, err := s2.Version(ctx, st.ID, 1); err != nil || v1.Content.Title != "MPS" || v1.ChangeNote != "First" {
		t.Fatalf("version 1 after repair: %+v, %v", v1, err)
	}
	if n, _ := s.db.Collection(colPending).CountDocuments(ctx, bson.D{}); n != 0 {
		t.Fatalf("%d intent records left", n)
	}
}

// TestVersionIDMigration: a store whose versions are keyed
// "<statement>:v<n>" with the number in n (before the shared step) reads
// the same after start-up, versions unchanged, and takes new versions.
func TestVersionIDMigration(t *testing.T) {
	s, _, ctx := newService(t)
	t0 := time.Date(2025, 4, 1, 9, 0, 0, 0, time.UTC)
	st, err := s.Create(ctx, "MPS", "Summary", commissioner, t0)
	if err != nil {
		t.Fatal(err)
	}
	for i, text := range []string{"Demand is rising.", "Demand is rising fast."} {
		if err := s.UpdateSection(ctx, st.ID, "home-care", SectionInput{Text: text}, commissioner, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Publish(ctx, st.ID, "Version "+string(rune('1'+i)), commissioner, t0); err != nil {
			t.Fatal(err)
		}
	}
	stBefore, _ := s.Get(ctx, commissioner, st.ID)
	vsBefore, _ := s.Versions(ctx, st.ID)

	// Today's format back to the old: ids "<statement>:v<n>", field n, the
	// unique index on (statement_id, n).
	versions := s.db.Collection(colVersions)
	if err := versions.Indexes().DropOne(ctx, versionIndex); err != nil {
		t.Fatal(err)
	}
	storetest.Age(t, ctx, s.db, "statements/version-ids", map[string]string{"n": "seq"}, colVersions)
	storetest.AgeIDs(t, ctx, s.db, "statements/version-ids", colVersions, func(id string) string {
		entity, seq, _ := strings.Cut(id, ":")
		return entity + ":v" + strings.TrimLeft(seq, "0")
	})
	if _, err := versions.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "statement_id", Value: 1}, {Key: "n", Value: 1}},
		Options: options.Index().SetUnique(true).SetName(versionIndex),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Get[bson.Raw](ctx, versions, st.ID+":v2"); err != nil || !storetest.HasKey(t, ctx, versions, "n") {
		t.Fatalf("not in the old format: %v", err)
	}

	s2 := NewService(s.db, nil)
	for range 2 {
		if err := s2.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := s2.Get(ctx, commissioner, st.ID); !reflect.DeepEqual(got, stBefore) {
		t.Errorf("statement after migration: %+v, want %+v", got, stBefore)
	}
	vs, err := s2.Versions(ctx, st.ID)
	if err != nil || !reflect.DeepEqual(vs, vsBefore) {
		t.Errorf("versions after migration: %+v, want %+v (%v)", vs, vsBefore, err)
	}
	if n, _ := versions.CountDocuments(ctx, bson.D{}); n != 2 || storetest.HasKey(t, ctx, versions, "n") {
		t.Errorf("%d versions after migration (want 2), or still with n", n)
	}
	if err := s2.UpdateSection(ctx, st.ID, "home-care", SectionInput{Text: "Demand is steady."}, commissioner, t0); err != nil {
		t.Fatal(err)
	}
	if v3, err := s2.Publish(ctx, st.ID, "Third", commissioner, t0); err != nil || v3.N != 3 || v3.ID != st.ID+":000003" {
		t.Fatalf("publishing after migration: %+v %v", v3, err)
	}
}

// TestStoppedPublishFinishedByTheNextPublisher: a publisher that stopped
// after its intent record, before its version, blocks version N+1 only
// until the record is stale; the next publisher then clears it and can
// publish.
func TestStoppedPublishFinishedByTheNextPublisher(t *testing.T) {
	s, _, ctx := newService(t)
	t0 := time.Date(2025, 4, 1, 9, 0, 0, 0, time.UTC)
	st, err := s.Create(ctx, "MPS", "Summary", commissioner, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.versions.Begin(ctx, st.ID, 1, "", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Publish(ctx, st.ID, "First", commissioner, t0.Add(time.Second)); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("publish while another is in flight: %v, want Conflict", err)
	}
	if _, err := s.Publish(ctx, st.ID, "First", commissioner, t0.Add(2*time.Minute)); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("publish meeting a stale one: %v, want Conflict (after repair)", err)
	}
	v1, err := s.Publish(ctx, st.ID, "First", commissioner, t0.Add(2*time.Minute))
	if err != nil || v1.N != 1 {
		t.Fatalf("publish after repair: %+v, %v", v1, err)
	}
}
