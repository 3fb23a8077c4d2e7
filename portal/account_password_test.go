package portal

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"careportal/auth"
)

// TestChangePasswordThrottledAuditedAndRotatesSession: wrong current
// passwords are throttled like sign-in (30 guesses do not get through, nor
// does the right one straight after), each checked guess is audited, and a
// change gives this browser a new session id.
func TestChangePasswordThrottledAuditedAndRotatesSession(t *testing.T) {
	f := newAccountsFixture(t)
	b := f.browser(t)
	b.signIn("manager@beta.test", testPassword)
	const next = "a much longer new password"
	statuses := map[int]int{}
	began := time.Now()
	for i := 0; i < 30; i++ {
		resp, body := b.post("/account/password", url.Values{"current_password": {"wrong guess " + string(rune('a'+i))}, "new_password": {next}, "confirm_password": {next}})
		statuses[resp.StatusCode]++
		if resp.StatusCode == http.StatusTooManyRequests && !strings.Contains(body, "Too many attempts: try again in") {
			t.Fatalf("throttled page does not say when to try again")
		}
	}
	resp, _ := b.post("/account/password", url.Values{"current_password": {testPassword}, "new_password": {next}, "confirm_password": {next}})
	// The backoff lets one more guess through after 1 s, another after 3 s
	// and so on: a slow machine may see those.
	extra := 0
	for d := time.Second; d <= time.Since(began); d = 2*d + time.Second {
		extra++
	}
	checked := statuses[http.StatusUnprocessableEntity]
	if checked < 5 || checked > 5+extra || statuses[http.StatusTooManyRequests] != 30-checked {
		t.Errorf("30 wrong current passwords gave %v, want 5 checked (422) and 25 refused (429)", statuses)
	}
	if extra == 0 && resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the right password straight after 30 guesses: %d, want 429", resp.StatusCode)
	}
	entries, _, err := f.ts.Auth.AuditLog(context.Background(), auth.AuditFilter{Person: "manager@beta.test"}, 1, 200)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	refused := 0
	for _, e := range entries {
		count[e.Action]++
		if e.Action == "password.check_throttled" {
			refused += e.Refused
		}
	}
	if extra == 0 && (count["password.check_failure"] != 5 || count["password.check_throttled"] != 1 || refused != 26) {
		t.Errorf("audit %v with %d refusals counted, want 5 password.check_failure and one password.check_throttled counting 26", count, refused)
	}
	if count["password.check_failure"] != checked {
		t.Errorf("%d wrong current passwords checked, %d audited", checked, count["password.check_failure"])
	}

	// Once the wait is over, a change gives a new session id and the old
	// one stops working.
	f2 := f.browser(t)
	first := sessionCookie(f2.signIn("manager@alpha.test", testPassword))
	resp, _ = f2.post("/account/password", url.Values{"current_password": {testPassword}, "new_password": {next}, "confirm_password": {next}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change: %d", resp.StatusCode)
	}
	second := sessionCookie(resp)
	if first == nil || second == nil || second.Value == first.Value || second.MaxAge < 0 {
		t.Fatalf("the session id was not rotated on a password change: %+v then %+v", first, second)
	}
	if resp, body := f2.get("/home"); resp.StatusCode != 200 || !strings.Contains(body, "Your password has been changed") {
		t.Errorf("new session after the change: %d", resp.StatusCode)
	}
	old := f.browser(t)
	u, _ := url.Parse(old.base)
	old.c.Jar.SetCookies(u, []*http.Cookie{{Name: first.Name, Value: first.Value, Path: "/"}})
	if resp, _ := old.get("/home"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the session id from before the change still works: %d", resp.StatusCode)
	}
}
