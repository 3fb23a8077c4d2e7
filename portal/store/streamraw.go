package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// StreamRaw is ReadAllRaw one document at a time: it reads every document
// of a collection straight from FerretDB's SQLite table and calls fn with
// each, keeping none, so a walk over a million documents needs the memory
// of one (the command line's report). fn may keep the document. An error
// from fn stops the read and is returned. In MongoDB mode, or if the
// SQLite file is not in WAL mode, it returns ErrNoBulkRead before calling
// fn: use the driver.
//
// It reads as ReadAllRaw does (bulkread.go: the same sjson decoding, the
// same read-only WAL connection); once the streaming EachRaw is in, this
// is that with a callback per document.
func (s *Store) StreamRaw(ctx context.Context, collection string, fn func(doc bson.Raw) error) error {
	if !s.Embedded || s.sqliteDir == "" {
		return ErrNoBulkRead
	}
	path := filepath.Join(s.sqliteDir, s.DB.Name()+sqliteFileExt)
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&"+sqliteBusyWait)
	if err != nil {
		return fmt.Errorf("store: opening %s to read %s: %w", path, collection, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var journal string
	if err := db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&journal); err != nil {
		return fmt.Errorf("store: reading the journal mode of %s: %w", path, err)
	}
	if !strings.EqualFold(journal, "wal") {
		return fmt.Errorf("%w (journal mode %q, not WAL)", ErrNoBulkRead, journal)
	}
	var table string
	err = db.QueryRowContext(ctx, fmt.Sprintf(`SELECT table_name FROM %q WHERE name = ?`, metadataTable), collection).Scan(&table)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // no table yet: no documents
	}
	if err != nil {
		return fmt.Errorf("store: finding the table of %s: %w", collection, err)
	}
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT _ferretdb_sjson FROM %q`, table))
	if err != nil {
		return fmt.Errorf("store: reading %s: %w", collection, err)
	}
	defer rows.Close()
	schemas := map[string]*sjSchema{}
	for rows.Next() {
		var row []byte
		if err := rows.Scan(&row); err != nil {
			return err
		}
		doc, err := sjsonToBSON(row, schemas)
		if err != nil {
			return fmt.Errorf("store: decoding a document of %s: %w", collection, err)
		}
		if err := fn(doc); err != nil {
			return err
		}
	}
	return rows.Err()
}
