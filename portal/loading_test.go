package portal

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"careportal/auth"
	"careportal/portal/app"
	"careportal/portal/store/storetest"
)

// restartFixture is a store with invoices in it and a second wiring of the
// portal on it, as after a restart: its read models are empty until its
// background load (held by the test) has run.
type restartFixture struct {
	f       *paymentsFixture // the first wiring, which wrote the invoices
	ts      *testServer      // the restarted portal
	a       *app.App
	release chan struct{}   // closing it lets the held load go on
	attempt atomic.Int32    // Load attempts begun
	fail    atomic.Int32    // attempts still to fail
	jobs    chan struct{}   // closed when the load's "then" ran
	done    <-chan struct{} // LoadInBackground's finished
}

func newRestartFixture(t *testing.T, cfg Config) *restartFixture {
	t.Helper()
	ctx := storetest.Context(t)
	st := storetest.New(t)
	first, err := app.New(ctx, st, app.Options{Hash: auth.CheapHashParams})
	if err != nil {
		t.Fatal(err)
	}
	rf := &restartFixture{release: make(chan struct{}), jobs: make(chan struct{})}
	rf.f = newPaymentsFixtureOn(t, newTestServerOn(t, Config{}, first.Services))
	submitInvoices(t, rf.f, "LOAD", 2)

	rf.a, err = app.New(ctx, st, app.Options{Hash: auth.CheapHashParams, BeforeLoad: func(ctx context.Context) error {
		rf.attempt.Add(1)
		if rf.fail.Add(-1) >= 0 {
			return errors.New("an attempt the test fails")
		}
		select {
		case <-rf.release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	rf.ts = newTestServerOn(t, cfg, rf.a.Services)
	return rf
}

// start begins the background load, on a context of its own as serving
// does; the test's end stops it.
func (rf *restartFixture) start(t *testing.T) {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	rf.done = rf.a.LoadInBackground(ctx, func() { close(rf.jobs) })
	t.Cleanup(func() {
		stop()
		<-rf.done
	})
}

// waitUntil polls cond (the state another goroutine moves on) for up to
// ten seconds.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func (rf *restartFixture) get(path string, p *auth.Principal) *httptest.ResponseRecorder {
	return rf.ts.do(httptest.NewRequest(http.MethodGet, path, nil), p)
}

// TestPagesWaitForTheBackgroundLoad: while the read models load in the
// background /readyz says what is loading (503), the public, static and
// sign-in pages and /healthz answer at once, and a page that needs the
// read models waits — without starting a load of its own — then answers
// with the invoices the load read from the store. The jobs start after the
// load, and /readyz then says ok.
func TestPagesWaitForTheBackgroundLoad(t *testing.T) {
	rf := newRestartFixture(t, Config{})
	if w := rf.get("/readyz", nil); w.Code != 200 {
		t.Fatalf("readyz before any load = %d, want 200 (nothing to wait for)", w.Code)
	}
	rf.start(t)
	waitUntil(t, "the load has begun", func() bool { return rf.attempt.Load() == 1 })

	w := rf.get("/readyz", nil)
	if body := w.Body.String(); w.Code != http.StatusServiceUnavailable ||
		!strings.HasPrefix(body, "loading: the read models, started ") || !strings.HasSuffix(body, " s ago\n") {
		t.Fatalf("readyz while loading = %d %q, want 503 loading: what, since when", w.Code, body)
	}
	for _, path := range []string{"/healthz", "/", "/accessibility", "/privacy", "/login", "/password-reset", "/static/css/portal.css"} {
		if w := rf.get(path, nil); w.Code != 200 {
			t.Errorf("%s while loading = %d, want 200 at once", path, w.Code)
		}
	}
	// Signing in answers too (here: a wrong password, shown on the form).
	login := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{"email": {"nobody@example.org"}, "password": {"not the password"}}.Encode()))
	login.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if w := rf.ts.do(login, nil); w.Code == http.StatusServiceUnavailable || w.Code >= 500 || !pageHas(t, w.Body.String(), "govuk-error-summary") {
		t.Errorf("sign-in while loading = %d, want the form with its message", w.Code)
	}
	if rf.a.Startup.Waiters() != 0 {
		t.Fatalf("%d requests wait, want none: the pages above do not need the read models", rf.a.Startup.Waiters())
	}

	// Two pages that need the read models wait; neither starts a load.
	got := make(chan *httptest.ResponseRecorder, 2)
	for range 2 {
		go func() { got <- rf.get("/invoices", rf.f.prov1) }()
	}
	waitUntil(t, "two requests wait", func() bool { return rf.a.Startup.Waiters() == 2 })
	select {
	case w := <-got:
		t.Fatalf("a page answered (%d) before the load finished", w.Code)
	default:
	}
	if n := rf.attempt.Load(); n != 1 {
		t.Fatalf("%d load attempts, want 1: a waiting request must not start a load", n)
	}
	close(rf.release)
	for range 2 {
		w := <-got
		body := w.Body.String()
		if w.Code != 200 || !pageHas(t, body, "LOAD-00") || !pageHas(t, body, "LOAD-01") {
			t.Fatalf("the waiting page = %d, want 200 with both invoices", w.Code)
		}
	}
	<-rf.jobs
	if st := rf.a.Startup.Status(); st.State != app.Loaded || rf.attempt.Load() != 1 {
		t.Fatalf("after the load: %+v, %d attempts", st, rf.attempt.Load())
	}
	if w := rf.get("/readyz", nil); w.Code != 200 || w.Body.String() != "ok\n" {
		t.Fatalf("readyz after the load = %d %q", w.Code, w.Body.String())
	}
	if w := rf.get("/invoices", rf.f.prov1); w.Code != 200 || rf.a.Startup.Waiters() != 0 {
		t.Fatalf("a page after the load = %d", w.Code)
	}
}

// TestClientGoneWhileWaitingLeavesTheLoad: a request whose client goes
// away stops waiting (and is answered "starting"), and the load it waited
// for carries on and completes; the store and the pages work after.
func TestClientGoneWhileWaitingLeavesTheLoad(t *testing.T) {
	rf := newRestartFixture(t, Config{})
	rf.start(t)
	ctx, hangUp := context.WithCancel(context.Background())
	got := make(chan *httptest.ResponseRecorder, 1)
	go func() {
		r := httptest.NewRequestWithContext(ctx, http.MethodGet, "/invoices", nil)
		got <- rf.ts.do(r, rf.f.prov1)
	}()
	waitUntil(t, "the request waits", func() bool { return rf.a.Startup.Waiters() == 1 })
	hangUp()
	w := <-got
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("the abandoned request = %d, want 503", w.Code)
	}
	waitUntil(t, "no request waits", func() bool { return rf.a.Startup.Waiters() == 0 })
	if st := rf.a.Startup.Status(); st.State != app.Loading {
		t.Fatalf("after the client went away the load is %+v, want still loading", st)
	}
	close(rf.release)
	<-rf.jobs
	if err := rf.a.Store.Ping(storetest.Context(t)); err != nil {
		t.Fatalf("the store after an abandoned wait: %v", err)
	}
	if w := rf.get("/invoices", rf.f.prov1); w.Code != 200 || !pageHas(t, w.Body.String(), "LOAD-01") {
		t.Fatalf("the page after the load = %d", w.Code)
	}
	if n := rf.attempt.Load(); n != 1 {
		t.Fatalf("%d load attempts, want 1", n)
	}
}

