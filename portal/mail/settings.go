package mail

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Setting names. Keep them stable: they are in the README and in people's
// deployment files.
const (
	EnvSMTPURL          = "PORTAL_SMTP_URL"
	EnvMailFrom         = "PORTAL_MAIL_FROM"
	EnvNotifyAPIKey     = "PORTAL_NOTIFY_API_KEY"
	EnvNotifyURL        = "PORTAL_NOTIFY_URL"
	EnvNotifyTemplateID = "PORTAL_NOTIFY_TEMPLATE_ID"
)

// DefaultNotifyURL is GOV.UK Notify's API address.
const DefaultNotifyURL = "https://api.notifications.service.gov.uk"

// Settings are the email settings as the cmd layer read them (environment
// variable or flag). Check turns them into a Transport.
type Settings struct {
	SMTPURL          string // smtp://user:password@host:port?tls=none|starttls|tls
	MailFrom         string // the From address for SMTP
	NotifyAPIKey     string // {key_name}-{service_id}-{secret_key}
	NotifyURL        string // Notify's API address; empty means DefaultNotifyURL
	NotifyTemplateID string // one Notify email template with ((subject)) and ((body))
	// Timeout bounds one SMTP connection or one Notify request; zero means 30s.
	Timeout time.Duration
}

// TLSMode is how the SMTP connection is protected.
type TLSMode string

const (
	TLSNone     TLSMode = "none"     // plain text (a local relay or Mailpit)
	TLSStartTLS TLSMode = "starttls" // upgrade with STARTTLS, and refuse a server without it
	TLSImplicit TLSMode = "tls"      // TLS from the first byte (port 465)
)

// SMTPSettings is a checked PORTAL_SMTP_URL.
type SMTPSettings struct {
	Host     string
	Port     int
	Username string
	Password string
	TLS      TLSMode
	From     string
	Timeout  time.Duration
	// InsecureSkipVerify is for tests against a server with a self-signed
	// certificate; no setting turns it on.
	InsecureSkipVerify bool
}

