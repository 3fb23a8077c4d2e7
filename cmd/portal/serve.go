package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
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
	defer applyMemoryLimit(&cfg, log)()
	a, err := openApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := a.Close(); err != nil {
			log.Error("closing the store", "err", err)
		}
	}()
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
	// Serve at once and fill the read models (contracts, invoices, care
	// packages) in the background, on a context of their own that only
	// shutting down ends: /readyz says "loading: ..." meanwhile, and pages
	// that need the read models wait for them (portal/loading.go). Once
	// the load is done the memory it dropped goes back to the system and
	// the background jobs start.
	jobsCtx, stopJobs := context.WithCancel(context.Background())
	defer stopJobs()
	loadCtx, stopLoad := context.WithCancel(context.Background())
	loadDone := a.LoadInBackground(loadCtx, func() {
		releaseLoadGarbage(log)
		a.RunJobs(jobsCtx)
		go a.WarmFigures(jobsCtx)
	})
	defer func() { // a load cut short by shutting down ends before the store closes
		stopLoad()
		t := time.NewTimer(shutdownTimeout)
		defer t.Stop()
		select {
		case <-loadDone:
		case <-t.C:
			log.Error("shutting down: the read models' load did not stop in time")
		}
	}()

	mode := "embedded store in " + cfg.DataDir
	if cfg.MongoURI != "" {
		mode = "MongoDB"
	}
	email := a.Mail.Outbox.Method()
	if email == "" {
		email = "not set up: messages stay in the outbox (set PORTAL_SMTP_URL or PORTAL_NOTIFY_API_KEY)"
	}
	log.Info("portal listening", "addr", ln.Addr().String(), "store", mode, "service", cfg.ServiceName, "email", email)
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
	stopLoad()
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
