package main

import (
	"context"
	"log/slog"

	"careportal/portal"
	portalapp "careportal/portal/app"
	"careportal/portal/store"
)

// app is the wired portal (package portal/app) with the configuration it
// was opened with. Serve and the admin commands start from it.
type app struct {
	*portalapp.App
	cfg config
}

// openApp opens the configured store and wires every service on it
// (portalapp.Open).
func openApp(ctx context.Context, cfg config, log *slog.Logger) (*app, error) {
	mo := portalapp.MailOptions{Transport: cfg.mailTransport, BaseURL: cfg.mailBaseURL(), ServiceName: cfg.ServiceName}
	// Unsubscribe links are signed with (a key derived from) the session key.
	key, err := cfg.sessionKey()
	if err != nil {
		return nil, err
	}
	mo.Key = key
	a, err := portalapp.Open(ctx, store.Options{
		MongoURI:   cfg.MongoURI,
		Database:   cfg.Database,
		DataDir:    cfg.DataDir,
		Logger:     log,
		BulkWrites: cfg.bulkWrites,
	}, portalapp.Options{Logger: log, Mail: mo})
	if err != nil {
		return nil, err
	}
	return &app{App: a, cfg: cfg}, nil
}

// newServer builds the HTTP server on the wired services.
func (a *app) newServer() (*portal.Server, error) {
	key, err := a.cfg.sessionKey()
	if err != nil {
		return nil, err
	}
	return portal.New(portal.Config{
		ServiceName: a.cfg.ServiceName,
		BaseURL:     a.cfg.BaseURL,
		Secure:      a.cfg.secure(),
		SessionKey:  key,
	}, a.Services)
}
