package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestReadAllRawMatchesDriver writes documents with every BSON type the
// portal stores (and the others the bulk reader decodes) through the
// driver, and checks that ReadAllRaw gives byte-for-byte the documents a
// driver Find gives.
func TestReadAllRawMatchesDriver(t *testing.T) {
	s := openTemp(t, t.TempDir())
	defer closeStore(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	coll := s.DB.Collection("bulk")
	docs := sampleDocs()
	if _, err := coll.InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	want, err := FindAll[bson.Raw](ctx, coll, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.ReadAllRaw(ctx, "bulk")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || len(want) != len(docs) {
		t.Fatalf("bulk read %d documents, driver %d, wrote %d", len(got), len(want), len(docs))
	}
	byID := map[string]bson.Raw{}
	for _, r := range got {
		byID[r.Lookup("_id").String()] = r
	}
	for _, w := range want {
		id := w.Lookup("_id").String()
		g, ok := byID[id]
		if !ok {
			t.Errorf("bulk read has no document %s", id)
			continue
		}
		if !bytes.Equal(g, w) {
			t.Errorf("document %s:\nbulk   %s\ndriver %s", id, g, w)
		}
	}
	// And field by field through the typed decode the read models use.
	type typed struct {
		ID          string      `bson:"_id"`
		Number      string      `bson:"number"`
		NetPence    int64       `bson:"net_pence"`
		TermsDays   int         `bson:"terms_days"`
		InvoiceDate time.Time   `bson:"invoice_date,omitempty"`
		ReceivedAt  time.Time   `bson:"received_at"`
		StepsOn     []time.Time `bson:"steps_on"`
		StepsTo     []string    `bson:"steps_to"`
		EmptyList   []string    `bson:"empty_list"`
		Missing     string      `bson:"missing,omitempty"`
	}
	var g, w typed
	if err := bson.Unmarshal(byID[`"inv-1"`], &g); err != nil {
		t.Fatal(err)
	}
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "inv-1"}}).Decode(&w); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%#v", g) != fmt.Sprintf("%#v", w) || g.NetPence != 1234567890123 || len(g.StepsOn) != 2 || !g.ReceivedAt.Equal(time.Date(2026, 10, 25, 1, 30, 15, 123e6, time.UTC)) {
		t.Errorf("typed decode differs:\nbulk   %#v\ndriver %#v", g, w)
	}
	var journal string
	if err := s.sqliteConn(t).QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&journal); err != nil || journal != "wal" {
		t.Errorf("FerretDB's SQLite journal mode is %q (%v): the bulk reader needs WAL", journal, err)
	}
	if none, err := s.ReadAllRaw(ctx, "no_such_collection"); err != nil || len(none) != 0 {
		t.Errorf("a collection with no table: %d documents, %v", len(none), err)
	}
}

// TestReadAllRawBesideWrites reads while FerretDB writes through its own
// connection: the read-only connection sees a consistent snapshot (every
// document it returns is whole) and neither side fails with "busy".
func TestReadAllRawBesideWrites(t *testing.T) {
	s := openTemp(t, t.TempDir())
	defer closeStore(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	coll := s.DB.Collection("busy")
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "seed"}, {Key: "n", Value: int64(0)}}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var writeErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("w%03d", i)}, {Key: "n", Value: int64(i)}}); err != nil {
				writeErr = err
				return
			}
		}
	}()
	prev := 0
	for i := 0; i < 20; i++ {
		got, err := s.ReadAllRaw(ctx, "busy")
		if err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
		if len(got) < prev {
			t.Fatalf("read %d saw %d documents after %d", i, len(got), prev)
		}
		prev = len(got)
		for _, r := range got {
			if _, ok := r.Lookup("n").Int64OK(); !ok {
				t.Fatalf("a document without its n: %s", r)
			}
		}
	}
	wg.Wait()
	if writeErr != nil {
		t.Fatalf("writing beside the bulk reads: %v", writeErr)
	}
	if got, err := s.ReadAllRaw(ctx, "busy"); err != nil || len(got) != 201 {
		t.Fatalf("after the writes: %d documents, %v", len(got), err)
	}
}

func TestReadAllRawOnlyEmbedded(t *testing.T) {
	s := &Store{Embedded: false}
	if _, err := s.ReadAllRaw(context.Background(), "x"); !errors.Is(err, ErrNoBulkRead) {
		t.Fatalf("MongoDB mode: %v, want ErrNoBulkRead", err)
	}
}

// sampleDay is the day the sample documents are built around.
var sampleDay = time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)

// sampleDocs are documents with every BSON type the portal stores (and
// the others the bulk reader decodes), then 50 sharing one schema.
func sampleDocs() []any {
	day := sampleDay
	docs := []any{
		bson.D{
			{Key: "_id", Value: "inv-1"}, {Key: "number", Value: `INV "7" \ café ✓ <b>&`},
			{Key: "net_pence", Value: int64(1234567890123)}, {Key: "neg", Value: int64(-5)},
			{Key: "terms_days", Value: int32(30)}, {Key: "version", Value: 3},
			{Key: "invoice_date", Value: day}, {Key: "received_at", Value: time.Date(2026, 10, 25, 1, 30, 15, 123e6, time.UTC)},
			{Key: "before_1970", Value: time.Date(1969, 12, 31, 23, 59, 59, 999e6, time.UTC)},
			{Key: "steps_on", Value: bson.A{day, day.AddDate(0, 0, 1)}},
			{Key: "steps_to", Value: bson.A{"submitted", "approved"}},
			{Key: "empty_list", Value: bson.A{}}, {Key: "empty_string", Value: ""},
			{Key: "ratio", Value: 0.1}, {Key: "whole", Value: 2.0}, {Key: "ok", Value: true}, {Key: "no", Value: false},
			{Key: "nothing", Value: nil},
			{Key: "oid", Value: bson.NewObjectID()},
			{Key: "bin", Value: bson.Binary{Subtype: 0, Data: []byte{0, 1, 2, 255}}},
			{Key: "nested", Value: bson.D{{Key: "b", Value: "x"}, {Key: "a", Value: bson.A{int64(1), "two", bson.D{{Key: "c", Value: day}}}}}},
			{Key: "empty_doc", Value: bson.D{}},
		},
		bson.D{{Key: "_id", Value: "inv-2"}, {Key: "number", Value: "2"}, {Key: "net_pence", Value: int64(0)}},
		bson.D{{Key: "_id", Value: bson.NewObjectID()}},
	}
	for i := 0; i < 50; i++ { // documents sharing a schema
		docs = append(docs, bson.D{{Key: "_id", Value: fmt.Sprintf("same-%02d", i)}, {Key: "n", Value: int64(i)}, {Key: "at", Value: day.AddDate(0, 0, i)}})
	}
	return docs
}

func (s *Store) sqliteConn(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(s.sqliteDir, s.DB.Name()+sqliteFileExt)+"?mode=ro&"+sqliteBusyWait)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}
