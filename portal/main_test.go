package portal

import (
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"careportal/auth"
	"careportal/portal/app"
	"careportal/portal/app/apptest"
	"careportal/portal/store"
	"careportal/portal/store/storetest"
)

// TestMain gives the package one embedded store (or PORTAL_TEST_MONGODB_URI);
// each test gets a fresh database through newTestServer.
func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

// testSessionKey signs the test servers' session cookies.
var testSessionKey = []byte("test-session-key-0123456789abcdef-0123456789")

// testServer is a portal on a fresh database, with helpers to make requests
// as a given principal.
type testServer struct {
	*Server
	Store   *store.Store
	Handler http.Handler
}

// newTestServer builds a portal on a fresh database, with every service
// wired by app.New as serving does.
func newTestServer(t *testing.T) *testServer {
	t.Helper()
	return newTestServerWith(t, Config{}, app.Options{})
}

// newTestServerWith is newTestServer with the server's configuration and
// the services' options (a clock, for example) given.
func newTestServerWith(t testing.TB, cfg Config, o app.Options) *testServer {
	t.Helper()
	return newTestServerOn(t, cfg, apptest.New(t, o).Services)
}

// newTestServerOn builds a portal on services already wired.
func newTestServerOn(t testing.TB, cfg Config, svc app.Services) *testServer {
	t.Helper()
	if cfg.ServiceName == "" {
		cfg.ServiceName = "Test Borough Care Portal"
	}
	if cfg.SessionKey == nil {
		cfg.SessionKey = testSessionKey
	}
	s, err := New(cfg, svc)
	if err != nil {
		t.Fatalf("portal.New: %v", err)
	}
	return &testServer{Server: s, Store: svc.Store, Handler: s.Handler()}
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
