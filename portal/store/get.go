package store

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"careportal/portal/fault"
)

// Get reads the document whose _id is id into a T. The filter is the bare
// {_id: id}, the one filter the embedded store answers through an index. A
// missing document is a fault.NotFound error (errors.Is(err,
// mongo.ErrNoDocuments) holds too); callers that show the message say what
// was not found with NotFoundAs.
func Get[T any](ctx context.Context, coll *mongo.Collection, id any) (T, error) {
	var v T
	err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&v)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return v, fault.Wrap(fault.NotFound, err, "Not found")
	}
	return v, err
}

// NotFoundAs replaces the message of a not-found error with "<what> not
// found" and passes every other error through unchanged.
func NotFoundAs(err error, what string) error {
	if errors.Is(err, mongo.ErrNoDocuments) {
		return fault.Wrap(fault.NotFound, mongo.ErrNoDocuments, what+" not found")
	}
	return err
}

func errorsIsNoDocuments(err error) bool { return errors.Is(err, mongo.ErrNoDocuments) }
