package portal

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/gorilla/mux"

	"careportal/auth"
	"careportal/portal/fault"
)

type adminUsersPage struct {
	basePage
	Users    []auth.User
	OrgNames map[string]string
	Pager    pager
}

// handleAdminUsers lists every user, one page read at a time.
func (s *Server) handleAdminUsers(w http.ResponseWriter, r *http.Request) error {
	users, pg, err := pagedList(r, s.rowsPerPage(listPageSize), "page", func(skip, limit int) ([]auth.User, int, error) {
		return s.Auth.UsersPage(r.Context(), auth.UserQuery{Skip: skip, Limit: limit})
	})
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(users))
	for _, u := range users {
		ids = append(ids, u.OrgID)
	}
	names, err := s.Auth.OrgNames(r.Context(), ids)
	if err != nil {
		return err
	}
	page := &adminUsersPage{basePage: s.page(r, "Users"), Users: users, OrgNames: names, Pager: pg}
	return s.render(w, r, "admin_users", page)
}

type adminUserPage struct {
	basePage
	User     *auth.User
	Org      *auth.Org
	Sessions int64
}

// handleAdminUser shows one user.
func (s *Server) handleAdminUser(w http.ResponseWriter, r *http.Request) error {
	u, err := s.Auth.User(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	page := &adminUserPage{basePage: s.page(r, u.Name), User: u}
	if u.OrgID != "" {
		if page.Org, err = s.Auth.Org(r.Context(), u.OrgID); err != nil {
			return err
		}
	}
	if page.Sessions, err = s.Auth.UserSessionCount(r.Context(), u.ID); err != nil {
		return err
	}
	return s.render(w, r, "admin_user", page)
}

type teamChoice struct {
	Slug, Name string
	Checked    bool
}

type adminUserFormPage struct {
	basePage
	User    *auth.User // nil when inviting
	Action  string
	Orgs    []option
	Roles   []option
	Teams   []teamChoice
	Invited *invitationLink // set once an invitation has been made
}

type invitationLink struct {
	Name, Email, URL string
}

func (s *Server) userFormPage(r *http.Request, title, action string, form url.Values, err error) (*adminUserFormPage, error) {
	page := &adminUserFormPage{basePage: s.page(r, title).withForm(form, err), Action: action}
	orgs, oerr := s.Auth.Orgs(r.Context())
	if oerr != nil {
		return nil, oerr
	}
	page.Orgs = []option{{Value: "", Label: "Choose an organisation"}}
	for _, o := range orgs {
		if o.Active || o.ID == page.Form.Get("org") {
			page.Orgs = append(page.Orgs, option{Value: o.ID, Label: o.Name + " (" + o.SupplierRef + ")"})
		}
	}
	for _, role := range auth.Roles {
		page.Roles = append(page.Roles, option{Value: string(role), Label: label(role)})
	}
	for _, t := range auth.CouncilTeams {
		page.Teams = append(page.Teams, teamChoice{Slug: t.Slug, Name: t.Name, Checked: slices.Contains(page.Form["teams"], t.Slug)})
	}
	return page, nil
}

func userInputFromForm(f url.Values) auth.UserInput {
	return auth.UserInput{
		Email:   f.Get("email"),
		Name:    f.Get("name"),
		Role:    auth.Role(f.Get("role")),
		OrgID:   f.Get("org"),
		Manager: f.Get("manager") == "yes",
		Teams:   f["teams"],
	}
}

// handleAdminUserNew shows the invitation form.
func (s *Server) handleAdminUserNew(w http.ResponseWriter, r *http.Request) error {
	form := url.Values{}
	if org := r.URL.Query().Get("org"); org != "" {
		if _, err := s.Auth.Org(r.Context(), org); err == nil {
			form.Set("org", org)
			form.Set("role", string(auth.RoleProvider))
		}
	}
	page, err := s.userFormPage(r, "Invite a user", "/admin/users/new", form, nil)
	if err != nil {
		return err
	}
	return s.render(w, r, "admin_user_form", page)
}

// handleAdminUserCreate invites a user: the account is made without a
// password, and the one-time link is shown to the admin to pass on.
func (s *Server) handleAdminUserCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fault.Wrap(fault.Invalid, err, "The form could not be read")
	}
	u, token, err := s.Auth.Invite(r.Context(), s.actor(r), userInputFromForm(r.PostForm))
	if err != nil {
		if fault.KindOf(err) != fault.Invalid {
			return err
		}
		page, perr := s.userFormPage(r, "Invite a user", "/admin/users/new", r.PostForm, err)
		if perr != nil {
			return perr
		}
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "admin_user_form", page)
	}
	return s.inviteSent(w, r, u, token, "/admin/users/"+u.ID, "Go to "+u.Name+"'s account")
}

