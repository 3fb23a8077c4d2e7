package portal

import (
	"net/http"
	"net/url"

	"github.com/gorilla/mux"

	"careportal/auth"
	"careportal/portal/fault"
)

type inviteAcceptPage struct {
	basePage
	User  *auth.User
	Token string
}

// inviteGonePage says an invitation link no longer works and what to do.
type inviteGonePage struct {
	basePage
	Days int // how long an invitation lasts
}

// inviteGone answers a link that is used, expired or unknown. The store
// keeps no trace of used invitations (and saying which would tell a
// stranger holding a link that it was real), so one page covers all three
// and says what to do next either way.
func (s *Server) inviteGone(w http.ResponseWriter, r *http.Request, err error) error {
	if fault.KindOf(err) != fault.NotFound {
		return err
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	return s.renderStatus(w, r, http.StatusNotFound, "invite_gone", &inviteGonePage{basePage: s.page(r, "This invitation has been used or has expired"), Days: int(auth.InvitationLifetime.Hours() / 24)})
}

// handleInvite shows the form where an invited person sets a password.
func (s *Server) handleInvite(w http.ResponseWriter, r *http.Request) error {
	token := mux.Vars(r)["token"]
	_, u, err := s.Auth.Invitation(r.Context(), token)
	if err != nil {
		return s.inviteGone(w, r, err)
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	return s.render(w, r, "invite_accept", &inviteAcceptPage{basePage: s.page(r, "Set your password"), User: u, Token: token})
}

// handleInviteAccept sets the password, uses up the invitation and signs
// the person in.
func (s *Server) handleInviteAccept(w http.ResponseWriter, r *http.Request) error {
	token := mux.Vars(r)["token"]
	_, u, err := s.Auth.Invitation(r.Context(), token)
	if err != nil {
		return s.inviteGone(w, r, err)
	}
	if err := r.ParseForm(); err != nil {
		return fault.Wrap(fault.Invalid, err, "The form could not be read")
	}
	ip := s.clientIP(r)
	accepted, err := s.Auth.AcceptInvitation(r.Context(), token, r.PostForm.Get("password"), r.PostForm.Get("confirm_password"), ip)
	if err != nil {
		if fault.KindOf(err) != fault.Invalid {
			return s.inviteGone(w, r, err)
		}
		w.Header().Set("Referrer-Policy", "no-referrer")
		page := &inviteAcceptPage{basePage: s.page(r, "Set your password").withForm(url.Values{}, err), User: u, Token: token}
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "invite_accept", page)
	}
	if old := currentSession(r); old != nil {
		if err := s.Auth.EndSession(r.Context(), old.ID); err != nil {
			return err
		}
	}
	doc, err := s.sessions.start(w, r, accepted.ID, ip)
	if err != nil {
		return err
	}
	s.setFlashFor(w, r, doc.ID, "Your password has been set and you are signed in")
	return redirect(w, r, "/home")
}
