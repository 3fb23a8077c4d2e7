package mail

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"careportal/portal/store/storetest"
)

const (
	testServiceID  = "26785a09-ab16-4eb0-8407-a37497a57506"
	testSecret     = "3d844edf-8d35-48ac-975b-e847b4f122b0"
	testNotifyKey  = "my_test-key-" + testServiceID + "-" + testSecret
	testTemplateID = "f33517ff-2a88-4f6e-b855-c550268ce08a"
)

// notifyServer stands in for GOV.UK Notify: it checks each request the
// way Notify does (a JWT signed with the key's secret, iss = the service
// id, iat within 30 seconds) and answers with the status the test asks for.
type notifyServer struct {
	t      *testing.T
	mu     sync.Mutex
	status func(to string) (int, string)
	got    []map[string]any
}

func (ns *notifyServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v2/notifications/email" {
		http.NotFound(w, r)
		return
	}
	auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || r.Header.Get("Content-Type") != "application/json" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	tok, err := jwt.Parse(auth, func(t *jwt.Token) (any, error) { return []byte(testSecret), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer(testServiceID), jwt.WithIssuedAt())
	if err != nil || !tok.Valid {
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"status_code":403,"errors":[{"error":"AuthError","message":"Invalid token: signature, api token not found"}]}`))
		return
	}
	iat, err := tok.Claims.GetIssuedAt()
	if err != nil || iat == nil || time.Since(iat.Time).Abs() > 30*time.Second {
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"status_code":403,"errors":[{"error":"AuthError","message":"Error: Your system clock must be accurate to within 30 seconds"}]}`))
		return
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	ns.mu.Lock()
	ns.got = append(ns.got, body)
	ns.mu.Unlock()
	to, _ := body["email_address"].(string)
	code, msg := http.StatusCreated, ""
	if ns.status != nil {
		code, msg = ns.status(to)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	if code == http.StatusCreated {
		_, _ = w.Write([]byte(`{"id":"740e5834-3a29-46b4-9a6f-16142fde533a","reference":"` + body["reference"].(string) + `","content":{"subject":"s","body":"b"}}`))
		return
	}
	_, _ = w.Write([]byte(msg))
}

func notifyTransport(t *testing.T, ns *notifyServer) Transport {
	t.Helper()
	srv := httptest.NewServer(ns)
	t.Cleanup(srv.Close)
	tr, err := Settings{NotifyAPIKey: testNotifyKey, NotifyURL: srv.URL, NotifyTemplateID: strings.ToUpper(testTemplateID)}.Check()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tr.(*Notify); !ok {
		t.Fatalf("transport %T", tr)
	}
	return tr
}

func TestNotifySendsSignedRequestWithPersonalisation(t *testing.T) {
	ns := &notifyServer{t: t}
	c := &clock{t: time.Now()}
	ob := newOutbox(t, notifyTransport(t, ns), c, Options{})
	ctx := storetest.Context(t)
	mustEnqueue(t, ob, testMessage(t, "invoice:i1:2:u1", "ann@sunrise.example"))
	res, err := ob.DeliverDue(ctx)
	if err != nil || res.Sent != 1 {
		t.Fatalf("deliver: %+v %v", res, err)
	}
	if len(ns.got) != 1 {
		t.Fatalf("requests: %d", len(ns.got))
	}
	b := ns.got[0]
	if b["email_address"] != "ann@sunrise.example" || b["template_id"] != testTemplateID || b["reference"] != "invoice:i1:2:u1" ||
		b["one_click_unsubscribe_url"] != "https://portal.example.gov.uk/unsubscribe?u=u1&k=invoice&t=abc" {
		t.Fatalf("request body %v", b)
	}
	p, _ := b["personalisation"].(map[string]any)
	if p["subject"] != "Invoice INV-1 was queried" || !strings.Contains(p["body"].(string), "the hours do not match the care plan") ||
		p["link"] != "https://portal.example.gov.uk/invoices/i1" || p["service_name"] != "Northbridge Care Portal" ||
		!strings.HasPrefix(p["reason"].(string), "You get this email because") {
		t.Fatalf("personalisation %v", p)
	}
	if e := entry(t, ob, "invoice:i1:2:u1"); e.Status != StatusSent || !strings.HasPrefix(e.Method, "GOV.UK Notify (http://127.0.0.1:") {
		t.Fatalf("entry %+v", e)
	}
}

