package assessment

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"careportal/portal/store"
)

// migrations are the one-time changes to stores written by older
// versions; EnsureIndexes runs them at start-up, before anything is read.
var migrations = []store.Migration{
	// Events were keyed "<round>/<seq>"; the shared step keys them
	// store.EventID(round, seq). Rounds themselves are unchanged. The
	// unique (round, seq) index would refuse the rekeyed copies:
	// EnsureIndexes makes it again.
	{ID: "assessment/event-ids", Run: func(ctx context.Context, db *mongo.Database) error {
		if err := store.DropIndex(ctx, db.Collection(colEvents), "round_seq"); err != nil {
			return err
		}
		return store.RekeyEvents(ctx, db.Collection(colEvents), "round")
	}},
}
