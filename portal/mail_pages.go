package portal

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/mux"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/mail"
)

// routesMail registers the outbox (admins), email preferences, the
// unsubscribe link and password reset.
func (s *Server) routesMail(r *mux.Router) {
	r.Handle("/admin/outbox", s.handle(s.allowed(auth.ActionAdminUsers, s.handleOutbox))).Methods(http.MethodGet)
	r.Handle("/admin/outbox/{id}", s.handle(s.allowed(auth.ActionAdminUsers, s.handleOutboxMessage))).Methods(http.MethodGet)
	r.Handle("/admin/outbox/{id}/resend", s.handle(s.allowed(auth.ActionAdminUsers, s.handleOutboxResend))).Methods(http.MethodPost)
	r.Handle("/admin/users/{id}/password-reset", s.handle(s.allowed(auth.ActionAdminUsers, s.handleAdminPasswordReset))).Methods(http.MethodPost)
	r.Handle("/org/finance-mailbox", s.handle(s.allowed(auth.ActionManageOrgTeam, s.handleFinanceMailbox))).Methods(http.MethodGet)
	r.Handle("/org/finance-mailbox", s.handle(s.allowed(auth.ActionManageOrgTeam, s.handleFinanceMailboxPost))).Methods(http.MethodPost)
	r.Handle(mail.PrefsPath, s.handle(s.signedIn(s.handleEmailPrefs))).Methods(http.MethodGet)
	r.Handle(mail.PrefsPath, s.handle(s.signedIn(s.handleEmailPrefsPost))).Methods(http.MethodPost)
	r.Handle("/unsubscribe", s.handle(s.handleUnsubscribe)).Methods(http.MethodGet)
	r.Handle("/unsubscribe", s.handle(s.handleUnsubscribePost)).Methods(http.MethodPost)
	r.Handle("/password-reset", s.handle(s.handlePasswordReset)).Methods(http.MethodGet)
	r.Handle("/password-reset", s.handle(s.handlePasswordResetPost)).Methods(http.MethodPost)
	r.Handle("/password-reset/{token}", s.handle(s.handlePasswordResetLink)).Methods(http.MethodGet)
	r.Handle("/password-reset/{token}", s.handle(s.handlePasswordResetLinkPost)).Methods(http.MethodPost)
}

// --- the outbox (admins) ---

type outboxPage struct {
	basePage
	Method   string // how email goes, "" when not set up
	Status   mail.Status
	Tabs     []outboxTab
	Messages []mail.Entry
	Total    int
}

type outboxTab struct {
	Label   string
	Href    string
	Count   int
	Current bool
}

// handleOutbox lists the newest messages, by status, with how email is
// set up (or how to set it up).
func (s *Server) handleOutbox(w http.ResponseWriter, r *http.Request) error {
	status := mail.Status(r.URL.Query().Get("status"))
	known := status == ""
	for _, st := range mail.Statuses {
		known = known || st == status
	}
	if !known {
		return fault.NotFoundf("page not found")
	}
	counts, err := s.Mail.Outbox.Counts(r.Context())
	if err != nil {
		return err
	}
	page := &outboxPage{basePage: s.page(r, "Email outbox"), Method: s.Mail.Outbox.Method(), Status: status}
	total := 0
	for _, st := range mail.Statuses {
		total += counts[st]
	}
	page.Total = total
	page.Tabs = append(page.Tabs, outboxTab{Label: "All", Href: "/admin/outbox", Count: total, Current: status == ""})
	for _, st := range mail.Statuses {
		page.Tabs = append(page.Tabs, outboxTab{Label: label(st), Href: "/admin/outbox?status=" + string(st), Count: counts[st], Current: st == status})
	}
	page.Messages, err = s.Mail.Outbox.List(r.Context(), status, 100)
	if err != nil {
		return err
	}
	return s.render(w, r, "admin_outbox", page)
}

