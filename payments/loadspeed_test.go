package payments

import (
	"context"
	"io"
	"log/slog"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/portal/store"
)

// TestLoadSpeed measures how long the read model takes to load from a demo
// store, and the heap it holds afterwards. It runs only when
// PORTAL_SPEED_DATA_DIR names a data directory filled by
//
//	PORTAL_DATA_DIR=/tmp/speed go run ./cmd/portal demo --invoices 30000 --password demo-pass-123456
//	PORTAL_SPEED_DATA_DIR=/tmp/speed go test ./payments -run LoadSpeed -v
//
// The load goes through the embedded bulk reader (store.Store.ReadAllRaw),
// as the portal's does; PORTAL_SPEED_DRIVER=1 loads through the driver
// instead, for comparison. The first run on a store written by an older version runs its one-time
// migrations first (reported separately).
func TestLoadSpeed(t *testing.T) {
	dir := os.Getenv("PORTAL_SPEED_DATA_DIR")
	if dir == "" {
		t.Skip("PORTAL_SPEED_DATA_DIR is not set")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := store.Open(ctx, store.Options{Database: "portal", DataDir: dir, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.Close(context.Background()) }()
	o := Options{Logger: log}
	if os.Getenv("PORTAL_SPEED_DRIVER") == "" {
		o.BulkRead = st.EachRaw
	}
	s := NewService(st.DB, nil, o)
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("migrations: %v", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	cpu0 := cpuTime()
	if err := s.Load(ctx); err != nil {
		t.Fatal(err)
	}
	took, cpu := time.Since(start), cpuTime()-cpu0
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	n, _ := st.DB.Collection(colInvoiceEvents).EstimatedDocumentCount(ctx)
	snap, _ := s.Snapshot(ctx)
	t.Logf("load: %d invoices (%d events stored) in %v (CPU %v, FerretDB included); heap in use after GC %d MB", len(snap), n, took.Round(time.Millisecond), cpu.Round(time.Millisecond), ms.HeapInuse>>20)
	start = time.Now()
	var one bson.Raw
	if err := st.DB.Collection(colInvoices).FindOne(ctx, bson.D{{Key: "_id", Value: snap[len(snap)/2].ID}}).Decode(&one); err != nil {
		t.Fatal(err)
	}
	t.Logf("one snapshot by _id: %v, %d bytes", time.Since(start).Round(time.Microsecond), len(one))
}

// cpuTime is the CPU time this process has used (user and system): on a
// busy machine it varies far less than the wall-clock time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
