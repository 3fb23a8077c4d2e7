package store_test

import (
	"context"
	"errors"
	"os"
	"reflect"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/portal/fault"
	"careportal/portal/store"
	"careportal/portal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

type note struct {
	ID        string    `bson:"_id"`
	Text      string    `bson:"text"`
	Version   int       `bson:"version"`
	Claimed   string    `bson:"claimed,omitempty"`
	UpdatedAt time.Time `bson:"updated_at"`
}

type noteEvent struct {
	Seq  int       `bson:"seq"`
	Text string    `bson:"text"`
	At   time.Time `bson:"at"`
}

func TestGet(t *testing.T) {
	st := storetest.New(t)
	ctx := storetest.Context(t)
	c := st.DB.Collection("notes")
	if _, err := c.InsertOne(ctx, note{ID: "n1", Text: "hello"}); err != nil {
		t.Fatal(err)
	}
	got, err := store.Get[note](ctx, c, "n1")
	if err != nil || got.Text != "hello" {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	_, err = store.Get[note](ctx, c, "nope")
	if fault.KindOf(err) != fault.NotFound || !errors.Is(err, mongo.ErrNoDocuments) || !store.IsNotFound(err) {
		t.Fatalf("missing: %v (kind %v)", err, fault.KindOf(err))
	}
	if e, _ := fault.As(store.NotFoundAs(err, "note")); e.Message != "note not found" {
		t.Fatalf("NotFoundAs message %q", e.Message)
	}
}

type released struct {
	mu     sync.Mutex
	claims []string
}

func newChanges(t *testing.T, st *store.Store, rel *released) *store.Changes[note, noteEvent] {
	t.Helper()
	ctx := storetest.Context(t)
	if err := store.EnsureCollections(ctx, st.DB, "notes", "note_events", "note_pending"); err != nil {
		t.Fatal(err)
	}
	events := st.DB.Collection("note_events")
	if _, err := events.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "note_id", Value: 1}, {Key: "seq", Value: 1}}, Options: options.Index().SetUnique(true)}); err != nil {
		t.Fatal(err)
	}
	if err := st.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	return &store.Changes[note, noteEvent]{
		Events: events, Snapshots: st.DB.Collection("notes"), Pending: st.DB.Collection("note_pending"),
		EntityField: "note_id", Conflict: "The note was changed",
		Apply:   func(n *note, ev noteEvent) { n.Text, n.Version, n.UpdatedAt = ev.Text, ev.Seq, ev.At },
		Version: func(n *note) int { return n.Version },
		Rewrite: func(n *note, seq int) (noteEvent, bool) {
			if seq != n.Version {
				return noteEvent{}, false
			}
			return noteEvent{Seq: seq, Text: n.Text, At: n.UpdatedAt}, true
		},
		Undo: func(ctx context.Context, p store.Pending) error {
			rel.mu.Lock()
			rel.claims = append(rel.claims, p.Claim)
			rel.mu.Unlock()
			return nil
		},
	}
}

func step(c *store.Changes[note, noteEvent], n note, text string, at time.Time) (note, noteEvent) {
	ev := noteEvent{Seq: n.Version + 1, Text: text, At: at}
	c.Apply(&n, ev)
	return n, ev
}