func TestNotifyErrorAnswers(t *testing.T) {
	answers := map[string][2]any{
		"bad@x.example":     {400, `{"status_code":400,"errors":[{"error":"BadRequestError","message":"Missing personalisation: body"}]}`},
		"limit@x.example":   {429, `{"status_code":429,"errors":[{"error":"RateLimitError","message":"Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds"}]}`},
		"down@x.example":    {500, `{"status_code":500,"errors":[{"error":"Exception","message":"Internal server error"}]}`},
		"revoked@x.example": {403, `{"status_code":403,"errors":[{"error":"AuthError","message":"Invalid token: API key revoked"}]}`},
	}
	ns := &notifyServer{t: t, status: func(to string) (int, string) {
		a := answers[to]
		return a[0].(int), a[1].(string)
	}}
	c := &clock{t: time.Now()}
	ob := newOutbox(t, notifyTransport(t, ns), c, Options{})
	ctx := storetest.Context(t)
	for _, to := range []string{"bad@x.example", "limit@x.example", "down@x.example", "revoked@x.example"} {
		mustEnqueue(t, ob, testMessage(t, to, to))
	}
	res, err := ob.DeliverDue(ctx)
	if err != nil || res != (Result{Retrying: 2, Failed: 2}) {
		t.Fatalf("deliver: %+v %v", res, err)
	}
	want := map[string]struct {
		status Status
		reason string
	}{
		"bad@x.example":     {StatusFailed, "GOV.UK Notify answered 400: BadRequestError: Missing personalisation: body"},
		"limit@x.example":   {StatusQueued, "GOV.UK Notify answered 429: RateLimitError: Exceeded rate limit"},
		"down@x.example":    {StatusQueued, "GOV.UK Notify answered 500: Exception: Internal server error"},
		"revoked@x.example": {StatusFailed, "GOV.UK Notify answered 403: AuthError: Invalid token: API key revoked (check PORTAL_NOTIFY_API_KEY)"},
	}
	for id, w := range want {
		e := entry(t, ob, id)
		if e.Status != w.status || !strings.HasPrefix(e.LastError, w.reason) {
			t.Errorf("%s: %s %q, want %s %q", id, e.Status, e.LastError, w.status, w.reason)
		}
	}

	// A key signed with another secret is refused by Notify: failed, not retried.
	other := NewNotify(NotifySettings{BaseURL: strings.TrimSuffix(notifyTransport(t, ns).(*Notify).s.BaseURL, "/"),
		ServiceID: testServiceID, SecretKey: "00000000-0000-0000-0000-000000000000", TemplateID: testTemplateID, Timeout: 5 * time.Second}, nil)
	ob2 := newOutbox(t, other, c, Options{})
	mustEnqueue(t, ob2, testMessage(t, "wrong-key", "ann@sunrise.example"))
	if res, err := ob2.DeliverDue(ctx); err != nil || res.Failed != 1 {
		t.Fatalf("wrong key: %+v %v", res, err)
	}
	if e := entry(t, ob2, "wrong-key"); !strings.Contains(e.LastError, "403") {
		t.Errorf("wrong key reason %q", e.LastError)
	}
}

