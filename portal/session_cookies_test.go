package portal

import (
	"testing"
	"time"

	"github.com/gorilla/securecookie"
)

// TestVerifiedCookies checks the memory of checked session cookies: a
// signed value gives its id (checked once, then remembered), a forged or
// damaged one and one signed with another key are refused every time, a
// remembered value past its age limit is checked again, and a value is
// not taken for a cookie of another name.
func TestVerifiedCookies(t *testing.T) {
	const name = "portal_session"
	codecs := securecookie.CodecsFromPairs(testSessionKey)
	value, err := securecookie.EncodeMulti(name, "session-1", codecs...)
	if err != nil {
		t.Fatal(err)
	}
	var v verifiedCookies
	for range 2 {
		id, err := v.decode(name, value, time.Hour, codecs)
		if err != nil || id != "session-1" {
			t.Fatalf("a signed value: %q, %v", id, err)
		}
	}
	if got := v.byID[value]; got.id != "session-1" || got.expires < time.Now().Unix()+3500 || got.expires > time.Now().Unix()+3600 {
		t.Fatalf("remembered %+v, want the id and an hour from signing", got)
	}
	other, _ := securecookie.EncodeMulti(name, "session-2", securecookie.CodecsFromPairs([]byte("another key, another key, another key!!"))...)
	for _, bad := range []string{value[:len(value)-4] + "AAAA", "not a cookie", other} {
		for range 2 {
			if id, err := v.decode(name, bad, time.Hour, codecs); err == nil {
				t.Fatalf("%q accepted as %q", bad, id)
			}
		}
	}
	if _, err := v.decode("other_cookie", value, time.Hour, codecs); err == nil {
		t.Fatal("a value signed for one cookie name is accepted for another")
	}
	// Too old: a remembered entry past its limit is not trusted (here a
	// value that no longer checks out stands for one securecookie refuses).
	v.byID["stale"] = verifiedCookie{name: name, id: "session-3", expires: time.Now().Unix() - 1}
	if id, err := v.decode(name, "stale", time.Hour, codecs); err == nil {
		t.Fatalf("an entry past its age limit was trusted: %q", id)
	}
	if ts, ok := cookieTimestamp(value); !ok || time.Since(time.Unix(ts, 0)) > time.Minute {
		t.Fatalf("signing time %d, %t", ts, ok)
	}
}
