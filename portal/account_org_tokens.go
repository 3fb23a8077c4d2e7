package portal

import (
	"net/http"
	"net/url"

	"github.com/gorilla/mux"

	"careportal/auth"
	"careportal/portal/fault"
)

type tokensPage struct {
	basePage
	Tokens []auth.APIToken
	Pager  pager
}

// handleOrgTokens lists the organisation's API tokens with the form to
// create one.
func (s *Server) handleOrgTokens(w http.ResponseWriter, r *http.Request) error {
	return s.renderTokens(w, r, http.StatusOK, url.Values{}, nil)
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, status int, form url.Values, ferr error) error {
	tokens, err := s.Auth.OrgTokens(r.Context(), principal(r).OrgID)
	if err != nil {
		return err
	}
	page := &tokensPage{basePage: s.page(r, "API tokens").withForm(form, ferr)}
	// Revoked tokens stay listed, so the list grows: paged here.
	page.Tokens, page.Pager = pageOf(r, tokens, s.rowsPerPage(listPageSize))
	return s.renderStatus(w, r, status, "tokens", page)
}

type tokenCreatedPage struct {
	basePage
	Name   string
	Secret string
}

// handleOrgTokenCreate makes a token and shows it, this once.
func (s *Server) handleOrgTokenCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fault.Wrap(fault.Invalid, err, "The form could not be read")
	}
	t, secret, err := s.Auth.CreateToken(r.Context(), s.actor(r), principal(r).OrgID, r.PostForm.Get("name"))
	if err != nil {
		if fault.KindOf(err) != fault.Invalid {
			return err
		}
		return s.renderTokens(w, r, http.StatusUnprocessableEntity, r.PostForm, err)
	}
	return s.render(w, r, "tokens_created", &tokenCreatedPage{basePage: s.page(r, "API token created"), Name: t.Name, Secret: secret})
}

// handleOrgTokenRevoke stops a token working. Another organisation's token
// is not found.
func (s *Server) handleOrgTokenRevoke(w http.ResponseWriter, r *http.Request) error {
	t, err := s.Auth.Token(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if err := visibleTo(r, t.OrgID, "token"); err != nil {
		return err
	}
	if !t.Revoked() {
		if _, ok, err := s.confirmed(w, r, confirmation{Heading: "Are you sure you want to revoke the token " + t.Name + "?",
			Explain: []string{"Anything using this token, like your finance system, stops working at once: the portal refuses its requests.",
				"This cannot be undone. If the system still needs to reach the portal, create a new token and give it that one."},
			Button: "Yes, revoke the token", Back: "/org/tokens"}); !ok {
			return err
		}
	}
	if err := s.Auth.RevokeToken(r.Context(), s.actor(r), t); err != nil {
		return err
	}
	s.setFlash(w, r, "The token "+t.Name+" has been revoked and no longer works")
	return redirect(w, r, "/org/tokens")
}