type inviteSentPage struct {
	basePage
	Invite    invitationLink
	Back      string
	BackLabel string
	Emailed   bool // the invitation is queued to be emailed
}

// inviteURL is the full address of an invitation link.
func (s *Server) inviteURL(r *http.Request, token string) string {
	base := s.cfg.BaseURL
	if base == "" {
		scheme := "http"
		if r.TLS != nil || s.cfg.Secure {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return base + "/invite/" + token
}

// handleAdminUserEdit shows the edit form.
func (s *Server) handleAdminUserEdit(w http.ResponseWriter, r *http.Request) error {
	u, err := s.Auth.User(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	form := url.Values{"email": {u.Email}, "name": {u.Name}, "role": {string(u.Role)}, "org": {u.OrgID}, "teams": u.Teams}
	if u.Manager {
		form.Set("manager", "yes")
	}
	page, err := s.userFormPage(r, "Change "+u.Name, "/admin/users/"+u.ID+"/edit", form, nil)
	if err != nil {
		return err
	}
	page.User = u
	return s.render(w, r, "admin_user_form", page)
}

// handleAdminUserUpdate saves changes to a user.
func (s *Server) handleAdminUserUpdate(w http.ResponseWriter, r *http.Request) error {
	u, err := s.Auth.User(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fault.Wrap(fault.Invalid, err, "The form could not be read")
	}
	if _, err := s.Auth.UpdateUser(r.Context(), s.actor(r), u.ID, userInputFromForm(r.PostForm)); err != nil {
		if fault.KindOf(err) != fault.Invalid {
			return err
		}
		page, perr := s.userFormPage(r, "Change "+u.Name, "/admin/users/"+u.ID+"/edit", r.PostForm, err)
		if perr != nil {
			return perr
		}
		page.User = u
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "admin_user_form", page)
	}
	s.setFlash(w, r, "Your changes to "+r.PostForm.Get("name")+"'s account have been saved")
	return redirect(w, r, "/admin/users/"+u.ID)
}

// handleAdminUserDeactivate ends every session of the user at once and
// stops them signing in.
func (s *Server) handleAdminUserDeactivate(w http.ResponseWriter, r *http.Request) error {
	return s.setUserActive(w, r, false)
}

// handleAdminUserReactivate lets a user sign in again.
func (s *Server) handleAdminUserReactivate(w http.ResponseWriter, r *http.Request) error {
	return s.setUserActive(w, r, true)
}

func (s *Server) setUserActive(w http.ResponseWriter, r *http.Request, active bool) error {
	u, err := s.Auth.User(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if !active {
		if _, ok, err := s.confirmed(w, r, confirmation{Heading: "Are you sure you want to deactivate " + u.Name + "'s account?", Caption: u.Email,
			Explain: []string{u.Name + " is signed out at once and can no longer sign in. We email them to say so.",
				"Their records are kept, and you can reactivate the account later."},
			Button: "Yes, deactivate the account", Back: "/admin/users/" + u.ID}); !ok {
			return err
		}
	}
	if err := s.Auth.SetUserActive(r.Context(), s.actor(r), u.ID, active); err != nil {
		return err
	}
	if active {
		s.setFlash(w, r, u.Name+"'s account has been reactivated")
	} else {
		s.emailAccountDisabled(r, u)
		s.setFlash(w, r, u.Name+"'s account has been deactivated and they have been signed out")
	}
	return redirect(w, r, "/admin/users/"+u.ID)
}

// handleAdminUserReinvite makes a new invitation link for someone who has
// not set a password yet.
func (s *Server) handleAdminUserReinvite(w http.ResponseWriter, r *http.Request) error {
	u, err := s.Auth.User(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	token, err := s.Auth.Reinvite(r.Context(), s.actor(r), u.ID)
	if err != nil {
		return err
	}
	return s.inviteSent(w, r, u, token, "/admin/users/"+u.ID, "Go to "+u.Name+"'s account")
}
