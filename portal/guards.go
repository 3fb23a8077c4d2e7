package portal

import (
	"net/http"
	"net/url"

	"careportal/auth"
	"careportal/portal/fault"
)

// signedIn lets the request through only with a principal. Pages send
// people to sign in (and back afterwards); the API answers 401.
func (s *Server) signedIn(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if principal(r) == nil {
			if isAPI(r) {
				return fault.Unauthorizedf("A valid API token is required")
			}
			next := r.URL.Path
			if r.Method != http.MethodGet {
				next = "/home"
			}
			return redirect(w, r, "/login?next="+url.QueryEscape(next))
		}
		return h(w, r)
	}
}

// allowed lets the request through only when the principal's role may take
// the action (auth.Can); otherwise 403. Object checks (is this invoice
// yours?) are the handler's, answering 404.
func (s *Server) allowed(a auth.Action, h handlerFunc) handlerFunc {
	return s.signedIn(func(w http.ResponseWriter, r *http.Request) error {
		if !auth.Can(principal(r), a) {
			return fault.Forbiddenf("You do not have access to this page")
		}
		return h(w, r)
	})
}

// visibleTo returns NotFound unless the principal may see objects of the
// provider organisation orgID. Use it on every read and write by id.
func visibleTo(r *http.Request, orgID string, what string) error {
	if !principal(r).CanSeeOrg(orgID) {
		return fault.NotFoundf("%s not found", what)
	}
	return nil
}
