// Package app is the wiring of the portal: the one place that opens the
// store, builds every domain service with the adapters that connect them,
// makes sure their collections and indexes exist, prepares the store and
// owns the background jobs. cmd/portal (serve and every admin command) and
// the tests use it alike, so what is tested is what runs.
//
//	a, err := app.Open(ctx, storeOptions, app.Options{Logger: log}) // or app.New(ctx, st, o) on a store already open
//	defer a.Close()
//	a.Load(ctx)                                    // read models that must be full before serving
//	srv, err := portal.New(cfg, a.Services)        // the HTTP server takes the services whole
//	a.RunJobs(jobsCtx)                             // until jobsCtx ends
//
// Tests: apptest.New(t, app.Options{}) wires everything on a fresh test
// database (portal/store/storetest) with cheap password hashing.
//
// # Adding a service
//
// A feature's service is one field in Services and one construction line
// in wire, after the services it uses: ensure(w, name, svc) makes sure its
// indexes exist. The HTTP server sees it at once as s.<Field> (Server
// embeds Services); the admin commands as x.<Field>. If it keeps an
// in-memory read model that other instances' writes change, add a w.poll
// job; a periodic task on every store is w.always. TestNewWiresEveryService
// fails for a field that wire does not build.
//
// Every service is always built, so no caller checks for a missing one.
// Optional collaborators inside a domain (a Linker, an Announcer) are
// given here too.
//
// # Layers
//
// Dependencies point one way, and layering_test.go enforces it with go
// list: cmd/... → careportal/portal (HTTP) → this package → domain packages
// (auth, payments/..., portal/assessment, contacts, forums, notify,
// queries, statements, workdays, and any new one) → shared infrastructure
// (portal/store, portal/fault, portal/csvout, portal/format). Only the HTTP
// package and cmd/... import net/http, except the clients of outside HTTP
// services named in httpExceptions (portal/mail, payments/einvoice), each
// in its own package. This package must not import careportal/portal: the
// HTTP package's internal tests build their server from it.
//
// # Stores
//
// The embedded store (FerretDB in this process, the default) is
// single-instance: the read models are filled once and kept current by
// their own service's writes. With MongoDB several instances may share the
// database, so the payments read model polls for others' changes every 2
// seconds, and the notifications, queries, payment performance settings
// and bank holidays reload every 30 seconds to 5 minutes. Expired sessions
// are swept every 5 minutes on both.
package app
