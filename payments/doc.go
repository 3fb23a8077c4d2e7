// Package payments is the payments domain: money, calendar dates and due
// dates, the contracts register, invoices and their lifecycle, with an
// in-memory read model that serves every list, queue and count.
//
// # Lifecycle
//
// Each arrow is one atomic step, recorded with who, when, from, to and a
// note (lifecycle.go holds the whole table, with the arrows it implies):
//
//	submitted --> approved --> scheduled --> paid
//	    |  ^          |
//	    v  |          v
//	  queried      (rejected, cancelled are terminal)
//
// The received day starts the Procurement Act 2023 s68 clock; the due date
// is fixed from it (DueDate).
//
// # Storage
//
// Every step of an invoice is an inserted event in invoice_events with a
// deterministic _id (invoiceID:seq, store.EventID) — a second writer of
// the same step gets a duplicate key and is told the invoice changed —
// followed by a replace of the invoice snapshot by bare _id
// (store.Changes). An intent record in invoice_pending marks each step in
// flight; start-up (and Poll, for other instances' stale ones) repairs
// them: events are the truth, so a snapshot found behind its events is
// rebuilt, and a submission that never wrote its snapshot releases its
// invoice number.
//
// The snapshot in invoices is a real document (record.go): amounts in
// pence, days as BSON dates, snake_case names, so MongoDB users can query
// and index it. It keeps only the day and status of each step; the whole
// history is read from the events by _id when an invoice is shown.
// Stores written by older versions, which kept the snapshot as one BSON
// blob, are migrated once when the service loads (Migrate).
//
// The read model (store.ReadModel) loads every contract and invoice at
// start-up and, in MongoDB mode, Poll catches up with other instances'
// writes through the updated_at indexes.
package payments
