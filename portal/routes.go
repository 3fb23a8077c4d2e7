package portal

import (
	"net/http"

	"github.com/gorilla/mux"

	"careportal/auth"
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
	r.Handle("/account/password", s.handle(s.signedIn(s.handleAccountPassword))).Methods(http.MethodGet)
	r.Handle("/account/password", s.handle(s.signedIn(s.handleAccountPasswordPost))).Methods(http.MethodPost)
	r.Handle("/invite/{token}", s.handle(s.handleInvite)).Methods(http.MethodGet)
	r.Handle("/invite/{token}", s.handle(s.handleInviteAccept)).Methods(http.MethodPost)
	r.Handle("/org/users", s.handle(s.allowed(auth.ActionManageOrgTeam, s.handleOrgUsers))).Methods(http.MethodGet)
	r.Handle("/org/users/invite", s.handle(s.allowed(auth.ActionManageOrgTeam, s.handleOrgUserInvite))).Methods(http.MethodPost)
	r.Handle("/org/users/{id}/deactivate", s.handle(s.allowed(auth.ActionManageOrgTeam, s.handleOrgUserDeactivate))).Methods(http.MethodPost)
	r.Handle("/org/users/{id}/reinvite", s.handle(s.allowed(auth.ActionManageOrgTeam, s.handleOrgUserReinvite))).Methods(http.MethodPost)
	r.Handle("/org/tokens", s.handle(s.allowed(auth.ActionManageTokens, s.handleOrgTokens))).Methods(http.MethodGet)
	r.Handle("/org/tokens", s.handle(s.allowed(auth.ActionManageTokens, s.handleOrgTokenCreate))).Methods(http.MethodPost)
	r.Handle("/org/tokens/{id}/revoke", s.handle(s.allowed(auth.ActionManageTokens, s.handleOrgTokenRevoke))).Methods(http.MethodPost)
	r.Handle("/admin/orgs", s.handle(s.allowed(auth.ActionAdminOrgs, s.handleAdminOrgs))).Methods(http.MethodGet)
	r.Handle("/admin/orgs/new", s.handle(s.allowed(auth.ActionAdminOrgs, s.handleAdminOrgNew))).Methods(http.MethodGet)
	r.Handle("/admin/orgs/new", s.handle(s.allowed(auth.ActionAdminOrgs, s.handleAdminOrgCreate))).Methods(http.MethodPost)
	r.Handle("/admin/orgs/{id}", s.handle(s.allowed(auth.ActionAdminOrgs, s.handleAdminOrg))).Methods(http.MethodGet)
	r.Handle("/admin/orgs/{id}/edit", s.handle(s.allowed(auth.ActionAdminOrgs, s.handleAdminOrgEdit))).Methods(http.MethodGet)
	r.Handle("/admin/orgs/{id}/edit", s.handle(s.allowed(auth.ActionAdminOrgs, s.handleAdminOrgUpdate))).Methods(http.MethodPost)
	r.Handle("/admin/orgs/{id}/deactivate", s.handle(s.allowed(auth.ActionAdminOrgs, s.handleAdminOrgDeactivate))).Methods(http.MethodPost)
	r.Handle("/admin/orgs/{id}/reactivate", s.handle(s.allowed(auth.ActionAdminOrgs, s.handleAdminOrgReactivate))).Methods(http.MethodPost)
	r.Handle("/admin/users", s.handle(s.allowed(auth.ActionAdminUsers, s.handleAdminUsers))).Methods(http.MethodGet)
	r.Handle("/admin/users/new", s.handle(s.allowed(auth.ActionAdminUsers, s.handleAdminUserNew))).Methods(http.MethodGet)
	r.Handle("/admin/users/new", s.handle(s.allowed(auth.ActionAdminUsers, s.handleAdminUserCreate))).Methods(http.MethodPost)
	r.Handle("/admin/users/{id}", s.handle(s.allowed(auth.ActionAdminUsers, s.handleAdminUser))).Methods(http.MethodGet)
	r.Handle("/admin/users/{id}/edit", s.handle(s.allowed(auth.ActionAdminUsers, s.handleAdminUserEdit))).Methods(http.MethodGet)
	r.Handle("/admin/users/{id}/edit", s.handle(s.allowed(auth.ActionAdminUsers, s.handleAdminUserUpdate))).Methods(http.MethodPost)
	r.Handle("/admin/users/{id}/deactivate", s.handle(s.allowed(auth.ActionAdminUsers, s.handleAdminUserDeactivate))).Methods(http.MethodPost)
	r.Handle("/admin/users/{id}/reactivate", s.handle(s.allowed(auth.ActionAdminUsers, s.handleAdminUserReactivate))).Methods(http.MethodPost)
	r.Handle("/admin/users/{id}/reinvite", s.handle(s.allowed(auth.ActionAdminUsers, s.handleAdminUserReinvite))).Methods(http.MethodPost)
	r.Handle("/admin/audit", s.handle(s.allowed(auth.ActionReadAudit, s.handleAdminAudit))).Methods(http.MethodGet)
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
