package queries

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

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
}
