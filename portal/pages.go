package portal

import (
	"context"
	"net/http"
	"strings"
	"time"

	"careportal/portal/app"
	"careportal/portal/fault"
)

func (s *Server) handleStart(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, "start", s.page(r, s.cfg.ServiceName))
}

func (s *Server) handleAccessibility(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, "accessibility", s.page(r, "Accessibility statement"))
}

func (s *Server) handlePrivacy(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, "privacy", s.page(r, "Privacy notice"))
}

// handleHealthz says the process is alive; it does not touch the store.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
	return nil
}

// handleReadyz says whether the portal is ready for traffic: 503
// "loading: ..." (what, since when) while the read models load in the
// background or wait to be tried again after a failure, 503 "store not
// answering" when the store does not answer, and 200 "ok". It never waits
// for the load.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if s.Startup != nil {
		if st := s.Startup.Status(); st.State == app.Loading || st.State == app.Retrying {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(st.String() + "\n"))
			return nil
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if s.Store.Ping(ctx) != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("store not answering\n"))
		return nil
	}
	_, _ = w.Write([]byte("ok\n"))
	return nil
}

// handleStatic serves embedded files: at hashed URLs for a year, and at
// plain URLs (references from inside CSS) for an hour.
func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) error {
	f, immutable := s.static.Lookup(strings.TrimPrefix(r.URL.Path, "/static/"))
	if f == nil {
		return fault.NotFoundf("no such file")
	}
	if immutable {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "public, max-age=3600")
	}
	http.ServeContent(w, r, f.Path, time.Time{}, strings.NewReader(string(f.Body)))
	return nil
}
