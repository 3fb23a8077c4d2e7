package auth

import (
	"bufio"
	"bytes"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"careportal/portal/fault"
)

// Password length limits, in characters. Any characters are allowed, so
// pasting and password managers work.
const (
	MinPasswordLength = 12
	MaxPasswordLength = 256
)

// HashParams are argon2id's cost parameters.
type HashParams struct {
	Time    uint32 // iterations
	Memory  uint32 // KiB
	Threads uint8
}

// DefaultHashParams follow OWASP's password storage cheat sheet for
// argon2id: 19 MiB of memory, 2 iterations, 1 degree of parallelism. Each
// sign-in costs about 19 MiB for a few tens of milliseconds, well within
// the machine's memory even with many sign-ins at once.
var DefaultHashParams = HashParams{Time: 2, Memory: 19 * 1024, Threads: 1}

// CheapHashParams are for tests only: fast, and far too weak for real use.
var CheapHashParams = HashParams{Time: 1, Memory: 64, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
)

var b64 = base64.RawStdEncoding

// hash returns the PHC-format argon2id hash of password with a new salt.
func (p HashParams) hash(password string) string {
	salt := randomBytes(saltLen)
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// verifyPassword reports whether password matches the encoded hash, in
// constant time. A malformed hash never matches.
func verifyPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	var p HashParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

//go:embed data/common-passwords.txt
var commonPasswordList []byte

// commonPasswords is the list (lower-cased) and the list's cores: each
// entry with the digits and symbols at its ends stripped, so that a near
// variant such as "password123456" (core "password", from "password1234")
// is refused like the entry itself.
func commonPasswords() (list, cores map[string]struct{}) {
	list = make(map[string]struct{}, 10000)
	cores = make(map[string]struct{}, 10000)
	sc := bufio.NewScanner(bytes.NewReader(commonPasswordList))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" {
			list[w] = struct{}{}
			if c := passwordCore(w); c != "" {
				cores[c] = struct{}{}
			}
		}
	}
	return list, cores
}

// passwordCore is lower with everything but letters stripped from both
// ends (digits, symbols and spaces), as OWASP suggests for checking a
// password against a list of common ones.
func passwordCore(lower string) string {
	return strings.TrimFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) })
}

// CheckPassword says what is wrong with a new password, as a field error
// on field, or nil. email and name, when given, may not be the password.
func (s *Service) CheckPassword(field, password, email string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case password == "":
		return fault.InvalidField(field, "Enter a password")
	case n < MinPasswordLength:
		return fault.InvalidField(field, fmt.Sprintf("Password must be %d characters or more", MinPasswordLength))
	case n > MaxPasswordLength:
		return fault.InvalidField(field, fmt.Sprintf("Password must be %d characters or fewer", MaxPasswordLength))
	}
	lower := strings.ToLower(password)
	if _, ok := s.common[lower]; ok {
		return fault.InvalidField(field, "This password is too common and easy to guess. Choose a different password, such as three random words")
	}
	if c := passwordCore(lower); c != "" {
		if _, ok := s.commonCores[c]; ok {
			return fault.InvalidField(field, "This password is too common and easy to guess: it is a common password with numbers or symbols added at the start or end. Choose a different password, such as three random words")
		}
	}
	if email != "" && lower == strings.ToLower(email) {
		return fault.InvalidField(field, "Password must not be your email address")
	}
	return nil
}
