// Package statements owns market position statements: what commissioners
// tell the care market about demand, supply, prices and commissioning
// intentions, section by service area. A statement has one working draft;
// publishing copies the draft into an immutable version (_id
// "statementID:vN", inserted once: a second publisher of the same number
// gets a duplicate key and a Conflict). Providers read the current version,
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
// which also replaces the old unique index on (statementID, n).
package statements