// TestWaitRunsOutWithTheStartingPage: a page that waits longer than
// Config.StartupWait is told, in the portal's layout, that the portal is
// starting (503, Retry-After); the API says so as problem+json. Neither is
// logged as a fault.
func TestWaitRunsOutWithTheStartingPage(t *testing.T) {
	rf := newRestartFixture(t, Config{StartupWait: 20 * time.Millisecond})
	rf.start(t)
	w := rf.get("/invoices", rf.f.prov1)
	body := w.Body.String()
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "30" ||
		!pageHas(t, body, "The portal is starting") || !pageHas(t, body, "Try again in a minute") || !pageHas(t, body, "govuk-header") {
		t.Fatalf("the starting page = %d (Retry-After %q)\n%s", w.Code, w.Header().Get("Retry-After"), body)
	}
	if pageHas(t, body, "Sorry, there is a problem") {
		t.Error("the starting page is not a fault page")
	}
	api := httptest.NewRequest(http.MethodGet, "/api/v1/invoices", nil)
	w = rf.ts.do(api, rf.f.prov1)
	var p problem
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Content-Type") != "application/problem+json" || w.Header().Get("Retry-After") != "30" {
		t.Fatalf("the API while starting = %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Status != 503 || !strings.Contains(p.Detail, "starting") {
		t.Fatalf("problem = %+v (%v)", p, err)
	}
	close(rf.release)
	<-rf.jobs
	if w := rf.get("/invoices", rf.f.prov1); w.Code != 200 {
		t.Fatalf("after the load = %d", w.Code)
	}
}

