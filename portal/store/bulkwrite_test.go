package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

func openBulk(t *testing.T) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Open(ctx, Options{Database: "portal", DataDir: t.TempDir(), Logger: quiet(), BulkWrites: true})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { closeStore(t, s) })
	return s
}

func rawDocs(t testing.TB, docs []any) []bson.Raw {
	t.Helper()
	out := make([]bson.Raw, len(docs))
	for i, d := range docs {
		b, err := bson.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = b
	}
	return out
}

// tableRows reads a collection's rows from SQLite, in the order written.
func (s *Store) tableRows(t *testing.T, collection string) []string {
	t.Helper()
	ctx := context.Background()
	db := s.sqliteConn(t)
	var table string
	if err := db.QueryRowContext(ctx, fmt.Sprintf(`SELECT table_name FROM %q WHERE name = ?`, metadataTable), collection).Scan(&table); err != nil {
		t.Fatalf("table of %s: %v", collection, err)
	}
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT _ferretdb_sjson FROM %q ORDER BY rowid`, table))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// TestInsertRawWritesFerretDBsRows inserts the same documents (every type
// the portal stores, strings that need escaping) through the driver and
// directly, and checks that SQLite holds byte-for-byte the same rows and
// the driver reads back the same documents.
func TestInsertRawWritesFerretDBsRows(t *testing.T) {
	s := openBulk(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	docs := append(sampleDocs(),
		bson.D{{Key: "_id", Value: "escapes"}, {Key: "s", Value: "tab\tnew\nline \x00 \x01 \u2028 \u2029 \\ \" <>& é ✓ 😀"},
			{Key: "nested", Value: bson.D{{Key: "key <&> \"é\"", Value: "v"}, {Key: "", Value: int32(-1)}}},
			{Key: "docs", Value: bson.A{bson.D{{Key: "_id", Value: 1}, {Key: "x", Value: "y"}}, bson.D{}}}},
		bson.D{{Key: "_id", Value: int64(42)}, {Key: "big", Value: math.MaxFloat64}, {Key: "small", Value: 5e-324}, {Key: "exp", Value: 1e21},
			{Key: "min", Value: int64(math.MinInt64)}, {Key: "i32", Value: int32(math.MinInt32)}, {Key: "bin2", Value: bson.Binary{Subtype: 4, Data: make([]byte, 16)}}},
	)
	if err := EnsureCollections(ctx, s.DB, "via_driver", "via_raw"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB.Collection("via_driver").InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	if err := s.InsertRaw(ctx, RawDocs{"via_raw", rawDocs(t, docs)}); err != nil {
		t.Fatal(err)
	}
	want, got := s.tableRows(t, "via_driver"), s.tableRows(t, "via_raw")
	if len(got) != len(want) || len(want) != len(docs) {
		t.Fatalf("direct rows %d, FerretDB's %d, documents %d", len(got), len(want), len(docs))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d:\ndirect   %s\nFerretDB %s", i, got[i], want[i])
		}
	}
	wantDocs, err := FindAll[bson.Raw](ctx, s.DB.Collection("via_driver"), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	gotDocs, err := FindAll[bson.Raw](ctx, s.DB.Collection("via_raw"), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range wantDocs {
		if !bytes.Equal(gotDocs[i], wantDocs[i]) {
			t.Errorf("document %d read back:\ndirect %s\ndriver %s", i, gotDocs[i], wantDocs[i])
		}
	}
	// A bare _id find goes through the `_id` index shim as for any row.
	var one bson.M
	if err := s.DB.Collection("via_raw").FindOne(ctx, bson.D{{Key: "_id", Value: "inv-2"}}).Decode(&one); err != nil || one["number"] != "2" {
		t.Errorf("find by _id of a direct row: %v %v", one, err)
	}
}

// TestInsertRawRefusesWhatFerretDBWouldChange: each document FerretDB
// would refuse or store differently is not written directly (ErrNoBulkWrite,
// nothing written, the batch's other documents neither).
func TestInsertRawRefusesWhatFerretDBWouldChange(t *testing.T) {
	s := openBulk(t)
	ctx := context.Background()
	if err := EnsureCollections(ctx, s.DB, "c"); err != nil {
		t.Fatal(err)
	}
	id := bson.E{Key: "_id", Value: "x"}
	for _, c := range []struct {
		name string
		doc  any
	}{
		{"no _id", bson.D{{Key: "a", Value: 1}}},
		{"_id not first", bson.D{{Key: "a", Value: 1}, id}},
		{"_id an array", bson.D{{Key: "_id", Value: bson.A{1}}}},
		{"_id a regex", bson.D{{Key: "_id", Value: bson.Regex{Pattern: "a"}}}},
		{"$ key", bson.D{id, {Key: "$set", Value: 1}}},
		{"dotted key", bson.D{id, {Key: "a.b", Value: 1}}},
		{"key twice", bson.D{id, {Key: "a", Value: 1}, {Key: "a", Value: 2}}},
		{"nested key twice", bson.D{id, {Key: "n", Value: bson.D{{Key: "a", Value: 1}, {Key: "a", Value: 2}}}}},
		{"nested $ key", bson.D{id, {Key: "n", Value: bson.A{bson.D{{Key: "$x", Value: 1}}}}}},
		{"nested _id not first", bson.D{id, {Key: "n", Value: bson.D{{Key: "a", Value: 1}, {Key: "_id", Value: 2}}}}},
		{"top-level key to escape", bson.D{id, {Key: "a<b", Value: 1}}},
		{"array in an array", bson.D{id, {Key: "a", Value: bson.A{bson.A{1}}}}},
		{"infinity", bson.D{id, {Key: "f", Value: math.Inf(1)}}},
		{"NaN", bson.D{id, {Key: "f", Value: math.NaN()}}},
		{"negative zero", bson.D{id, {Key: "f", Value: math.Copysign(0, -1)}}},
		{"string not UTF-8", bson.D{id, {Key: "s", Value: "a\xffb"}}},
		{"timestamp", bson.D{id, {Key: "ts", Value: bson.Timestamp{T: 1, I: 1}}}},
		{"decimal", bson.D{id, {Key: "d", Value: bson.NewDecimal128(1, 1)}}},
		{"regex", bson.D{id, {Key: "r", Value: bson.Regex{Pattern: "a", Options: "i"}}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			docs := rawDocs(t, []any{bson.D{{Key: "_id", Value: "fine"}}, c.doc})
			if err := s.InsertRaw(ctx, RawDocs{"c", docs}); !errors.Is(err, ErrNoBulkWrite) {
				t.Fatalf("InsertRaw: %v, want ErrNoBulkWrite", err)
			}
			if n, err := s.DB.Collection("c").CountDocuments(ctx, bson.D{}); err != nil || n != 0 {
				t.Fatalf("%d documents written (%v)", n, err)
			}
		})
	}
}

// TestInsertRawIsAllOrNone: a call with one taken _id, or one taken
// unique key of another index, fails whole, in every collection it
// writes, and leaves what was there.
func TestInsertRawIsAllOrNone(t *testing.T) {
	s := openBulk(t)
	ctx := context.Background()
	coll := s.DB.Collection("c")
	if err := EnsureCollections(ctx, s.DB, "other"); err != nil {
		t.Fatal(err)
	}
	if _, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "k", Value: 1}}, Options: options.Index().SetUnique(true)}); err != nil {
		t.Fatal(err)
	}
	batch := func(from, to int, extra ...any) []bson.Raw {
		var docs []any
		for i := from; i < to; i++ {
			docs = append(docs, bson.D{{Key: "_id", Value: fmt.Sprintf("d%04d", i)}, {Key: "k", Value: int64(i)}})
		}
		return rawDocs(t, append(docs, extra...))
	}
	if err := s.InsertRaw(ctx, RawDocs{"c", batch(0, 250)}); err != nil {
		t.Fatal(err)
	}
	for name, docs := range map[string][]bson.Raw{
		"taken _id":        batch(250, 400, bson.D{{Key: "_id", Value: "d0005"}, {Key: "k", Value: int64(9999)}}),
		"taken unique key": batch(250, 400, bson.D{{Key: "_id", Value: "new"}, {Key: "k", Value: int64(7)}}),
	} {
		// The other collection's documents, written first in the same
		// call, are not kept either.
		err := s.InsertRaw(ctx, RawDocs{"other", rawDocs(t, []any{bson.D{{Key: "_id", Value: name}}})}, RawDocs{"c", docs})
		if err == nil || errors.Is(err, ErrNoBulkWrite) {
			t.Errorf("%s: %v, want a constraint error", name, err)
		}
		if n, err := coll.CountDocuments(ctx, bson.D{}); err != nil || n != 250 {
			t.Errorf("%s: %d documents after the failed batch (%v), want 250", name, n, err)
		}
		if n, err := s.DB.Collection("other").CountDocuments(ctx, bson.D{}); err != nil || n != 0 {
			t.Errorf("%s: %d documents in the other collection (%v), want 0", name, n, err)
		}
	}
}

// TestInsertRawBesideFerretDBWrites writes directly while FerretDB inserts
// and updates through its own connection: neither fails with "busy",
// every write is there, and the updates are applied once each.
func TestInsertRawBesideFerretDBWrites(t *testing.T) {
	s := openBulk(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := EnsureCollections(ctx, s.DB, "raw", "counter"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB.Collection("counter").InsertOne(ctx, bson.D{{Key: "_id", Value: "n"}, {Key: "n", Value: int64(0)}}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	wg.Add(2)
	go func() {
		defer wg.Done()
		for b := 0; b < 20; b++ {
			var docs []any
			for i := 0; i < 500; i++ {
				docs = append(docs, bson.D{{Key: "_id", Value: fmt.Sprintf("%02d-%03d", b, i)}, {Key: "pad", Value: fmt.Sprint(i)}})
			}
			if err := s.InsertRaw(ctx, RawDocs{"raw", rawDocs(t, docs)}); err != nil {
				errs <- err
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			if _, err := s.DB.Collection("counter").UpdateOne(ctx, bson.D{{Key: "_id", Value: "n"}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}}); err != nil {
				errs <- err
				return
			}
			if _, err := s.DB.Collection("raw").InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("driver-%03d", i)}}); err != nil {
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n, err := s.DB.Collection("raw").CountDocuments(ctx, bson.D{}); err != nil || n != 20*500+200 {
		t.Errorf("%d documents (%v), want %d", n, err, 20*500+200)
	}
	var c struct {
		N int64 `bson:"n"`
	}
	if err := s.DB.Collection("counter").FindOne(ctx, bson.D{{Key: "_id", Value: "n"}}).Decode(&c); err != nil || c.N != 200 {
		t.Errorf("counter %d (%v), want 200", c.N, err)
	}
}

// TestInsertRawOnlyWithBulkWrites: without BulkWrites, in MongoDB mode and
// for a collection with no table yet, nothing is written directly.
func TestInsertRawOnlyWithBulkWrites(t *testing.T) {
	ctx := context.Background()
	docs := rawDocs(t, []any{bson.D{{Key: "_id", Value: "a"}}})
	plain := openTemp(t, t.TempDir())
	defer closeStore(t, plain)
	if err := EnsureCollections(ctx, plain.DB, "c"); err != nil {
		t.Fatal(err)
	}
	if err := plain.InsertRaw(ctx, RawDocs{"c", docs}); !errors.Is(err, ErrNoBulkWrite) {
		t.Errorf("without BulkWrites: %v, want ErrNoBulkWrite", err)
	}
	if err := (&Store{}).InsertRaw(ctx, RawDocs{"c", docs}); !errors.Is(err, ErrNoBulkWrite) {
		t.Errorf("MongoDB mode: %v, want ErrNoBulkWrite", err)
	}
	bulk := openBulk(t)
	if err := bulk.InsertRaw(ctx, RawDocs{"not_made_yet", docs}); !errors.Is(err, ErrNoBulkWrite) {
		t.Errorf("no table yet: %v, want ErrNoBulkWrite", err)
	}
	// A capped collection's table has a record id column FerretDB fills.
	if err := bulk.DB.CreateCollection(ctx, "capped", options.CreateCollection().SetCapped(true).SetSizeInBytes(1<<20)); err != nil {
		t.Fatalf("creating a capped collection: %v", err)
	}
	if err := bulk.InsertRaw(ctx, RawDocs{"capped", docs}); !errors.Is(err, ErrNoBulkWrite) {
		t.Errorf("capped: %v, want ErrNoBulkWrite", err)
	}
	if n, err := bulk.DB.Collection("capped").CountDocuments(ctx, bson.D{}); err != nil || n != 0 {
		t.Errorf("capped: %d documents written (%v)", n, err)
	}
}

// FuzzBSONToSJSON: for any BSON document the writer takes, its row is JSON
// and the bulk reader turns it back into the same document.
//
//	go test ./portal/store -run '^$' -fuzz FuzzBSONToSJSON -fuzztime 60s
func FuzzBSONToSJSON(f *testing.F) {
	for _, d := range rawDocs(f, sampleDocs()) {
		f.Add([]byte(d))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		if bson.Raw(doc).Validate() != nil || len(doc) < 4 || int(uint32(doc[0])|uint32(doc[1])<<8|uint32(doc[2])<<16|uint32(doc[3])<<24) != len(doc) {
			return // not one whole BSON document
		}
		var d bson.D
		if bson.Unmarshal(doc, &d) != nil {
			return
		}
		if canon, err := bson.Marshal(d); err != nil || !bytes.Equal(canon, doc) {
			return // not as the driver writes documents (a string's end byte, say)
		}
		row, err := bsonToSJSON(doc)
		if err != nil {
			if !errors.Is(err, errNotDirect) {
				t.Fatalf("error %v is not errNotDirect", err)
			}
			return
		}
		if !json.Valid(row) {
			t.Fatalf("row is not JSON: %s", row)
		}
		back, err := sjsonToBSON(row, map[string]*sjSchema{})
		if err != nil {
			t.Fatalf("reading back %s: %v", row, err)
		}
		if !bytes.Equal(back, doc) {
			t.Fatalf("round trip:\nin   %v\nback %v\nrow  %s", bson.Raw(doc), back, row)
		}
	})
}

// BenchmarkBSONToSJSON encodes the sample invoice document.
func BenchmarkBSONToSJSON(b *testing.B) {
	doc := rawDocs(b, sampleDocs()[:1])[0]
	b.ReportAllocs()
	for range b.N {
		if _, err := bsonToSJSON(doc); err != nil {
			b.Fatal(err)
		}
	}
}
