package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// CallContext bounds one store call by CallTimeout, unless the caller's
// context already ends sooner.
func CallContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if d, ok := ctx.Deadline(); ok && time.Until(d) < CallTimeout {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, CallTimeout)
}

// FindAll reads every match and closes the cursor before returning: the
// embedded store has one connection, and a cursor left open would hold
// every other call up.
func FindAll[T any](ctx context.Context, c *mongo.Collection, filter any, opts ...options.Lister[options.FindOptions]) ([]T, error) {
	cur, err := c.Find(ctx, filter, opts...)
	if err != nil {
		return nil, err
	}
	var out []T
	err = cur.All(ctx, &out)
	return out, err
}

// NewID returns prefix followed by randomBytes bytes from crypto/rand in
// hex: a document id that no other writer will choose.
func NewID(prefix string, randomBytes int) string {
	b := make([]byte, randomBytes)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}
