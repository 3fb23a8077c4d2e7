package portal

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"careportal/portal/app"
	"careportal/portal/store"
)

// defaultStartupWait is how long a page that needs the read models waits
// for the start-up load before it answers "the portal is starting"
// (Config.StartupWait). It is under the server's 60 s write timeout, so
// that a page whose wait ends has time left to be built and sent.
const defaultStartupWait = 40 * time.Second

// startupRetryAfter is the Retry-After, in seconds, of the "starting" answer.
const startupRetryAfter = 30

// answersWhileLoading are the routes (path templates) that never wait for
// the start-up load: operations, static files, the public pages and
// signing in (none of them reads the payments or care packages read
// models). Every other route waits (awaitLoad).
var answersWhileLoading = map[string]bool{
	"/healthz": true, "/readyz": true, "/static/": true,
	"/": true, "/accessibility": true, "/privacy": true,
	"/login": true, "/logout": true, "/invite/{token}": true,
	"/password-reset": true, "/password-reset/{token}": true, "/unsubscribe": true,
}

// awaitLoad makes a request to a page that needs the read models wait
// while the portal loads them in the background (app.LoadInBackground).
// It waits for the load to finish, for the client to go away (in embedded
// mode the handler's context ignores the client, so it watches
// store.Abandoned), or for Config.StartupWait; it never starts a load
// itself nor cancels the one running. A wait that runs out answers 503
// "The portal is starting" with Retry-After, in the portal's layout (or
// problem+json under /api/). When nothing started a background load (tests,
// admin commands) there is nothing to wait for and the read models load
// on first use as before.
func (s *Server) awaitLoad(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := s.Startup
		if st == nil || st.Status().State == app.NotStarted || s.answersWhileLoading(r) {
			next.ServeHTTP(w, r)
			return
		}
		select {
		case <-st.Done():
			next.ServeHTTP(w, r)
			return
		default:
		}
		wait := s.cfg.StartupWait
		if wait <= 0 {
			wait = defaultStartupWait
		}
		t := time.NewTimer(wait)
		defer t.Stop()
		st.AddWaiter(1)
		defer st.AddWaiter(-1)
		select {
		case <-st.Done():
			next.ServeHTTP(w, r)
		case <-st.Stopped(): // shutting down before the load finished
			s.renderStarting(w, r)
		case <-store.Abandoned(r.Context()):
			// No one is listening; the load goes on for the next request.
			s.renderStarting(w, r)
		case <-t.C:
			s.renderStarting(w, r)
		}
	})
}

func (s *Server) answersWhileLoading(r *http.Request) bool {
	route := mux.CurrentRoute(r)
	if route == nil {
		return true // not found and the like: nothing to wait for
	}
	t, err := route.GetPathTemplate()
	return err == nil && answersWhileLoading[t]
}

// renderStarting answers a request that waited too long for the start-up
// load: 503 with Retry-After, not a fault of the request's (nothing is
// logged as an error).
func (s *Server) renderStarting(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", strconv.Itoa(startupRetryAfter))
	w.Header().Set("Cache-Control", "no-store")
	const msg = "The portal is starting and is still loading its records. Try again in a minute."
	if isAPI(r) {
		writeProblem(w, r, http.StatusServiceUnavailable, msg, nil)
		return
	}
	heading := "The portal is starting"
	p := errorPage{basePage: s.page(r, heading), Heading: heading, Paragraphs: []string{
		"It is still loading its records, which takes a minute or two after a restart.",
		"Try again in a minute.",
	}}
	if err := s.renderStatus(w, r, http.StatusServiceUnavailable, "error", p); err != nil {
		s.log.Error("rendering the starting page failed", "err", err)
		http.Error(w, msg, http.StatusServiceUnavailable)
	}
}
