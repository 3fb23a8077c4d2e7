package browser

import (
	"context"
	"crypto/rand"
	"net/http/httptest"
	"testing"
	"time"

	"careportal/auth"
	"careportal/portal"
	"careportal/portal/app"
	"careportal/portal/store/storetest"
)

// startingPortal serves, in this process, a portal whose start-up load
// never finishes while the test runs (app.Options.BeforeLoad holds it), so
// that tests/starting.test.mjs can check the "portal is starting" page a
// person sees when a page waits longer than Config.StartupWait. It returns
// the server's URL.
func startingPortal(t *testing.T) string {
	t.Helper()
	ctx := storetest.Context(t)
	a, err := app.New(ctx, storetest.New(t), app.Options{Hash: auth.CheapHashParams, BeforeLoad: func(ctx context.Context) error {
		<-ctx.Done() // held until the test ends
		return ctx.Err()
	}})
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	srv, err := portal.New(portal.Config{ServiceName: serviceName, SessionKey: key, StartupWait: 200 * time.Millisecond}, a.Services)
	if err != nil {
		t.Fatal(err)
	}
	loadCtx, stop := context.WithCancel(context.Background())
	loaded := a.LoadInBackground(loadCtx, nil)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		hs.Close()
		stop()
		<-loaded
	})
	return hs.URL
}
