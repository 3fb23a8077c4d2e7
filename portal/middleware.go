package portal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"careportal/portal/fault"
	"careportal/portal/store"
)

// Body limits: forms and JSON get a small one; upload routes say their own
// through handleUpload. maxBody is the ceiling for any request.
const (
	defaultBodyLimit = 1 << 20  // 1 MB
	maxBodyLimit     = 32 << 20 // 32 MB
)

// middleware wraps the router, outermost first: request id and log,
// panic recovery, security headers, the body ceiling, cross-origin
// protection for state-changing requests, who is acting, and the flash
// message.
func (s *Server) middleware(h http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, forbiddenCrossOrigin)
	}))
	h = s.showFlash(h)    // the session's one-off message, for the page
	h = s.authenticate(h) // accounts: session cookie or API token -> principal
	h = cop.Handler(h)
	h = s.limitBody(h)
	h = s.securityHeaders(h)
	h = s.recoverPanics(h)
	h = s.detachFromClient(h)
	h = s.logRequests(h)
	return h
}

// detachFromClient gives handlers, in embedded mode, a request context
// that a client's disconnect does not cancel. The embedded store has one
// connection, and the driver closes a connection whose operation's context
// is cancelled mid-flight: one impatient browser would otherwise drop the
// connection every other request is queued on (and log a 500). Every store
// call is still bounded by its own deadline (store.CallContext), so an
// abandoned request finishes its current work and its writes fail quietly.
// MongoDB mode has a pool of connections and keeps the cancellation.
func (s *Server) detachFromClient(next http.Handler) http.Handler {
	if s.Store == nil || !s.Store.Embedded {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := store.Detach(r.Context())
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// forbiddenCrossOrigin answers a state-changing request from another site.
var forbiddenCrossOrigin = fault.Forbiddenf("This request came from another website, so it was refused. Go back to the portal and try again.")

// statusRecorder remembers the status for the log.
type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusRecorder) WriteHeader(code int) {
	if !w.wrote {
		w.status = code
		w.wrote = true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if !w.wrote {
		w.status = http.StatusOK
		w.wrote = true
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// logRequests logs one line per request: method, route (the path template,
// so ids and invitation tokens stay out of logs), status, duration and
// request id. Never the query string, the body, passwords or tokens.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &requestInfo{ID: newRequestID()}
		r = r.WithContext(context.WithValue(r.Context(), keyRequestInfo, ri))
		rec := &statusRecorder{ResponseWriter: w}
		rec.Header().Set("X-Request-Id", ri.ID)
		next.ServeHTTP(rec, r)
		route := ri.Route
		if route == "" {
			route = "(unmatched)"
		}
		level, msg := slog.LevelInfo, "request"
		if ri.Internal != nil {
			level, msg = slog.LevelError, "request failed"
		}
		ctx := context.Background() // as Info and Error log
		if !s.log.Enabled(ctx, level) {
			return // no attributes built for a line no one keeps
		}
		attrs := [6]slog.Attr{
			slog.String("method", r.Method),
			slog.String("route", route),
			slog.Int("status", rec.status),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
			slog.String("request_id", ri.ID),
		}
		n := 5
		if ri.Internal != nil {
			attrs[n] = slog.String("err", ri.Internal.Error())
			n++
		}
		s.log.LogAttrs(ctx, level, msg, attrs[:n]...)
	})
}

// recoverPanics turns a panic into the 500 page and a log entry.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			info(r).Internal = fmt.Errorf("panic: %v\n%s", v, debug.Stack())
			if rec, ok := w.(*statusRecorder); ok && rec.wrote {
				return // too late for an error page
			}
			s.renderError(w, r, fmt.Errorf("panic: %v", v))
			info(r).Internal = fmt.Errorf("panic: %v\n%s", v, debug.Stack())
		}()
		next.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy allows nothing inline and nothing from elsewhere.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.cfg.Secure || r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxBodyLimit {
			s.renderError(w, r, &http.MaxBytesError{Limit: maxBodyLimit})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyLimit)
		next.ServeHTTP(w, r)
	})
}

// handlerFunc is the shape of every handler: it returns an error and one
// renderer deals with it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle adapts a handler with the default body limit.
func (s *Server) handle(h handlerFunc) http.Handler {
	return s.handleUpload(defaultBodyLimit, h)
}

// handleUpload adapts a handler that accepts bodies up to limit bytes.
func (s *Server) handleUpload(limit int64, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			s.renderError(w, r, &http.MaxBytesError{Limit: limit})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if err := h(w, r); err != nil {
			s.renderError(w, r, err)
		}
	})
}

// recordRoute notes the matched route's template for the request log.
func recordRoute(route string, r *http.Request) {
	info(r).Route = route
}

// redirect sends a 303 See Other, the answer to a successful POST.
func redirect(w http.ResponseWriter, r *http.Request, to string) error {
	if !strings.HasPrefix(to, "/") || strings.HasPrefix(to, "//") {
		to = "/"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}
