package store_test

import (
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/portal/store"
	"careportal/portal/store/storetest"
)

// A snapshot created on its own (SnapshotFirst) is replaced by its first
// step too; with Set a step writes only the events' fields, keeping what
// was changed in place; CatchUp applies events no intent record names.
func TestChangesSnapshotFirstSetAndCatchUp(t *testing.T) {
	st := storetest.New(t)
	ctx := storetest.Context(t)
	c := newChanges(t, st, &released{})
	c.SnapshotFirst = true
	c.Set = func(n *note) bson.D {
		return bson.D{{Key: "text", Value: n.Text}, {Key: "version", Value: n.Version}, {Key: "updated_at", Value: n.UpdatedAt}}
	}
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	if _, err := st.DB.Collection("notes").InsertOne(ctx, note{ID: "n1", Text: "created", Claimed: "kept"}); err != nil {
		t.Fatal(err)
	}
	n, ev := step(c, note{ID: "n1", Text: "created"}, "first", now)
	if err := c.Append(ctx, "n1", 1, ev, &n, "", now); err != nil {
		t.Fatal(err)
	}
	got, err := c.Snapshot(ctx, "n1")
	if err != nil || got.Text != "first" || got.Version != 1 || got.Claimed != "kept" {
		t.Fatalf("after step 1: %+v, %v", got, err)
	}
	// Event 2 written by a version that kept no intent record.
	_, ev2 := step(c, got, "second", now)
	doc, err := c.EventDoc("n1", 2, ev2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB.Collection("note_events").InsertOne(ctx, doc); err != nil {
		t.Fatal(err)
	}
	if got, err = c.CatchUp(ctx, "n1"); err != nil || got.Version != 2 || got.Text != "second" {
		t.Fatalf("CatchUp = %+v, %v", got, err)
	}
	if got, _ = c.Snapshot(ctx, "n1"); got.Version != 2 || got.Claimed != "kept" {
		t.Fatalf("stored after CatchUp: %+v", got)
	}
}

// RekeyEvents moves events keyed another way to EventID, once, whatever
// number type seq was stored as; DropIndex lets it past a unique index.
func TestRekeyEvents(t *testing.T) {
	st := storetest.New(t)
	ctx := storetest.Context(t)
	coll := st.DB.Collection("old_events")
	if _, err := coll.InsertMany(ctx, []any{
		bson.D{{Key: "_id", Value: "a/1"}, {Key: "thing", Value: "a"}, {Key: "seq", Value: int32(1)}, {Key: "text", Value: "one"}},
		bson.D{{Key: "_id", Value: "a/2"}, {Key: "thing", Value: "a"}, {Key: "seq", Value: int64(2)}, {Key: "text", Value: "two"}},
		bson.D{{Key: "_id", Value: "a:000003"}, {Key: "thing", Value: "a"}, {Key: "seq", Value: 3}, {Key: "text", Value: "three"}},
		bson.D{{Key: "_id", Value: "other"}, {Key: "text", Value: "not an event"}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "thing", Value: 1}, {Key: "seq", Value: 1}}, Options: options.Index().SetUnique(true).SetName("thing_seq")}); err != nil {
		t.Fatal(err)
	}
	if err := store.DropIndex(ctx, coll, "thing_seq"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := store.RekeyEvents(ctx, coll, "thing"); err != nil {
			t.Fatal(err)
		}
		if err := store.DropIndex(ctx, coll, "thing_seq"); err != nil {
			t.Fatal(err)
		}
	}
	type ev struct {
		ID   string `bson:"_id"`
		Text string `bson:"text"`
	}
	for id, text := range map[string]string{"a:000001": "one", "a:000002": "two", "a:000003": "three", "other": "not an event"} {
		if got, err := store.Get[ev](ctx, coll, id); err != nil || got.Text != text {
			t.Errorf("%s = %+v, %v", id, got, err)
		}
	}
	if n, _ := coll.CountDocuments(ctx, bson.D{}); n != 4 {
		t.Errorf("%d documents after rekeying, want 4", n)
	}
}
