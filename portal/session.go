package portal

import (
	"context"
	"net"
	"net/http"
	"strings"

	"careportal/auth"
	"careportal/portal/fault"
)

// sessionCtxKey holds the request's *auth.Session.
type sessionCtxKey struct{}

func currentSession(r *http.Request) *auth.Session {
	ss, _ := r.Context().Value(sessionCtxKey{}).(*auth.Session)
	return ss
}

// authenticate resolves who is acting: from the session cookie on pages,
// from `Authorization: Bearer <token>` under /api/. A principal already in
// the context (tests inject one) is kept. An unknown or revoked token gets
// 401; a stale or forged session cookie is cleared and the request goes on
// signed out.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if principal(r) != nil {
			next.ServeHTTP(w, r)
			return
		}
		if isAPI(r) {
			h := r.Header.Get("Authorization")
			if h == "" {
				next.ServeHTTP(w, r)
				return
			}
			scheme, token, ok := strings.Cut(h, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") {
				s.renderError(w, r, fault.Unauthorizedf("Use Authorization: Bearer with an API token"))
				return
			}
			p, err := s.Auth.TokenPrincipal(r.Context(), strings.TrimSpace(token))
			if err != nil {
				s.renderError(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(withPrincipal(r.Context(), p)))
			return
		}
		if _, err := r.Cookie(s.sessions.name); err != nil {
			next.ServeHTTP(w, r)
			return
		}
		sess, err := s.sessions.Get(r, s.sessions.name)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		doc, _ := sess.Values[sessionDocKey{}].(*auth.Session)
		if sess.IsNew || doc == nil {
			s.sessions.clearCookie(w)
			next.ServeHTTP(w, r)
			return
		}
		p, err := s.Auth.SessionPrincipal(r.Context(), doc)
		if err != nil {
			if fault.KindOf(err) != fault.Unauthorized {
				s.renderError(w, r, err)
				return
			}
			if err := s.sessions.end(r.Context(), w, doc.ID); err != nil {
				s.renderError(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		ctx := withPrincipal(r.Context(), p)
		ctx = context.WithValue(ctx, sessionCtxKey{}, doc)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// setFlash keeps a one-line success message for the person's next page
// (shown once, in a green banner), in its own signed cookie
// (flash_cookie.go). Call it after a successful POST, before redirect.
// Without a session (API, tests with an injected principal) it does
// nothing.
func (s *Server) setFlash(w http.ResponseWriter, r *http.Request, msg string) {
	ss := currentSession(r)
	if ss == nil {
		return
	}
	s.setFlashFor(w, r, ss.ID, msg)
}

// setFlashFor is setFlash for a session just started (signing in with a
// new password), which the request does not carry yet.
func (s *Server) setFlashFor(w http.ResponseWriter, r *http.Request, sessionID, msg string) {
	if err := s.sessions.setFlashFor(w, sessionID, msg); err != nil {
		s.log.Error("keeping a flash message failed", "err", err, "request_id", info(r).ID)
	}
}

// flashKey holds the flash message shown on this request's page.
type flashKey struct{}

// flash is the message the person's page shows in its green banner, read
// from the flash cookie once by showFlash. Page building only reads it.
func flash(r *http.Request) string {
	msg, _ := r.Context().Value(flashKey{}).(string)
	return msg
}

// showFlash reads the flash cookie once per request, for the page to
// show, and clears it when an HTML page goes out (so a redirect, a file
// download or an API answer leaves it for the next page). A flash cookie
// not for this session (forged, too old, another person's) shows nothing
// and is cleared the same way.
func (s *Server) showFlash(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ss := currentSession(r)
		if ss == nil {
			next.ServeHTTP(w, r)
			return
		}
		msg, present := s.sessions.flashOf(r, ss.ID)
		if !present {
			next.ServeHTTP(w, r)
			return
		}
		fw := &flashWriter{ResponseWriter: w, clear: func() { s.sessions.clearFlash(w) }}
		if msg != "" {
			r = r.WithContext(context.WithValue(r.Context(), flashKey{}, msg))
		}
		next.ServeHTTP(fw, r)
	})
}

// flashWriter clears the flash message as an HTML page starts going out,
// before its first byte, so the next request finds it cleared.
type flashWriter struct {
	http.ResponseWriter
	clear   func()
	started bool
}

func (w *flashWriter) WriteHeader(code int) {
	if !w.started {
		w.started = true
		if code < 300 && strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
			w.clear()
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *flashWriter) Write(b []byte) (int, error) {
	if !w.started {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *flashWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// clientIP is the address the request came from: the connection's, or the
// last X-Forwarded-For hop when Config.TrustForwardedFor says a proxy we
// run sets it.
func (s *Server) clientIP(r *http.Request) string {
	if s.cfg.TrustForwardedFor {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			if ip := net.ParseIP(strings.TrimSpace(parts[len(parts)-1])); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// actor is who is acting on the request, for auth.Service's audit log.
func (s *Server) actor(r *http.Request) *auth.Principal {
	return principal(r).From(s.clientIP(r))
}
