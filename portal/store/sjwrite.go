package store

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"
)

// BSON to FerretDB 1.24's sjson, for the direct bulk writer (bulkwrite.go):
// the inverse of the bulk reader's decoding (bulkread.go). It writes what
// FerretDB's own sjson.Marshal writes for the document after its insert
// checks, byte for byte (sjwrite_test.go compares the rows), so a row
// written here is one FerretDB wrote. Not written here (errNotDirect: the
// caller inserts through FerretDB, which applies its own rules):
//   - what FerretDB would change or refuse on insert: no `_id` first, a key
//     starting with `$` or holding a `.`, a key twice, an array in an
//     array, an infinite, NaN or negative-zero double, a string that is not
//     UTF-8;
//   - a type the portal does not store: regex, timestamp, decimal and the
//     rest.

var errNotDirect = errors.New("sjson: the document must go through FerretDB")

func notDirect(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errNotDirect, fmt.Sprintf(format, a...))
}

// bsonToSJSON encodes one document as the row FerretDB stores for it.
func bsonToSJSON(doc bson.Raw) ([]byte, error) {
	d := bsoncore.Document(doc)
	elems, err := d.Elements()
	if err != nil {
		return nil, notDirect("not a BSON document: %v", err)
	}
	if len(elems) == 0 || elems[0].Key() != "_id" {
		return nil, notDirect("_id is not the first field")
	}
	switch elems[0].Value().Type {
	case bsoncore.TypeArray, bsoncore.TypeRegex:
		return nil, notDirect("_id is an array or a regex")
	}
	out := make([]byte, 0, 2*len(doc)+64)
	out = append(out, `{"$s":`...)
	if out, err = appendSJSchema(out, elems, true); err != nil {
		return nil, err
	}
	for _, e := range elems {
		// FerretDB writes top-level keys as they are; the checks in
		// appendSJSchema have made sure they need no escaping.
		out = append(out, ',', '"')
		out = append(out, e.Key()...)
		out = append(out, '"', ':')
		if out, err = appendSJSONValue(out, e.Value()); err != nil {
			return nil, err
		}
	}
	return append(out, '}'), nil
}

// checkKeys applies FerretDB's insert rules to one document's keys.
func checkKeys(elems []bsoncore.Element, top bool) error {
	seen := make(map[string]struct{}, len(elems))
	for i, e := range elems {
		k := e.Key()
		if k == "_id" && i > 0 { // FerretDB moves an _id to the front, at every level
			return notDirect("_id is not the first field")
		}
		if !utf8.ValidString(k) || strings.HasPrefix(k, "$") || strings.Contains(k, ".") {
			return notDirect("key %q", k)
		}
		if top && !plainJSON(k) {
			return notDirect("top-level key %q needs escaping", k)
		}
		if _, dup := seen[k]; dup {
			return notDirect("key %q twice", k)
		}
		seen[k] = struct{}{}
	}
	return nil
}

// appendSJSchema appends the schema of a document ({"p":…,"$k":…}, or {}
// for an empty one), checking its keys on the way (top: the stored
// document's own, which FerretDB writes unescaped).
func appendSJSchema(dst []byte, elems []bsoncore.Element, top bool) ([]byte, error) {
	if len(elems) == 0 {
		return append(dst, "{}"...), nil
	}
	if err := checkKeys(elems, top); err != nil {
		return nil, err
	}
	dst = append(dst, `{"p":{`...)
	var err error
	for i, e := range elems {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, e.Key())
		dst = append(dst, ':')
		if dst, err = appendSJElem(dst, e.Value(), false); err != nil {
			return nil, err
		}
	}
	dst = append(dst, `},"$k":[`...)
	for i, e := range elems {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, e.Key())
	}
	return append(dst, "]}"...), nil
}

