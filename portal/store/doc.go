// Package store opens the portal's MongoDB-protocol database — an external
// MongoDB (production; several instances may share it) or FerretDB 1.24
// embedded in this process on SQLite (zero set-up, single instance) — and
// holds the storage mechanics every domain shares. Domain packages receive
// the *mongo.Database and own their collections.
//
// # What the embedded store is like
//
// The same driver code runs on both stores, so everything here must be
// correct on both. FerretDB 1.24 shapes it:
//
//   - Updates are read-modify-write inside FerretDB, not atomic across
//     connections: the embedded client uses one connection, which
//     serialises operations (embedded.go). Close cursors promptly (FindAll)
//     or every other call waits.
//   - No multi-document transactions: every state change is atomic on its
//     own (one insert, or one single-document write), and derived data can
//     be rebuilt.
//   - Only a bare {_id: value} filter is answered through an index; any
//     other filter decodes every document of the collection (tens of
//     microseconds each, more the more fields a document has). Even _id
//     lookups scan unless the expression index of idshim.go exists, which
//     Prepare adds for every collection. Hot paths are point lookups by
//     _id, and lists and dashboards are served from read models in memory.
//   - No Decimal128 (money is int64 pence), no TTL or partial indexes
//     (expire with periodic deletes), $group with more than one
//     accumulator is wrong (compute in Go), keys may not contain "." or
//     start with "$" (never use input as a key).
//
// # The shared mechanics
//
//   - CallContext is the one way to put a deadline on a store call; it
//     also detaches the call from the caller's cancellation, so a client
//     that disconnects never cancels an operation on the embedded store's
//     one connection mid-flight (the HTTP server detaches handlers too).
//   - Get reads one document by bare _id into a typed value; a missing one
//     is a fault.NotFound.
//   - Changes is the event-plus-snapshot step: an inserted event whose
//     deterministic _id (EventID: "<entity>:<seq>") makes a second writer of
//     the same step fail with a duplicate key (a fault.Conflict), then the
//     snapshot replaced by bare _id. Intent records (Pending) mark steps in
//     flight, and Repair finishes or undoes them at start-up and, for other
//     instances' stale ones, when polling. Events are the truth; histories
//     live in the event collections, read by _id point lookups, not nested
//     in snapshots. A snapshot created before its first event
//     (SnapshotFirst), or holding state edited in place beside the events
//     (Set), fits too; CatchUp brings one snapshot up to its events for a
//     writer that met a step with no intent record.
//   - ReadModel loads a collection into memory once (the loaded guard),
//     and refreshes from a change-mark field through an index, so an
//     instance catches up with other instances' writes in MongoDB mode.
//   - EachRaw (bulkread.go) reads a whole collection straight from
//     FerretDB's SQLite table for a read model's first load, and InsertRaw
//     (bulkwrite.go) writes new documents straight into the tables, several
//     collections in one SQLite transaction, for a store opened with
//     BulkWrites (the demo). Both read and write FerretDB's own row format
//     (sjscan.go, sjwrite.go; tested byte for byte against FerretDB's
//     rows); with idshim.go they are the only code that knows FerretDB's
//     storage. Updates never go this way.
//   - Migrate runs one-time migrations of documents written by older
//     versions at start-up, recorded by id in the migrations collection.
//     RenameFields, RekeyEvents (events keyed another way moved to
//     EventID) and DropIndex are its common steps.
//
// # Stored documents
//
// Stored documents are real documents: every field a person or a report
// may ask about is its own BSON field, named in snake_case (checked with
// FieldNameProblems), money as int64 pence with a _pence suffix where it is
// new, days as BSON dates, no opaque blobs. A field renamed later gets a
// Migration.
package store
