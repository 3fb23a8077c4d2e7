package contacts

import (
	"reflect"
	"testing"
	"time"

	"careportal/portal/store/storetest"
)

// A store written before the fields became snake_case (checkedAt,
// updatedBy) reads the same after the start-up migration, and a second run
// changes nothing.
func TestSnakeCaseMigration(t *testing.T) {
	st := storetest.New(t)
	ctx := storetest.Context(t)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s := NewService(st.DB, func() time.Time { return now })
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveTeam(ctx, "brokerage-payments", TeamInput{Purpose: "Pays provider invoices", Hours: "9am to 5pm", Email: "payments@council.example", Phone: "020 7946 0100"}, editor("u1")); err != nil {
		t.Fatal(err)
	}
	c, err := s.AddContact(ctx, "brokerage-payments", ContactInput{Name: "Priya Shah", Role: "Team leader", Email: "priya.shah@council.example"}, editor("u1"))
	if err != nil {
		t.Fatal(err)
	}
	teamBefore, _ := s.Team(ctx, "brokerage-payments")

	storetest.Age(t, ctx, st.DB, "contacts/snake-case-fields", snakeCaseFields, collTeams, collContacts)
	if !storetest.HasKey(t, ctx, st.DB.Collection(collContacts), "checkedAt") || !storetest.HasKey(t, ctx, st.DB.Collection(collTeams), "updatedBy") {
		t.Fatal("the aged store is not in the old format")
	}
	for range 2 {
		if err := s.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if storetest.HasKey(t, ctx, st.DB.Collection(collContacts), "checkedAt") || storetest.HasKey(t, ctx, st.DB.Collection(collTeams), "updatedBy") {
		t.Error("old field names left after the migration")
	}
	if got, err := s.Contact(ctx, editor("u1"), c.ID); err != nil || !reflect.DeepEqual(got, c) {
		t.Errorf("contact after migration: %+v, want %+v (%v)", got, c, err)
	}
	if got, _ := s.Team(ctx, "brokerage-payments"); !reflect.DeepEqual(got, teamBefore) || got.UpdatedBy != "u1" {
		t.Errorf("team after migration: %+v, want %+v", got, teamBefore)
	}
}
