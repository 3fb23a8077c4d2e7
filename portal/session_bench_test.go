package portal

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"careportal/auth"
	"careportal/portal/app"
	"careportal/portal/app/apptest"
)

// BenchmarkSignedInStaticPage serves a signed-in static page (the
// accessibility statement) through the whole handler, middleware and
// session included, with sessions read from the store by _id (as in
// MongoDB mode, and in embedded mode before sessions were held in memory)
// and from memory (embedded mode now), side by side in one run:
//
//	go test ./portal -run '^$' -bench SignedInStaticPage -benchtime 3s
func BenchmarkSignedInStaticPage(b *testing.B) {
	a := apptest.New(b, app.Options{})
	ctx := context.Background()
	if _, err := a.Auth.CreateUser(ctx, auth.CommandLine, auth.UserInput{Email: "bench@council.test", Name: "Bench Staff", Role: auth.RoleCommissioner}, testPassword); err != nil {
		b.Fatal(err)
	}
	byID := a.Services
	byID.Auth = auth.NewService(a.Store.DB, auth.Options{Hash: auth.CheapHashParams}) // sessions read by _id
	for _, c := range []struct {
		name string
		svc  app.Services
	}{{"sessions-by-id", byID}, {"sessions-in-memory", a.Services}} {
		b.Run(c.name, func(b *testing.B) {
			ts := newTestServerOn(b, Config{}, c.svc)
			form := url.Values{"email": {"bench@council.test"}, "password": {testPassword}}
			r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			w := httptest.NewRecorder()
			ts.Handler.ServeHTTP(w, r)
			cookies := w.Result().Cookies()
			if w.Code != http.StatusSeeOther || len(cookies) == 0 {
				b.Fatalf("sign-in: %d %s", w.Code, w.Body.String())
			}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					r := httptest.NewRequest(http.MethodGet, "/accessibility", nil)
					for _, ck := range cookies {
						r.AddCookie(ck)
					}
					w := httptest.NewRecorder()
					ts.Handler.ServeHTTP(w, r)
					if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Sign out") {
						b.Fatalf("GET /accessibility signed in: %d", w.Code)
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
