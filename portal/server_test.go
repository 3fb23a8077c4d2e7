package portal

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"careportal/auth"
	"careportal/portal/format"
	"careportal/portal/internal/htmlcheck"
	"careportal/portal/store"
)

func TestPublicPages(t *testing.T) {
	ts := newTestServer(t)
	tests := []struct {
		path   string
		status int
		want   []string
	}{
		{"/", 200, []string{"Test Borough Care Portal", `href="#main-content"`, "submit invoices", "/login"}},
		{"/accessibility", 200, []string{"Accessibility statement", "WCAG", "Enforcement procedure"}},
		{"/privacy", 200, []string{"Privacy notice", "Cookies"}},
		{"/no-such-page", 404, []string{"Page not found", "govuk-header", "Test Borough Care Portal"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			w := ts.do(httptest.NewRequest(http.MethodGet, tt.path, nil), nil)
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d", w.Code, tt.status)
			}
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type = %q", ct)
			}
			body := w.Body.String()
			for _, s := range tt.want {
				if !pageHas(t, body, s) {
					t.Errorf("body lacks %q", s)
				}
			}
			if htmlcheck.Parse(t, body).Count("script:not([src]), style, [style]") > 0 {
				t.Error("pages carry no inline script or style")
			}
		})
	}
}

func TestAPINotFoundIsProblemJSON(t *testing.T) {
	ts := newTestServer(t)
	w := ts.do(httptest.NewRequest(http.MethodGet, "/api/v1/nothing-here", nil), nil)
	if w.Code != 404 {
		t.Fatalf("status = %d", w.Code)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q", ct)
	}
	var p problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.Status != 404 || p.Title != "Not Found" || p.Instance != "/api/v1/nothing-here" {
		t.Fatalf("problem = %+v", p)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	ts := newTestServer(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		w := ts.do(httptest.NewRequest(http.MethodGet, path, nil), nil)
		if w.Code != 200 {
			t.Errorf("%s = %d, want 200", path, w.Code)
		}
	}

	// A store that no longer answers makes readyz 503 and leaves healthz 200.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dead, err := store.Open(ctx, store.Options{Database: "portal", DataDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := dead.Close(ctx); err != nil {
		t.Fatal(err)
	}
	svc := ts.Services
	svc.Store = dead
	h := newTestServerOn(t, Config{ServiceName: "x"}, svc).Handler
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("readyz with a closed store = %d, want 503", w.Code)
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if w.Code != 200 {
		t.Errorf("healthz with a closed store = %d, want 200", w.Code)
	}
}

func TestSecurityHeaders(t *testing.T) {
	ts := newTestServer(t)
	w := ts.do(httptest.NewRequest(http.MethodGet, "/", nil), nil)
	h := w.Header()
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline: %q", csp)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
		t.Errorf("headers = %v", h)
	}
	if h.Get("Strict-Transport-Security") != "" {
		t.Error("no HSTS over plain http")
	}
	if h.Get("X-Request-Id") == "" {
		t.Error("every response carries its request id")
	}

	secure := newTestServerOn(t, Config{ServiceName: "x", Secure: true}, ts.Services)
	w = httptest.NewRecorder()
	secure.Handler.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if !strings.Contains(w.Header().Get("Strict-Transport-Security"), "max-age=") {
		t.Error("HSTS is sent when served over https")
	}
}

func TestCrossOriginStateChangesAreRefused(t *testing.T) {
	ts := newTestServer(t)
	r := httptest.NewRequest(http.MethodPost, "/logout", strings.NewReader(""))
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	r.Header.Set("Origin", "https://evil.example")
	w := ts.do(r, nil)
	if w.Code != http.StatusForbidden {
		t.Fatalf("cross-site POST = %d, want 403", w.Code)
	}
	// The page says why, not that the account lacks access.
	if body := w.Body.String(); !strings.Contains(body, "This request came from another website") || strings.Contains(body, "You cannot see this page") {
		t.Errorf("cross-site refusal shows the wrong page")
	}
	// The same from a signed-in person posting a form.
	r = httptest.NewRequest(http.MethodPost, "/account/password", strings.NewReader("current_password=x"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	if w := ts.do(r, &auth.Principal{UserID: "u1", Name: "A", Email: "a@example.org", Role: auth.RoleAdmin}); w.Code != http.StatusForbidden ||
		!strings.Contains(w.Body.String(), "This request came from another website") {
		t.Errorf("signed-in cross-site POST: %d", w.Code)
	}
	// Safe methods from elsewhere are fine (links from other sites).
	r = httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	if w := ts.do(r, nil); w.Code != 200 {
		t.Fatalf("cross-site GET = %d, want 200", w.Code)
	}
}

func TestPanicsBecomeThe500Page(t *testing.T) {
	ts := newTestServer(t)
	var logs bytes.Buffer
	ts.log = slog.New(slog.NewJSONHandler(&logs, nil))
	h := ts.logRequests(ts.recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("boom: secret detail")
	})))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/x", nil))
	if w.Code != 500 {
		t.Fatalf("status = %d", w.Code)
	}
	body := w.Body.String()
	if !strings.Contains(body, "Sorry, there is a problem with the service") || strings.Contains(body, "secret detail") {
		t.Fatalf("500 page shows internals or lacks the apology:\n%s", body)
	}
	if !strings.Contains(body, w.Header().Get("X-Request-Id")) {
		t.Error("500 page quotes the request id")
	}
	if !strings.Contains(logs.String(), "secret detail") || !strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Errorf("the log keeps the detail: %s", logs.String())
	}
}

