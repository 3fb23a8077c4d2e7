package statements

import (
	"context"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"careportal/portal/store"
)

// snakeCaseFields are the stored field names this package used before
// every stored field became snake_case, with their new names.
var snakeCaseFields = map[string]string{
	"answeredAt":     "answered_at",
	"answeredBy":     "answered_by",
	"authorName":     "author_name",
	"changeNote":     "change_note",
	"createdAt":      "created_at",
	"createdBy":      "created_by",
	"draftChanged":   "draft_changed",
	"draftUpdatedAt": "draft_updated_at",
	"draftUpdatedBy": "draft_updated_by",
	"orgID":          "org_id",
	"orgName":        "org_name",
	"publishedAt":    "published_at",
	"publishedBy":    "published_by",
	"statementID":    "statement_id",
	"userID":         "user_id",
}

// migrations are the one-time changes to stores written by older
// versions; EnsureIndexes runs them at start-up, before anything is read.
var migrations = []store.Migration{
	{ID: "statements/snake-case-fields", Run: func(ctx context.Context, db *mongo.Database) error {
		// The unique index on (statementID, n) is made again on the new
		// name by EnsureIndexes; an old one would refuse every new version.
		if err := dropIndex(ctx, db.Collection(colVersions), "statement_version_unique", "statementID"); err != nil {
			return err
		}
		for _, c := range []string{colStatements, colVersions, colFeedback} {
			if err := store.RenameKeys(ctx, db.Collection(c), nil, snakeCaseFields); err != nil {
				return err
			}
		}
		return nil
	}},
	// Versions were keyed "<statement>:v<n>" with the number in n; as
	// events of the shared step they are keyed store.EventID(statement, n)
	// with the number in seq. The unique index on (statement_id, n) goes
	// first (EnsureIndexes makes it on seq); a version's content is
	// copied as it is, so published versions do not change.
	{ID: "statements/version-ids", Run: func(ctx context.Context, db *mongo.Database) error {
		versions := db.Collection(colVersions)
		if err := store.DropIndex(ctx, versions, versionIndex); err != nil {
			return err
		}
		if err := store.RenameFields(ctx, versions, map[string]string{"n": "seq"}); err != nil {
			return err
		}
		return store.RekeyEvents(ctx, versions, "statement_id")
	}},
}

// versionIndex is the versions' unique (statement_id, seq) index.
const versionIndex = "statement_version_unique"

// dropIndex drops coll's index name when it is still on the old field
// oldKey; nothing when it is absent or already on the new name.
func dropIndex(ctx context.Context, coll *mongo.Collection, name, oldKey string) error {
	cctx, cancel := store.CallContext(ctx)
	defer cancel()
	specs, err := coll.Indexes().ListSpecifications(cctx)
	if err != nil {
		return err
	}
	for _, sp := range specs {
		if sp.Name != name {
			continue
		}
		var keys bson.D
		if err := bson.Unmarshal(sp.KeysDocument, &keys); err != nil {
			return err
		}
		for _, k := range keys {
			if k.Key == oldKey {
				return coll.Indexes().DropOne(cctx, name)
			}
		}
	}
	return nil
}
