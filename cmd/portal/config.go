package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"careportal/portal/mail"
)

// config is every setting the portal reads. Each comes from an environment
// variable and may be overridden by a flag of the same meaning.
type config struct {
	Addr        string
	MongoURI    string
	Database    string
	DataDir     string
	BaseURL     string
	ServiceName string
	SessionKey  string

	// email (package portal/mail): SMTP or GOV.UK Notify, or neither
	SMTPURL          string
	MailFrom         string
	NotifyAPIKey     string
	NotifyURL        string
	NotifyTemplateID string
	// mailTransport is the delivery method validate chose (nil: not set up).
	mailTransport mail.Transport
	// MemoryLimit is PORTAL_MEMORY_LIMIT (memory.go); validate parses it
	// into memoryLimit (memoryLimitSet false: leave the runtime's limit).
	MemoryLimit    string
	memoryLimit    int64
	memoryLimitSet bool
	// bulkWrites opens the embedded store for writing many documents
	// (store.Options.BulkWrites): the demo sets it.
	bulkWrites bool
}

// setting ties one config field to its variable, flag and help text.
type setting struct {
	Env, Flag, Default, Help string
	field                    func(*config) *string
}

var settings = []setting{
	{"PORTAL_ADDR", "addr", ":8080", "address to listen on", func(c *config) *string { return &c.Addr }},
	{"MONGODB_URI", "mongodb-uri", "", "MongoDB connection string; unset means the embedded store", func(c *config) *string { return &c.MongoURI }},
	{"PORTAL_DB", "db", "portal", "database name", func(c *config) *string { return &c.Database }},
	{"PORTAL_DATA_DIR", "data-dir", "./data", "directory for the embedded store and its session key", func(c *config) *string { return &c.DataDir }},
	{"PORTAL_BASE_URL", "base-url", "", "the portal's public address, e.g. https://portal.example.gov.uk", func(c *config) *string { return &c.BaseURL }},
	{"PORTAL_SERVICE_NAME", "service-name", "Care Provider Portal", "the council's name for the service, shown in the header", func(c *config) *string { return &c.ServiceName }},
	{"PORTAL_SESSION_KEY", "session-key", "", "secret for signing session cookies (at least 32 characters); required with MONGODB_URI", func(c *config) *string { return &c.SessionKey }},
	{envMemoryLimit, "memory-limit", "", "soft limit on the portal's memory, e.g. 1GiB or 1536MiB (GOMEMLIMIT's syntax; off: none; auto: follows the live heap); unset: GOMEMLIMIT's, else auto", func(c *config) *string { return &c.MemoryLimit }},
	{mail.EnvSMTPURL, "smtp-url", "", "SMTP server for email: smtp://user:password@host:port?tls=starttls (default), tls or none", func(c *config) *string { return &c.SMTPURL }},
	{mail.EnvMailFrom, "mail-from", "", "the From address of email sent by SMTP; required with PORTAL_SMTP_URL", func(c *config) *string { return &c.MailFrom }},
	{mail.EnvNotifyAPIKey, "notify-api-key", "", "GOV.UK Notify API key; sends email through Notify instead of SMTP", func(c *config) *string { return &c.NotifyAPIKey }},
	{mail.EnvNotifyURL, "notify-url", "", "GOV.UK Notify's API address (default " + mail.DefaultNotifyURL + ")", func(c *config) *string { return &c.NotifyURL }},
	{mail.EnvNotifyTemplateID, "notify-template-id", "", "the Notify email template with ((subject)) and ((body)); required with PORTAL_NOTIFY_API_KEY", func(c *config) *string { return &c.NotifyTemplateID }},
}

// knownEnvNames lists every environment variable the portal reads.
func knownEnvNames() []string {
	out := make([]string, len(settings))
	for i, s := range settings {
		out[i] = s.Env
	}
	return out
}

