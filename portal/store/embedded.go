package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// ErrDataDirLocked is returned when another process holds the data directory.
var ErrDataDirLocked = errors.New("another portal process is already using this data directory")

// openEmbedded starts FerretDB in this process on SQLite files under
// DataDir/db, listening on a Unix socket only this process knows, and
// connects with exactly one connection. FerretDB 1.x implements updates as
// read-modify-write; one connection serialises them, which is what keeps
// them atomic (see the package documentation).
func openEmbedded(ctx context.Context, o Options) (*Store, error) {
	if err := os.MkdirAll(o.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("PORTAL_DATA_DIR %q cannot be created: %w", o.DataDir, err)
	}
	unlock, err := lockDir(o.DataDir)
	if err != nil {
		return nil, err
	}
	s := &Store{Embedded: true, logger: o.Logger}
	s.closers = append(s.closers, func(context.Context) error { return unlock() })

	s.sqliteDir = filepath.Join(o.DataDir, "db")
	if err := os.MkdirAll(s.sqliteDir, 0o750); err != nil {
		_ = s.Close(ctx)
		return nil, fmt.Errorf("creating %s: %w", s.sqliteDir, err)
	}
	// The socket lives in a private temporary directory: Unix socket paths
	// are limited to about 100 bytes, and data directories can be deeper.
	sockDir, err := os.MkdirTemp("", "portal-ferretdb-")
	if err != nil {
		_ = s.Close(ctx)
		return nil, fmt.Errorf("creating socket directory: %w", err)
	}
	s.closers = append(s.closers, func(context.Context) error { return os.RemoveAll(sockDir) })
	sock := filepath.Join(sockDir, "ferretdb.sock")

	absDir, err := filepath.Abs(s.sqliteDir)
	if err != nil {
		_ = s.Close(ctx)
		return nil, err
	}
	fdb, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{Unix: sock},
		Handler:   "sqlite",
		SQLiteURL: "file:" + absDir + "/" + sqlitePragmas(o),
		Logger:    quietLogger(o.Logger),
	})
	if err != nil {
		_ = s.Close(ctx)
		return nil, fmt.Errorf("starting embedded store: %w", err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = fdb.Run(runCtx)
	}()
	s.closers = append(s.closers, func(ctx context.Context) error {
		stop()
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			return fmt.Errorf("embedded store did not stop: %w", ctx.Err())
		}
	})
	if o.BulkWrites {
		// InsertRaw's connection, closed before FerretDB stops.
		s.writers = &rawWriters{pragmas: "&" + bulkPragmas()}
		s.closers = append(s.closers, s.writers.close)
	}
	if err := waitForSocket(ctx, sock, done); err != nil {
		_ = s.Close(context.Background())
		return nil, err
	}

	client, err := mongo.Connect(options.Client().
		ApplyURI("mongodb://" + url.PathEscape(sock) + "/").
		SetMaxPoolSize(1).
		SetMinPoolSize(1).
		SetServerSelectionTimeout(10 * time.Second))
	if err != nil {
		_ = s.Close(context.Background())
		return nil, fmt.Errorf("connecting to embedded store: %w", err)
	}
	s.Client = client
	s.DB = client.Database(o.Database)
	s.closers = append(s.closers, client.Disconnect)
	if err := s.Ping(ctx); err != nil {
		_ = s.Close(context.Background())
		return nil, fmt.Errorf("embedded store did not answer: %w", err)
	}
	return s, nil
}

// sqlitePragmas is the SQLite URI's query: none by default (FerretDB's
// own: WAL, a busy timeout), and for Options.BulkWrites a commit that does
// not wait for the disk, a bigger page cache and a WAL checkpointed every
// 20,000 pages (about 80 MB) instead of 1,000.
func sqlitePragmas(o Options) string {
	if !o.BulkWrites {
		return ""
	}
	return "?" + bulkPragmas()
}

func bulkPragmas() string {
	return url.Values{"_pragma": {"synchronous(normal)", "cache_size(-131072)", "wal_autocheckpoint(20000)"}}.Encode()
}

// WithDatabase returns a Store that shares this one's connection but uses
// another database. Closing it closes nothing: tests use it to give each
// test a fresh database on one embedded server.
func (s *Store) WithDatabase(name string) *Store {
	return &Store{
		Client:    s.Client,
		DB:        s.Client.Database(name),
		Embedded:  s.Embedded,
		sqliteDir: s.sqliteDir,
		writers:   s.writers,
		logger:    s.logger,
	}
}

func waitForSocket(ctx context.Context, sock string, died <-chan struct{}) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.Dial("unix", sock)
		if err == nil {
			_ = c.Close()
			return nil
		}
		select {
		case <-died:
			return errors.New("embedded store stopped while starting")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("embedded store did not start listening: %w", err)
		}
	}
}

// lockDir takes an exclusive, non-blocking flock on DataDir/portal.lock.
// The kernel releases it when the process dies, so a killed portal never
// leaves a stale lock behind.
func lockDir(dir string) (func() error, error) {
	path := filepath.Join(dir, "portal.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("PORTAL_DATA_DIR %q: cannot open lock file: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (%s); stop it first, or use another PORTAL_DATA_DIR", ErrDataDirLocked, dir)
		}
		return nil, fmt.Errorf("PORTAL_DATA_DIR %q: cannot lock: %w", dir, err)
	}
	_ = f.Truncate(0)
	_, _ = fmt.Fprintf(f, "%d\n", os.Getpid())
	return func() error {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		return f.Close()
	}, nil
}

// quietLogger keeps FerretDB's own chatter (it logs unsupported driver commands such as endSessions as warnings) to errors only.
func quietLogger(l *slog.Logger) *slog.Logger {
	return slog.New(&levelFilter{h: l.Handler(), min: slog.LevelError}).With("component", "ferretdb")
}

// levelFilter passes on records at min or above. FerretDB derives a
// logger (slog.With) for every operation, and most handlers format the
// attributes when they are added; since nearly every record is dropped,
// levelFilter only remembers each WithAttrs and WithGroup (one small node
// pointing at its parent) and applies them, oldest first, to the handler
// below when a record is actually handled.
type levelFilter struct {
	h      slog.Handler
	min    slog.Level
	parent *levelFilter // the filter this one was derived from; nil at the root
	group  string       // this derivation's WithGroup name, or
	attrs  []slog.Attr  // its WithAttrs attributes
}

func (f *levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= f.min && f.h.Enabled(ctx, l)
}

func (f *levelFilter) Handle(ctx context.Context, r slog.Record) error {
	var chain []*levelFilter
	for n := f; n.parent != nil; n = n.parent {
		chain = append(chain, n)
	}
	h := f.h
	for i := len(chain) - 1; i >= 0; i-- {
		if n := chain[i]; n.attrs != nil {
			h = h.WithAttrs(n.attrs)
		} else {
			h = h.WithGroup(n.group)
		}
	}
	return h.Handle(ctx, r)
}

func (f *levelFilter) WithAttrs(a []slog.Attr) slog.Handler {
	if len(a) == 0 {
		return f
	}
	// The handler owns a (slog.Handler's contract), so it is kept as is.
	return &levelFilter{h: f.h, min: f.min, parent: f, attrs: a}
}

func (f *levelFilter) WithGroup(n string) slog.Handler {
	if n == "" {
		return f
	}
	return &levelFilter{h: f.h, min: f.min, parent: f, group: n}
}