// TestFailedLoadIsRetried: an attempt that fails is logged, /readyz says
// the load failed and when it tries again (never the error's detail), pages
// keep waiting rather than showing a partial read model, and the next
// attempt loads.
func TestFailedLoadIsRetried(t *testing.T) {
	rf := newRestartFixture(t, Config{})
	rf.fail.Store(1)
	rf.start(t)
	waitUntil(t, "the first attempt failed", func() bool { return rf.a.Startup.Status().State == app.Retrying })
	w := rf.get("/readyz", nil)
	body := w.Body.String()
	if w.Code != http.StatusServiceUnavailable || !strings.HasPrefix(body, "loading: the read models failed to load (1 attempts, see the log), trying again in ") ||
		strings.Contains(body, "the test fails") {
		t.Fatalf("readyz after a failed attempt = %d %q", w.Code, body)
	}
	got := make(chan *httptest.ResponseRecorder, 1)
	go func() { got <- rf.get("/invoices", rf.f.prov1) }()
	waitUntil(t, "the second attempt began", func() bool { return rf.attempt.Load() == 2 })
	if w := rf.get("/readyz", nil); w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "(attempt 2; the earlier ones failed, see the log)") {
		t.Fatalf("readyz on the second attempt = %d %q", w.Code, w.Body.String())
	}
	close(rf.release)
	if w := <-got; w.Code != 200 || !pageHas(t, w.Body.String(), "LOAD-00") {
		t.Fatalf("the page that waited through a failed attempt = %d", w.Code)
	}
	<-rf.jobs
	if w := rf.get("/readyz", nil); w.Code != 200 {
		t.Fatalf("readyz after the retry = %d", w.Code)
	}
}

// TestShuttingDownReleasesWaiters: a background load stopped by shutting
// down answers the requests still waiting at once, so that the server's
// graceful shutdown is not held up by them.
func TestShuttingDownReleasesWaiters(t *testing.T) {
	rf := newRestartFixture(t, Config{})
	ctx, stop := context.WithCancel(context.Background())
	done := rf.a.LoadInBackground(ctx, nil)
	got := make(chan *httptest.ResponseRecorder, 1)
	go func() { got <- rf.get("/invoices", rf.f.prov1) }()
	waitUntil(t, "the request waits", func() bool { return rf.a.Startup.Waiters() == 1 })
	stop()
	<-done
	if w := <-got; w.Code != http.StatusServiceUnavailable {
		t.Fatalf("a request waiting at shutdown = %d, want 503", w.Code)
	}
	select {
	case <-rf.a.Startup.Done():
		t.Fatal("a stopped load counts as loaded")
	default:
	}
}
