package portal

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"careportal/auth"
	"careportal/portal/store"
	"careportal/portal/store/storetest"
)

// TestMain gives the package one embedded store (or PORTAL_TEST_MONGODB_URI);
// each test gets a fresh database through newTestServer.
func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

// testServer is a portal on a fresh database, with helpers to make requests
// as a given principal.
type testServer struct {
	*Server
	Store   *store.Store
	Handler http.Handler
}

// newTestServer builds a portal on a fresh database. Features extend
// newTestDeps to wire their services.
func newTestServer(t *testing.T) *testServer {
	t.Helper()
	st := storetest.New(t)
	deps := newTestDeps(t, st)
	s, err := New(Config{ServiceName: "Test Borough Care Portal"}, deps)
	if err != nil {
		t.Fatalf("portal.New: %v", err)
	}
	if err := st.Prepare(storetest.Context(t)); err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	return &testServer{Server: s, Store: st, Handler: s.Handler()}
}

// newTestDeps wires the services on the test store. Features add theirs
// here (and call EnsureIndexes), mirroring cmd/portal's app.wire.
func newTestDeps(t *testing.T, st *store.Store) Deps {
	t.Helper()
	ctx := storetest.Context(t)
	d := Deps{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Store:  st,
	}
	// accounts
	d.Auth = auth.NewService(st.DB, auth.Options{Hash: auth.CheapHashParams, Logger: d.Logger})
	if err := d.Auth.EnsureIndexes(ctx); err != nil {
		t.Fatalf("auth.EnsureIndexes: %v", err)
	}
	d.SessionKey = []byte("test-session-key-0123456789abcdef-0123456789")
	// contracts, invoices
	wirePaymentsForTest(t, &d, st)
	// payment runs (remittance)
	wireRemittanceForTest(t, &d, st)
	// engagement: contacts, queries, notifications, working days
	wireEngagementForTest(t, &d, st)
	// engagement: market position statements and forums
	wireStatementsForumsForTest(t, &d, st)
	// self-assessment
	wireAssessmentForTest(t, &d, st)
	return d
}

// do serves one request, as p when p is not nil (the authenticate
// middleware keeps a principal already in the context).
func (ts *testServer) do(r *http.Request, p *auth.Principal) *httptest.ResponseRecorder {
	if p != nil {
		r = r.WithContext(withPrincipal(r.Context(), p))
	}
	w := httptest.NewRecorder()
	ts.Handler.ServeHTTP(w, r)
	return w
}
