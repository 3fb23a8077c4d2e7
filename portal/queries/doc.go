// Package queries lets a provider raise a query with the council, routed by
// topic to the owning team, and keeps the thread of messages between the
// provider and the team until it is resolved.
//
// Statuses and what each action does to them are in one table (status.go).
// Service levels (first response and resolution targets, in working days)
// are a settings document; working days come from portal/workdays.
//
// Storage and atomicity: a query is one document with its thread embedded
// (at most MaxMessages messages, so the document stays bounded) and a
// Version, changed through the shared event-plus-snapshot step
// (store.Changes). Every change first inserts an intent record and an
// event with the deterministic _id store.EventID(query, version+1)
// ("Q-1A2B:000004"): inserts are atomic on both stores, so of two people
// changing the same query at once one gets a duplicate key and is told the
// query changed (fault.Conflict). The winner then replaces the snapshot by
// bare _id. The events are the audit trail, and each carries the snapshot
// after its change, so a snapshot write lost to a crash is repaired from
// the event: at start-up (the read model's first load runs Repair on the
// intent records in query_pending), or by the next writer once the change
// is older than staleAfter. Stores whose events were keyed
// "<query>/<version>" are rekeyed once at start-up (migrations.go).

// Lists, queues and figures come from an in-memory read model of the query
// documents, loaded at start and updated on this instance's writes;
// Refresh reloads it (a background job in MongoDB mode). A query's own
// page reads its document by _id, so it is always current.
//
// Figures for the self-assessment: Service.Figures(ctx, from, to, orgID).
//
// # Who sees what
//
// A provider sees its own organisation's queries, attachments, lists and
// figures, whatever the filter asks for; another organisation's query is
// fault.NotFound. Staff see all of them; the targets are changed by
// administrators only (auth.ActionQuerySettings).
//
// # Read model and stored fields
//
// Lists come from a store.ReadModel of the queries collection, refreshed
// by the change mark updated_at. Field names are snake_case; stores written
// before that are renamed once at start-up by the migration in
// migrations.go (EnsureIndexes runs it).
package queries
