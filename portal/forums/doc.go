// Package forums owns provider forums and events: announcements, bookings
// with a waiting list, attendance, notes and actions, comments, calendar
// files and the engagement figures for the self-assessment.
//
// Places are never over-booked, even when two organisations book the last
// place at once and even across portal instances: every change to an
// event's places is an inserted ledger document with the deterministic _id
// "eventID:seq" holding the whole state after the change (capacity and
// every organisation's holding, booked or waiting, in order). A writer reads
// the latest state, works out the next one and inserts seq+1; a concurrent
// writer of the same seq gets a duplicate key, re-reads and tries again.
// The event document and the per-organisation booking documents
// (_id "eventID:orgID") are snapshots updated by bare _id afterwards;
// readers catch up by probing the ledger for later seqs, so a writer that
// stopped between the two steps leaves nothing wrong behind.
//
// # Who sees what
//
// The service decides, not the handler: council staff see every event; a
// provider organisation sees the open (not cancelled) events for its
// service types (Principal.ServiceTypes; events for no type, and
// organisations with no recorded types, match everything) and the events
// it booked, even once cancelled. Anything else is fault.NotFound. A
// booking is the organisation's own (BookingFor, Attended, Cancel); other
// organisations' bookings, the figures and every management action
// (create, update, attendance, notes, cancel) are for those the policy lets
// manage events (auth.ActionManageEvents). The calendar feed acts as the
// organisation its token belongs to.
//
// # Stored fields
//
// Field names are snake_case. Stores written before that are renamed once
// at start-up by the migration in migrations.go (EnsureIndexes runs it).
package forums
