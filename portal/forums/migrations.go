package forums

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"careportal/portal/store"
)

// snakeCaseFields are the stored field names this package used before
// every stored field became snake_case, with their new names.
var snakeCaseFields = map[string]string{
	"accessNeeds":      "access_needs",
	"authorName":       "author_name",
	"bookedAt":         "booked_at",
	"bookedBy":         "booked_by",
	"bookingDeadline":  "booking_deadline",
	"createdAt":        "created_at",
	"createdBy":        "created_by",
	"endsAt":           "ends_at",
	"eventID":          "event_id",
	"notesPublishedAt": "notes_published_at",
	"orgID":            "org_id",
	"orgName":          "org_name",
	"serviceTypes":     "service_types",
	"startsAt":         "starts_at",
	"updatedAt":        "updated_at",
}

// migrations are the one-time changes to stores written by older
// versions; EnsureIndexes runs them at start-up, before anything is read.
var migrations = []store.Migration{
	{ID: "forums/snake-case-fields", Run: func(ctx context.Context, db *mongo.Database) error {
		for _, c := range []string{colEvents, colLedger, colBookings, colComments, colFeeds} {
			if err := store.RenameKeys(ctx, db.Collection(c), nil, snakeCaseFields); err != nil {
				return err
			}
		}
		return nil
	}},
	// Ledger entries were keyed "<event>:<seq>" unpadded; the shared
	// format is store.EventID(event, seq), padded so ids sort in order.
	// The ledger has no other unique index.
	{ID: "forums/ledger-ids", Run: func(ctx context.Context, db *mongo.Database) error {
		return store.RekeyEvents(ctx, db.Collection(colLedger), "event_id")
	}},
}
