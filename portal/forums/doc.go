// Package forums owns provider forums and events: announcements, bookings
// with a waiting list, attendance, notes and actions, comments, calendar
// files and the engagement figures for the self-assessment.
//
// Places are never over-booked, even when two organisations book the last
// place at once and even across portal instances: every change to an
// event's places is an inserted ledger document with the deterministic _id
// store.EventID(event, seq) ("ev_…:000007", the shared event id format)
// holding the whole state after the change (capacity and every
// organisation's holding, booked or waiting, in order). A writer reads the
// latest state, works out the next one and inserts seq+1; a concurrent
// writer of the same seq gets a duplicate key, re-reads and tries again.
// The event document and the per-organisation booking documents
// (_id "eventID:orgID") are snapshots updated by bare _id afterwards;
// readers catch up by probing the ledger for later seqs, and start-up
// repair (EnsureIndexes runs repairPlaces) brings the stored snapshots up
// to the ledger, so a writer that stopped between the two steps leaves
// nothing wrong behind. Stores keyed "<event>:<seq>" unpadded are rekeyed
// once at start-up (migrations.go).
//
// # Why the places ledger is not a store.Changes
//
// The other domains' event-plus-snapshot steps use the shared
// store.Changes; this ledger keeps its own step because it does not fit
// that shape:
//
//   - Booking is a contended counter: many organisations book one event at
//     once, and change retries (up to 50 times) on the latest entry.
//     store.Changes writes an intent record before the event, under the
//     event's _id; a writer that stopped between the two would leave a
//     record that makes every later booking of the event collide until
//     repair runs. The ledger has no such record: a writer that stopped
//     before its insert left nothing, and one that stopped after it is
//     caught up by the next reader.
//   - One change moves several snapshots, not one: the event's counts and
//     the booking document of each organisation whose status changed (a
//     cancellation promotes others from the waiting list). The snapshot
//     write is the difference between two ledger states, not a replace of
//     one document by _id.
//   - The state lives whole in each entry, so readers need no snapshot to
//     be right: the snapshots serve lists and reports only.
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