func TestRequestLogNeverHoldsSecrets(t *testing.T) {
	ts := newTestServer(t)
	var logs bytes.Buffer
	ts.log = slog.New(slog.NewJSONHandler(&logs, nil))
	h := ts.middleware(ts.routes())
	r := httptest.NewRequest(http.MethodGet, "/accessibility?token=abc123secret", nil)
	r.Header.Set("Authorization", "Bearer tok_supersecret")
	h.ServeHTTP(httptest.NewRecorder(), r)
	line := logs.String()
	for _, secret := range []string{"abc123secret", "tok_supersecret"} {
		if strings.Contains(line, secret) {
			t.Errorf("log holds %q: %s", secret, line)
		}
	}
	for _, want := range []string{`"method":"GET"`, `"route":"/accessibility"`, `"status":200`, `"duration_ms"`, `"request_id"`} {
		if !strings.Contains(line, want) {
			t.Errorf("log lacks %s: %s", want, line)
		}
	}
}

func TestStaticFilesAtHashedURLs(t *testing.T) {
	ts := newTestServer(t)
	home := ts.do(httptest.NewRequest(http.MethodGet, "/", nil), nil).Body.String()
	m := regexp.MustCompile(`href="(/static/css/portal\.[0-9a-f]{12}\.css)"`).FindStringSubmatch(home)
	if m == nil {
		t.Fatal("the layout links the stylesheet at a hashed URL")
	}
	w := ts.do(httptest.NewRequest(http.MethodGet, m[1], nil), nil)
	if w.Code != 200 || !strings.Contains(w.Header().Get("Cache-Control"), "immutable") {
		t.Fatalf("hashed file: %d %q", w.Code, w.Header().Get("Cache-Control"))
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("Content-Type = %q", ct)
	}
	if w := ts.do(httptest.NewRequest(http.MethodGet, "/static/css/nope.css", nil), nil); w.Code != 404 {
		t.Errorf("missing static file = %d", w.Code)
	}
}

func TestBodyLimits(t *testing.T) {
	ts := newTestServer(t)
	big := bytes.Repeat([]byte("a"), maxBodyLimit+1)
	r := httptest.NewRequest(http.MethodPost, "/api/v1/anything", bytes.NewReader(big))
	w := ts.do(r, nil)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized body = %d, want 413", w.Code)
	}
	if w.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("API 413 is problem+json, got %q", w.Header().Get("Content-Type"))
	}
	// A handler with the default limit refuses a body over 1 MB.
	h := ts.handle(func(w http.ResponseWriter, r *http.Request) error {
		_, err := io.ReadAll(r.Body)
		return err
	})
	w = httptest.NewRecorder()
	body := bytes.Repeat([]byte("a"), defaultBodyLimit+10)
	req := httptest.NewRequest(http.MethodPost, "/x", bytes.NewReader(body))
	req.ContentLength = -1 // unknown length: the reader enforces it
	h.ServeHTTP(w, req)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("over default limit = %d, want 413", w.Code)
	}
}

func TestFormatPence(t *testing.T) {
	tests := map[int64]string{0: "£0.00", 5: "£0.05", 123450: "£1,234.50", 100000000: "£1,000,000.00", -2550: "−£25.50"}
	for in, want := range tests {
		if got := format.Pence(in); got != want {
			t.Errorf("format.Pence(%d) = %q, want %q", in, got, want)
		}
	}
}
