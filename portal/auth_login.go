package portal

import (
	"net/http"
	"net/url"
	"strings"

	"careportal/portal/fault"
)

type loginPage struct {
	basePage
	Next      string
	SignedOut bool
}

// localPath returns next when it is a path on this site, else "".
func localPath(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return ""
	}
	return next
}

// handleLogin shows the sign-in form. Someone already signed in goes home.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) error {
	if principal(r) != nil && principal(r).SessionID != "" {
		return redirect(w, r, "/home")
	}
	return s.render(w, r, "login", &loginPage{basePage: s.page(r, "Sign in"), Next: localPath(r.URL.Query().Get("next")),
		SignedOut: r.URL.Query().Get("signed_out") == "1"})
}

// handleLoginPost checks the email and password. Success starts a new
// session (a new id: any old one is ended) and goes to next or home;
// failure shows one message whatever the reason.
func (s *Server) handleLoginPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fault.Wrap(fault.Invalid, err, "The form could not be read")
	}
	email, password := r.PostForm.Get("email"), r.PostForm.Get("password")
	next := localPath(r.PostForm.Get("next"))
	ip := s.clientIP(r)
	u, err := s.Auth.Login(r.Context(), email, password, ip)
	if err != nil {
		kind := fault.KindOf(err)
		if kind != fault.Invalid && kind != fault.Unauthorized && kind != fault.RateLimited {
			return err
		}
		form := url.Values{"email": {email}} // never echo the password
		page := &loginPage{basePage: s.page(r, "Sign in"), Next: next}
		if kind == fault.Invalid {
			page.basePage = page.withForm(form, err)
		} else {
			fe, _ := fault.As(err)
			page.basePage = page.withForm(form, fault.Invalidf([]fault.FieldError{{Field: "email", Message: fe.Message}}, "%s", fe.Message))
		}
		status := http.StatusUnprocessableEntity
		if kind == fault.RateLimited {
			status = http.StatusTooManyRequests
		}
		return s.renderStatus(w, r, status, "login", page)
	}
	if old := currentSession(r); old != nil {
		if err := s.Auth.EndSession(r.Context(), old.ID); err != nil {
			return err
		}
	}
	if _, err := s.sessions.start(w, r, u.ID, ip); err != nil {
		return err
	}
	if next == "" || next == "/login" {
		next = "/home"
	}
	return redirect(w, r, next)
}

// handleLogout ends the session and goes to the start page.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if ss := currentSession(r); ss != nil && p != nil {
		if err := s.Auth.Logout(r.Context(), p, s.clientIP(r)); err != nil {
			return err
		}
	}
	s.sessions.clearCookie(w)
	return redirect(w, r, "/login?signed_out=1")
}
