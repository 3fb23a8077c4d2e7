package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"
)

// ErrNoBulkRead is returned by ReadAllRaw when the store cannot read a
// collection straight from SQLite (MongoDB mode): use the driver.
var ErrNoBulkRead = errors.New("store: bulk read is embedded-only")

// RawBatch is how many documents EachRaw hands over at a time.
const RawBatch = 5000

// ReadAllRaw reads every document of a collection straight from FerretDB's
// SQLite table (EachRaw), into one slice. For small collections (the
// auth lists); a read model of every invoice uses EachRaw, batch by batch.
func (s *Store) ReadAllRaw(ctx context.Context, collection string) ([]bson.Raw, error) {
	var out []bson.Raw
	err := s.EachRaw(ctx, collection, func(docs []bson.Raw) error {
		out = append(out, docs...)
		return nil
	})
	return out, err
}

// EachRaw reads every document of a collection straight from FerretDB's
// SQLite table, decoding FerretDB 1.24's "sjson" (a JSON document with a
// `$s` schema naming each field's BSON type) into BSON, and hands them to
// batch RawBatch at a time (the slice and its documents are the callee's
// to keep; the next batch is a new slice). It gives the same documents,
// field for field and in the same order, as a driver Find with an empty
// filter, at about half the CPU: FerretDB decodes sjson into its own
// document type, encodes it as BSON for the wire and the driver decodes it
// again. Like the `_id` index shim (idshim.go), this is the one place that
// knows FerretDB's storage. An error from batch stops the read and is
// returned.
//
// It opens its own read-only connection with a busy timeout (as the shim
// does); SQLite in WAL mode gives it a consistent snapshot without blocking
// FerretDB's writer. Callers use it for a read model's first load, before
// serving. In MongoDB mode, or if the SQLite file is not in WAL mode, it
// returns ErrNoBulkRead.
func (s *Store) EachRaw(ctx context.Context, collection string, batch func([]bson.Raw) error) error {
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
	// Only beside a WAL-mode writer does a reader neither block it nor see
	// half a write; FerretDB sets WAL unless told otherwise. If not, the
	// caller reads through the driver (FerretDB's own connection).
	var journal string
	if err := db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&journal); err != nil {
		return fmt.Errorf("store: reading the journal mode of %s: %w", path, err)
	}
	if !strings.EqualFold(journal, "wal") {
		return fmt.Errorf("%w (journal mode %q, not WAL)", ErrNoBulkRead, journal)
	}
	table, _, err := tableOf(ctx, db, collection)
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
	out := make([]bson.Raw, 0, RawBatch)
	schemas := map[string]*sjSchema{} // documents of a collection share a few schemas
	for rows.Next() {
		var row []byte
		if err := rows.Scan(&row); err != nil {
			return err
		}
		doc, err := sjsonToBSON(row, schemas)
		if err != nil {
			return fmt.Errorf("store: decoding a document of %s: %w", collection, err)
		}
		out = append(out, doc)
		if len(out) == RawBatch {
			if err := batch(out); err != nil {
				return err
			}
			out = make([]bson.Raw, 0, RawBatch)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(out) > 0 {
		return batch(out)
	}
	return nil
}

// The sjson schema (FerretDB internal/handler/sjson/schema.go).
type sjSchema struct {
	Properties map[string]*sjElem `json:"p"`
	Keys       []string           `json:"$k"`
}

type sjElem struct {
	Type    string    `json:"t"`
	Schema  *sjSchema `json:"$s,omitempty"`
	Options *string   `json:"o,omitempty"`
	Items   []*sjElem `json:"i,omitempty"`
	Subtype *byte     `json:"s,omitempty"`
}

func sjsonToBSON(row []byte, schemas map[string]*sjSchema) (bson.Raw, error) {
	fields, err := sjObject(row, make([]sjMember, 0, 32))
	if err != nil {
		return nil, err
	}
	at := -1
	for i := range fields {
		if fields[i].key == "$s" {
			at = i
		}
	}
	if at < 0 {
		return nil, errors.New("sjson: no schema")
	}
	rawSch := fields[at].val
	sch := schemas[string(rawSch)]
	if sch == nil {
		sch = new(sjSchema)
		if err := json.Unmarshal(rawSch, sch); err != nil {
			return nil, fmt.Errorf("sjson schema: %w", err)
		}
		schemas[string(rawSch)] = sch
	}
	fields = append(fields[:at], fields[at+1:]...)
	return appendSJDoc(make([]byte, 0, len(row)), fields, sch)
}

func appendSJDoc(dst []byte, fields []sjMember, sch *sjSchema) ([]byte, error) {
	if len(fields) != len(sch.Keys) {
		return nil, fmt.Errorf("sjson: %d fields, %d schema keys", len(fields), len(sch.Keys))
	}
	idx, dst := bsoncore.AppendDocumentStart(dst)
	for place, k := range sch.Keys {
		v, ok := sjLookup(fields, place, k)
		if !ok {
			return nil, fmt.Errorf("sjson: missing field %q", k)
		}
		var err error
		if dst, err = appendSJValue(dst, k, v, sch.Properties[k]); err != nil {
			return nil, err
		}
	}
	return bsoncore.AppendDocumentEnd(dst, idx)
}

func appendSJValue(dst []byte, key string, v []byte, e *sjElem) ([]byte, error) {
	if bytes.Equal(v, []byte("null")) {
		return bsoncore.AppendNullElement(dst, key), nil
	}
	if e == nil {
		return nil, fmt.Errorf("sjson: no schema for %q", key)
	}
	switch e.Type {
	case "string":
		s, err := sjString(v)
		if err != nil {
			return nil, err
		}
		return bsoncore.AppendStringElement(dst, key, s), nil
	case "long", "date", "int":
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("sjson %s %q: %w", e.Type, key, err)
		}
		switch e.Type {
		case "long":
			return bsoncore.AppendInt64Element(dst, key, n), nil
		case "date":
			return bsoncore.AppendDateTimeElement(dst, key, n), nil
		}
		if n < math.MinInt32 || n > math.MaxInt32 {
			return nil, fmt.Errorf("sjson int %q out of range", key)
		}
		return bsoncore.AppendInt32Element(dst, key, int32(n)), nil
	case "double":
		// v is a checked JSON value: a number parses as encoding/json
		// would parse it (strconv, refusing out of range).
		if c := v[0]; c != '-' && (c < '0' || c > '9') {
			return nil, fmt.Errorf("sjson double %q is not a number", key)
		}
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			return nil, fmt.Errorf("sjson double %q: %w", key, err)
		}
		return bsoncore.AppendDoubleElement(dst, key, f), nil
	case "bool":
		switch string(v) {
		case "true":
			return bsoncore.AppendBooleanElement(dst, key, true), nil
		case "false":
			return bsoncore.AppendBooleanElement(dst, key, false), nil
		}
		return nil, fmt.Errorf("sjson bool %q is not true or false", key)
	case "objectId":
		s, err := sjString(v)
		if err != nil {
			return nil, err
		}
		b, err := hex.DecodeString(s)
		if err != nil || len(b) != 12 {
			return nil, fmt.Errorf("sjson objectId %q: %q", key, s)
		}
		var oid bson.ObjectID
		copy(oid[:], b)
		return bsoncore.AppendObjectIDElement(dst, key, oid), nil
	case "binData":
		s, err := sjString(v)
		if err != nil {
			return nil, err
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || e.Subtype == nil {
			return nil, fmt.Errorf("sjson binData %q", key)
		}
		return bsoncore.AppendBinaryElement(dst, key, *e.Subtype, b), nil
	case "object":
		fields, err := sjObject(v, nil)
		if err != nil {
			return nil, err
		}
		sch := e.Schema
		if sch == nil {
			if len(fields) != 0 {
				return nil, fmt.Errorf("sjson object %q has no schema", key)
			}
			sch = &sjSchema{}
		}
		dst = bsoncore.AppendHeader(dst, bsoncore.TypeEmbeddedDocument, key)
		return appendSJDoc(dst, fields, sch)
	case "array":
		items, err := sjArray(v, nil)
		if err != nil {
			return nil, err
		}
		if len(items) != len(e.Items) {
			return nil, fmt.Errorf("sjson array %q: %d items, %d in the schema", key, len(items), len(e.Items))
		}
		dst = bsoncore.AppendHeader(dst, bsoncore.TypeArray, key)
		idx, dst := bsoncore.AppendArrayStart(dst)
		for i, it := range items {
			var err error
			if dst, err = appendSJValue(dst, strconv.Itoa(i), it, e.Items[i]); err != nil {
				return nil, err
			}
		}
		return bsoncore.AppendArrayEnd(dst, idx)
	}
	// regex and timestamp are not used by the portal's documents.
	return nil, fmt.Errorf("sjson: type %q of %q is not supported by the bulk reader", e.Type, key)
}

// sjString decodes a JSON string, without a copy through encoding/json when
// it has no escapes.
func sjString(v []byte) (string, error) {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' && bytes.IndexByte(v, '\\') < 0 {
		return string(v[1 : len(v)-1]), nil
	}
	var s string
	err := json.Unmarshal(v, &s)
	return s, err
}
