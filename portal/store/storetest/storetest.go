// Package storetest gives tests a real store: one embedded FerretDB per test
// package (in a temporary directory), or an external MongoDB when
// PORTAL_TEST_MONGODB_URI is set, and a fresh database for every test.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }
//
// then call storetest.New(t) in each test.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"careportal/portal/store"
)

// EnvMongoURI names the variable that points the tests at an external MongoDB.
const EnvMongoURI = "PORTAL_TEST_MONGODB_URI"

var (
	shared  *store.Store
	runID   string
	counter atomic.Int64
	mu      sync.Mutex
	tempDir string
)

// Run starts the package's store, runs the tests and closes it again.
func Run(m *testing.M) int {
	code := m.Run()
	mu.Lock()
	defer mu.Unlock()
	if shared != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := shared.Close(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "storetest: closing store:", err)
		}
		cancel()
	}
	if tempDir != "" {
		_ = os.RemoveAll(tempDir)
	}
	return code
}

func open(tb testing.TB) *store.Store {
	mu.Lock()
	defer mu.Unlock()
	if shared != nil {
		return shared
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	runID = hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	opts := store.Options{Database: "portaltest_" + runID, Logger: logger}
	if uri := os.Getenv(EnvMongoURI); uri != "" {
		opts.MongoURI = uri
	} else {
		dir, err := os.MkdirTemp("", "portal-storetest-")
		if err != nil {
			tb.Fatalf("storetest: %v", err)
		}
		tempDir = dir
		opts.DataDir = dir
	}
	s, err := store.Open(ctx, opts)
	if err != nil {
		tb.Fatalf("storetest: opening store (did TestMain call storetest.Run?): %v", err)
	}
	shared = s
	return s
}

// New returns a store with a fresh, empty database of its own, dropped when
// the test ends. Call Prepare on it after creating collections and indexes,
// as the portal does at start-up.
func New(tb testing.TB) *store.Store {
	tb.Helper()
	base := open(tb)
	name := fmt.Sprintf("t%s_%d", runID, counter.Add(1))
	s := base.WithDatabase(name)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = s.DB.Drop(ctx)
	})
	return s
}

// Context returns a context that ends with the test, with a generous deadline.
func Context(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	tb.Cleanup(cancel)
	return ctx
}