type outboxMessagePage struct {
	basePage
	Message   mail.Entry
	Lines     []string // the plain-text part, line by line
	CanResend bool
}

// handleOutboxMessage shows one message as it was (or will be) sent.
func (s *Server) handleOutboxMessage(w http.ResponseWriter, r *http.Request) error {
	e, err := s.Mail.Outbox.Get(r.Context(), mux.Vars(r)["id"])
	if errors.Is(err, mail.ErrNotFound) {
		return fault.NotFoundf("message not found")
	}
	if err != nil {
		return err
	}
	return s.render(w, r, "admin_outbox_message", &outboxMessagePage{basePage: s.page(r, "Email: "+e.Subject), Message: e,
		Lines:     strings.Split(strings.TrimRight(strings.ReplaceAll(e.Text, "\r\n", "\n"), "\n"), "\n"),
		CanResend: e.Status == mail.StatusFailed || e.Status == mail.StatusNotSent})
}

// handleOutboxResend queues a failed or unsent message again.
func (s *Server) handleOutboxResend(w http.ResponseWriter, r *http.Request) error {
	id := mux.Vars(r)["id"]
	err := s.Mail.Outbox.Resend(r.Context(), id)
	switch {
	case errors.Is(err, mail.ErrNotFound):
		return fault.NotFoundf("message not found")
	case errors.Is(err, mail.ErrCannotResend):
		return fault.Conflictf("Only a failed or unsent message can be sent again")
	case err != nil:
		return err
	}
	s.audit(r, "mail.resend", "mail:"+id)
	if s.Mail.Outbox.Configured() {
		s.setFlash(w, r, "The message is queued to be sent again")
	} else {
		s.setFlash(w, r, "Email is not set up, so the message is still not sent")
	}
	return redirect(w, r, "/admin/outbox/"+url.PathEscape(id))
}

// audit records an admin's action on something that is not an account.
func (s *Server) audit(r *http.Request, action, target string) {
	a := s.actor(r)
	_ = s.Auth.Audit(r.Context(), auth.AuditEntry{ActorID: a.UserID, ActorEmail: a.Email, IP: a.IP, Action: action, Target: target})
}

// --- email preferences ---

type emailPrefsPage struct {
	basePage
	Kinds   []prefKind
	Choices []option
}

type prefKind struct {
	Name, Label, Value string
}

// kindsFor are the kinds a person may choose for: providers get invoice,
// query, forum and statement emails; staff get their team's work.
func kindsFor(p *auth.Principal) []mail.Kind {
	if p.IsStaff() {
		return []mail.Kind{mail.KindStaffQueue}
	}
	return []mail.Kind{mail.KindInvoice, mail.KindQuery, mail.KindForum, mail.KindStatement}
}

func (s *Server) emailPrefsPage(r *http.Request, form url.Values, err error) (*emailPrefsPage, error) {
	p := principal(r)
	prefs, perr := s.Mail.Prefs.Get(r.Context(), p.UserID)
	if perr != nil {
		return nil, perr
	}
	page := &emailPrefsPage{basePage: s.page(r, "Emails you get").withForm(form, err)}
	for _, c := range mail.Choices {
		page.Choices = append(page.Choices, option{Value: string(c), Label: label(c)})
	}
	for _, k := range kindsFor(p) {
		v := string(prefs[k])
		if form != nil && form.Get(string(k)) != "" {
			v = form.Get(string(k))
		}
		page.Kinds = append(page.Kinds, prefKind{Name: string(k), Label: label(k), Value: v})
	}
	return page, nil
}

func (s *Server) handleEmailPrefs(w http.ResponseWriter, r *http.Request) error {
	if principal(r).TokenID != "" {
		return fault.NotFoundf("page not found")
	}
	page, err := s.emailPrefsPage(r, nil, nil)
	if err != nil {
		return err
	}
	return s.render(w, r, "email_prefs", page)
}