// NotifySettings is a checked GOV.UK Notify API key and address.
type NotifySettings struct {
	BaseURL    string
	KeyName    string
	ServiceID  string // the JWT's iss
	SecretKey  string // signs the JWT (HS256)
	TemplateID string
	Timeout    time.Duration
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Check validates the settings and returns the transport they choose: SMTP,
// GOV.UK Notify, or nil when neither is set (messages then stay in the
// outbox marked "not sent: email is not set up"). Every bad setting is
// reported, each naming its variable.
func (s Settings) Check() (Transport, error) {
	var errs []error
	bad := func(env, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", env, fmt.Sprintf(format, a...)))
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	if s.SMTPURL != "" && s.NotifyAPIKey != "" {
		bad(EnvNotifyAPIKey, "set either %s or %s, not both", EnvSMTPURL, EnvNotifyAPIKey)
	}
	var smtpSet *SMTPSettings
	if s.SMTPURL != "" {
		ss, err := parseSMTPURL(s.SMTPURL)
		if err != nil {
			bad(EnvSMTPURL, "%v", err)
		}
		if s.MailFrom == "" {
			bad(EnvMailFrom, "is required with %s (the address emails come from, e.g. portal@council.gov.uk)", EnvSMTPURL)
		} else if a, err := mail.ParseAddress(s.MailFrom); err != nil || !strings.Contains(a.Address, "@") {
			bad(EnvMailFrom, "%q is not an email address", s.MailFrom)
		}
		ss.From = s.MailFrom
		ss.Timeout = timeout
		smtpSet = &ss
	} else if s.MailFrom != "" && s.NotifyAPIKey == "" {
		bad(EnvMailFrom, "is set but %s is not: set the SMTP server too", EnvSMTPURL)
	}
	var notifySet *NotifySettings
	if s.NotifyAPIKey != "" {
		ns, err := ParseNotifyKey(s.NotifyAPIKey)
		if err != nil {
			bad(EnvNotifyAPIKey, "%v", err)
		}
		ns.BaseURL = s.NotifyURL
		if ns.BaseURL == "" {
			ns.BaseURL = DefaultNotifyURL
		}
		if u, err := url.Parse(ns.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad(EnvNotifyURL, "%q is not an address like %s", s.NotifyURL, DefaultNotifyURL)
		}
		ns.BaseURL = strings.TrimSuffix(ns.BaseURL, "/")
		if !uuidRE.MatchString(s.NotifyTemplateID) {
			bad(EnvNotifyTemplateID, "is required with %s: the id of a Notify email template whose subject is ((subject)) and body is ((body))", EnvNotifyAPIKey)
		}
		ns.TemplateID = strings.ToLower(s.NotifyTemplateID)
		ns.Timeout = timeout
		notifySet = &ns
	} else if s.NotifyURL != "" {
		bad(EnvNotifyURL, "is set but %s is not", EnvNotifyAPIKey)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	switch {
	case smtpSet != nil:
		return NewSMTP(*smtpSet), nil
	case notifySet != nil:
		return NewNotify(*notifySet, nil), nil
	}
	return nil, nil
}

// parseSMTPURL reads smtp://user:password@host:port?tls=none|starttls|tls.
// The password is never part of an error message.
func parseSMTPURL(raw string) (SMTPSettings, error) {
	var s SMTPSettings
	u, err := url.Parse(raw)
	if err != nil {
		return s, errors.New("is not an address like smtp://user:password@smtp.example.gov.uk:587")
	}
	if u.Scheme != "smtp" {
		return s, errors.New("must start with smtp:// (for example smtp://user:password@smtp.example.gov.uk:587)")
	}
	host, portText, err := net.SplitHostPort(u.Host)
	if err != nil || host == "" {
		return s, errors.New("needs a host and a port, like smtp.example.gov.uk:587")
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 1 || port > 65535 {
		return s, fmt.Errorf("port %q is not a number from 1 to 65535", portText)
	}
	s.Host, s.Port = host, port
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	q := u.Query()
	for k := range q {
		if k != "tls" {
			return s, fmt.Errorf("unknown option %q (the only option is tls=none, starttls or tls)", k)
		}
	}
	switch TLSMode(q.Get("tls")) {
	case "", TLSStartTLS:
		s.TLS = TLSStartTLS
	case TLSNone:
		s.TLS = TLSNone
	case TLSImplicit:
		s.TLS = TLSImplicit
	default:
		return s, fmt.Errorf("tls=%s is not one of none, starttls (the default) or tls", q.Get("tls"))
	}
	if s.Username != "" && s.TLS == TLSNone && host != "localhost" && host != "127.0.0.1" && host != "::1" {
		return s, errors.New("a user and password over tls=none would cross the network unencrypted: use tls=starttls or tls=tls")
	}
	return s, nil
}

// ParseNotifyKey splits a GOV.UK Notify API key,
// {key_name}-{service_id}-{secret_key}, where the last two are UUIDs (36
// characters each) and the key name may itself contain hyphens.
func ParseNotifyKey(key string) (NotifySettings, error) {
	var n NotifySettings
	key = strings.TrimSpace(key)
	const uuidLen = 36
	if len(key) < 2*uuidLen+2 {
		return n, errors.New("is not a Notify API key (expected {key_name}-{service_id}-{secret_key})")
	}
	secret := key[len(key)-uuidLen:]
	rest := key[:len(key)-uuidLen-1]
	if key[len(key)-uuidLen-1] != '-' {
		return n, errors.New("is not a Notify API key (expected {key_name}-{service_id}-{secret_key})")
	}
	service := rest[len(rest)-uuidLen:]
	name := strings.TrimSuffix(rest[:len(rest)-uuidLen], "-")
	if !uuidRE.MatchString(secret) || !uuidRE.MatchString(service) {
		return n, errors.New("is not a Notify API key: its last two parts must be the service id and the secret key (two UUIDs)")
	}
	n.KeyName, n.ServiceID, n.SecretKey = name, service, secret
	return n, nil
}
