// Package portal is the HTTP server: routes, middleware, page handlers and
// template rendering. It composes the domain packages (auth, payments and
// the engagement packages under portal/) and holds no business rules of its
// own beyond turning requests into service calls and results into pages.
package portal

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"careportal/assets"
	"careportal/auth"
	"careportal/payments"
	"careportal/payments/performance"
	"careportal/payments/remittance"
	"careportal/portal/assessment"
	"careportal/portal/contacts"
	"careportal/portal/forums"
	"careportal/portal/notify"
	"careportal/portal/queries"
	"careportal/portal/statements"
	"careportal/portal/store"
	"careportal/portal/workdays"
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
}

// Deps are the services the handlers use. cmd/portal builds them.
// Each feature adds its service here.
type Deps struct {
	Logger *slog.Logger
	Store  *store.Store

	// contracts, invoices
	Payments *payments.Service

	// remittance (payment runs)
	Remittance *remittance.Service

	// accounts
	Auth       *auth.Service
	SessionKey []byte // signs session cookies; at least 32 bytes

	// payment performance and reports
	Performance *performance.Service

	// self-assessment
	Assessment *assessment.Service

	// engagement: contacts, queries, notifications, working days
	Contacts *contacts.Service
	Queries  *queries.Service
	Notify   *notify.Service
	Workdays *workdays.Service

	// engagement: market position statements and forums
	Statements *statements.Service
	Forums     *forums.Service
}

// Server holds every dependency of the handlers; handlers are its methods.
type Server struct {
	cfg    Config
	log    *slog.Logger
	store  *store.Store
	pages  *pageSet
	static *assets.Static

	// contracts, invoices
	payments *payments.Service

	// remittance (payment runs)
	remittance *remittance.Service

	// accounts
	auth     *auth.Service
	sessions *sessionStore

	// payment performance and reports
	performance *performance.Service

	// self-assessment
	assessment *assessment.Service

	// engagement: contacts, queries, notifications, working days
	contacts *contacts.Service
	queries  *queries.Service
	notify   *notify.Service
	workdays *workdays.Service

	// engagement: market position statements and forums
	statements *statements.Service
	forums     *forums.Service
}

// New builds the server, parsing every template now so that a broken one
// stops start-up rather than a request.
func New(cfg Config, d Deps) (*Server, error) {
	if cfg.ServiceName == "" {
		return nil, fmt.Errorf("portal: service name is empty")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	static, err := assets.LoadStatic()
	if err != nil {
		return nil, fmt.Errorf("portal: loading static files: %w", err)
	}
	s := &Server{
		cfg:    cfg,
		log:    d.Logger,
		store:  d.Store,
		static: static,
	}
	// accounts
	if cfg.SessionIdle == 0 {
		cfg.SessionIdle = auth.DefaultSessionIdle
	}
	if cfg.SessionAbsolute == 0 {
		cfg.SessionAbsolute = auth.DefaultSessionAbsolute
	}
	s.cfg = cfg
	if d.Auth != nil {
		if len(d.SessionKey) < 32 {
			return nil, fmt.Errorf("portal: the session key must be at least 32 bytes")
		}
		s.auth = d.Auth
		s.sessions = newSessionStore(d.Auth, d.SessionKey, cfg.Secure,
			auth.SessionTimeouts{Idle: cfg.SessionIdle, Absolute: cfg.SessionAbsolute})
	}
	// payment performance and reports
	s.performance = d.Performance
	// self-assessment
	s.assessment = d.Assessment
	// contracts, invoices
	s.payments = d.Payments
	// remittance (payment runs)
	s.remittance = d.Remittance
	// engagement: contacts, queries, notifications, working days
	s.contacts, s.queries, s.notify, s.workdays = d.Contacts, d.Queries, d.Notify, d.Workdays
	// engagement: statements and forums
	s.statements, s.forums = d.Statements, d.Forums
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
