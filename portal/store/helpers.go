package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// CallContext bounds one store call by CallTimeout, or by the caller's
// deadline when that is sooner, and detaches the call from the caller's
// cancellation (context.WithoutCancel): a client that disconnects
// mid-request cancels its request context, and the driver answers a
// cancelled operation by closing the connection under it. The embedded
// store has exactly one connection, and FerretDB would go on executing the
// abandoned operation while the pool opens a new connection beside it, so a
// request's cancellation must never reach the driver; the deadline still
// bounds every call.
func CallContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithDeadline(context.WithoutCancel(ctx), callDeadline(ctx))
}

// Detach is CallContext without the per-call bound: the caller's values and
// deadline (if any) without its cancellation. The HTTP server gives every
// embedded-mode handler such a context, so store calls that do not go
// through CallContext are safe too. Work that is not a store call and may
// stop when no one waits for it (a long computation shared by several
// requests) watches Abandoned instead of Done.
func Detach(ctx context.Context) (context.Context, context.CancelFunc) {
	inner := context.WithValue(context.WithoutCancel(ctx), abandonedKey{}, Abandoned(ctx))
	if d, ok := ctx.Deadline(); ok {
		return context.WithDeadline(inner, d)
	}
	return context.WithCancel(inner)
}

type abandonedKey struct{}

// Abandoned is closed when whoever ctx serves has given up: for a context
// made by Detach, when the original (the request's) context ended; for any
// other context, ctx.Done().
func Abandoned(ctx context.Context) <-chan struct{} {
	if ch, ok := ctx.Value(abandonedKey{}).(<-chan struct{}); ok {
		return ch
	}
	return ctx.Done()
}

func callDeadline(ctx context.Context) time.Time {
	d := time.Now().Add(CallTimeout)
	if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
		return cd
	}
	return d
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
