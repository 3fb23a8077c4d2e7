package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// RenameKeys is a migration step for field names that also appear inside
// nested documents and arrays of documents, where $rename cannot reach: it
// reads every document of coll that filter matches (nil: all), renames
// each key found in renames (old name -> new name) at any depth, and
// replaces the document by bare _id when anything changed. Idempotent:
// a document already renamed is left alone, so a run cut short is simply
// run again. Collections it is used on are small (tens to thousands of
// documents).
func RenameKeys(ctx context.Context, coll *mongo.Collection, filter bson.D, renames map[string]string) error {
	if filter == nil {
		filter = bson.D{}
	}
	docs, err := FindAll[bson.D](ctx, coll, filter)
	if err != nil {
		return fmt.Errorf("renaming fields of %s: %w", coll.Name(), err)
	}
	for _, d := range docs {
		nd, changed := renameDoc(d, renames)
		if !changed {
			continue
		}
		var id any
		for _, e := range nd {
			if e.Key == "_id" {
				id = e.Value
			}
		}
		cctx, cancel := CallContext(ctx)
		_, err := coll.ReplaceOne(cctx, bson.D{{Key: "_id", Value: id}}, nd)
		cancel()
		if err != nil {
			return fmt.Errorf("renaming fields of %s %v: %w", coll.Name(), id, err)
		}
	}
	return nil
}

func renameDoc(d bson.D, renames map[string]string) (bson.D, bool) {
	changed := false
	out := make(bson.D, len(d))
	for i, e := range d {
		if to, ok := renames[e.Key]; ok && e.Key != "_id" {
			e.Key, changed = to, true
		}
		v, c := renameValue(e.Value, renames)
		e.Value, changed = v, changed || c
		out[i] = e
	}
	return out, changed
}

func renameValue(v any, renames map[string]string) (any, bool) {
	switch x := v.(type) {
	case bson.D:
		return renameDoc(x, renames)
	case bson.A:
		changed := false
		out := make(bson.A, len(x))
		for i, el := range x {
			nv, c := renameValue(el, renames)
			out[i], changed = nv, changed || c
		}
		return out, changed
	}
	return v, false
}
