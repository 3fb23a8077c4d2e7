// Package contacts answers "who do I contact about...?": the council teams
// providers deal with (purpose, opening hours, shared mailbox, phone and the
// topics each owns) and the named people in each team, kept up to date by
// staff, each showing when it was last checked.
//
// What is public: the team directory (team details, topics). Named
// contacts are for signed-in users; the portal decides that.
//
// Storage: one document per team (_id = team slug) and one per named
// contact. Both collections stay small (six teams, a few dozen people), so
// reads go to the store each time and need no read model.
//
// # Who sees what
//
// Teams and topics are public. People's names are for signed-in users only
// (Contacts, Contact and Search show none to nobody). Editing follows
// CanEdit: administrators and commissioners edit every team, brokerage
// staff only the teams they belong to; the service refuses anyone else.
//
// Field names are snake_case; stores written before that are renamed once
// at start-up by the migration in migrations.go (EnsureIndexes runs it).
package contacts