func TestChangesAppendAndConflict(t *testing.T) {
	st := storetest.New(t)
	ctx := storetest.Context(t)
	c := newChanges(t, st, &released{})
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	n, ev := step(c, note{ID: "n1"}, "first", now)
	if err := c.Append(ctx, "n1", 1, ev, &n, "claim-1", now); err != nil {
		t.Fatal(err)
	}
	n2, ev2 := step(c, n, "second", now.Add(time.Minute))
	if err := c.Append(ctx, "n1", 2, ev2, &n2, "", now); err != nil {
		t.Fatal(err)
	}
	// Another writer that saw version 1 takes step 2 too: a conflict, and
	// nothing changes.
	stale, ev3 := step(c, n, "other", now.Add(2*time.Minute))
	err := c.Append(ctx, "n1", 2, ev3, &stale, "", now)
	if e, ok := fault.As(err); !ok || e.Kind != fault.Conflict || e.Message != "The note was changed" {
		t.Fatalf("second writer of step 2: %v", err)
	}
	got, err := c.Snapshot(ctx, "n1")
	if err != nil || got.Text != "second" || got.Version != 2 {
		t.Fatalf("snapshot = %+v, %v", got, err)
	}
	hist, err := c.History(ctx, "n1", got.Version)
	if err != nil || len(hist) != 2 || hist[0].Text != "first" || hist[1].Text != "second" || hist[1].Seq != 2 {
		t.Fatalf("history = %+v, %v", hist, err)
	}
	var raw bson.M
	if err := st.DB.Collection("note_events").FindOne(ctx, bson.D{{Key: "_id", Value: "n1:000002"}}).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	if raw["note_id"] != "n1" || raw["text"] != "second" {
		t.Fatalf("stored event = %v", raw)
	}
	if n, _ := st.DB.Collection("note_pending").CountDocuments(ctx, bson.D{}); n != 0 {
		t.Fatalf("%d intent records left", n)
	}
}

