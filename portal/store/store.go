package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
)

// CallTimeout is the deadline domain services put on a single store call
// when the caller's context has none shorter.
const CallTimeout = 10 * time.Second

// Store is an open connection to the portal's database.
type Store struct {
	Client *mongo.Client
	DB     *mongo.Database
	// Embedded is true when FerretDB runs inside this process. Embedded mode
	// is single-instance: in-memory read models need not poll for other
	// writers.
	Embedded bool

	sqliteDir string      // embedded only: where FerretDB keeps <db>.sqlite
	writers   *rawWriters // InsertRaw's connections: embedded with Options.BulkWrites only
	logger    *slog.Logger
	closers   []func(context.Context) error
}

// Options configure Open.
type Options struct {
	// MongoURI selects MongoDB mode when set; empty means embedded FerretDB.
	MongoURI string
	// Database is the database name.
	Database string
	// DataDir holds the embedded store's files and its lock (embedded only).
	DataDir string
	Logger  *slog.Logger
	// BulkWrites makes the embedded store faster at writing many documents
	// (the demo): SQLite commits without waiting for the disk
	// (synchronous=NORMAL in WAL mode: a killed process loses nothing, an
	// operating-system crash or power cut may lose the last moments'
	// commits, never the file), with a 128 MB page cache and fewer WAL
	// checkpoints, and InsertRaw writes new documents straight into
	// SQLite. Only for data a rerun completes. Ignored for MongoDB.
	BulkWrites bool
}

// Open connects to MongoDB or starts the embedded store, and checks that it
// answers before returning.
func Open(ctx context.Context, o Options) (*Store, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Database == "" {
		return nil, errors.New("store: database name is empty")
	}
	if o.MongoURI != "" {
		return openMongo(ctx, o)
	}
	return openEmbedded(ctx, o)
}

func openMongo(ctx context.Context, o Options) (*Store, error) {
	opts := options.Client().ApplyURI(o.MongoURI).
		SetServerSelectionTimeout(5 * time.Second).
		SetConnectTimeout(5 * time.Second)
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("MONGODB_URI is not a usable MongoDB address: %w", err)
	}
	s := &Store{Client: client, DB: client.Database(o.Database), logger: o.Logger}
	s.closers = append(s.closers, client.Disconnect)
	if err := s.Ping(ctx); err != nil {
		_ = s.Close(context.Background())
		return nil, fmt.Errorf("MongoDB at MONGODB_URI did not answer within 5 seconds: %w", err)
	}
	return s, nil
}

// Ping checks that the store answers, with a short deadline.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return s.Client.Ping(ctx, readpref.Primary())
}

// Close disconnects and, in embedded mode, stops FerretDB (which closes its
// SQLite files cleanly) and releases the data directory lock. Closers run in
// reverse order of opening.
func (s *Store) Close(ctx context.Context) error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		if err := s.closers[i](ctx); err != nil {
			errs = append(errs, err)
		}
	}
	s.closers = nil
	return errors.Join(errs...)
}

// EnsureCollections creates the named collections if they do not exist yet.
// Collections must exist before Prepare so that the `_id` index shim covers
// them; FerretDB otherwise creates them lazily on first insert.
func EnsureCollections(ctx context.Context, db *mongo.Database, names ...string) error {
	existing, err := db.ListCollectionNames(ctx, map[string]any{})
	if err != nil {
		return fmt.Errorf("listing collections: %w", err)
	}
	have := make(map[string]bool, len(existing))
	for _, n := range existing {
		have[n] = true
	}
	for _, n := range names {
		if have[n] {
			continue
		}
		if err := db.CreateCollection(ctx, n); err != nil && !IsNamespaceExists(err) {
			return fmt.Errorf("creating collection %s: %w", n, err)
		}
	}
	return nil
}

// IsNamespaceExists reports the error a create gets when another caller
// created the collection first.
func IsNamespaceExists(err error) bool {
	var ce mongo.CommandError
	return errors.As(err, &ce) && ce.Code == 48
}

// IsDuplicateKey reports whether err is a unique-index violation. Both stores
// report it with code 11000; it is how single-insert state changes detect a
// concurrent writer.
func IsDuplicateKey(err error) bool {
	return mongo.IsDuplicateKeyError(err)
}

// Prepare runs after every domain has created its collections and indexes.
// In embedded mode it adds the `_id` expression indexes (idshim.go); in
// MongoDB mode there is nothing to do.
func (s *Store) Prepare(ctx context.Context) error {
	if !s.Embedded {
		return nil
	}
	return addIDIndexes(ctx, s.sqliteDir, s.DB.Name())
}
