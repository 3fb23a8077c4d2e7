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

// handleAccountPasswordPost changes the password and ends every session
// of the person; this browser goes on in a new session (a new id), so a
// session id known to anyone before the change no longer works. Wrong
// current passwords are throttled and audited like sign-ins (429 when
// throttled).
func (s *Server) handleAccountPasswordPost(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if err := r.ParseForm(); err != nil {
		return fault.Wrap(fault.Invalid, err, "The form could not be read")
	}
	current, next := r.PostForm.Get("current_password"), r.PostForm.Get("new_password")
	ip := s.clientIP(r)
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
		err = s.Auth.ChangePassword(r.Context(), p.From(ip), p.UserID, current, next, "")
	}
	if err != nil {
		kind := fault.KindOf(err)
		if kind != fault.Invalid && kind != fault.RateLimited {
			return err
		}
		status := http.StatusUnprocessableEntity
		if kind == fault.RateLimited {
			status = http.StatusTooManyRequests
		}
		page := s.page(r, "Change your password").withForm(url.Values{}, err)
		return s.renderStatus(w, r, status, "account_password", page)
	}
	ss, err := s.sessions.start(w, r, p.UserID, ip)
	if err != nil {
		return err
	}
	s.setFlashFor(w, r, ss.ID, "Your password has been changed. You have been signed out everywhere else.")
	s.emailPasswordChanged(r, p.UserID, p.Email)
	return redirect(w, r, "/home")
}
