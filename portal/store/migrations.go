package store

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// MigrationsCollection records the migrations that have run, by id.
const MigrationsCollection = "migrations"

// Migration is a one-time change to stored documents written by an older
// version (a renamed field, a new layout). Run must be idempotent: a run
// cut short is run again in full at the next start-up.
type Migration struct {
	// ID names the migration for ever, e.g. "payments/invoice-fields".
	ID  string
	Run func(ctx context.Context, db *mongo.Database) error
}

type migrationDoc struct {
	ID    string    `bson:"_id"`
	RanAt time.Time `bson:"ran_at"`
	Took  int64     `bson:"took_ms"`
}

// Migrate runs, in order, each migration not yet recorded in the
// migrations collection, and records it once it has succeeded. It is
// called at start-up, before the read models load; with several instances
// sharing a MongoDB database two may run the same migration at once, which
// is why every migration must be idempotent.
func Migrate(ctx context.Context, db *mongo.Database, log *slog.Logger, ms ...Migration) error {
	if log == nil {
		log = slog.Default()
	}
	coll := db.Collection(MigrationsCollection)
	for _, m := range ms {
		_, err := Get[migrationDoc](ctx, coll, m.ID)
		if err == nil {
			continue
		}
		if !IsNotFound(err) {
			return fmt.Errorf("store: reading migration %s: %w", m.ID, err)
		}
		start := time.Now()
		if err := m.Run(ctx, db); err != nil {
			return fmt.Errorf("store: migration %s: %w", m.ID, err)
		}
		took := time.Since(start)
		doc := migrationDoc{ID: m.ID, RanAt: start.UTC(), Took: took.Milliseconds()}
		if _, err := coll.InsertOne(ctx, doc); err != nil && !IsDuplicateKey(err) {
			return fmt.Errorf("store: recording migration %s: %w", m.ID, err)
		}
		log.Info("store: migration ran", "migration", m.ID, "took", took.Round(time.Millisecond))
	}
	return nil
}

// RenameFields is a migration step that renames fields of every document
// of coll that still has an old name (old name -> new name). Idempotent:
// documents already renamed do not match.
func RenameFields(ctx context.Context, coll *mongo.Collection, renames map[string]string) error {
	for from, to := range renames {
		filter := bson.D{{Key: from, Value: bson.D{{Key: "$exists", Value: true}}}}
		update := bson.D{{Key: "$rename", Value: bson.D{{Key: from, Value: to}}}}
		if _, err := coll.UpdateMany(ctx, filter, update); err != nil {
			return fmt.Errorf("renaming %s.%s to %s: %w", coll.Name(), from, to, err)
		}
	}
	return nil
}

// IsNotFound reports whether err says a document was not there.
func IsNotFound(err error) bool {
	return err != nil && errorsIsNoDocuments(err)
}

// RekeyEvents is a migration step that gives every event document of coll
// the one event id format, EventID(<entityField>, <seq>), for stores whose
// events were keyed another way ("q/3", "s:v3"). A document whose _id is
// already right is left alone; another is inserted under the new _id and
// then deleted under the old one, so a run cut short is finished by the
// next (idempotent). Documents without the entity field or seq are left
// as they are. Drop a unique index on (entityField, seq) first: the copy
// would collide with the original on it.
func RekeyEvents(ctx context.Context, coll *mongo.Collection, entityField string) error {
	docs, err := FindAll[bson.D](ctx, coll, bson.D{})
	if err != nil {
		return fmt.Errorf("reading %s: %w", coll.Name(), err)
	}
	for _, d := range docs {
		var id any
		entity, seq, ok := "", 0, 0
		for _, e := range d {
			switch e.Key {
			case "_id":
				id = e.Value
			case entityField:
				if s, isStr := e.Value.(string); isStr {
					entity, ok = s, ok+1
				}
			case "seq":
				switch n := e.Value.(type) {
				case int32:
					seq, ok = int(n), ok+1
				case int64:
					seq, ok = int(n), ok+1
				case float64:
					seq, ok = int(n), ok+1
				}
			}
		}
		want := EventID(entity, seq)
		if ok != 2 || id == want {
			continue
		}
		moved := append(bson.D{{Key: "_id", Value: want}}, withoutID(d)...)
		if _, err := coll.InsertOne(ctx, moved); err != nil {
			if !IsDuplicateKey(err) {
				return fmt.Errorf("rekeying %s %v: %w", coll.Name(), id, err)
			}
			// Moved by a run cut short, or refused by another unique index:
			// delete the old one only once the new one is there.
			if _, err := Get[bson.Raw](ctx, coll, want); err != nil {
				return fmt.Errorf("rekeying %s %v to %s: %w", coll.Name(), id, want, err)
			}
		}
		if _, err := coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
			return fmt.Errorf("rekeying %s %v: %w", coll.Name(), id, err)
		}
	}
	return nil
}

func withoutID(d bson.D) bson.D {
	out := make(bson.D, 0, len(d))
	for _, e := range d {
		if e.Key != "_id" {
			out = append(out, e)
		}
	}
	return out
}

// DropIndex is a migration step that drops coll's index name when it
// exists (an index a later step would break, made again by EnsureIndexes).
func DropIndex(ctx context.Context, coll *mongo.Collection, name string) error {
	specs, err := coll.Indexes().ListSpecifications(ctx)
	if err != nil {
		return fmt.Errorf("listing the indexes of %s: %w", coll.Name(), err)
	}
	for _, sp := range specs {
		if sp.Name == name {
			if err := coll.Indexes().DropOne(ctx, name); err != nil {
				return fmt.Errorf("dropping index %s of %s: %w", name, coll.Name(), err)
			}
		}
	}
	return nil
}