func (s *Server) handleEmailPrefsPost(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if p.TokenID != "" {
		return fault.NotFoundf("page not found")
	}
	if err := r.ParseForm(); err != nil {
		return fault.Wrap(fault.Invalid, err, "The form could not be read")
	}
	prefs := mail.Prefs{}
	var f fault.Fields
	for _, k := range kindsFor(p) {
		c := mail.Choice(r.PostForm.Get(string(k)))
		if !c.Valid() {
			f.Add(string(k), "Choose how you want to hear about "+strings.ToLower(label(k)))
			continue
		}
		prefs[k] = c
	}
	if err := f.Err(); err != nil {
		page, perr := s.emailPrefsPage(r, r.PostForm, err)
		if perr != nil {
			return perr
		}
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "email_prefs", page)
	}
	if err := s.Mail.Prefs.SetAll(r.Context(), p.UserID, prefs); err != nil {
		return err
	}
	s.setFlash(w, r, "Your email choices have been saved")
	return redirect(w, r, mail.PrefsPath)
}

// --- an organisation's finance mailbox (managers) ---

func (s *Server) handleFinanceMailbox(w http.ResponseWriter, r *http.Request) error {
	box, err := s.Mail.FinanceMailbox(r.Context(), principal(r).OrgID)
	if err != nil {
		return err
	}
	page := s.page(r, "Finance mailbox")
	page.Form.Set("email", box)
	return s.render(w, r, "finance_mailbox", page)
}

func (s *Server) handleFinanceMailboxPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fault.Wrap(fault.Invalid, err, "The form could not be read")
	}
	p := principal(r)
	email := strings.TrimSpace(r.PostForm.Get("email"))
	if err := s.Mail.SetFinanceMailbox(r.Context(), p.OrgID, email, p.Email); err != nil {
		if !errors.Is(err, mail.ErrBadMailbox) {
			return err
		}
		page := s.page(r, "Finance mailbox").withForm(url.Values{"email": {email}}, fault.InvalidField("email", "Enter an email address in the correct format, like accounts@example.com"))
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "finance_mailbox", page)
	}
	s.audit(r, "org.finance_mailbox", "org:"+p.OrgID)
	if email == "" {
		s.setFlash(w, r, "Payment emails no longer go to a finance mailbox")
	} else {
		s.setFlash(w, r, "Payment emails will also go to "+email)
	}
	return redirect(w, r, "/org/finance-mailbox")
}

// --- unsubscribe without signing in ---

type unsubscribePage struct {
	basePage
	User, Kind, Token string
	KindLabel         string
	Done              bool
}

func (s *Server) unsubscribeFrom(r *http.Request, v url.Values) (*unsubscribePage, error) {
	u, k, t := v.Get("u"), mail.Kind(v.Get("k")), v.Get("t")
	if err := s.Mail.Prefs.VerifyUnsubscribe(u, k, t); err != nil {
		return nil, fault.NotFoundf("This unsubscribe link is not valid. Sign in to change the emails you get.")
	}
	return &unsubscribePage{basePage: s.page(r, "Stop emails about "+strings.ToLower(label(k))), User: u, Kind: string(k), Token: t, KindLabel: label(k)}, nil
}

// handleUnsubscribe asks to confirm (a GET changes nothing).
func (s *Server) handleUnsubscribe(w http.ResponseWriter, r *http.Request) error {
	page, err := s.unsubscribeFrom(r, r.URL.Query())
	if err != nil {
		return err
	}
	return s.render(w, r, "unsubscribe", page)
}

// handleUnsubscribePost switches the kind to "only in the portal". It
// takes the link's values from the form or from the address, so mail
// programs' one-click unsubscribe (RFC 8058) works too.
func (s *Server) handleUnsubscribePost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fault.Wrap(fault.Invalid, err, "The form could not be read")
	}
	v := r.PostForm
	if v.Get("u") == "" {
		v = r.URL.Query()
	}
	page, err := s.unsubscribeFrom(r, v)
	if err != nil {
		return err
	}
	if err := s.Mail.Prefs.Set(r.Context(), page.User, mail.Kind(page.Kind), mail.ChoicePortal); err != nil {
		return err
	}
	page.Done = true
	page.Title = "You will not get these emails"
	return s.render(w, r, "unsubscribe", page)
}

