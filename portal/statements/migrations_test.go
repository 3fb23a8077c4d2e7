package statements

import (
	"reflect"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/portal/store/storetest"
)

// A store written before the fields became snake_case (statementID,
// draftUpdatedAt, the unique index on statementID...) reads the same after
// the start-up migration, takes new versions, and a second run changes
// nothing.
func TestSnakeCaseMigration(t *testing.T) {
	s, _, ctx := newService(t)
	t0 := time.Date(2025, 4, 1, 9, 0, 0, 0, time.UTC)
	st, err := s.Create(ctx, "Market position statement 2025", "What we need.", commissioner, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateSection(ctx, st.ID, "home-care", SectionInput{Text: "Demand is rising."}, commissioner, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Publish(ctx, st.ID, "First version", commissioner, t0); err != nil {
		t.Fatal(err)
	}
	fb, err := s.AddFeedback(ctx, st.ID, 1, "home-care", "Rates are too low.", provider, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AnswerFeedback(ctx, fb.ID, "We will review them.", commissioner, t0); err != nil {
		t.Fatal(err)
	}
	stBefore, _ := s.Get(ctx, commissioner, st.ID)
	vBefore, _ := s.Version(ctx, st.ID, 1)
	fbBefore, _ := s.ListFeedback(ctx, commissioner, FeedbackFilter{})

	storetest.Age(t, ctx, s.db, "statements/snake-case-fields", snakeCaseFields, colStatements, colVersions, colFeedback)
	versions := s.db.Collection(colVersions)
	if err := versions.Indexes().DropOne(ctx, "statement_version_unique"); err != nil {
		t.Fatal(err)
	}
	if _, err := versions.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "statementID", Value: 1}, {Key: "n", Value: 1}},
		Options: options.Index().SetUnique(true).SetName("statement_version_unique"),
	}); err != nil {
		t.Fatal(err)
	}
	if !storetest.HasKey(t, ctx, versions, "statementID") || !storetest.HasKey(t, ctx, s.db.Collection(colStatements), "draftUpdatedAt") {
		t.Fatal("the aged store is not in the old format")
	}
	for range 2 {
		if err := s.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for c, old := range map[string]string{colStatements: "draftUpdatedAt", colVersions: "statementID", colFeedback: "answeredAt"} {
		if storetest.HasKey(t, ctx, s.db.Collection(c), old) {
			t.Errorf("%s still has %s", c, old)
		}
	}
	if got, err := s.Get(ctx, commissioner, st.ID); err != nil || !reflect.DeepEqual(got, stBefore) {
		t.Errorf("statement after migration: %+v, want %+v (%v)", got, stBefore, err)
	}
	if got, err := s.Version(ctx, st.ID, 1); err != nil || !reflect.DeepEqual(got, vBefore) {
		t.Errorf("version after migration: %+v, want %+v (%v)", got, vBefore, err)
	}
	if got, _ := s.ListFeedback(ctx, commissioner, FeedbackFilter{}); !reflect.DeepEqual(got, fbBefore) || !got[0].Answered() {
		t.Errorf("feedback after migration: %+v, want %+v", got, fbBefore)
	}
	if err := s.UpdateSection(ctx, st.ID, "home-care", SectionInput{Text: "Demand is rising fast."}, commissioner, t0); err != nil {
		t.Fatal(err)
	}
	if v2, err := s.Publish(ctx, st.ID, "Second version", commissioner, t0); err != nil || v2.N != 2 {
		t.Fatalf("publishing after migration: %+v %v", v2, err)
	}
}