func TestChangesRepair(t *testing.T) {
	st := storetest.New(t)
	ctx := storetest.Context(t)
	rel := &released{}
	c := newChanges(t, st, rel)
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	// n1: a crash after the event of step 2, before its snapshot.
	n, ev := step(c, note{ID: "n1"}, "first", now)
	if err := c.Append(ctx, "n1", 1, ev, &n, "", now); err != nil {
		t.Fatal(err)
	}
	_, ev2 := step(c, n, "second", now)
	if err := c.Begin(ctx, "n1", 2, "", now); err != nil {
		t.Fatal(err)
	}
	if err := c.AppendEvent(ctx, "n1", 2, ev2); err != nil {
		t.Fatal(err)
	}
	// n2: a first step whose snapshot was never written; its claim is
	// released and its event removed.
	n2, ev := step(c, note{ID: "n2"}, "ghost", now)
	if err := c.Begin(ctx, "n2", 1, "claim-n2", now); err != nil {
		t.Fatal(err)
	}
	if err := c.AppendEvent(ctx, "n2", 1, ev); err != nil {
		t.Fatal(err)
	}
	_ = n2
	// n3: the snapshot was written but its event was lost.
	n3, ev := step(c, note{ID: "n3"}, "kept", now)
	if err := c.Begin(ctx, "n3", 1, "", now); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteSnapshot(ctx, "n3", &n3, true); err != nil {
		t.Fatal(err)
	}
	_ = ev
	// A fresh intent record of another instance is left alone by a poll.
	if err := c.Repair(ctx, now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Snapshot(ctx, "n1"); got.Version != 1 {
		t.Fatalf("a change in flight was repaired too early: v%d", got.Version)
	}
	var repaired []string
	c.Repaired = func(n *note) { repaired = append(repaired, n.ID) }
	if err := c.Repair(ctx, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Snapshot(ctx, "n1"); got.Version != 2 || got.Text != "second" {
		t.Fatalf("n1 not caught up: %+v", got)
	}
	if !reflect.DeepEqual(repaired, []string{"n1"}) {
		t.Fatalf("Repaired told of %v", repaired)
	}
	if _, err := c.Event(ctx, "n2", 1); !store.IsNotFound(err) {
		t.Fatalf("the undone first step's event is still there: %v", err)
	}
	if !reflect.DeepEqual(rel.claims, []string{"claim-n2"}) {
		t.Fatalf("claims released: %v", rel.claims)
	}
	if ev, err := c.Event(ctx, "n3", 1); err != nil || ev.Text != "kept" {
		t.Fatalf("n3's event not rewritten: %+v, %v", ev, err)
	}
	if n, _ := st.DB.Collection("note_pending").CountDocuments(ctx, bson.D{}); n != 0 {
		t.Fatalf("%d intent records left after repair", n)
	}
}

func TestReadModel(t *testing.T) {
	st := storetest.New(t)
	ctx := storetest.Context(t)
	coll := st.DB.Collection("notes")
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	if _, err := coll.InsertOne(ctx, note{ID: "n1", Text: "a", UpdatedAt: now.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	held := map[string]note{}
	loads, befores := 0, 0
	m := &store.ReadModel[note]{
		Coll: coll, Mark: "updated_at", Now: func() time.Time { return now },
		MarkOf: func(n *note) time.Time { return n.UpdatedAt },
		Before: func(context.Context) error { befores++; return nil },
		Put: func(docs []note) {
			mu.Lock()
			defer mu.Unlock()
			loads++
			for _, d := range docs {
				held[d.ID] = d
			}
		},
	}
	if m.Loaded() {
		t.Fatal("loaded before Load")
	}
	for i := 0; i < 3; i++ {
		if err := m.EnsureLoaded(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if loads != 1 || befores != 1 || len(held) != 1 || !m.Loaded() {
		t.Fatalf("loads %d, befores %d, held %v", loads, befores, held)
	}
	// Another instance writes a newer document; an old one is not read
	// again.
	if _, err := coll.InsertOne(ctx, note{ID: "n2", Text: "b", UpdatedAt: now.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	if err := m.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if held["n2"].Text != "b" {
		t.Fatalf("refresh missed the new document: %v", held)
	}
	m.Saw(now.Add(time.Hour))
	if _, err := coll.InsertOne(ctx, note{ID: "n3", Text: "c", UpdatedAt: now.Add(2 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	if err := m.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := held["n3"]; ok {
		t.Fatal("refresh read a document older than the mark seen, less the margin")
	}
}

func TestMigrate(t *testing.T) {
	st := storetest.New(t)
	ctx := storetest.Context(t)
	coll := st.DB.Collection("things")
	// Documents as an older version wrote them.
	if _, err := coll.InsertMany(ctx, []any{
		bson.D{{Key: "_id", Value: "a"}, {Key: "grossAmount", Value: int64(100)}},
		bson.D{{Key: "_id", Value: "b"}, {Key: "gross_pence", Value: int64(200)}},
	}); err != nil {
		t.Fatal(err)
	}
	runs := 0
	m := store.Migration{ID: "test/rename", Run: func(ctx context.Context, db *mongo.Database) error {
		runs++
		return store.RenameFields(ctx, db.Collection("things"), map[string]string{"grossAmount": "gross_pence"})
	}}
	for i := 0; i < 2; i++ {
		if err := store.Migrate(ctx, st.DB, nil, m); err != nil {
			t.Fatal(err)
		}
	}
	if runs != 1 {
		t.Fatalf("ran %d times", runs)
	}
	// Running the step again (a run cut short) changes nothing.
	if err := m.Run(ctx, st.DB); err != nil {
		t.Fatal(err)
	}
	type thing struct {
		ID    string `bson:"_id"`
		Gross int64  `bson:"gross_pence"`
	}
	got, err := store.FindAll[thing](ctx, coll, bson.D{{Key: "gross_pence", Value: bson.D{{Key: "$gte", Value: 100}}}})
	if err != nil || len(got) != 2 {
		t.Fatalf("after migration: %+v, %v", got, err)
	}
	if n, _ := st.DB.Collection(store.MigrationsCollection).CountDocuments(ctx, bson.D{{Key: "_id", Value: "test/rename"}}); n != 1 {
		t.Fatalf("migration recorded %d times", n)
	}
}

func TestFieldNameProblems(t *testing.T) {
	type inner struct {
		OK  string `bson:"ok_name"`
		Bad string `bson:"badName"`
	}
	type doc struct {
		ID     string  `bson:"_id"`
		Gross  int64   `bson:"gross_pence"`
		Items  []inner `bson:"items"`
		NoTag  string
		Hidden string `bson:"-"`
	}
	got := store.FieldNameProblems(doc{})
	want := []string{"items.badName", "NoTag (no bson name)"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("problems = %q, want %q", got, want)
	}
}
