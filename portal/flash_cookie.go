package portal

import (
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/securecookie"
)

// The one-line success message for a person's next page travels in a
// cookie of its own, signed with the session key and bound to the session
// it was set for, not in the session document: setting and clearing it
// then costs no store write (a submission's answer waited for two of
// them), and in MongoDB mode the next page may be served by any instance.

// flashTTL is how long a message waits for the next page.
const flashTTL = 10 * time.Minute

// flashMax is the longest message kept (the portal's own messages are a
// sentence; a cookie holds about 4 KB).
const flashMax = 1000

// flashValue is what the flash cookie carries.
type flashValue struct {
	Session string // the session it was set for
	Msg     string
}

// flashCodecs sign flash cookies with the session key, refused after
// flashTTL.
func flashCodecs(key []byte) []securecookie.Codec {
	codecs := securecookie.CodecsFromPairs(key)
	for _, c := range codecs {
		if sc, ok := c.(*securecookie.SecureCookie); ok {
			sc.MaxAge(int(flashTTL / time.Second))
		}
	}
	return codecs
}

func (st *sessionStore) flashName() string {
	if st.secure {
		return "__Host-portal_flash"
	}
	return "portal_flash"
}

func (st *sessionStore) flashCookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: st.flashName(), Value: value, Path: "/", MaxAge: maxAge,
		Secure: st.secure, HttpOnly: true, SameSite: http.SameSiteLaxMode}
}

// setFlashFor keeps msg for the next page of session sessionID.
func (st *sessionStore) setFlashFor(w http.ResponseWriter, sessionID, msg string) error {
	if len(msg) > flashMax {
		msg = strings.ToValidUTF8(msg[:flashMax], "") // not half a character
	}
	v, err := securecookie.EncodeMulti(st.flashName(), flashValue{Session: sessionID, Msg: msg}, st.flash...)
	if err != nil {
		return err
	}
	http.SetCookie(w, st.flashCookie(v, int(flashTTL/time.Second)))
	return nil
}

// flashOf is the message the request's flash cookie carries for session
// sessionID; present reports whether there is a flash cookie at all (a
// forged, stale or other session's one too, which is then cleared).
func (st *sessionStore) flashOf(r *http.Request, sessionID string) (msg string, present bool) {
	c, err := r.Cookie(st.flashName())
	if err != nil {
		return "", false
	}
	var v flashValue
	if securecookie.DecodeMulti(st.flashName(), c.Value, &v, st.flash...) != nil || v.Session != sessionID {
		return "", true
	}
	return v.Msg, true
}

// clearFlash tells the browser to forget the flash cookie.
func (st *sessionStore) clearFlash(w http.ResponseWriter) {
	http.SetCookie(w, st.flashCookie("", -1))
}
