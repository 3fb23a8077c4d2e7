// Package mailtest runs a real SMTP server in the test process
// (github.com/emersion/go-smtp) that keeps what it receives, so tests of
// the mail outbox and of the portal's pages can read the mailbox. It is for
// tests only.
package mailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options configure the server.
type Options struct {
	// Username and Password, when set, make the server require AUTH PLAIN.
	Username, Password string
	// TLS makes the server offer STARTTLS with a self-signed certificate
	// for 127.0.0.1 (clients must skip verification).
	TLS bool
	// Reply, when set, decides the answer to each RCPT TO: return nil to
	// accept, or an *smtp.SMTPError (see Bounce and Defer).
	Reply func(rcpt string) error
	// DataHook runs when a message's data has been read, before the reply;
	// tests use it to hold a delivery mid-way. An error refuses the message.
	DataHook func(rcpt []string) error
}

// Received is one message the server accepted.
type Received struct {
	From string
	To   []string
	Data []byte
}

// Header returns a header of the message.
func (r Received) Header(name string) string {
	m, err := mail.ReadMessage(bytes.NewReader(r.Data))
	if err != nil {
		return ""
	}
	return m.Header.Get(name)
}

// Server is a running SMTP server.
type Server struct {
	Host string
	Port int
	srv  *smtp.Server
	l    *droppingListener
	opts Options

	mu   sync.Mutex
	got  []Received
	cond *sync.Cond
}

// Bounce is a permanent refusal (550).
func Bounce(msg string) error {
	return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: msg}
}

// Defer is a temporary refusal (451).
func Defer(msg string) error {
	return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: msg}
}

// Start runs a server on 127.0.0.1 until the test ends.
func Start(tb testing.TB, o Options) *Server {
	tb.Helper()
	s, err := StartServer(o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// StartServer runs a server on 127.0.0.1; Close stops it.
func StartServer(o Options) (*Server, error) {
	tl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	l := &droppingListener{Listener: tl}
	s := &Server{Host: "127.0.0.1", Port: tl.Addr().(*net.TCPAddr).Port, opts: o, l: l}
	s.cond = sync.NewCond(&s.mu)
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.MaxMessageBytes = 10 << 20
	srv.ErrorLog = discard{}
	if o.TLS {
		cert, err := selfSigned()
		if err != nil {
			return nil, err
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	s.srv = srv
	go func() { _ = srv.Serve(l) }()
	return s, nil
}

type discard struct{}

func (discard) Printf(string, ...any) {}
func (discard) Println(...any)        {}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// GoDown makes the server unreachable while keeping its port: every new
// connection is closed before the greeting, as a mail server that has gone
// away looks to a client. Closing instead would free the port for any other
// test process's server, which might then answer in its place.
func (s *Server) GoDown() { s.l.down.Store(true) }

// droppingListener is the server's listener; once down it closes each
// connection it accepts.
type droppingListener struct {
	net.Listener
	down atomic.Bool
}

func (l *droppingListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil || !l.down.Load() {
			return c, err
		}
		_ = c.Close()
	}
}

// Unreachable returns the address of a port where nothing answers SMTP:
// each connection is closed at once. The port stays held until the test
// ends, so no other server can take it.
func Unreachable(tb testing.TB) (host string, port int) {
	tb.Helper()
	tl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	l := &droppingListener{Listener: tl}
	l.down.Store(true)
	go func() {
		for {
			if _, err := l.Accept(); err != nil {
				return
			}
		}
	}()
	tb.Cleanup(func() { _ = tl.Close() })
	return "127.0.0.1", tl.Addr().(*net.TCPAddr).Port
}

// URL is the PORTAL_SMTP_URL for this server.
func (s *Server) URL() string {
	u := url.URL{Scheme: "smtp", Host: fmt.Sprintf("%s:%d", s.Host, s.Port)}
	if s.opts.Username != "" {
		u.User = url.UserPassword(s.opts.Username, s.opts.Password)
	}
	q := url.Values{}
	if s.opts.TLS {
		q.Set("tls", "starttls")
	} else {
		q.Set("tls", "none")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// Messages returns what the server has accepted so far.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.got...)
}

// To returns the messages accepted for one address.
func (s *Server) To(addr string) []Received {
	var out []Received
	for _, m := range s.Messages() {
		for _, t := range m.To {
			if strings.EqualFold(t, addr) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// Wait blocks until the server holds at least n messages or the timeout
// passes, and returns them.
func (s *Server) Wait(n int, timeout time.Duration) ([]Received, error) {
	deadline := time.Now().Add(timeout)
	for {
		got := s.Messages()
		if len(got) >= n {
			return got, nil
		}
		if time.Now().After(deadline) {
			return got, fmt.Errorf("mailtest: %d messages after %s, want %d", len(got), timeout, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type session struct {
	s    *Server
	auth bool
	from string
	to   []string
}

func (se *session) AuthMechanisms() []string {
	if se.s.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (se *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != se.s.opts.Username || pass != se.s.opts.Password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
		}
		se.auth = true
		return nil
	}), nil
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if se.s.opts.Username != "" && !se.auth {
		return smtp.ErrAuthRequired
	}
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if se.s.opts.Reply != nil {
		if err := se.s.opts.Reply(to); err != nil {
			return err
		}
	}
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if se.s.opts.DataHook != nil {
		if err := se.s.opts.DataHook(se.to); err != nil {
			return err
		}
	}
	se.s.mu.Lock()
	se.s.got = append(se.s.got, Received{From: se.from, To: append([]string(nil), se.to...), Data: b})
	se.s.mu.Unlock()
	return nil
}

func (se *session) Reset() { se.from, se.to = "", nil }

func (se *session) Logout() error { return nil }

func selfSigned() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	if der == nil {
		return tls.Certificate{}, errors.New("mailtest: no certificate")
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