// registerConfigFlags adds the settings' flags to fs, each defaulting to the
// environment's value (or the built-in default).
func registerConfigFlags(fs *flag.FlagSet, c *config, getenv func(string) string) {
	for _, s := range settings {
		def := s.Default
		if v, ok := lookup(getenv, s.Env); ok {
			def = v
		}
		fs.StringVar(s.field(c), s.Flag, def, fmt.Sprintf("%s (env %s)", s.Help, s.Env))
	}
}

func lookup(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	return v, v != ""
}

// validate checks every setting once, naming the bad one.
func (c *config) validate() error {
	var errs []error
	bad := func(env, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", env, fmt.Sprintf(format, a...)))
	}
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		bad("PORTAL_ADDR", "%q is not a listen address like :8080 or 127.0.0.1:8080", c.Addr)
	}
	if c.MongoURI != "" {
		u, err := url.Parse(c.MongoURI)
		if err != nil || (u.Scheme != "mongodb" && u.Scheme != "mongodb+srv") {
			bad("MONGODB_URI", "must start with mongodb:// or mongodb+srv://")
		}
		if c.SessionKey == "" {
			bad("PORTAL_SESSION_KEY", "is required when MONGODB_URI is set, so that every instance signs cookies with the same key")
		}
	}
	if c.Database == "" || strings.ContainsAny(c.Database, `/\. "$`) || len(c.Database) > 60 {
		bad("PORTAL_DB", "%q is not a valid database name (letters, digits, - and _ only)", c.Database)
	}
	if c.MongoURI == "" && c.DataDir == "" {
		bad("PORTAL_DATA_DIR", "must be set for the embedded store")
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			bad("PORTAL_BASE_URL", "%q must be an address like https://portal.example.gov.uk (no path)", c.BaseURL)
		}
		c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	}
	if strings.TrimSpace(c.ServiceName) == "" || len(c.ServiceName) > 80 {
		bad("PORTAL_SERVICE_NAME", "must be between 1 and 80 characters")
	}
	if c.SessionKey != "" && len(c.SessionKey) < 32 {
		bad("PORTAL_SESSION_KEY", "must be at least 32 characters (try: openssl rand -hex 32)")
	}
	if lim, set, err := parseMemoryLimit(c.MemoryLimit); err != nil {
		bad(envMemoryLimit, "%s", err)
	} else {
		c.memoryLimit, c.memoryLimitSet = lim, set
	}
	tr, err := mail.Settings{SMTPURL: c.SMTPURL, MailFrom: c.MailFrom, NotifyAPIKey: c.NotifyAPIKey,
		NotifyURL: c.NotifyURL, NotifyTemplateID: c.NotifyTemplateID}.Check()
	if err != nil {
		errs = append(errs, err) // each line names its variable
	}
	c.mailTransport = tr
	if tr != nil && c.BaseURL == "" {
		bad("PORTAL_BASE_URL", "is required when email is set up, so that emails can link to the portal")
	}
	return errors.Join(errs...)
}

// mailBaseURL is the address emails link to: PORTAL_BASE_URL, or (with
// email not set up, so that the outbox still shows whole messages) this
// machine's listen address.
func (c *config) mailBaseURL() string {
	if c.BaseURL != "" {
		return c.BaseURL
	}
	_, port, err := net.SplitHostPort(c.Addr)
	if err != nil || port == "" {
		port = "8080"
	}
	return "http://localhost:" + port
}

// secure reports whether the portal is served over https.
func (c *config) secure() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// sessionKey returns the configured key or, in embedded mode, the one kept
// in the data directory (made on first start).
func (c *config) sessionKey() ([]byte, error) {
	if c.SessionKey != "" {
		return []byte(c.SessionKey), nil
	}
	path := filepath.Join(c.DataDir, "session.key")
	if b, err := os.ReadFile(path); err == nil {
		key := strings.TrimSpace(string(b))
		if len(key) < 32 {
			return nil, fmt.Errorf("%s is damaged (shorter than 32 characters); delete it to make a new one (everyone will be signed out)", path)
		}
		return []byte(key), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	key := hex.EncodeToString(b)
	if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("keeping the session key in %s: %w", path, err)
	}
	return []byte(key), nil
}
