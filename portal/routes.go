package portal

import (
	"net/http"

	"github.com/gorilla/mux"

	"careportal/portal/fault"
)

// routes registers every route of the portal, in one place, top to bottom.
// Each feature has its own section; guards say who may reach a route.
func (s *Server) routes() http.Handler {
	r := mux.NewRouter()
	r.StrictSlash(false)
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if route := mux.CurrentRoute(req); route != nil {
				if t, err := route.GetPathTemplate(); err == nil {
					recordRoute(t, req)
				}
			}
			next.ServeHTTP(w, req)
		})
	})

	// --- operations and static files
	r.Handle("/healthz", s.handle(s.handleHealthz)).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/readyz", s.handle(s.handleReadyz)).Methods(http.MethodGet, http.MethodHead)
	r.PathPrefix("/static/").Handler(s.handle(s.handleStatic)).Methods(http.MethodGet, http.MethodHead)

	// --- public pages
	r.Handle("/", s.handle(s.handleStart)).Methods(http.MethodGet)
	r.Handle("/accessibility", s.handle(s.handleAccessibility)).Methods(http.MethodGet)
	r.Handle("/privacy", s.handle(s.handlePrivacy)).Methods(http.MethodGet)

	// --- accounts: sign-in, home pages, admin, invitations, tokens, audit
	r.Handle("/login", s.handle(s.handleLogin)).Methods(http.MethodGet)
	r.Handle("/login", s.handle(s.handleLoginPost)).Methods(http.MethodPost)
	r.Handle("/logout", s.handle(s.handleLogout)).Methods(http.MethodPost)
	r.Handle("/home", s.handle(s.signedIn(s.handleHome))).Methods(http.MethodGet)
	// --- end accounts

	// --- contracts, invoices, remittance

	// --- payment performance and reports

	// --- engagement: contacts, queries, statements, forums, notifications

	// --- self-assessment

	// --- JSON API (/api/v1)

	r.NotFoundHandler = s.handle(func(w http.ResponseWriter, r *http.Request) error {
		return fault.NotFoundf("page not found")
	})
	r.MethodNotAllowedHandler = s.handle(func(w http.ResponseWriter, r *http.Request) error {
		return &fault.Error{Kind: fault.Invalid, Message: "This action is not available"}
	})
	return r
}
