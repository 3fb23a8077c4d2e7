package storetest

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"careportal/portal/store"
)

// Age turns documents written by today's code back into the format of the
// version before a field-renaming migration: every field renamed by
// renames (old name -> new name) gets its old name again, at any depth, in
// each collection, and the migration's record is forgotten so that the
// next start-up runs it again. Tests of a migration write through the
// service, Age the store, start again and read through the service.
func Age(tb testing.TB, ctx context.Context, db *mongo.Database, migrationID string, renames map[string]string, collections ...string) {
	tb.Helper()
	back := make(map[string]string, len(renames))
	for from, to := range renames {
		back[to] = from
	}
	for _, c := range collections {
		if err := store.RenameKeys(ctx, db.Collection(c), nil, back); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := db.Collection(store.MigrationsCollection).DeleteOne(ctx, bson.D{{Key: "_id", Value: migrationID}}); err != nil {
		tb.Fatal(err)
	}
}

// HasKey reports whether any document of coll has the field name at any
// depth (to check that a store is in the old format, or no longer is).
func HasKey(tb testing.TB, ctx context.Context, coll *mongo.Collection, name string) bool {
	tb.Helper()
	docs, err := store.FindAll[bson.D](ctx, coll, bson.D{})
	if err != nil {
		tb.Fatal(err)
	}
	var has func(v any) bool
	has = func(v any) bool {
		switch x := v.(type) {
		case bson.D:
			for _, e := range x {
				if e.Key == name || has(e.Value) {
					return true
				}
			}
		case bson.A:
			for _, el := range x {
				if has(el) {
					return true
				}
			}
		}
		return false
	}
	for _, d := range docs {
		if has(d) {
			return true
		}
	}
	return false
}
