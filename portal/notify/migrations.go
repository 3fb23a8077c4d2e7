package notify

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/portal/store"
)

// snakeCaseFields are the stored field names this package used before
// every stored field became snake_case, with their new names.
var snakeCaseFields = map[string]string{
	"serviceTypes": "service_types",
	"upTo":         "up_to",
}

// migrations are the one-time changes to stores written by older
// versions; EnsureIndexes runs them at start-up, before anything is read.
var migrations = []store.Migration{
	{ID: "notify/snake-case-fields", Run: func(ctx context.Context, db *mongo.Database) error {
		for _, c := range []string{collNotes, collReads} {
			if err := store.RenameKeys(ctx, db.Collection(c), nil, snakeCaseFields); err != nil {
				return err
			}
		}
		return nil
	}},
	{ID: "notify/link-refs", Run: linksToRefs},
}

// linkBatch bounds each step of linksToRefs to one store call's time.
const linkBatch = 500

// linksToRefs turns the link strings notifications stored before they held
// references ("/events/e1") into Ref fields, a batch a call. A document
// loses its link as it gains its reference, so a rerun, or a run that
// stopped half way, finds only what is left.
func linksToRefs(ctx context.Context, db *mongo.Database) error {
	c := db.Collection(collNotes)
	filter := bson.D{{Key: "link", Value: bson.D{{Key: "$exists", Value: true}}}}
	for {
		n, err := linksToRefsBatch(ctx, c, filter)
		if err != nil || n < linkBatch {
			return err
		}
	}
}

func linksToRefsBatch(ctx context.Context, c *mongo.Collection, filter bson.D) (int, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	type old struct {
		ID   string `bson:"_id"`
		Link string `bson:"link"`
	}
	docs, err := store.FindAll[old](ctx, c, filter, options.Find().SetLimit(linkBatch).SetProjection(bson.D{{Key: "link", Value: 1}}))
	if err != nil {
		return 0, fmt.Errorf("reading old links: %w", err)
	}
	if len(docs) == 0 {
		return 0, nil
	}
	writes := make([]mongo.WriteModel, 0, len(docs))
	for _, d := range docs {
		set := bson.D{}
		r := RefOf(d.Link)
		for _, kv := range []struct{ k, v string }{{"ref_kind", r.Kind}, {"ref_id", r.ID}, {"ref_sub", r.Sub}} {
			if kv.v != "" {
				set = append(set, bson.E{Key: kv.k, Value: kv.v})
			}
		}
		update := bson.D{{Key: "$unset", Value: bson.D{{Key: "link", Value: ""}}}}
		if len(set) > 0 {
			update = append(update, bson.E{Key: "$set", Value: set})
		}
		writes = append(writes, mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: d.ID}}).SetUpdate(update))
	}
	if _, err := c.BulkWrite(ctx, writes); err != nil {
		return 0, fmt.Errorf("writing references: %w", err)
	}
	return len(docs), nil
}
