package portal

import (
	"net/http"
	"net/url"

	"github.com/gorilla/mux"

	"careportal/auth"
	"careportal/portal/fault"
)

type orgUsersPage struct {
	basePage
	Users []auth.User
	Pager pager
}

// handleOrgUsers lists a provider manager's colleagues, with the form to
// invite another.
func (s *Server) handleOrgUsers(w http.ResponseWriter, r *http.Request) error {
	return s.renderOrgUsers(w, r, http.StatusOK, url.Values{}, nil)
}

func (s *Server) renderOrgUsers(w http.ResponseWriter, r *http.Request, status int, form url.Values, ferr error) error {
	users, pg, err := pagedList(r, s.rowsPerPage(listPageSize), "page", func(skip, limit int) ([]auth.User, int, error) {
		org := principal(r).OrgID
		if org == "" { // not in an organisation: no colleagues (an empty OrgID would mean everyone)
			return nil, 0, nil
		}
		return s.Auth.UsersPage(r.Context(), auth.UserQuery{OrgID: org, Skip: skip, Limit: limit})
	})
	if err != nil {
		return err
	}
	page := &orgUsersPage{basePage: s.page(r, "Colleagues").withForm(form, ferr), Users: users, Pager: pg}
	return s.renderStatus(w, r, status, "account_org_users", page)
}

// handleOrgUserInvite invites a colleague to the manager's organisation;
// the one-time link is shown to the manager to pass on.
func (s *Server) handleOrgUserInvite(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if err := r.ParseForm(); err != nil {
		return fault.Wrap(fault.Invalid, err, "The form could not be read")
	}
	in := auth.UserInput{
		Email: r.PostForm.Get("email"), Name: r.PostForm.Get("name"), Role: auth.RoleProvider,
		OrgID: p.OrgID, Manager: r.PostForm.Get("manager") == "yes",
	}
	u, token, err := s.Auth.Invite(r.Context(), s.actor(r), in)
	if err != nil {
		if fault.KindOf(err) != fault.Invalid {
			return err
		}
		return s.renderOrgUsers(w, r, http.StatusUnprocessableEntity, r.PostForm, err)
	}
	return s.inviteSent(w, r, u, token, "/org/users", "Back to colleagues")
}

// orgUser returns a user of the principal's organisation, or NotFound.
func (s *Server) orgUser(r *http.Request) (*auth.User, error) {
	u, err := s.Auth.User(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		return nil, err
	}
	if u.Role != auth.RoleProvider || u.OrgID != principal(r).OrgID {
		return nil, fault.NotFoundf("user not found")
	}
	return u, nil
}

// handleOrgUserDeactivate lets a manager remove a colleague's access.
func (s *Server) handleOrgUserDeactivate(w http.ResponseWriter, r *http.Request) error {
	u, err := s.orgUser(r)
	if err != nil {
		return err
	}
	if _, ok, err := s.confirmed(w, r, confirmation{Heading: "Are you sure you want to remove " + u.Name + "'s access?",
		Explain: []string{u.Name + " is signed out at once and can no longer sign in to the portal for " + principal(r).OrgName + ". We email them to say so.",
			"What they did stays on record. To let them back in, ask the council's portal administrator."},
		Button: "Yes, remove access", Back: "/org/users"}); !ok {
		return err
	}
	if err := s.Auth.SetUserActive(r.Context(), s.actor(r), u.ID, false); err != nil {
		return err
	}
	s.emailAccountDisabled(r, u)
	s.setFlash(w, r, u.Name+" can no longer sign in and has been signed out")
	return redirect(w, r, "/org/users")
}

// handleOrgUserReinvite makes a new invitation link for a colleague who has
// not set a password yet.
func (s *Server) handleOrgUserReinvite(w http.ResponseWriter, r *http.Request) error {
	u, err := s.orgUser(r)
	if err != nil {
		return err
	}
	token, err := s.Auth.Reinvite(r.Context(), s.actor(r), u.ID)
	if err != nil {
		return err
	}
	return s.inviteSent(w, r, u, token, "/org/users", "Back to colleagues")
}
