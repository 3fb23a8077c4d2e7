// Command portal runs the Care Provider Portal and its admin commands.
//
//	portal [serve]           serve HTTP (the default)
//	portal demo              fill an empty store with a fictional borough
//	portal <group> <verb>    admin commands; run `portal help` for the list
//
// This package is only the outside edge: it reads the configuration
// (flags, each with a PORTAL_* environment variable; config.go), handles
// SIGINT and SIGTERM, and calls package careportal/portal/app, which opens
// the store and wires every service (openApp in app.go). Serving builds the
// HTTP server (package careportal/portal) on those services, fills the
// payments read model, starts the background jobs (app.RunJobs) and on a
// signal stops taking connections, lets requests in flight finish and
// closes the store so that nothing written is lost.
//
// Admin commands: each verb is an adminVerb (cmd_admin.go) — its own flags,
// checks that need no store, an optional FILE argument, and its work on
// the wired portal; runAdmin parses, checks, reads the file, opens, runs
// and closes, the same for every verb. A feature adds a verb as one
// constructor returning an adminVerb and one entry in commands (main.go).
// Demo steps (demo*.go) fill an empty store through the same services.
//
// Exit status: 0 on success, 2 for bad command-line input (a usageError,
// also for a domain validation failure, named by flag), 1 otherwise.
package main
