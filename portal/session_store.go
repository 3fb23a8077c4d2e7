package portal

import (
	"context"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"careportal/auth"
	"careportal/portal/fault"
)

// sessionStore is a gorilla/sessions Store kept server-side in the auth
// service's sessions collection. The cookie carries only the session id,
// signed with the session key; the session document holds who is signed
// in. (A flash message has a cookie of its own: flash_cookie.go.) Sessions exist only for signed-in people.
type sessionStore struct {
	auth     *auth.Service
	codecs   []securecookie.Codec
	flash    []securecookie.Codec // the flash message's cookie (flash_cookie.go)
	verified verifiedCookies      // cookie values already checked (session_cookies.go)
	name     string
	secure   bool
	timeouts auth.SessionTimeouts
}

// Values keys of a session.
const (
	sessUserID = "user_id"
	sessIP     = "ip"
)

// sessionDocKey holds the loaded *auth.Session in Values (never written
// anywhere: Values are not serialised by this store).
type sessionDocKey struct{}

func newSessionStore(a *auth.Service, key []byte, secure bool, t auth.SessionTimeouts) *sessionStore {
	codecs := securecookie.CodecsFromPairs(key)
	for _, c := range codecs {
		if sc, ok := c.(*securecookie.SecureCookie); ok {
			sc.MaxAge(int(t.Absolute / time.Second))
		}
	}
	name := "portal_session"
	if secure {
		name = "__Host-portal_session"
	}
	return &sessionStore{auth: a, codecs: codecs, flash: flashCodecs(key), name: name, secure: secure, timeouts: t}
}

func (st *sessionStore) options() *sessions.Options {
	return &sessions.Options{
		Path:     "/",
		MaxAge:   int(st.timeouts.Absolute / time.Second),
		Secure:   st.secure,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
}

// Get returns the request's session, loading it once per request.
func (st *sessionStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(st, name)
}

// New loads the session named by the cookie, or returns a new empty one
// (IsNew) when there is no valid cookie or the session has ended.
func (st *sessionStore) New(r *http.Request, name string) (*sessions.Session, error) {
	ss := sessions.NewSession(st, name)
	ss.Options = st.options()
	ss.IsNew = true
	c, err := r.Cookie(name)
	if err != nil {
		return ss, nil
	}
	id, err := st.verified.decode(name, c.Value, st.timeouts.Absolute, st.codecs)
	if err != nil {
		return ss, nil // forged, damaged or too old: start again
	}
	doc, err := st.auth.Session(r.Context(), id, st.timeouts)
	if err != nil {
		if fault.KindOf(err) == fault.NotFound {
			return ss, nil
		}
		return ss, err
	}
	ss.ID = doc.ID
	ss.IsNew = false
	ss.Values[sessUserID] = doc.UserID
	ss.Values[sessionDocKey{}] = doc
	return ss, nil
}

// Save writes the session cookie. A new session (no ID yet) gets a new
// server-side session with a new random id; MaxAge < 0 ends the session
// and clears the cookie.
func (st *sessionStore) Save(r *http.Request, w http.ResponseWriter, ss *sessions.Session) error {
	if ss.Options == nil {
		ss.Options = st.options()
	}
	if ss.Options.MaxAge < 0 {
		if ss.ID != "" {
			if err := st.auth.EndSession(r.Context(), ss.ID); err != nil {
				return err
			}
		}
		http.SetCookie(w, sessions.NewCookie(ss.Name(), "", ss.Options))
		return nil
	}
	if ss.ID == "" {
		uid, _ := ss.Values[sessUserID].(string)
		if uid == "" {
			return fault.Unauthorizedf("no one to start a session for")
		}
		ip, _ := ss.Values[sessIP].(string)
		doc, err := st.auth.StartSession(r.Context(), uid, ip)
		if err != nil {
			return err
		}
		ss.ID = doc.ID
		ss.Values[sessionDocKey{}] = doc
	}
	encoded, err := securecookie.EncodeMulti(ss.Name(), ss.ID, st.codecs...)
	if err != nil {
		return err
	}
	http.SetCookie(w, sessions.NewCookie(ss.Name(), encoded, ss.Options))
	return nil
}

// clearCookie tells the browser to forget the session cookie.
func (st *sessionStore) clearCookie(w http.ResponseWriter) {
	o := st.options()
	o.MaxAge = -1
	http.SetCookie(w, sessions.NewCookie(st.name, "", o))
}

// start begins a new session for a user: a new id every sign-in.
func (st *sessionStore) start(w http.ResponseWriter, r *http.Request, userID, ip string) (*auth.Session, error) {
	ss := sessions.NewSession(st, st.name)
	ss.Options = st.options()
	ss.IsNew = true
	ss.Values[sessUserID] = userID
	ss.Values[sessIP] = ip
	if err := st.Save(r, w, ss); err != nil {
		return nil, err
	}
	doc, _ := ss.Values[sessionDocKey{}].(*auth.Session)
	return doc, nil
}

// end deletes the session and clears the cookie.
func (st *sessionStore) end(ctx context.Context, w http.ResponseWriter, id string) error {
	if id != "" {
		if err := st.auth.EndSession(ctx, id); err != nil {
			return err
		}
	}
	st.clearCookie(w)
	return nil
}
