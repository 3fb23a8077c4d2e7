package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func openTemp(t *testing.T, dir string) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Open(ctx, Options{Database: "portal", DataDir: dir, Logger: quiet()})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func closeStore(t *testing.T, s *Store) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestEmbeddedDataDirIsExclusive(t *testing.T) {
	dir := t.TempDir()
	s := openTemp(t, dir)
	defer closeStore(t, s)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := Open(ctx, Options{Database: "portal", DataDir: dir, Logger: quiet()})
	if !errors.Is(err, ErrDataDirLocked) {
		t.Fatalf("second Open on the same directory: got %v, want ErrDataDirLocked", err)
	}
	if !strings.Contains(err.Error(), dir) {
		t.Errorf("message %q should name the directory", err)
	}
}

func TestEmbeddedKeepsDataAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	s := openTemp(t, dir)
	ctx := context.Background()
	if _, err := s.DB.Collection("things").InsertOne(ctx, bson.M{"_id": "a", "n": 1}); err != nil {
		t.Fatal(err)
	}
	closeStore(t, s)

	s = openTemp(t, dir)
	defer closeStore(t, s)
	var got struct{ N int }
	if err := s.DB.Collection("things").FindOne(ctx, bson.M{"_id": "a"}).Decode(&got); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if got.N != 1 {
		t.Fatalf("after restart n = %d, want 1", got.N)
	}
}

func TestIDIndexShimIsUsedByTheQueryPlan(t *testing.T) {
	dir := t.TempDir()
	s := openTemp(t, dir)
	defer closeStore(t, s)
	ctx := context.Background()
	if err := EnsureCollections(ctx, s.DB, "invoices", "users"); err != nil {
		t.Fatal(err)
	}
	// Before the shim, SQLite scans.
	plan, err := explainIDLookup(ctx, s.sqliteDir, "portal", "invoices")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, "SCAN") {
		t.Fatalf("expected a scan before the shim, plan:\n%s", plan)
	}
	for range 2 { // idempotent
		if err := s.Prepare(ctx); err != nil {
			t.Fatalf("Prepare: %v", err)
		}
	}
	for _, coll := range []string{"invoices", "users"} {
		plan, err := explainIDLookup(ctx, s.sqliteDir, "portal", coll)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, "USING INDEX") || !strings.Contains(plan, idIndexSuffix) {
			t.Errorf("%s: _id lookup does not use the shim index, plan:\n%s", coll, plan)
		}
	}
	// FerretDB keeps working on the table after our DDL.
	if _, err := s.DB.Collection("invoices").InsertOne(ctx, bson.M{"_id": "i1"}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.DB.Collection("invoices").CountDocuments(ctx, bson.M{"_id": "i1"}); err != nil || n != 1 {
		t.Fatalf("count after shim = %d, %v", n, err)
	}
}

func TestMongoModeFailsFastWhenUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	_, err := Open(ctx, Options{MongoURI: "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=500", Database: "portal", Logger: quiet()})
	if err == nil {
		t.Fatal("expected an error for an unreachable MongoDB")
	}
	if !strings.Contains(err.Error(), "MongoDB") {
		t.Errorf("message %q should say MongoDB did not answer", err)
	}
	if time.Since(start) > 15*time.Second {
		t.Errorf("took %s to fail", time.Since(start))
	}
}

// TestEmbeddedBulkWrites opens a store with BulkWrites, writes about
// 12 MB, and checks that SQLite took the pragmas (the WAL grows past the
// default checkpoint of 1,000 pages, about 4 MB, because it is now
// checkpointed every 20,000) and that what was written is there after a
// restart without BulkWrites.
func TestEmbeddedBulkWrites(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Open(ctx, Options{Database: "portal", DataDir: dir, Logger: quiet(), BulkWrites: true})
	if err != nil {
		t.Fatal(err)
	}
	pad := strings.Repeat("x", 10_000)
	for b := 0; b < 12; b++ {
		var docs []any
		for i := 0; i < 100; i++ {
			docs = append(docs, bson.M{"_id": fmt.Sprintf("%02d-%03d", b, i), "pad": pad})
		}
		if _, err := s.DB.Collection("things").InsertMany(ctx, docs); err != nil {
			t.Fatal(err)
		}
	}
	wal, err := os.Stat(filepath.Join(dir, "db", "portal.sqlite-wal"))
	if err != nil {
		t.Fatal(err)
	}
	if wal.Size() < 7<<20 {
		t.Errorf("WAL is %d bytes after writing 12 MB: the checkpoint pragma was not applied", wal.Size())
	}
	closeStore(t, s)

	s = openTemp(t, dir)
	defer closeStore(t, s)
	n, err := s.DB.Collection("things").CountDocuments(ctx, bson.M{})
	if err != nil || n != 1200 {
		t.Fatalf("after restart: %d documents (%v), want 1200", n, err)
	}
}
