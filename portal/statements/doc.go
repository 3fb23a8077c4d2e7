// Package statements owns market position statements: what commissioners
// tell the care market about demand, supply, prices and commissioning
// intentions, section by service area. A statement has one working draft,
// edited in place; publishing copies the draft into an immutable version
// through the shared event-plus-snapshot step (store.Changes): the version
// is the event, _id store.EventID(statement, N) ("mps_…:000003"), inserted
// once, so a second publisher of the same number gets a duplicate key and
// a Conflict; then the statement's publishing fields (version,
// published_at, draft_changed) are set by bare _id. A publish that a stop
// left half done is finished at start-up (EnsureIndexes runs Repair on the
// intent records in statement_pending); versions are never rewritten.
// Providers read the current version,
// compare versions section by section and leave feedback on a section, which
// commissioners answer.
//
// # Who sees what
//
// Drafts are the commissioners' work in progress: Get and List give council
// staff the statement with its draft, and anyone else only published
// statements, without the draft. Feedback is the provider organisation's
// own (GetFeedback, ListFeedback); staff see all of it. Editing, publishing
// and answering follow the policy (auth.ActionEditStatements). Published
// versions (Version, Versions, Current) are for every signed-in user.
//
// # Stored fields
//
// Field names are snake_case. Stores written before that are renamed once
// at start-up by the migration in migrations.go (EnsureIndexes runs it),
// which also replaces the old unique index on (statementID, n). Versions
// stored as "<statement>:v<n>" with the number in n are rekeyed to the
// shared format, the number in seq, by the next migration there.
package statements