// --- password reset ---

type passwordResetPage struct {
	basePage
	Sent bool // the request was taken
	Done bool // the new password is set
}

func (s *Server) handlePasswordReset(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, "password_reset", &passwordResetPage{basePage: s.page(r, "Reset your password")})
}

// handlePasswordResetPost answers the same way whether or not the account
// exists; the email is queued, never sent while the person waits.
func (s *Server) handlePasswordResetPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fault.Wrap(fault.Invalid, err, "The form could not be read")
	}
	form := url.Values{"email": {strings.TrimSpace(r.PostForm.Get("email"))}}
	u, token, err := s.Auth.RequestPasswordReset(r.Context(), form.Get("email"), s.clientIP(r))
	if err != nil {
		if fault.KindOf(err) != fault.Invalid && fault.KindOf(err) != fault.RateLimited {
			return err
		}
		page := &passwordResetPage{basePage: s.page(r, "Reset your password").withForm(form, err)}
		if fault.KindOf(err) == fault.RateLimited {
			page.Errors = []fault.FieldError{{Field: "email", Message: auth.ErrResetThrottled.Message}}
		}
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "password_reset", page)
	}
	if u != nil {
		s.emailReset(r, u, token, "You asked to reset your password")
	}
	return s.render(w, r, "password_reset", &passwordResetPage{basePage: s.page(r, "Check your email"), Sent: true})
}

// emailReset queues the reset email; a failure is logged (the person sees
// the same answer, and an admin can send another).
func (s *Server) emailReset(r *http.Request, u *auth.User, token, why string) {
	_, err := s.Mail.Tell(r.Context(), mail.Notice{
		ID: "password-reset:" + u.ID + ":" + shortHash(token), Kind: mail.KindAccount, UserID: u.ID, To: u.Email,
		Subject:    "Reset your password for " + s.cfg.ServiceName,
		Paragraphs: []string{why + ". Use the link below to choose a new password. It works once, for 1 hour.", "Setting a new password signs you out everywhere.", "If you did not ask for this, you can ignore this email: your password has not changed."},
		Path:       "/password-reset/" + token, LinkText: "Choose a new password",
		Reason: "You get this email because someone asked to reset the password of your account on " + s.cfg.ServiceName + ".",
	})
	if err != nil {
		s.log.Error("queueing a password reset email", "user", u.ID, "err", err)
	}
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

type passwordResetLinkPage struct {
	basePage
	Token string
}

func (s *Server) handlePasswordResetLink(w http.ResponseWriter, r *http.Request) error {
	token := mux.Vars(r)["token"]
	u, err := s.Auth.PasswordResetUser(r.Context(), token)
	if err != nil {
		return err
	}
	page := &passwordResetLinkPage{basePage: s.page(r, "Choose a new password"), Token: token}
	page.Form.Set("email", u.Email)
	return s.render(w, r, "password_reset_link", page)
}

func (s *Server) handlePasswordResetLinkPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fault.Wrap(fault.Invalid, err, "The form could not be read")
	}
	token := mux.Vars(r)["token"]
	u, err := s.Auth.ResetPassword(r.Context(), token, r.PostForm.Get("password"), r.PostForm.Get("confirm_password"), s.clientIP(r))
	if err != nil {
		if fault.KindOf(err) != fault.Invalid {
			return err
		}
		page := &passwordResetLinkPage{basePage: s.page(r, "Choose a new password").withForm(url.Values{}, err), Token: token}
		if who, werr := s.Auth.PasswordResetUser(r.Context(), token); werr == nil {
			page.Form.Set("email", who.Email)
		}
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "password_reset_link", page)
	}
	s.emailPasswordChanged(r, u.ID, u.Email)
	// Every session of the account has ended (perhaps this one too), so the
	// answer is a page of its own rather than a message on the next one.
	return s.render(w, r, "password_reset", &passwordResetPage{basePage: s.page(r, "Your password has been changed"), Done: true})
}

