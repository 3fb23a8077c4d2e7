package portal

import (
	"bytes"
	"encoding/base64"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/securecookie"
)

// verifiedCookies remembers session cookie values whose signature has been
// checked, with the session id they carry and the moment securecookie's
// age limit runs out for them. Decoding a cookie (base64 twice, an HMAC and
// a gob decoder made for one string) was the biggest part of reading a
// session on every request. A value is the same bytes every time a browser
// sends it, signed by this server's key, so checking it once is enough
// until it is too old; the session it names is still looked up on every
// request (auth.Service.Session), so a signed-out, expired or revoked
// session is refused at once as before.
type verifiedCookies struct {
	mu   sync.RWMutex
	byID map[string]verifiedCookie
}

type verifiedCookie struct {
	name    string // the cookie's name, part of what is signed
	id      string
	expires int64 // Unix seconds: past it securecookie refuses the value
}

// verifiedCookiesMax bounds the memory: past it the map starts again empty
// (one entry per signed-in browser, a few hundred bytes each).
const verifiedCookiesMax = 20000

// decode returns the session id in a cookie value, checking the value
// through codecs unless it was checked before and is not yet too old.
func (v *verifiedCookies) decode(name, value string, maxAge time.Duration, codecs []securecookie.Codec) (string, error) {
	now := time.Now().UTC().Unix()
	v.mu.RLock()
	c, ok := v.byID[value]
	v.mu.RUnlock()
	if ok && c.name == name && now <= c.expires {
		return c.id, nil
	}
	var id string
	if err := securecookie.DecodeMulti(name, value, &id, codecs...); err != nil {
		return "", err
	}
	signed, ok := cookieTimestamp(value)
	if !ok || maxAge <= 0 {
		return id, nil // checked, but not kept
	}
	v.mu.Lock()
	if v.byID == nil || len(v.byID) >= verifiedCookiesMax {
		v.byID = map[string]verifiedCookie{}
	}
	v.byID[value] = verifiedCookie{name: name, id: id, expires: signed + int64(maxAge/time.Second)}
	v.mu.Unlock()
	return id, nil
}

// cookieTimestamp is the signing time inside a securecookie value
// (base64 of "date|value|mac").
func cookieTimestamp(value string) (int64, bool) {
	b, err := base64.URLEncoding.DecodeString(value)
	if err != nil {
		return 0, false
	}
	date, _, ok := bytes.Cut(b, []byte("|"))
	if !ok {
		return 0, false
	}
	t, err := strconv.ParseInt(string(date), 10, 64)
	return t, err == nil
}
