package storetest

import (
	"context"
	"sync"
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

// AgeIDs gives every document of coll the _id it had before an id-format
// migration (old maps today's _id to the old one; "" leaves it), and
// forgets the migration's record so that the next start-up runs it again.
// Each document is deleted before it is inserted again, so a unique index
// on other fields does not refuse the old copy.
func AgeIDs(tb testing.TB, ctx context.Context, db *mongo.Database, migrationID string, coll string, old func(id string) string) {
	tb.Helper()
	c := db.Collection(coll)
	docs, err := store.FindAll[bson.D](ctx, c, bson.D{})
	if err != nil {
		tb.Fatal(err)
	}
	for _, d := range docs {
		id, _ := d[0].Value.(string)
		if d[0].Key != "_id" || old(id) == "" || old(id) == id {
			continue
		}
		if _, err := c.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
			tb.Fatal(err)
		}
		d[0].Value = old(id)
		if _, err := c.InsertOne(ctx, d); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := db.Collection(store.MigrationsCollection).DeleteOne(ctx, bson.D{{Key: "_id", Value: migrationID}}); err != nil {
		tb.Fatal(err)
	}
}

// OneWinner runs step for writers 0..n-1 at once and fails the test
// unless exactly one succeeds and every other error is one lost says is
// losing the race (a Conflict, say). For the "two writers of the same step
// cannot both succeed" tests of each event-plus-snapshot step.
func OneWinner(tb testing.TB, n int, step func(i int) error, lost func(error) bool) {
	tb.Helper()
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			errs[i] = step(i)
		}(i)
	}
	close(start)
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !lost(err):
			tb.Fatalf("writer %d: %v, not a lost race", i, err)
		}
	}
	if won != 1 {
		tb.Fatalf("%d of %d writers of the same step succeeded, want 1 (%v)", won, n, errs)
	}
}