func TestSettingsCheck(t *testing.T) {
	good := "smtp://portal:pw@smtp.example.gov.uk:587"
	cases := []struct {
		name string
		s    Settings
		want string // substring of the error; "" means no error
	}{
		{"none", Settings{}, ""},
		{"smtp", Settings{SMTPURL: good, MailFrom: "portal@council.gov.uk"}, ""},
		{"smtp tls", Settings{SMTPURL: good + "?tls=tls", MailFrom: "Portal <portal@council.gov.uk>"}, ""},
		{"notify", Settings{NotifyAPIKey: testNotifyKey, NotifyTemplateID: testTemplateID}, ""},
		{"bad scheme", Settings{SMTPURL: "http://x:25", MailFrom: "a@b.example"}, "PORTAL_SMTP_URL: must start with smtp://"},
		{"no port", Settings{SMTPURL: "smtp://host", MailFrom: "a@b.example"}, "PORTAL_SMTP_URL: needs a host and a port"},
		{"bad port", Settings{SMTPURL: "smtp://host:99999", MailFrom: "a@b.example"}, "PORTAL_SMTP_URL: port \"99999\""},
		{"bad tls", Settings{SMTPURL: "smtp://host:25?tls=maybe", MailFrom: "a@b.example"}, "PORTAL_SMTP_URL: tls=maybe is not one of"},
		{"unknown option", Settings{SMTPURL: "smtp://host:25?auth=plain", MailFrom: "a@b.example"}, "PORTAL_SMTP_URL: unknown option \"auth\""},
		{"password in clear", Settings{SMTPURL: "smtp://u:secretpw@relay.example:25?tls=none", MailFrom: "a@b.example"}, "would cross the network unencrypted"},
		{"no from", Settings{SMTPURL: good}, "PORTAL_MAIL_FROM: is required"},
		{"bad from", Settings{SMTPURL: good, MailFrom: "portal"}, "PORTAL_MAIL_FROM: \"portal\" is not an email address"},
		{"from alone", Settings{MailFrom: "a@b.example"}, "PORTAL_MAIL_FROM: is set but PORTAL_SMTP_URL is not"},
		{"both", Settings{SMTPURL: good, MailFrom: "a@b.example", NotifyAPIKey: testNotifyKey, NotifyTemplateID: testTemplateID}, "PORTAL_NOTIFY_API_KEY: set either"},
		{"bad key", Settings{NotifyAPIKey: "abc-123", NotifyTemplateID: testTemplateID}, "PORTAL_NOTIFY_API_KEY: is not a Notify API key"},
		{"no template", Settings{NotifyAPIKey: testNotifyKey}, "PORTAL_NOTIFY_TEMPLATE_ID: is required"},
		{"bad notify url", Settings{NotifyAPIKey: testNotifyKey, NotifyTemplateID: testTemplateID, NotifyURL: "ftp://x"}, "PORTAL_NOTIFY_URL:"},
		{"url alone", Settings{NotifyURL: "https://x.example"}, "PORTAL_NOTIFY_URL: is set but PORTAL_NOTIFY_API_KEY is not"},
	}
	for _, tc := range cases {
		tr, err := tc.s.Check()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		case tc.want != "" && strings.Contains(err.Error(), "secretpw"):
			t.Errorf("%s: the password is in the error: %v", tc.name, err)
		case tc.want == "" && tc.name == "none" && tr != nil:
			t.Errorf("none: transport %T", tr)
		}
	}
	tr, _ := Settings{SMTPURL: good, MailFrom: "a@b.example"}.Check()
	if s, ok := tr.(*SMTP); !ok || s.s.TLS != TLSStartTLS || s.s.Port != 587 || s.s.Username != "portal" || s.s.Password != "pw" {
		t.Errorf("smtp default: %#v", tr)
	}
	tr, _ = Settings{NotifyAPIKey: testNotifyKey, NotifyTemplateID: testTemplateID}.Check()
	if n, ok := tr.(*Notify); !ok || n.s.BaseURL != DefaultNotifyURL || n.s.ServiceID != testServiceID || n.s.SecretKey != testSecret || n.s.KeyName != "my_test-key" {
		t.Errorf("notify: %#v", tr)
	}
}
