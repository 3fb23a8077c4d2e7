package portal

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"careportal/assets"
	"careportal/auth"
	"careportal/portal/app"
)

// Config is what the server needs to know about where and how it runs.
type Config struct {
	ServiceName string // shown in the header and page titles
	BaseURL     string // e.g. https://portal.example.gov.uk; empty when unknown
	// Secure is true when the portal is reached over https (directly or
	// through a proxy): cookies get Secure and the __Host- prefix, and
	// responses get HSTS.
	Secure bool
	// Now is the clock; tests set it. Defaults to time.Now.
	Now func() time.Time

	// accounts: session timeouts (defaults auth.DefaultSessionIdle and
	// auth.DefaultSessionAbsolute) and whether to take the client address
	// from the last X-Forwarded-For hop (only behind a proxy we run).
	SessionIdle       time.Duration
	SessionAbsolute   time.Duration
	TrustForwardedFor bool
	// SessionKey signs session cookies; at least 32 bytes.
	SessionKey []byte
	// StartupWait is how long a page that needs the read models waits for
	// a background start-up load before answering "starting" (loading.go;
	// default 40 s).
	StartupWait time.Duration
}

// Server holds every dependency of the handlers; handlers are its methods.
// The domain services come whole from package app (s.Payments, s.Auth...):
// a feature's new service is a field of app.Services and nothing here.
type Server struct {
	app.Services
	cfg      Config
	log      *slog.Logger
	pages    *pageSet
	static   *assets.Static
	sessions *sessionStore
	memo     pageMemo     // rendered pages for one read-model state (render_memo.go)
	rows     rowFragments // rendered invoice list rows by version (render_rows.go)
	// testPageSize, when set by a test, is the page size of every list
	// (see rowsPerPage).
	testPageSize int
}

// New builds the server on the wired services (app.New or app.Open),
// parsing every template now so that a broken one stops start-up rather
// than a request.
func New(cfg Config, svc app.Services) (*Server, error) {
	if cfg.ServiceName == "" {
		return nil, fmt.Errorf("portal: service name is empty")
	}
	if svc.Auth == nil || svc.Store == nil {
		return nil, fmt.Errorf("portal: the services are not wired (build them with app.New or app.Open)")
	}
	if len(cfg.SessionKey) < 32 {
		return nil, fmt.Errorf("portal: the session key must be at least 32 bytes")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if svc.Log == nil {
		svc.Log = slog.New(slog.DiscardHandler)
	}
	// accounts
	if cfg.SessionIdle == 0 {
		cfg.SessionIdle = auth.DefaultSessionIdle
	}
	if cfg.SessionAbsolute == 0 {
		cfg.SessionAbsolute = auth.DefaultSessionAbsolute
	}
	static, err := assets.LoadStatic()
	if err != nil {
		return nil, fmt.Errorf("portal: loading static files: %w", err)
	}
	s := &Server{Services: svc, cfg: cfg, log: svc.Log, static: static, rows: newRowFragments(),
		sessions: newSessionStore(svc.Auth, cfg.SessionKey, cfg.Secure,
			auth.SessionTimeouts{Idle: cfg.SessionIdle, Absolute: cfg.SessionAbsolute})}
	s.pages, err = parsePages(s.templateFuncs())
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Handler returns the whole portal as one http.Handler, middleware included.
func (s *Server) Handler() http.Handler {
	return s.middleware(s.routes())
}

// london is the time zone every calendar date in the portal is in.
var london = mustLoadLondon()

func mustLoadLondon() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic("portal: Europe/London time zone data is missing: " + err.Error())
	}
	return loc
}