// emailPasswordChanged tells the person their password changed.
func (s *Server) emailPasswordChanged(r *http.Request, userID, email string) {
	_, err := s.Mail.Tell(r.Context(), mail.Notice{
		ID: "password-changed:" + userID + ":" + s.Auth.Now().UTC().Format("20060102T150405.000"), Kind: mail.KindAccount, UserID: userID, To: email,
		Subject:    "Your password for " + s.cfg.ServiceName + " has been changed",
		Paragraphs: []string{"The password of your account has just been changed, and every session was signed out.", "If you did not do this, contact the council at once."},
		Path:       "/login", LinkText: "Sign in",
		Reason: "You get this email because the password of your account on " + s.cfg.ServiceName + " changed.",
	})
	if err != nil {
		s.log.Error("queueing a password changed email", "user", userID, "err", err)
	}
}

// handleAdminPasswordReset emails a reset link to a user on an admin's
// request.
func (s *Server) handleAdminPasswordReset(w http.ResponseWriter, r *http.Request) error {
	u, token, err := s.Auth.AdminPasswordReset(r.Context(), s.actor(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	s.emailReset(r, u, token, "The portal administrator sent you this link to reset your password")
	s.setFlash(w, r, "A password reset link has been emailed to "+u.Email)
	return redirect(w, r, "/admin/users/"+u.ID)
}

// --- invitations by email ---

// inviteSent emails the invitation and shows the link to the person who
// invited (for when email is not set up, or does not arrive).
func (s *Server) inviteSent(w http.ResponseWriter, r *http.Request, u *auth.User, token, back, backLabel string) error {
	link := s.inviteURL(r, token)
	_, err := s.Mail.Tell(r.Context(), mail.Notice{
		ID: "invite:" + u.ID + ":" + shortHash(token), Kind: mail.KindAccount, UserID: u.ID, To: u.Email,
		Subject:    "You are invited to " + s.cfg.ServiceName,
		Paragraphs: []string{principal(r).Name + " has invited you to " + s.cfg.ServiceName + ".", "Use the link below to choose your password and sign in. It works once, for 7 days."},
		Path:       "/invite/" + token, LinkText: "Accept the invitation",
		Reason: "You get this email because " + principal(r).Name + " invited you to " + s.cfg.ServiceName + ".",
	})
	if err != nil {
		s.log.Error("queueing an invitation email", "user", u.ID, "err", err)
	}
	return s.render(w, r, "invite_sent", &inviteSentPage{
		basePage: s.page(r, "Invitation created"),
		Invite:   invitationLink{Name: u.Name, Email: u.Email, URL: link},
		Back:     back, BackLabel: backLabel,
		Emailed: err == nil && s.Mail.Outbox.Configured(),
	})
}

// emailAccountDisabled tells the person their account was disabled.
func (s *Server) emailAccountDisabled(r *http.Request, u *auth.User) {
	_, err := s.Mail.Tell(r.Context(), mail.Notice{
		ID: "account-disabled:" + u.ID + ":" + s.Auth.Now().UTC().Format("20060102T150405.000"), Kind: mail.KindAccount, UserID: u.ID, To: u.Email,
		Subject:    "Your account on " + s.cfg.ServiceName + " has been disabled",
		Paragraphs: []string{"Your account has been disabled by " + principal(r).Name + ", and you have been signed out.", "If you think this is a mistake, contact them or the council."},
		Reason:     "You get this email because your account on " + s.cfg.ServiceName + " changed.",
	})
	if err != nil {
		s.log.Error("queueing an account disabled email", "user", u.ID, "err", err)
	}
}
