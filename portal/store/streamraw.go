package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// StreamRaw is EachRaw one document at a time: every document of a
// collection straight from FerretDB's SQLite table, each given to fn and
// none kept, so a walk over a million documents needs the memory of one
// batch (the command line's report). fn may keep the document. An error
// from fn stops the read and is returned. In MongoDB mode, or if the
// SQLite file is not in WAL mode, it returns ErrNoBulkRead before calling
// fn: use the driver.
func (s *Store) StreamRaw(ctx context.Context, collection string, fn func(doc bson.Raw) error) error {
	return s.EachRaw(ctx, collection, func(docs []bson.Raw) error {
		for _, d := range docs {
			if err := fn(d); err != nil {
				return err
			}
		}
		return nil
	})
}
