package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// ErrNoBulkWrite is returned by InsertRaw when it did not write: the store
// is not the embedded one opened with Options.BulkWrites, the collection
// has no table yet, or a document must go through FerretDB (sjwrite.go).
// The caller inserts through the driver instead; nothing was written.
var ErrNoBulkWrite = errors.New("store: not written directly")

// rawInsertRows is how many rows one INSERT statement carries (FerretDB's
// own batch size).
const rawInsertRows = 100

// RawDocs are documents for one collection, for InsertRaw.
type RawDocs struct {
	Collection string
	Docs       []bson.Raw
}

// InsertRaw inserts documents straight into FerretDB's SQLite tables of
// their collections, in one SQLite transaction: all of them, in every
// collection, or on any error none. Each row is the one FerretDB would
// store (sjwrite.go), so FerretDB reads them as its own; SQLite checks the
// collections' unique indexes (FerretDB's indexes are SQLite indexes), so
// a document whose _id or other unique key is taken fails the whole call,
// and the caller inserts through the driver, which reports each duplicate.
//
// Why: FerretDB decodes each document from the wire, validates it and
// encodes it as sjson again, one collection at a time; for the demo's
// million invoices (about six million documents with their events and
// number claims) that was most of the run. Only with Options.BulkWrites
// (generated data that a rerun completes), and only inserts: FerretDB's
// updates are read-modify-write and stay on its one connection (package
// documentation). An insert on this second connection is one SQLite
// transaction that takes the write lock at its start (BEGIN IMMEDIATE), so
// it and FerretDB's writes follow one another, each waiting up to the busy
// timeout for the other.
func (s *Store) InsertRaw(ctx context.Context, sets ...RawDocs) error {
	if s.writers == nil || s.sqliteDir == "" {
		return ErrNoBulkWrite
	}
	rows, err := EncodeRaw(sets...)
	if err != nil {
		return err
	}
	return s.InsertRows(ctx, rows)
}

// RawRows are documents encoded as FerretDB's rows by EncodeRaw, for
// InsertRows.
type RawRows struct {
	collections []string
	rows        [][]any // a string per row, as the SQLite driver binds TEXT
}

// EncodeRaw encodes documents as the rows InsertRows writes. It touches no
// store, so a caller can encode one batch while the last is written. A
// document that must go through FerretDB gives ErrNoBulkWrite.
func EncodeRaw(sets ...RawDocs) (*RawRows, error) {
	out := &RawRows{collections: make([]string, len(sets)), rows: make([][]any, len(sets))}
	for k, set := range sets {
		out.collections[k] = set.Collection
		out.rows[k] = make([]any, len(set.Docs))
		for i, d := range set.Docs {
			b, err := bsonToSJSON(d)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: %v", ErrNoBulkWrite, set.Collection, err)
			}
			out.rows[k][i] = string(b)
		}
	}
	return out, nil
}

// InsertRows writes rows encoded by EncodeRaw, as InsertRaw does.
func (s *Store) InsertRows(ctx context.Context, raw *RawRows) error {
	if s.writers == nil || s.sqliteDir == "" {
		return ErrNoBulkWrite
	}
	db, err := s.writers.open(filepath.Join(s.sqliteDir, s.DB.Name()+sqliteFileExt))
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: starting a direct insert: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // after Commit, a no-op
	var meta int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, metadataTable).Scan(&meta); err != nil {
		return fmt.Errorf("store: looking for FerretDB's collections: %w", err)
	}
	if meta == 0 {
		return fmt.Errorf("%w: no collection has a table yet", ErrNoBulkWrite)
	}
	for k, collection := range raw.collections {
		rows := raw.rows[k]
		if len(rows) == 0 {
			continue
		}
		table, capped, err := tableOf(ctx, tx, collection)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: collection %s has no table yet", ErrNoBulkWrite, collection)
		}
		if err != nil {
			return fmt.Errorf("store: finding the table of %s: %w", collection, err)
		}
		if capped {
			return fmt.Errorf("%w: collection %s is capped", ErrNoBulkWrite, collection)
		}
		for i := 0; i < len(rows); i += rawInsertRows {
			part := rows[i:min(i+rawInsertRows, len(rows))]
			q := fmt.Sprintf(`INSERT INTO %q (_ferretdb_sjson) VALUES `, table) + strings.Repeat("(?),", len(part)-1) + "(?)"
			if _, err := tx.ExecContext(ctx, q, part...); err != nil {
				return fmt.Errorf("store: inserting into %s directly: %w", collection, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: committing a direct insert: %w", err)
	}
	return nil
}

// rawWriters holds the direct writer's SQLite connection per database file,
// opened on first use and closed with the store.
type rawWriters struct {
	pragmas string // the store's BulkWrites pragmas, so both connections commit and checkpoint alike
	mu      sync.Mutex
	dbs     map[string]*sql.DB
}

func (w *rawWriters) open(path string) (*sql.DB, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if db, ok := w.dbs[path]; ok {
		return db, nil
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+sqliteBusyWait+"&_txlock=immediate"+w.pragmas)
	if err != nil {
		return nil, fmt.Errorf("store: opening %s to write: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if w.dbs == nil {
		w.dbs = map[string]*sql.DB{}
	}
	w.dbs[path] = db
	return db, nil
}

func (w *rawWriters) close(context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	var errs []error
	for _, db := range w.dbs {
		errs = append(errs, db.Close())
	}
	w.dbs = nil
	return errors.Join(errs...)
}
