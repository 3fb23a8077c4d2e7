package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"careportal/portal"
)

// Server timeouts: slow clients cannot hold connections open, and a request
// that takes longer than writeTimeout is cut off.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 60 * time.Second // uploads of up to 10 MB on slow lines
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	shutdownTimeout   = 25 * time.Second
)

func runServe(ctx context.Context, e env) error {
	var cfg config
	fs := newFlags("serve", e, &cfg)
	if err := parseFlags(fs, &cfg, e.args); err != nil {
		return err
	}
	log := newLogger(e.stderr, true)
	a, err := openApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := a.close(); err != nil {
			log.Error("closing the store", "err", err)
		}
	}()
	// contracts, invoices: fill the read model before taking requests
	loadStart := time.Now()
	if err := a.payments.Load(ctx); err != nil {
		return err
	}
	log.Info("payments read model loaded", "duration_ms", time.Since(loadStart).Milliseconds())
	srv, err := a.newServer()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("PORTAL_ADDR %s: %w", cfg.Addr, err)
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          nil,
	}
	jobsCtx, stopJobs := context.WithCancel(context.Background())
	defer stopJobs()
	a.runJobs(jobsCtx)

	mode := "embedded store in " + cfg.DataDir
	if cfg.MongoURI != "" {
		mode = "MongoDB"
	}
	log.Info("portal listening", "addr", ln.Addr().String(), "store", mode, "service", cfg.ServiceName)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()

	select {
	case err := <-errc:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	// Stop accepting, let in-flight requests finish, then close the store
	// (deferred above) so nothing written is lost.
	log.Info("shutting down: finishing requests in flight")
	stopJobs()
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped cleanly")
	return nil
}

// newServer builds the HTTP server from the wired services.
func (a *app) newServer() (*portal.Server, error) {
	key, err := a.cfg.sessionKey()
	if err != nil {
		return nil, err
	}
	return portal.New(portal.Config{
		ServiceName: a.cfg.ServiceName,
		BaseURL:     a.cfg.BaseURL,
		Secure:      a.cfg.secure(),
	}, portal.Deps{
		Logger: a.log,
		Store:  a.store,
		// accounts
		Auth: a.auth,
		// contracts, invoices
		// payment runs (remittance)
		Remittance: a.remittance,
		Payments:   a.payments,
		SessionKey: key,
		// payment performance and reports
		Performance: a.performance,
		// engagement
		Contacts: a.contacts,
		Queries:  a.queries,
		Notify:   a.notify,
		Workdays: a.workdays,
		// self-assessment
		Assessment: a.assessment,
		// engagement: statements and forums
		Statements: a.statements,
		Forums:     a.forums,
	})
}
