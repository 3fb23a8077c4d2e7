package queries

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/portal/store"
)

// snakeCaseFields are the stored field names this package used before
// every stored field became snake_case, with their new names.
var snakeCaseFields = map[string]string{
	"assignedName":      "assigned_name",
	"assignedTo":        "assigned_to",
	"byName":            "by_name",
	"byUser":            "by_user",
	"contentType":       "content_type",
	"firstResponseAt":   "first_response_at",
	"firstResponseDays": "first_response_days",
	"fromCouncil":       "from_council",
	"orgName":           "org_name",
	"raisedAt":          "raised_at",
	"raisedBy":          "raised_by",
	"raisedByName":      "raised_by_name",
	"resolutionDays":    "resolution_days",
	"resolvedAt":        "resolved_at",
	"updatedAt":         "updated_at",
}

// migrations are the one-time changes to stores written by older
// versions; EnsureIndexes runs them at start-up, before anything is read.
var migrations = []store.Migration{
	{ID: "queries/snake-case-fields", Run: func(ctx context.Context, db *mongo.Database) error {
		// The targets live in the shared settings collection: only their
		// document is this package's to rename.
		if err := store.RenameKeys(ctx, db.Collection(collSettings), bson.D{{Key: "_id", Value: targetsID}}, snakeCaseFields); err != nil {
			return err
		}
		for _, c := range []string{collQueries, collEvents, collAttachments} {
			if err := store.RenameKeys(ctx, db.Collection(c), nil, snakeCaseFields); err != nil {
				return err
			}
		}
		return nil
	}},
	// Events were keyed "<query>/<version>"; the shared step keys them
	// store.EventID(query, version). The unique (query, seq) index would
	// refuse the rekeyed copies, so it goes first (EnsureIndexes makes it
	// again). A change an older version left half done has no intent
	// record for start-up repair to find, so its snapshot is caught up
	// here.
	{ID: "queries/event-ids", Run: func(ctx context.Context, db *mongo.Database) error {
		if err := store.DropIndex(ctx, db.Collection(collEvents), eventIndex); err != nil {
			return err
		}
		if err := store.RekeyEvents(ctx, db.Collection(collEvents), "query"); err != nil {
			return err
		}
		ids, err := store.FindAll[struct {
			ID string `bson:"_id"`
		}](ctx, db.Collection(collQueries), bson.D{}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
		if err != nil {
			return err
		}
		c := queryChanges(db)
		for _, q := range ids {
			if _, err := c.CatchUp(ctx, q.ID); err != nil {
				return err
			}
		}
		return nil
	}},
}

// eventIndex is the events' unique (query, seq) index.
const eventIndex = "query_seq"
