package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"

	gomail "github.com/wneessen/go-mail"
)

// Transport is a delivery method: SMTP or GOV.UK Notify.
type Transport interface {
	// Method names the method for the admin page, e.g. "SMTP (smtp.example.gov.uk:587)".
	Method() string
	// Open starts a delivery session (an SMTP connection; nothing for Notify).
	Open(ctx context.Context) (Conn, error)
}

// Conn delivers messages one at a time within a session.
type Conn interface {
	// Send delivers one message. A nil error means the provider accepted it
	// (SMTP: a 250 reply to the end of DATA; Notify: 201). A *SendError says
	// whether the refusal is permanent; any other error is temporary.
	Send(ctx context.Context, m Message) error
	Close() error
}

// SendError is a refusal by the mail provider.
type SendError struct {
	Permanent bool
	Reason    string
}

func (e *SendError) Error() string { return e.Reason }

// permanentf returns a permanent refusal.
func permanentf(format string, a ...any) error {
	return &SendError{Permanent: true, Reason: fmt.Sprintf(format, a...)}
}

// temporaryf returns a refusal worth retrying.
func temporaryf(format string, a ...any) error {
	return &SendError{Reason: fmt.Sprintf(format, a...)}
}

// IsPermanent reports whether err means trying again will not help.
func IsPermanent(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Permanent
}

// SMTP delivers through an SMTP server with github.com/wneessen/go-mail.
type SMTP struct{ s SMTPSettings }

// NewSMTP returns the SMTP transport for checked settings.
func NewSMTP(s SMTPSettings) *SMTP { return &SMTP{s: s} }

// Method implements Transport.
func (t *SMTP) Method() string {
	return fmt.Sprintf("SMTP (%s:%d, tls=%s)", t.s.Host, t.s.Port, t.s.TLS)
}

// Open connects, negotiates TLS and authenticates.
func (t *SMTP) Open(ctx context.Context) (Conn, error) {
	opts := []gomail.Option{
		gomail.WithPort(t.s.Port),
		gomail.WithTimeout(t.s.Timeout),
		gomail.WithTLSConfig(&tls.Config{ServerName: t.s.Host, MinVersion: tls.VersionTLS12, InsecureSkipVerify: t.s.InsecureSkipVerify}), //nolint:gosec // only tests set it
	}
	switch t.s.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if t.s.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(t.s.Username), gomail.WithPassword(t.s.Password))
	}
	c, err := gomail.NewClient(t.s.Host, opts...)
	if err != nil {
		return nil, permanentf("SMTP settings: %v", err)
	}
	if err := c.DialWithContext(ctx); err != nil {
		return nil, classifySMTP(fmt.Errorf("could not connect to the SMTP server %s:%d: %w", t.s.Host, t.s.Port, err))
	}
	return &smtpConn{t: t, c: c}, nil
}

type smtpConn struct {
	t *SMTP
	c *gomail.Client
}

func (sc *smtpConn) Send(_ context.Context, m Message) error {
	msg := gomail.NewMsg()
	if err := msg.From(sc.t.s.From); err != nil {
		return permanentf("the From address %q is not valid: %v", sc.t.s.From, err)
	}
	if err := msg.To(m.To); err != nil {
		return permanentf("the address %q is not valid", m.To)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(messageIDFor(m.ID, sc.t.s.From))
	msg.SetDate()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	if m.Unsubscribe != "" {
		msg.SetGenHeader(gomail.HeaderListUnsubscribe, "<"+m.Unsubscribe+">")
		msg.SetGenHeader(gomail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	}
	err := sc.c.Send(msg)
	if msg.IsDelivered() {
		// The server answered 250 to the end of DATA; a failure after that
		// (the RSET) does not undo the delivery.
		return nil
	}
	if err == nil {
		return temporaryf("the SMTP server did not confirm the message")
	}
	return classifySMTP(err)
}

func (sc *smtpConn) Close() error { return sc.c.Close() }

// classifySMTP turns go-mail's error into a SendError: 5xx replies are
// permanent (a bounce), 4xx and network errors are temporary.
func classifySMTP(err error) error {
	var se *gomail.SendError
	if errors.As(err, &se) {
		code := se.ErrorCode()
		reason := strings.TrimSpace(err.Error())
		if code >= 500 && code < 600 {
			return &SendError{Permanent: true, Reason: fmt.Sprintf("the SMTP server refused the message (%d): %s", code, reason)}
		}
		if code >= 400 && code < 500 {
			return &SendError{Reason: fmt.Sprintf("the SMTP server deferred the message (%d): %s", code, reason)}
		}
		return &SendError{Permanent: !se.IsTemp() && code != 0, Reason: reason}
	}
	msg := err.Error()
	if strings.Contains(msg, "535") || strings.Contains(strings.ToLower(msg), "authentication failed") {
		// A wrong user name or password: retrying with the same settings will not help.
		return &SendError{Permanent: true, Reason: "the SMTP server refused the user name or password in " + EnvSMTPURL + ": " + msg}
	}
	return &SendError{Reason: msg}
}

// messageIDFor makes the Message-ID from the outbox id, so a copy a mail
// system might see twice has the same id.
func messageIDFor(id, from string) string {
	domain := "portal.invalid"
	if i := strings.LastIndex(from, "@"); i >= 0 {
		domain = strings.Trim(from[i+1:], "> ")
	}
	var b strings.Builder
	for _, r := range id {
		if r < 0x21 || r > 0x7e || strings.ContainsRune("<>@\"\\()[],;: ", r) {
			b.WriteByte('.')
			continue
		}
		b.WriteRune(r)
	}
	return b.String() + "@" + domain
}
