package portal

import (
	"net/http"
	"net/url"

	"careportal/portal/fault"
)

// handleAccountPassword shows the change-password form.
func (s *Server) handleAccountPassword(w http.ResponseWriter, r *http.Request) error {
	if principal(r).TokenID != "" {
		return fault.NotFoundf("page not found")
	}
	return s.render(w, r, "account_password", s.page(r, "Change your password"))
}

// handleAccountPasswordPost changes the password and ends the person's
// other sessions; this one stays signed in.
func (s *Server) handleAccountPasswordPost(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if err := r.ParseForm(); err != nil {
		return fault.Wrap(fault.Invalid, err, "The form could not be read")
	}
	current, next := r.PostForm.Get("current_password"), r.PostForm.Get("new_password")
	var err error
	if r.PostForm.Get("confirm_password") != next {
		// Nothing changes; say everything that is wrong at once.
		var f fault.Fields
		if current == "" {
			f.Add("current_password", "Enter your current password")
		}
		for _, fe := range fault.FieldsOf(s.Auth.CheckPassword("new_password", next, p.Email)) {
			f.Add(fe.Field, fe.Message)
		}
		f.Add("confirm_password", "The new passwords do not match")
		err = f.Err()
	} else {
		err = s.Auth.ChangePassword(r.Context(), p.From(s.clientIP(r)), p.UserID, current, next, p.SessionID)
	}
	if err != nil {
		if fault.KindOf(err) != fault.Invalid {
			return err
		}
		page := s.page(r, "Change your password").withForm(url.Values{}, err)
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "account_password", page)
	}
	s.emailPasswordChanged(r, p.UserID, p.Email)
	s.setFlash(w, r, "Your password has been changed. You have been signed out everywhere else.")
	return redirect(w, r, "/home")
}
