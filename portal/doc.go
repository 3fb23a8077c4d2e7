// Package portal is the HTTP side of the Care Provider Portal: routes,
// middleware, page handlers and templates. It turns requests into calls of
// the domain services (which package app wires and hands to New) and their
// typed results into pages; it holds no business rules of its own. It is
// the only package besides cmd/... that speaks HTTP (the layering test in
// package app checks), and the place where URLs, labels, CSS classes and
// the text of money and dates (through package format) are made.
//
// # Where things are
//
//   - routes.go is the index of every route: read top to bottom, it lists
//     them all, one route function per feature (routesInvoices,
//     routesForums, ...), each route wrapped in the guard that says who may
//     reach it (guards.go: allowed, signedIn, the assessment guards).
//   - One file per page or page action, named by feature: invoices.go,
//     forums_event.go, forums_commission_form.go, queries_show.go,
//     statements_feedback.go... A handler is a method of Server with the
//     shape func(w, r) error; it returns a fault error and errors.go turns
//     it into the error page, or into application/problem+json under /api/.
//   - middleware.go wraps the router: request id and log line, panic
//     recovery, security headers, body limits, cross-origin protection,
//     who is acting (session.go: session cookie or API token) and the flash
//     message.
//   - page.go: basePage, which every page's data embeds (title, viewer,
//     menu, flash, the form as typed and its errors), and showFormAgain,
//     the one way a form is shown again with its problems (422, input kept,
//     error summary and messages by the fields). forms.go builds the GOV.UK
//     form fields the templates draw.
//   - render.go parses the templates at start-up (assets/templates: the
//     layout and partials, then one set per page) and renders into a buffer,
//     so a failure is a clean 500 and never half a page.
//   - templatefuncs.go: the functions templates may use; presentation.go
//     turns domain values into CSS classes and URLs.
//   - uploads.go: readUpload for every file upload, sendFile for every
//     stored file sent back, attachment for every download the portal makes.
//
// # Rules a change keeps
//
// Building a page has no side effects: the flash message is read once, by
// middleware (showFlash), and cleared only when an HTML page goes out; page
// building reads it from the request. A successful POST sets its message
// with setFlash and answers 303 See Other (redirect). Every page works
// without JavaScript. A template may only name fields its page struct has
// and static files that exist: start-up fails otherwise, and
// templates_test.go checks every page template against its struct
// (pageTypes; add a new page there). HTML assertions in tests use CSS
// selectors (portal/internal/htmlcheck) where they check structure.
//
// # Services
//
// The services come wired from package careportal/portal/app: New(cfg,
// a.Services), and Server embeds them, so a handler calls s.Payments,
// s.Auth and so on. The package's tests build their server the same way on
// a test store (newTestServer in main_test.go, through app/apptest), so a
// new service needs no test wiring.
package portal
