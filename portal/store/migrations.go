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
