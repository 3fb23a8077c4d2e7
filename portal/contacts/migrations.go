package contacts

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"careportal/portal/store"
)

// snakeCaseFields are the stored field names this package used before
// every stored field became snake_case, with their new names.
var snakeCaseFields = map[string]string{
	"checkedAt": "checked_at",
	"checkedBy": "checked_by",
	"updatedAt": "updated_at",
	"updatedBy": "updated_by",
}

// migrations are the one-time changes to stores written by older
// versions; EnsureIndexes runs them at start-up, before anything is read.
var migrations = []store.Migration{
	{ID: "contacts/snake-case-fields", Run: func(ctx context.Context, db *mongo.Database) error {
		for _, c := range []string{collTeams, collContacts} {
			if err := store.RenameKeys(ctx, db.Collection(c), nil, snakeCaseFields); err != nil {
				return err
			}
		}
		return nil
	}},
}