// appendSJElem appends the schema element of one value.
func appendSJElem(dst []byte, v bsoncore.Value, inArray bool) ([]byte, error) {
	switch v.Type {
	case bsoncore.TypeEmbeddedDocument:
		elems, err := v.Document().Elements()
		if err != nil {
			return nil, notDirect("document: %v", err)
		}
		dst = append(dst, `{"t":"object","$s":`...)
		if dst, err = appendSJSchema(dst, elems, false); err != nil {
			return nil, err
		}
		return append(dst, '}'), nil
	case bsoncore.TypeArray:
		if inArray {
			return nil, notDirect("an array in an array")
		}
		vals, err := v.Array().Values()
		if err != nil {
			return nil, notDirect("array: %v", err)
		}
		dst = append(dst, `{"t":"array","i":[`...)
		for i, it := range vals {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendSJElem(dst, it, true); err != nil {
				return nil, err
			}
		}
		return append(dst, "]}"...), nil
	case bsoncore.TypeDouble:
		return append(dst, `{"t":"double"}`...), nil
	case bsoncore.TypeString:
		return append(dst, `{"t":"string"}`...), nil
	case bsoncore.TypeBinary:
		sub, _ := v.Binary()
		dst = append(dst, `{"t":"binData","s":`...)
		dst = strconv.AppendUint(dst, uint64(sub), 10)
		return append(dst, '}'), nil
	case bsoncore.TypeObjectID:
		return append(dst, `{"t":"objectId"}`...), nil
	case bsoncore.TypeBoolean:
		return append(dst, `{"t":"bool"}`...), nil
	case bsoncore.TypeDateTime:
		return append(dst, `{"t":"date"}`...), nil
	case bsoncore.TypeNull:
		return append(dst, `{"t":"null"}`...), nil
	case bsoncore.TypeInt32:
		return append(dst, `{"t":"int"}`...), nil
	case bsoncore.TypeInt64:
		return append(dst, `{"t":"long"}`...), nil
	}
	return nil, notDirect("type %s", v.Type)
}

// appendSJSONValue appends one value as FerretDB writes it: a document's
// members with its keys escaped and no schema of its own (the schema is
// its parent's), an array's items, a scalar as encoding/json writes it.
func appendSJSONValue(dst []byte, v bsoncore.Value) ([]byte, error) {
	switch v.Type {
	case bsoncore.TypeEmbeddedDocument:
		elems, err := v.Document().Elements()
		if err != nil {
			return nil, notDirect("document: %v", err)
		}
		dst = append(dst, '{')
		for i, e := range elems {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, e.Key())
			dst = append(dst, ':')
			if dst, err = appendSJSONValue(dst, e.Value()); err != nil {
				return nil, err
			}
		}
		return append(dst, '}'), nil
	case bsoncore.TypeArray:
		vals, err := v.Array().Values()
		if err != nil {
			return nil, notDirect("array: %v", err)
		}
		dst = append(dst, '[')
		for i, it := range vals {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendSJSONValue(dst, it); err != nil {
				return nil, err
			}
		}
		return append(dst, ']'), nil
	case bsoncore.TypeDouble:
		f := v.Double()
		if math.IsInf(f, 0) || math.IsNaN(f) || (f == 0 && math.Signbit(f)) {
			return nil, notDirect("double %v", f)
		}
		b, err := json.Marshal(f)
		if err != nil {
			return nil, notDirect("double %v: %v", f, err)
		}
		return append(dst, b...), nil
	case bsoncore.TypeString:
		str := v.StringValue()
		if !utf8.ValidString(str) { // encoding/json would write U+FFFD for it
			return nil, notDirect("a string that is not UTF-8")
		}
		return appendJSONString(dst, str), nil
	case bsoncore.TypeBinary:
		_, b := v.Binary()
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, b)
		return append(dst, '"'), nil
	case bsoncore.TypeObjectID:
		oid := v.ObjectID()
		dst = append(dst, '"')
		dst = hex.AppendEncode(dst, oid[:])
		return append(dst, '"'), nil
	case bsoncore.TypeBoolean:
		return strconv.AppendBool(dst, v.Boolean()), nil
	case bsoncore.TypeDateTime:
		return strconv.AppendInt(dst, v.DateTime(), 10), nil
	case bsoncore.TypeNull:
		return append(dst, "null"...), nil
	case bsoncore.TypeInt32:
		return strconv.AppendInt(dst, int64(v.Int32()), 10), nil
	case bsoncore.TypeInt64:
		return strconv.AppendInt(dst, v.Int64(), 10), nil
	}
	return nil, notDirect("type %s", v.Type)
}

// plainJSON reports whether s is written by encoding/json as it is, between
// quotes: printable ASCII other than `"`, `\` and the HTML characters
// encoding/json escapes (<, >, &).
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// appendJSONString appends s as encoding/json's Marshal writes a string
// (FerretDB's choice): as it is when plainJSON, else through encoding/json
// itself, so escapes are never a second implementation's.
func appendJSONString(dst []byte, s string) []byte {
	if plainJSON(s) {
		dst = append(dst, '"')
		dst = append(dst, s...)
		return append(dst, '"')
	}
	b, _ := json.Marshal(s) // a string always marshals
	return append(dst, b...)
}
