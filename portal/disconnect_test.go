package portal

import (
	"bytes"
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestClientDisconnectsNeverBreakTheStore: 100 signed-in clients give up
// mid-request (their request contexts are cancelled while the handlers are
// reading the session and the invoices from the store), then the next
// request succeeds and nothing was logged as a failure. In embedded mode
// the store has one connection; a cancelled driver call would close it.
func TestClientDisconnectsNeverBreakTheStore(t *testing.T) {
	f := newAccountsFixture(t)
	var logs syncBuffer
	f.ts.log = slog.New(slog.NewJSONHandler(&logs, nil))
	f.ts.Handler = f.ts.Server.Handler()
	b := f.browser(t)
	if resp := b.signIn("manager@alpha.test", testPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	cookies := b.c.Jar.Cookies(mustURL(t, b.base))
	if len(cookies) == 0 {
		t.Fatal("no session cookie")
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	cancelled := 0
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rand.IntN(4000)+200*(i%5))*time.Microsecond)
			defer cancel()
			path := []string{"/invoices", "/home", "/account/password", "/notifications"}[i%4]
			r, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.base+path, nil)
			for _, c := range cookies {
				r.AddCookie(c)
			}
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				mu.Lock()
				cancelled++
				mu.Unlock()
				return
			}
			resp.Body.Close()
		}()
	}
	wg.Wait()
	if cancelled == 0 {
		t.Fatal("no client gave up mid-request: the test did not test anything")
	}
	// Let the abandoned handlers finish, then the next request must succeed.
	time.Sleep(200 * time.Millisecond)
	for _, path := range []string{"/invoices", "/home"} {
		if resp, body := b.get(path); resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s after %d disconnects: %d %s", path, cancelled, resp.StatusCode, body)
		}
	}
	time.Sleep(100 * time.Millisecond)
	out := logs.String()
	if strings.Contains(out, `"status":500`) || strings.Contains(out, "request failed") {
		t.Fatalf("%d clients disconnected and a request failed:\n%s", cancelled, out)
	}
	t.Logf("%d of 100 clients disconnected mid-request", cancelled)
}

// syncBuffer is a bytes.Buffer safe for concurrent handlers' logs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
