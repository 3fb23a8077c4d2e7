package portal

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"careportal/auth"
)

// TestFlashCookie: the message is for the session it was set for, shown
// on the next HTML page and cleared as that page goes out; a redirect or a
// download leaves it; another session's, a tampered or a foreign-key
// cookie shows nothing and is cleared; a long message is cut to whole
// characters.
func TestFlashCookie(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	st := newSessionStore(nil, key, true, auth.SessionTimeouts{Idle: 3600e9, Absolute: 86400e9})
	other := newSessionStore(nil, []byte("another key, another portal....."), true, auth.SessionTimeouts{Idle: 3600e9, Absolute: 86400e9})
	s := &Server{sessions: st}
	cookieFor := func(store *sessionStore, session, msg string) *http.Cookie {
		rec := httptest.NewRecorder()
		if err := store.setFlashFor(rec, session, msg); err != nil {
			t.Fatal(err)
		}
		c := rec.Result().Cookies()
		if len(c) != 1 || c[0].Name != "__Host-portal_flash" || !c[0].HttpOnly || !c[0].Secure || c[0].Path != "/" || c[0].SameSite != http.SameSiteLaxMode || c[0].MaxAge <= 0 {
			t.Fatalf("flash cookie %+v", c)
		}
		return c[0]
	}
	long := strings.Repeat("é", flashMax) // two bytes each
	tampered := cookieFor(st, "s1", "Saved")
	tampered.Value = tampered.Value[:len(tampered.Value)-2] + "xx"
	for _, c := range []struct {
		name        string
		cookie      *http.Cookie
		contentType string
		status      int
		want        string
		cleared     bool
	}{
		{"the next page", cookieFor(st, "s1", "Invoice INV-1 has been submitted"), "text/html; charset=utf-8", 200, "Invoice INV-1 has been submitted", true},
		{"a redirect leaves it", cookieFor(st, "s1", "Saved"), "text/html; charset=utf-8", 303, "Saved", false},
		{"a download leaves it", cookieFor(st, "s1", "Saved"), "text/csv", 200, "Saved", false},
		{"another session's", cookieFor(st, "s2", "Not yours"), "text/html; charset=utf-8", 200, "", true},
		{"tampered", tampered, "text/html; charset=utf-8", 200, "", true},
		{"signed with another key", cookieFor(other, "s1", "Forged"), "text/html; charset=utf-8", 200, "", true},
		{"long and not ASCII", cookieFor(st, "s1", long), "text/html; charset=utf-8", 200, strings.Repeat("é", flashMax/2), true},
		{"none", nil, "text/html; charset=utf-8", 200, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var shown string
			h := s.showFlash(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				shown = flash(r)
				w.Header().Set("Content-Type", c.contentType)
				w.WriteHeader(c.status)
			}))
			req := httptest.NewRequest(http.MethodGet, "/home", nil)
			if c.cookie != nil {
				req.AddCookie(c.cookie)
			}
			req = req.WithContext(context.WithValue(req.Context(), sessionCtxKey{}, &auth.Session{ID: "s1"}))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if c.status == 200 && c.contentType != "text/csv" && shown != c.want || !utf8.ValidString(shown) {
				t.Fatalf("shown %q, want %q", shown, c.want)
			}
			cleared := false
			for _, sc := range rec.Result().Cookies() {
				cleared = cleared || sc.Name == "__Host-portal_flash" && sc.MaxAge < 0
			}
			if cleared != c.cleared {
				t.Fatalf("cleared %v, want %v", cleared, c.cleared)
			}
		})
	}
}
